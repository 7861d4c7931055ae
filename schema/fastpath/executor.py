"""The fast path: an execution context class that builds planned subtrees itself.

graphql-core (the reference) executes field by field: a resolve info, a resolver call, an
awaitable check and a completion per field, a Task per async value. For a 100-device page that is
thousands of fields, and most of them are plain attributes. This subclass of Strawberry's
execution context takes over wherever the reference completes an object (`collect_and_execute_
subfields`) whose selection set has a plan (`plan.py`), in two phases:

1. **Prefetch, level by level.** From the object down, the objects of each level are gathered
   (the page's devices, then all their parcels, ...). Each known relation (`known.py`) is loaded
   for the whole level with one `load_many` on the request's own DataLoaders (tenant scope and
   all), then its resolver is called for every object of the level (it finds its row in the
   loader's cache); a resolver that still suspends is driven by `Scheduler`, without a Task.
2. **Build, depth first.** The response dicts are built in the reference's field order from the
   plan: attributes read and coerced inline, synchronous `self`-only resolvers called, known
   relations' values taken from phase 1, `__typename` written.

Anything unusual is handed back to the reference for that one field (or list item), with its
real path: a field the plan does not cover (an unknown resolver, a permission class, an
extension, an abstract type), a None where the type is non-null, a value the fast coercion does
not cover, a resolver's exception. Errors, paths, masking and null propagation are then the
reference's own; an error that propagates out of a field the reference completed later (an
awaitable) is propagated through the frames of the built subtree exactly as the reference would.
"""

import asyncio
import logging
from collections.abc import Awaitable, Hashable
from contextlib import suppress
from types import CoroutineType, GeneratorType
from typing import Any, ClassVar

from graphql import GraphQLObjectType, OperationType
from graphql.execution.collect_fields import FieldDetails
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import get_arguments

from schema.fastpath.cache import PlanCache, operation_key
from schema.fastpath.known import known_resolvers
from schema.fastpath.plan import (
    ATTR,
    BATCH,
    LEAF,
    LEAF_LIST,
    MISSING,
    OBJECT,
    OBJECT_LIST,
    SYNC,
    TYPENAME,
    FieldPlan,
    ObjectPlan,
    Planner,
)
from schema.fastpath.scheduler import Failure, Group, Scheduler

logger = logging.getLogger("gateway.fastpath")

_MISSING = MISSING
# Classes whose instances are neither awaitable nor exceptions (nor Undefined), as learnt.
PLAIN_CLASSES: dict[type, bool] = {}
_NO_PLAN: Any = object()
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1

# A frame is where a built object sits, for propagating an error that arrives later:
# (parent frame, container, key, the slot's GraphQL type, field details, path).
Frame = tuple[Any, Any, Any, Any, list[FieldDetails], Any] | None


def real_path(path: Any) -> Path | None:
    """The graphql-core `Path` of a path built as plain tuples `(prev, key, typename)`."""
    if path is None or type(path) is Path:
        return path
    return Path(real_path(path[0]), path[1], path[2])


class _Run:
    """What one fast-path entry holds while it runs (plans hold nothing of a request)."""

    __slots__ = ("arguments", "memo", "pending", "scheduler")

    def __init__(self) -> None:
        self.memo: dict[int, dict[int, Any]] = {}
        self.pending: list[tuple[Any, Any, Awaitable[Any], Frame]] = []
        self.scheduler = Scheduler()
        # Per known resolver: its converted keyword arguments (with `info`), or None when the
        # arguments do not convert (the reference then reports that for every object).
        self.arguments: dict[int, dict[str, Any] | None] = {}


class FastExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context with the fast path in front of object completion."""

    plan_cache: ClassVar[PlanCache]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The fast path takes queries only, and steps aside for anything that changes how every
        # field runs: middleware (a schema extension's `resolve` hook) or an abort signal.
        middleware = self.middleware_manager
        self._fast = (
            self.operation.operation is OperationType.QUERY
            and (middleware is None or not middleware.middlewares)
            and self.abort_signal is None
        )
        self._plans: dict[Hashable, ObjectPlan | None] | None = None
        self._planner: Planner | None = None

    # -- planning ------------------------------------------------------------------------------

    def _operation_plans(self) -> dict[Hashable, ObjectPlan | None]:
        plans = self._plans
        if plans is None:
            key = operation_key(
                self.plan_cache,
                self.operation,
                self.fragment_definitions.values(),
                self.variable_values.coerced,
            )
            plans = self._plans = {} if key is None else self.plan_cache.plans(key)
        return plans

    def _plan_for(
        self, return_type: GraphQLObjectType, fdl: list[FieldDetails], path: Path
    ) -> ObjectPlan | None:
        plans = self._operation_plans()
        keys = []
        segment: Path | None = path
        while segment is not None:
            if segment.typename is not None:
                keys.append((segment.key, segment.typename))
            segment = segment.prev
        key = (tuple(keys), return_type.name)
        plan = plans.get(key, _NO_PLAN)
        if plan is _NO_PLAN:
            try:
                plan = self._new_planner().plan(return_type, fdl)
            except Exception:
                logger.exception("fast path: no plan for %s at %s", return_type.name, key)
                plan = None
            plans[key] = plan
        return plan

    def _new_planner(self) -> Planner:
        planner = self._planner
        if planner is None:
            strawberry_schema = self.schema._strawberry_schema  # type: ignore[attr-defined]
            converter = strawberry_schema.schema_converter
            planner = self._planner = Planner(
                self.schema,
                self.fragments,
                self.variable_values,
                self.operation,
                self.hide_suggestions,
                known_resolvers(),
                bool(converter.exception_handlers),
            )
        return planner

    # -- the seam ------------------------------------------------------------------------------

    def collect_and_execute_subfields(
        self,
        return_type: GraphQLObjectType,
        field_details_list: list[FieldDetails],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        if self._fast and position_context is None and not return_type.name.startswith("__"):
            # (Introspection types are graphql-core's own: nothing there for the fast path.)
            plan = self._plan_for(return_type, field_details_list, path)
            if plan is not None:
                return self._execute_plan(plan, result, path)
        return super().collect_and_execute_subfields(
            return_type, field_details_list, path, result, position_context
        )

    def _execute_plan(self, plan: ObjectPlan, source: Any, path: Path) -> Any:
        run = _Run()
        if plan.needs_prefetch:
            return self._execute_async(run, plan, source, path)
        data = self._build_or_settle(run, plan, source, path)
        if run.pending:
            return self._settled(run, data)
        return data

    async def _execute_async(self, run: _Run, plan: ObjectPlan, source: Any, path: Path) -> Any:
        await self._prefetch(run, plan, source)
        data = self._build_or_settle(run, plan, source, path)
        if run.pending:
            await self._settle(run)
        return data

    def _build_or_settle(self, run: _Run, plan: ObjectPlan, source: Any, path: Path) -> Any:
        try:
            return self._build(run, plan, source, path, None)
        except Exception:
            # The entry object fails as a whole: what the reference started must still settle.
            if run.pending:
                self.settle_in_background([entry[2] for entry in run.pending])
                run.pending = []
            raise

    async def _settled(self, run: _Run, data: Any) -> Any:
        await self._settle(run)
        return data

    # -- phase 1: prefetch, level by level -----------------------------------------------------

    async def _prefetch(self, run: _Run, plan: ObjectPlan, source: Any) -> None:
        scheduler = run.scheduler
        level: list[tuple[ObjectPlan, list[Any]]] = [(plan, [source])]
        try:
            while level:
                await self._load_level(run, level)
                level = self._next_level(run, level)
            await scheduler.run()
        except BaseException:
            scheduler.cancel()
            raise

    async def _load_level(self, run: _Run, level: list[tuple[ObjectPlan, list[Any]]]) -> None:
        context = self.context_value
        scheduler = run.scheduler
        walked = Group()
        primed: list[tuple[ObjectPlan, FieldPlan, list[Any], dict[str, Any]]] = []
        loads: list[tuple[Any, list[Any], Any]] = []
        # To-one relations filled from their batch: (field, objects, each one's key, load index).
        direct: list[tuple[FieldPlan, list[Any], list[Any], int | None]] = []
        for plan, objects in level:
            for field in plan.phase1:
                if field.source == SYNC:
                    self._call_sync(run, field, objects)
                    continue
                kwargs = self._arguments(run, plan, field)
                if kwargs is None:
                    continue
                batch = field.known.batch if field.known is not None else None
                loader = None
                if batch is not None:
                    try:
                        loader = batch.loader(context, kwargs)
                    except Exception:
                        loader = None
                if loader is None:
                    # Its own loads, all made in this turn, are the batch.
                    self._call_known(run, field, objects, kwargs, walked)
                    continue
                keys = []
                parent_keys = []
                for parent in objects:
                    try:
                        key = batch.key(parent)  # type: ignore[union-attr]
                    except Exception:
                        continue
                    parent_keys.append(key)
                    if key is not None:
                        keys.append(key)
                index = None
                if keys:
                    index = len(loads)
                    loads.append((loader, keys, loader.load_many(keys)))
                if batch.wrap is not None and len(parent_keys) == len(objects):  # type: ignore[union-attr]
                    direct.append((field, objects, parent_keys, index))
                else:
                    primed.append((plan, field, objects, kwargs))
        outcomes: list[Any] = []
        if loads:
            outcomes = await asyncio.gather(*(load[2] for load in loads), return_exceptions=True)
            for (loader, keys, _future), outcome in zip(loads, outcomes, strict=True):
                if isinstance(outcome, Exception):
                    # A failed batch is not cached by aiodataloader: keep its error so that the
                    # resolvers get it as the reference's would, without a second batch.
                    for key in keys:
                        loader.prime(key, outcome)
        for field, objects, parent_keys, index in direct:
            if index is not None and isinstance(outcomes[index], Exception):
                # The resolvers raise the batch's error, each where the reference would.
                kwargs = run.arguments[field.slot]
                assert kwargs is not None
                self._call_known(run, field, objects, kwargs, walked)
            else:
                self._fill(run, field, objects, parent_keys, loads, outcomes, index)
        for _plan, field, objects, kwargs in primed:
            self._call_known(run, field, objects, kwargs, walked)
        if walked.remaining:
            await scheduler.run(walked)

    @staticmethod
    def _fill(
        run: _Run,
        field: FieldPlan,
        objects: list[Any],
        parent_keys: list[Any],
        loads: list[tuple[Any, list[Any], Any]],
        outcomes: list[Any],
        index: int | None,
    ) -> None:
        """A to-one relation's values, as its resolver would return them: None for a None key,
        else `wrap(loaded value)` (see `known.Batch`)."""
        memo = run.memo.setdefault(field.slot, {})
        wrap = field.known.batch.wrap  # type: ignore[union-attr]
        loaded = {} if index is None else dict(zip(loads[index][1], outcomes[index], strict=True))
        for parent, key in zip(objects, parent_keys, strict=True):
            if key is None:
                memo[id(parent)] = None
                continue
            try:
                memo[id(parent)] = wrap(loaded[key])
            except Exception as error:
                memo[id(parent)] = Failure(error)

    def _arguments(self, run: _Run, plan: ObjectPlan, field: FieldPlan) -> dict[str, Any] | None:
        """A known resolver's keyword arguments for this run, converted by Strawberry once (the
        same for every object: one field node, one set of variables)."""
        slot = field.slot
        if slot in run.arguments:
            return run.arguments[slot]
        kwargs: dict[str, Any] | None
        try:
            details = field.fdl[0]
            field_def = field.field_def
            assert field_def is not None
            raw = (
                get_argument_values(
                    field_def,
                    details.node,
                    self.variable_values,
                    details.fragment_variable_values,
                    self.hide_suggestions,
                )
                if field_def.args or details.node.arguments
                else {}
            )
            graphql_info = self.build_resolve_info(
                field_def, field.nodes, plan.type, Path(None, field.name, plan.name)
            )
            strawberry_schema = self.schema._strawberry_schema  # type: ignore[attr-defined]
            info = strawberry_schema.config.info_class(_raw_info=graphql_info, _field=field.sfield)
            _args, kwargs = get_arguments(
                field=field.sfield,  # type: ignore[arg-type]
                source=None,
                info=info,
                kwargs=raw,
                config=strawberry_schema.config,
                scalar_registry=strawberry_schema.schema_converter.scalar_registry,
            )
        except Exception:
            kwargs = None  # every object goes to the reference, which reports it
        run.arguments[slot] = kwargs
        return kwargs

    def _call_sync(self, run: _Run, field: FieldPlan, objects: list[Any]) -> None:
        memo = run.memo.setdefault(field.slot, {})
        call = field.call
        assert call is not None
        for parent in objects:
            try:
                memo[id(parent)] = call(parent)
            except Exception as error:
                memo[id(parent)] = Failure(error)

    def _call_known(
        self,
        run: _Run,
        field: FieldPlan,
        objects: list[Any],
        kwargs: dict[str, Any],
        walked: Group,
    ) -> None:
        memo = run.memo.setdefault(field.slot, {})
        call = field.call
        assert call is not None
        scheduler = run.scheduler
        group = walked if field.walk else None
        is_awaitable = self.is_awaitable
        for parent in objects:
            try:
                value = call(parent, **kwargs)
            except Exception as error:
                memo[id(parent)] = Failure(error)
                continue
            if type(value) is CoroutineType:
                # Its first step here: a resolver whose rows are primed finishes in it.
                try:
                    yielded = value.send(None)
                except StopIteration as stop:
                    memo[id(parent)] = stop.value
                except Exception as error:
                    memo[id(parent)] = Failure(error)
                else:
                    scheduler.adopt(value, yielded, memo, id(parent), group)
            elif is_awaitable(value):
                scheduler.start(_awaited(value), memo, id(parent), group)
            else:
                memo[id(parent)] = value

    def _next_level(
        self, run: _Run, level: list[tuple[ObjectPlan, list[Any]]]
    ) -> list[tuple[ObjectPlan, list[Any]]]:
        found: dict[int, tuple[ObjectPlan, list[Any]]] = {}
        is_awaitable = self.is_awaitable
        for plan, objects in level:
            for field in plan.walks:
                child = field.child
                assert child is not None
                entry = found.get(id(child))
                if entry is None:
                    entry = found[id(child)] = (child, [])
                bucket = entry[1]
                if field.memoized:
                    memo = run.memo.get(field.slot, {})
                    values = [memo.get(id(parent)) for parent in objects]
                else:
                    values = []
                    for parent in objects:
                        try:
                            values.append(getattr(parent, field.attr))
                        except Exception:
                            continue
                is_type_of = field.is_type_of
                items: list[Any] = values
                if field.kind == OBJECT_LIST:
                    items = []
                    for value in values:
                        if type(value) is list or type(value) is tuple:
                            items.extend(value)
                for item in items:
                    if item is None or type(item) is Failure:
                        continue
                    if is_type_of is not None:
                        if is_type_of(item, None):
                            bucket.append(item)
                    elif not (isinstance(item, Exception) or is_awaitable(item)):
                        bucket.append(item)
        return [entry for entry in found.values() if entry[1]]

    # -- phase 2: build, depth first -----------------------------------------------------------

    def _build(self, run: _Run, plan: ObjectPlan, source: Any, path: Any, frame: Frame) -> Any:
        """The response dict of `source` (`path` may be plain tuples; `frame` is where the dict
        will sit, for errors that arrive later): by the plan's generated builder (`compile.py`)
        when it has one, else field by field."""
        builder = plan.builder
        if builder is not None:
            return builder(self, run, source, path, frame)
        out: dict[str, Any] = {}
        for field in plan.fields:
            self._field(run, plan, field, source, path, frame, out)
        return out

    def _field(
        self,
        run: _Run,
        plan: ObjectPlan,
        field: FieldPlan,
        source: Any,
        path: Any,
        frame: Frame,
        out: dict[str, Any],
    ) -> None:
        """One response key of `source` into `out` (raises to propagate an error to the parent,
        as the reference does)."""
        kind = field.kind
        name = field.name
        if kind == TYPENAME:
            out[name] = plan.name
            return
        source_kind = field.source
        # The value.
        if source_kind == ATTR:
            try:
                value = getattr(source, field.attr)
            except Exception:
                self._reference_field(run, plan, field, source, path, frame, out)
                return
        elif source_kind == SYNC and not field.memoized:
            try:
                value = field.call(source)  # type: ignore[misc]
            except Exception as error:
                out[name] = self._field_error(field, error, (path, name, plan.name))
                return
        elif source_kind in (BATCH, SYNC):
            found = run.memo.get(field.slot)
            value = _MISSING if found is None else found.get(id(source), _MISSING)
            if value is _MISSING:
                self._reference_field(run, plan, field, source, path, frame, out)
                return
            if type(value) is Failure:
                out[name] = self._field_error(field, value.error, (path, name, plan.name))
                return
        else:
            self._reference_field(run, plan, field, source, path, frame, out)
            return
        self._complete(run, plan, field, source, path, frame, out, value)

    def _complete(
        self,
        run: _Run,
        plan: ObjectPlan,
        field: FieldPlan,
        source: Any,
        path: Any,
        frame: Frame,
        out: dict[str, Any],
        value: Any,
    ) -> None:
        """Complete a value read or resolved by the fast path; anything unusual goes to the
        reference (which runs the field again if it is a plain attribute: reading it again
        changes nothing)."""
        kind = field.kind
        name = field.name
        if value is _MISSING:  # reading the attribute raised
            self._reference_field(run, plan, field, source, path, frame, out)
            return
        if value is None:
            if field.nullable:
                out[name] = None
                return
        elif kind == LEAF:
            if type(value) is field.pass_type and (
                not field.int_range or _INT_MIN <= value <= _INT_MAX
            ):
                out[name] = value
                return
            completed = self._leaf(field, value)
            if completed is not _MISSING:
                out[name] = completed
                return
        elif kind == OBJECT:
            is_type_of = field.is_type_of
            if is_type_of(value, None) if is_type_of is not None else not self._unusual(value):
                child_path = (path, name, plan.name)
                try:
                    out[name] = self._build(
                        run,
                        field.child,  # type: ignore[arg-type]
                        value,
                        child_path,
                        (frame, out, name, field.return_type, field.fdl, child_path),
                    )
                except Exception as error:
                    self.handle_field_error(
                        error,
                        field.return_type,  # type: ignore[arg-type]
                        field.fdl,
                        real_path(child_path),  # type: ignore[arg-type]
                    )
                    out[name] = None
                return
        elif kind == OBJECT_LIST:
            if type(value) is list or type(value) is tuple:
                out[name] = self._object_list(run, plan, field, value, path, frame, out)
                return
        elif kind == LEAF_LIST and type(value) is list:
            completed = self._leaf_list(field, value)
            if completed is not _MISSING:
                out[name] = completed
                return
        if field.source == ATTR:
            self._reference_field(run, plan, field, source, path, frame, out)
        else:
            self._reference_completion(run, plan, field, value, path, frame, out)

    def _unusual(self, value: Any) -> bool:
        """Whether the reference would treat `value` specially (Undefined, an exception, an
        awaitable), decided once per class: those are properties of the class."""
        plain = PLAIN_CLASSES.get(type(value))
        if plain is None:
            plain = not (
                value is Undefined or isinstance(value, Exception) or self.is_awaitable(value)
            )
            if type(value) is not GeneratorType:  # a generator is awaitable or not by its code
                PLAIN_CLASSES[type(value)] = plain
        return not plain

    def _leaf(self, field: FieldPlan, value: Any) -> Any:
        """The leaf's output as the type's own `coerce_output_value` gives it; _MISSING when the
        reference must complete it (it then raises exactly as it would)."""
        memo = field.enum_memo
        if memo is not None:
            try:
                found = memo.get(value)
            except TypeError:
                found = None
            if found is not None and found[0] is type(value):
                return found[1]
        if self._unusual(value):
            return _MISSING
        try:
            completed = field.leaf.coerce_output_value(value)  # type: ignore[union-attr]
        except Exception:
            return _MISSING
        if completed is None or completed is Undefined:
            return _MISSING
        if memo is not None and type(completed) is str:
            with suppress(TypeError):
                memo[value] = (type(value), completed)
        return completed

    def _leaf_list(self, field: FieldPlan, values: list[Any]) -> Any:
        items = []
        pass_type = field.pass_type
        int_range = field.int_range
        for value in values:
            if value is None:
                if not field.item_nullable:
                    return _MISSING
                items.append(None)
            elif type(value) is pass_type and (not int_range or _INT_MIN <= value <= _INT_MAX):
                items.append(value)
            else:
                completed = self._leaf(field, value)
                if completed is _MISSING:
                    return _MISSING
                items.append(completed)
        return items

    def _object_list(
        self,
        run: _Run,
        plan: ObjectPlan,
        field: FieldPlan,
        values: list[Any] | tuple[Any, ...],
        path: Any,
        frame: Frame,
        out: dict[str, Any],
    ) -> list[Any] | None:
        name = field.name
        list_path = (path, name, plan.name)
        list_frame = (frame, out, name, field.return_type, field.fdl, list_path)
        child = field.child
        item_type = field.item_type
        is_type_of = field.is_type_of
        items: list[Any] = []
        try:
            for index, item in enumerate(values):
                item_path = (list_path, index, None)
                if item is None:
                    if field.item_nullable:
                        items.append(None)
                        continue
                elif is_type_of(item, None) if is_type_of is not None else not self._unusual(item):
                    try:
                        items.append(
                            self._build(
                                run,
                                child,  # type: ignore[arg-type]
                                item,
                                item_path,
                                (list_frame, items, index, item_type, field.fdl, item_path),
                            )
                        )
                    except Exception as error:
                        self.handle_field_error(
                            error,
                            item_type,  # type: ignore[arg-type]
                            field.fdl,
                            real_path(item_path),  # type: ignore[arg-type]
                        )
                        items.append(None)
                    continue
                # An unusual item: the reference completes it.
                info = self.build_resolve_info(
                    field.field_def,  # type: ignore[arg-type]
                    field.nodes,
                    plan.type,
                    real_path(list_path),  # type: ignore[arg-type]
                )
                if self.complete_list_item_value(
                    item, items, item_type, field.fdl, info, real_path(item_path), None
                ):
                    awaitable, items[-1] = items[-1], None
                    run.pending.append((items, index, awaitable, list_frame))
        except Exception as error:
            self.handle_field_error(
                error,
                field.return_type,  # type: ignore[arg-type]
                field.fdl,
                real_path(list_path),  # type: ignore[arg-type]
            )
            return None
        return items

    # -- handing back to the reference ---------------------------------------------------------

    def _reference_field(
        self,
        run: _Run,
        plan: ObjectPlan,
        field: FieldPlan,
        source: Any,
        path: Any,
        frame: Frame,
        out: dict[str, Any],
    ) -> None:
        """The reference executes the field (resolver, completion, errors); an awaitable result
        is settled after the build."""
        result = self.execute_field(
            plan.type,
            source,
            field.fdl,
            real_path((path, field.name, plan.name)),  # type: ignore[arg-type]
            None,
        )
        if result is Undefined:
            return
        if self.is_awaitable(result):
            out[field.name] = None
            run.pending.append((out, field.name, result, frame))
        else:
            out[field.name] = result

    def _reference_completion(
        self,
        run: _Run,
        plan: ObjectPlan,
        field: FieldPlan,
        value: Any,
        path: Any,
        frame: Frame,
        out: dict[str, Any],
    ) -> None:
        """The reference completes a value the fast path read (as `execute_field` does after
        calling the resolver)."""
        field_path = real_path((path, field.name, plan.name))
        return_type = field.return_type
        try:
            info = self.build_resolve_info(
                field.field_def,  # type: ignore[arg-type]
                field.nodes,
                plan.type,
                field_path,  # type: ignore[arg-type]
            )
            completed = self.complete_value(
                return_type,  # type: ignore[arg-type]
                field.fdl,
                info,
                field_path,  # type: ignore[arg-type]
                value,
                None,
            )
            if self.is_awaitable(completed):
                out[field.name] = None
                run.pending.append(
                    (out, field.name, self._await_completed(completed, field, field_path), frame)
                )
                return
        except Exception as error:
            self.handle_field_error(error, return_type, field.fdl, field_path)  # type: ignore[arg-type]
            completed = None
        out[field.name] = completed

    async def _await_completed(
        self, completed: Awaitable[Any], field: FieldPlan, path: Path | None
    ) -> Any:
        try:
            return await completed
        except Exception as error:
            self.handle_field_error(error, field.return_type, field.fdl, path)  # type: ignore[arg-type]
            return None

    def _field_error(self, field: FieldPlan, error: Exception, path: Any) -> None:
        """A resolver's exception, reported as the reference reports it (raises when the field
        is non-null, so that its parent is nulled)."""
        self.handle_field_error(error, field.return_type, field.fdl, real_path(path))  # type: ignore[arg-type]

    async def _settle(self, run: _Run) -> None:
        """Await what the reference started during the build; an error that propagates out of
        one nulls the nearest nullable ancestor, as in the reference."""
        pending, run.pending = run.pending, []
        if len(pending) == 1:
            await self._settle_one(*pending[0])
        else:
            await gather_with_cancel(*(self._settle_one(*entry) for entry in pending))
        if run.pending:  # completions that started more work
            await self._settle(run)

    async def _settle_one(
        self, container: Any, key: Any, awaitable: Awaitable[Any], frame: Frame
    ) -> None:
        try:
            container[key] = await awaitable
        except Exception as error:
            self._propagate(error, frame)

    def _propagate(self, error: Exception, frame: Frame) -> None:
        while frame is not None:
            parent, container, key, slot_type, fdl, path = frame
            try:
                self.handle_field_error(error, slot_type, fdl, real_path(path))  # type: ignore[arg-type]
            except Exception as raised:
                error, frame = raised, parent
                continue
            container[key] = None
            return
        raise error


async def _awaited(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


def execution_context_class(cache_size: int) -> type[FastExecutionContext]:
    """A fast execution context class with its own plan cache (one per schema)."""
    return type(
        "FastExecutionContext", (FastExecutionContext,), {"plan_cache": PlanCache(cache_size)}
    )

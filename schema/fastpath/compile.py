"""A Python builder generated per plan: each response key written without a loop or a call.

The generated function writes a plan's response keys in order. For each field it reads the
value (an attribute, a `self`-only resolver's result, or a known resolver's value from the
prefetch), then writes the usual cases inline: a string, boolean or 32-bit int as it is, null
where allowed, an enum value already seen, a scalar of a class already seen coerced by the type's
own `coerce_output_value`, a child object through its own builder. Every other case calls the
executor's general code (`_field`, `_complete`), which holds all the rules and hands the unusual
to the reference executor.

The source holds no client text: response names (aliases), field plans, types and memos are bound
as closure variables by position, attribute names are the schema's own Python identifiers
(checked), so compiling cannot be steered by a document; plans (hence builders) are cached per
operation.
"""

import keyword
from collections.abc import Callable
from typing import Any

from graphql.pyutils import Undefined

from schema.fastpath.plan import (
    ATTR,
    LEAF,
    LEAF_LIST,
    MISSING,
    OBJECT,
    OBJECT_LIST,
    SYNC,
    TYPENAME,
    FieldPlan,
    ObjectPlan,
)

Builder = Callable[..., dict[str, Any]]
_CONSTANTS = (
    "plan",
    "type_name",
    "MISSING",
    "UNDEFINED",
    "FAILURE",
    "EMPTY",
    "plain",
    "real_path",
)


class _Source:
    """The generated source of one plan, and the values its closure binds."""

    def __init__(self, plan: ObjectPlan) -> None:
        self.plan = plan
        self.lines: list[str] = []
        self.bound: dict[str, Any] = {}
        self.prologue: list[str] = []

    def bind(self, name: str, value: Any) -> str:
        self.bound[name] = value
        return name

    def emit(self, indent: int, *lines: str) -> None:
        self.lines += [" " * indent + line for line in lines]


def _complete_call(i: int) -> str:
    return f"complete(run, plan, f{i}, source, path, frame, out, v)"


def _completion(src: _Source, field: FieldPlan, i: int, at: int) -> None:
    """Lines that write `v`, the value of field `i`, into `out` (indented by `at`)."""
    n = f"n{i}"
    slow = _complete_call(i)
    kind = field.kind
    null = ["if v is None:", f"    out[{n}] = None" if field.nullable else f"    {slow}"]
    if kind == LEAF and field.pass_type is not None:
        check = f"type(v) is {field.pass_type.__name__}"
        if field.int_range:
            check += " and -2147483648 <= v <= 2147483647"
        src.emit(at, f"if {check}:", f"    out[{n}] = v", *(f"el{line}" for line in null[:1]))
        src.emit(at, null[1], "else:", f"    {slow}")
    elif kind == LEAF and field.enum_memo is not None:
        src.bind(f"m{i}", field.enum_memo)
        src.emit(
            at,
            f"if type(v) is str and (e := m{i}.get(v)) is not None and e[0] is str:",
            f"    out[{n}] = e[1]",
            f"el{null[0]}",
            null[1],
            "else:",
            f"    {slow}",
        )
    elif kind == LEAF:
        src.bind(f"co{i}", field.leaf.coerce_output_value)  # type: ignore[union-attr]
        src.emit(
            at,
            *null,
            "elif plain(type(v)):",
            "    try:",
            f"        c = co{i}(v)",
            "    except Exception:",
            "        c = MISSING",
            "    if c is None or c is MISSING or c is UNDEFINED:",
            f"        {slow}",
            "    else:",
            f"        out[{n}] = c",
            "else:",
            f"    {slow}",
        )
    elif kind == OBJECT:
        src.bind(f"rt{i}", field.return_type)
        src.bind(f"fd{i}", field.fdl)
        child = field.child
        assert child is not None
        if field.is_type_of is not None:
            check = f"t{i}(v, None)"
            src.bind(f"t{i}", field.is_type_of)
        else:
            check = "plain(type(v))"
        if child.builder is not None:
            src.bind(f"b{i}", child.builder)
            call = f"b{i}(executor, run, v, cp, (frame, out, {n}, rt{i}, fd{i}, cp))"
        else:
            src.bind(f"ch{i}", child)
            call = f"build(run, ch{i}, v, cp, (frame, out, {n}, rt{i}, fd{i}, cp))"
        src.emit(
            at,
            *null,
            f"elif {check}:",
            f"    cp = (path, {n}, type_name)",
            "    try:",
            f"        out[{n}] = {call}",
            "    except Exception as error:",
            f"        handle(error, rt{i}, fd{i}, real_path(cp))",
            f"        out[{n}] = None",
            "else:",
            f"    {slow}",
        )
    elif kind == OBJECT_LIST:
        src.emit(
            at,
            *null,
            "elif type(v) is list or type(v) is tuple:",
            f"    out[{n}] = object_list(run, plan, f{i}, v, path, frame, out)",
            "else:",
            f"    {slow}",
        )
    elif kind == LEAF_LIST:
        src.emit(
            at,
            *null,
            "elif type(v) is list:",
            f"    c = leaf_list(f{i}, v)",
            "    if c is MISSING:",
            f"        {slow}",
            "    else:",
            f"        out[{n}] = c",
            "else:",
            f"    {slow}",
        )
    else:  # pragma: no cover - REFERENCE fields never reach here
        src.emit(at, slow)


def _field(src: _Source, field: FieldPlan, i: int) -> None:
    n = src.bind(f"n{i}", field.name)
    src.bind(f"f{i}", field)
    kind, source = field.kind, field.source
    if kind == TYPENAME:
        src.emit(4, f"out[{n}] = type_name")
    elif source == ATTR:
        attr = field.attr
        if attr.isidentifier() and not keyword.iskeyword(attr) and not attr.startswith("__"):
            read = f"source.{attr}"
        else:
            read = f"getattr(source, {src.bind(f'a{i}', attr)})"
        src.emit(4, "try:", f"    v = {read}", "except Exception:", "    v = MISSING")
        # MISSING (the read raised) is not a plain value: `complete` hands it to the reference.
        _completion(src, field, i, 4)
    elif source == SYNC and not field.memoized:
        src.bind(f"c{i}", field.call)
        src.emit(
            4,
            "try:",
            f"    v = c{i}(source)",
            "except Exception as error:",
            f"    out[{n}] = field_error(f{i}, error, (path, {n}, type_name))",
            "else:",
        )
        _completion(src, field, i, 8)
    elif field.memoized:
        src.bind(f"s{i}", field.slot)
        src.prologue.append(f"    mm{i} = memo.get(s{i}, EMPTY)")
        src.emit(
            4,
            f"v = mm{i}.get(id(source), MISSING)",
            "if v is MISSING:",
            f"    one(run, plan, f{i}, source, path, frame, out)",
            "elif type(v) is FAILURE:",
            f"    out[{n}] = field_error(f{i}, v.error, (path, {n}, type_name))",
            "else:",
        )
        _completion(src, field, i, 8)
    else:
        src.emit(4, f"one(run, plan, f{i}, source, path, frame, out)")


def compile_builder(plan: ObjectPlan) -> Builder:
    """The generated builder of `plan`."""
    from schema.fastpath.executor import PLAIN_CLASSES, real_path
    from schema.fastpath.scheduler import Failure

    src = _Source(plan)
    for index, field in enumerate(plan.fields):
        _field(src, field, index)
    names = sorted(src.bound)
    text = "\n".join(
        [
            f"def make({', '.join([*names, *_CONSTANTS])}):",
            "  def build(executor, run, source, path, frame):",
            "    one = executor._field",
            "    complete = executor._complete",
            "    field_error = executor._field_error",
            "    handle = executor.handle_field_error",
            "    build = executor._build",
            "    object_list = executor._object_list",
            "    leaf_list = executor._leaf_list",
            "    memo = run.memo",
            *src.prologue,
            "    out = {}",
            *src.lines,
            "    return out",
            "  return build",
        ]
    )
    namespace: dict[str, Any] = {}
    exec(compile(text, f"<fast path builder of {plan.name}>", "exec"), namespace)
    return namespace["make"](
        **src.bound,
        plan=plan,
        type_name=plan.name,
        MISSING=MISSING,
        UNDEFINED=Undefined,
        FAILURE=Failure,
        EMPTY={},
        # Truthy for a class whose instances the reference completes as ordinary values.
        plain=PLAIN_CLASSES.get,
        real_path=real_path,
    )

"""Drives many resolver coroutines on one task, without a Task per coroutine.

A DataLoader-backed resolver suspends at most once per batch; wrapping each of a page's hundreds
of them in an asyncio Task (as graphql-core's gather does) costs more than the resolver itself.
Here a coroutine is stepped by hand: when it waits on a future, a done-callback puts it back in
the ready queue, exactly what a Task does, minus the Task. Any future wakes its own coroutine, so
coroutines that wait on each other (a semaphore, a shared batch) cannot deadlock.
"""

import asyncio
from collections import deque
from collections.abc import Coroutine
from contextlib import suppress
from typing import Any


class Failure:
    """A resolver's exception, kept where its value would be (the reference then reports it)."""

    __slots__ = ("error",)

    def __init__(self, error: Exception) -> None:
        self.error = error


class Group:
    """Coroutines a caller waits for together (one level's relations)."""

    __slots__ = ("remaining",)

    def __init__(self) -> None:
        self.remaining = 0


class _Item:
    __slots__ = ("coro", "group", "key", "results", "scheduler", "waiting")

    def __init__(
        self,
        scheduler: "Scheduler",
        coro: Coroutine[Any, Any, Any],
        results: dict[int, Any],
        key: int,
        group: Group | None,
    ) -> None:
        self.scheduler = scheduler
        self.coro = coro
        self.results = results
        self.key = key
        self.group = group
        self.waiting: asyncio.Future[Any] | None = None

    def wake(self, _future: "asyncio.Future[Any]") -> None:
        self.waiting = None
        self.scheduler.wake(self)


class Scheduler:
    """Steps coroutines; each one's value (or `Failure`) lands in `results[key]`."""

    __slots__ = ("_later", "_live", "_ready", "_waiter")

    def __init__(self) -> None:
        self._ready: deque[_Item] = deque()
        self._later: list[_Item] = []
        self._live: set[_Item] = set()
        self._waiter: asyncio.Future[None] | None = None

    def start(
        self,
        coro: Coroutine[Any, Any, Any],
        results: dict[int, Any],
        key: int,
        group: Group | None = None,
    ) -> None:
        """Run `coro` up to its first suspension now (a primed DataLoader finishes it here)."""
        item = _Item(self, coro, results, key, group)
        if group is not None:
            group.remaining += 1
        self._live.add(item)
        self._step(item, None)

    def adopt(
        self,
        coro: Coroutine[Any, Any, Any],
        yielded: Any,
        results: dict[int, Any],
        key: int,
        group: Group | None = None,
    ) -> None:
        """Drive `coro`, already stepped once (it yielded `yielded`), to its end."""
        item = _Item(self, coro, results, key, group)
        if group is not None:
            group.remaining += 1
        self._live.add(item)
        self._park(item, yielded)

    def wake(self, item: _Item) -> None:
        self._ready.append(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    @property
    def idle(self) -> bool:
        return not self._live

    def _finish(self, item: _Item, value: Any) -> None:
        item.results[item.key] = value
        self._live.discard(item)
        if item.group is not None:
            item.group.remaining -= 1

    def _step(self, item: _Item, error: BaseException | None) -> None:
        try:
            yielded = item.coro.send(None) if error is None else item.coro.throw(error)
        except StopIteration as stop:
            self._finish(item, stop.value)
            return
        except Exception as raised:
            self._finish(item, Failure(raised))
            return
        # A BaseException (cancellation, KeyboardInterrupt) propagates to the caller.
        self._park(item, yielded)

    def _park(self, item: _Item, yielded: Any) -> None:
        blocking = getattr(yielded, "_asyncio_future_blocking", None)
        if blocking is not None:
            # `await future`: resume once it is done, as a Task's wakeup would.
            yielded._asyncio_future_blocking = False
            item.waiting = yielded
            yielded.add_done_callback(item.wake)
        elif yielded is None:
            self._later.append(item)  # a bare yield (`asyncio.sleep(0)`): after one loop turn
        else:
            self._step(item, RuntimeError(f"a resolver yielded {yielded!r}, not a future"))

    async def run(self, group: Group | None = None) -> None:
        """Step ready coroutines until `group` (else every coroutine) is done."""
        loop = asyncio.get_running_loop()
        while True:
            ready = self._ready
            while ready:
                self._step(ready.popleft(), None)
            if (group.remaining if group is not None else len(self._live)) <= 0:
                return
            if self._later:
                later, self._later = self._later, []
                await asyncio.sleep(0)
                ready.extend(later)
                continue
            self._waiter = waiter = loop.create_future()
            try:
                await waiter
            except BaseException:
                self.cancel()
                raise
            finally:
                self._waiter = None

    def cancel(self) -> None:
        """Throw `CancelledError` into every coroutine still running (as cancelling their Tasks
        would), without cancelling the futures they wait on: a DataLoader's batch is shared."""
        for item in list(self._live):
            if item.waiting is not None:
                item.waiting.remove_done_callback(item.wake)
                item.waiting = None
            try:
                item.coro.throw(asyncio.CancelledError())
            except BaseException:
                pass  # it finished, most likely re-raising the cancellation
            else:
                with suppress(BaseException):
                    item.coro.close()
            self._live.discard(item)
        self._ready.clear()
        self._later.clear()

"""How busy the machine is: figures taken while other work runs on our two cores are noise."""

import asyncio
import os
import time
from dataclasses import dataclass

PROC_STAT = "/proc/stat"


def _cpu_times() -> tuple[int, int] | None:
    """(busy, total) jiffies of all CPUs since boot, or None off Linux."""
    try:
        with open(PROC_STAT) as stat:
            fields = [int(value) for value in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


@dataclass(frozen=True, slots=True)
class CpuSample:
    cpus: int
    # Share of all CPUs busy (any process) over the sampling window, in percent.
    busy_pct: float | None


async def sample_cpu(seconds: float) -> CpuSample:
    """How busy all CPUs are over `seconds` while this process sleeps (so: everyone else)."""
    before = _cpu_times()
    started = time.process_time()
    await asyncio.sleep(seconds)
    after = _cpu_times()
    ours = time.process_time() - started
    cpus = os.cpu_count() or 1
    if before is None or after is None or after[1] == before[1]:
        return CpuSample(cpus, None)
    busy = (after[0] - before[0]) / (after[1] - before[1]) * 100
    # Our own (tiny) share while sleeping is not someone else's load.
    busy -= ours / (seconds * cpus) * 100
    return CpuSample(cpus, max(busy, 0.0))

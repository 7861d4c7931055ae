"""Small helpers to summarise latency samples."""

import math
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between the closest ranks."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True, slots=True)
class Latency:
    """A summary of latency samples, in milliseconds."""

    count: int
    median_ms: float
    p90_ms: float
    p99_ms: float

    @classmethod
    def of(cls, samples_ns: Sequence[int]) -> "Latency":
        ms = [sample / 1e6 for sample in samples_ns]
        return cls(len(ms), percentile(ms, 50), percentile(ms, 90), percentile(ms, 99))

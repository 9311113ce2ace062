"""Token buckets: so many units per second sustained, bursts up to a capacity. Pure: the
clock is passed in."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class TokenBucket:
    """``rate`` tokens a second into a bucket of ``capacity``; starts full."""

    rate: float
    capacity: float
    tokens: float
    stamp: float

    def take(self, cost: float, now: float) -> float:
        """Spend ``cost`` tokens and return 0, or return the seconds to wait before it fits.

        A cost larger than the capacity passes once the bucket is full (it then owes the
        rest), so no request is refused for ever.
        """
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        need = min(cost, self.capacity)
        if self.tokens >= need:
            self.tokens -= cost
            return 0.0
        return (need - self.tokens) / self.rate


class RateLimits:
    """One token bucket per caller (e.g. per API key), made on first use; thread-safe."""

    def __init__(
        self,
        rate: float,
        burst: float,
        clock: Callable[[], float] = time.monotonic,
        max_callers: int = 100_000,
    ):
        self.rate, self.burst, self.clock, self.max_callers = rate, burst, clock, max_callers
        self._buckets: dict[str, TokenBucket] = {}
        self._lock = threading.Lock()

    def take(self, caller: str, cost: float) -> float:
        """0 when ``caller`` may spend ``cost`` now (spent), else the seconds to wait."""
        with self._lock:
            now = self.clock()
            bucket = self._buckets.get(caller)
            if bucket is None:
                if len(self._buckets) >= self.max_callers:
                    self._buckets.clear()
                bucket = self._buckets[caller] = TokenBucket(self.rate, self.burst, self.burst, now)
            return bucket.take(cost, now)

"""Token buckets per key (a person, a browser, an address), for the shells' rate limits.

A bucket that has filled up again is the same as a new one, so it is dropped: the table holds only
the keys seen within the last `burst / rate` seconds, however many people come and go. Kept in the
order of last use, so that the ones to drop are found at the front, a few per call.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


@dataclass
class Bucket:
    tokens: float
    stamp: float
    warned: bool = False  # for the caller: it has told the key's owner to slow down


class TokenBuckets(Generic[K]):
    """`rate` tokens a second per key, at most `burst` (and `burst` for a key not seen lately)."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate, self.burst, self.clock = rate, burst, clock
        self._buckets: OrderedDict[K, Bucket] = OrderedDict()  # least recently used first

    def __len__(self) -> int:
        return len(self._buckets)

    def refill(self, key: K) -> Bucket:
        """The key's bucket, with the tokens that came back since it was last used."""
        now = self.clock()
        self._forget_full(now)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = Bucket(float(self.burst), now)
        else:
            self._buckets.move_to_end(key)
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.stamp) * self.rate)
            bucket.stamp = now
        return bucket

    def take(self, key: K) -> bool:
        """Take a token from the key's bucket; False (and nothing taken) if it has none."""
        bucket = self.refill(key)
        if bucket.tokens < 1:
            return False
        bucket.tokens -= 1
        return True

    def _forget_full(self, now: float) -> None:
        # A bucket unused for burst / rate seconds is full whatever it held (tokens never go below 0).
        full_after = self.burst / self.rate
        while self._buckets:
            key, oldest = next(iter(self._buckets.items()))
            if now - oldest.stamp < full_after:
                return
            del self._buckets[key]

"""A clock and a sleep for code that takes them (the pacer): sleeping moves the clock, nothing waits."""

from __future__ import annotations


class VirtualTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)

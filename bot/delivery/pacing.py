"""Pacing: a global rate, a global pause (a flood answer) and one slot per chat interval."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any

IN_FLIGHT_HOLD = 600.0  # a chat with a request under way waits for its answer (or this long)


class Pacer:
    """A global rate, a global pause and one slot per chat interval.

    The rate is a GCRA (virtual scheduling): one slot every 1/rate s. `catch_up` seconds of slots missed
    while the sender was slow may be made up at once (a burst of at most catch_up * rate messages); 0
    means strict spacing. After a pause nothing is made up.
    """

    def __init__(
        self,
        rate: float,
        per_chat_interval: float,
        clock: Callable[[], float],
        sleep: Callable[[float], Awaitable[Any]],
        catch_up: float = 0.0,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = 1.0 / rate
        self.per_chat_interval = per_chat_interval
        self.tolerance = max(0.0, catch_up)
        self.clock = clock
        self.sleep = sleep
        self.tat = -math.inf  # the theoretical time of the next slot
        self.paused_until = -math.inf
        self._chat_ready: dict[int, float] = {}
        self._acquired = 0

    def pause(self, seconds: float) -> None:
        """Nothing is sent for `seconds` from now (a 429's retry_after)."""
        self.paused_until = max(self.paused_until, self.clock() + seconds)
        self.tat = max(self.tat, self.paused_until + self.tolerance)

    async def acquire(self, chat_id: int) -> None:
        """Wait until a message to `chat_id` may go out, and book it."""
        while True:
            now = self.clock()
            chat_ready = self._chat_ready.get(chat_id, -math.inf)
            if chat_ready > now:  # re-checked at least every interval: `done` may move it earlier
                await self.sleep(min(chat_ready - now, self.per_chat_interval))
                continue
            if self.paused_until > now:
                await self.sleep(self.paused_until - now)
                continue
            slot = max(now, self.tat - self.tolerance)
            self.tat = max(self.tat, slot) + self.interval
            if slot > now:
                await self.sleep(slot - now)
                if self.paused_until > self.clock() or self._chat_ready.get(chat_id, -math.inf) > slot:
                    continue  # a 429 (or another message to this chat) came while waiting
            break
        self._chat_ready[chat_id] = self.clock() + IN_FLIGHT_HOLD  # until `done`: one request at a time
        self._acquired += 1
        if self._acquired % 1024 == 0:  # forget chats whose interval has passed
            now = self.clock()
            self._chat_ready = {chat: t for chat, t in self._chat_ready.items() if t > now}

    def done(self, chat_id: int) -> None:
        """The request to `chat_id` was answered: the next one may follow `per_chat_interval` later.

        Counting from the answer rather than from the request keeps the gap at Telegram at least
        that long, however long the requests took on the way.
        """
        self._chat_ready[chat_id] = self.clock() + self.per_chat_interval

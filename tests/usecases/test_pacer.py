"""The paced sender's pacer on a virtual clock: the global rate, a pause after a 429, one message a second
per chat, and how much it may catch up; the summary it reports."""

from __future__ import annotations

import math

import pytest

from bot.delivery.sender import Pacer, Summary
from tests.support.virtual_time import VirtualTime


async def test_pacer_rate_pause_and_per_chat_interval(time: VirtualTime) -> None:
    pacer = Pacer(10, 1.0, time.clock, time.sleep)

    async def send(chat: int, took: float = 0.0) -> float:
        await pacer.acquire(chat)
        started = time.now
        time.now += took  # the request's round trip
        pacer.done(chat)
        return started

    assert [await send(chat) for chat in range(5)] == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])
    assert await send(4) == pytest.approx(1.4)  # the same chat: a second after its last answer
    assert await send(5, took=0.5) == pytest.approx(1.5)
    assert await send(5) == pytest.approx(3.0)  # counted from the answer at 2.0
    pacer.pause(3)
    assert await send(99) == pytest.approx(6.0)
    with pytest.raises(ValueError):
        Pacer(0, 1.0, time.clock, time.sleep)


async def test_pacer_catches_up_a_little_but_not_after_a_pause(time: VirtualTime) -> None:
    pacer = Pacer(10, 1.0, time.clock, time.sleep, catch_up=0.3)
    starts = []
    for chat in range(8):
        await pacer.acquire(chat)
        starts.append(time.now)
    assert starts == pytest.approx([0.0, 0.0, 0.0, 0.0, 0.1, 0.2, 0.3, 0.4])  # 0.3 s worth at once
    time.now = 10.0  # a stall: 10 s of slots missed, 0.3 s of them made up
    for chat in range(10, 15):
        await pacer.acquire(chat)
        starts.append(time.now)
    assert starts[8:] == pytest.approx([10.0, 10.0, 10.0, 10.0, 10.1])
    pacer.pause(1)  # at 10.1
    for chat in range(20, 23):
        await pacer.acquire(chat)
        starts.append(time.now)
    assert starts[13:] == pytest.approx([11.1, 11.2, 11.3])


def test_summary_fields() -> None:
    assert [f for f in Summary.__dataclass_fields__] == ["sent", "blocked", "invalid", "failed", "elapsed"]
    assert math.isclose(Summary(1, 2, 3, 4, 0.5).elapsed, 0.5)

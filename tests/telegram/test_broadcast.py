"""The paced sender against the fake Bot API with its rate limits on (in process), on SQLite and
PostgreSQL: 500 recipients, the achieved rate, 429s, transient errors, an outage, two senders at once.
The kill -9 test runs sender processes over HTTP: tests/telegram/test_end_to_end_http.py."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import re
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.telegram.app import build_bot
from bot.telegram.sending import telegram_sender
from dialogs.audience import Audience
from storage.db import session_factory
from storage.models import Broadcast
from tests.support.broadcasts import (
    BASE,
    LOCALES,
    STAFF,
    add_subscribers,
    expected_text,
    new_broadcast,
    sends_per_chat,
    staff_calls,
    statuses,
    subscriber_status,
)
from tests.support.fake_session import IN_PROCESS_URL
from tests.support.fake_telegram import ApiError, FakeTelegram, Json
from tests.support.telegram_harness import TOKEN


def sender_bot(fake: FakeTelegram) -> Bot:
    """The bot the sender uses, as production builds it (no WaitOutFlood), on the in-process fake."""
    return build_bot(TOKEN, IN_PROCESS_URL, session=fake.session())


@contextlib.asynccontextmanager
async def started(fake: FakeTelegram) -> AsyncIterator[Bot]:
    fake.add_user(STAFF, first_name="Staff")
    bot = sender_bot(fake)
    try:
        yield bot
    finally:
        await bot.session.close()
    assert not fake.internal_errors


@pytest.fixture
def limited() -> FakeTelegram:
    """Fake limits on: 200 messages a second overall, one a second per chat without burst."""
    return FakeTelegram(token=TOKEN, global_rate=200, per_chat_rate=1, per_chat_burst=1)


# ---------------------------------------------------------------------------------------------------------
# The whole thing: 500 recipients against the rate-limited fake
# ---------------------------------------------------------------------------------------------------------


async def test_broadcast_to_500_recipients(
    db: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    limited: FakeTelegram,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = limited
    chats = [BASE + i for i in range(500)]
    blocked, unknown = set(chats[100:120]), set(chats[200:205])
    for chat in chats:
        if chat not in unknown:
            fake.add_user(chat)
    for chat in blocked:
        fake.block(chat)
    await add_subscribers(db, chats[:250], districts=["mitte"])
    await add_subscribers(db, chats[250:])  # no district wish: wants everything
    outside = [BASE + 1000 + i for i in range(10)]
    for chat in outside:
        fake.add_user(chat)
    await add_subscribers(db, outside[:5], districts=["spandau"])  # not in the audience
    await add_subscribers(db, outside[5:], status="blocked")  # blocked earlier
    broadcast_id = await new_broadcast(db, audience=Audience.of(districts=["mitte", "pankow"]))

    caplog.set_level(logging.INFO, logger="bot.delivery.sender")
    async with started(fake) as bot:
        broadcaster = telegram_sender(
            bot, sessions, rate=160, progress_interval=1.0, progress_min_interval=0.5
        )
        summary = await broadcaster.run(broadcast_id)

        assert (summary.sent, summary.blocked, summary.invalid, summary.failed) == (475, 20, 5, 0)
        assert fake.too_many_requests == 0 and broadcaster.flood_waits == 0
        sent = sends_per_chat(fake)
        for chat in chats:
            if chat in blocked or chat in unknown:
                assert sent[chat] == 0
                continue
            messages = fake.messages(chat)
            assert len(messages) == 1 and sent[chat] == 1, chat
            assert messages[0].plain_text == expected_text(LOCALES[chat % len(LOCALES)])
        assert all(not fake.messages(chat) for chat in outside)
        assert await subscriber_status(db, blocked) == {"blocked"}
        assert await subscriber_status(db, unknown) == {"invalid"}
        assert await subscriber_status(db, set(chats) - blocked - unknown) == {"active"}
        rows = await statuses(db, broadcast_id)
        assert Counter(status for status, _ in rows.values()) == {"sent": 475, "blocked": 20, "invalid": 5}
        async with sessions() as session:
            broadcast = await session.get(Broadcast, broadcast_id)
            assert broadcast is not None and broadcast.status == "done" and broadcast.finished_at is not None

        # Staff: a start message, edited with progress, then the summary.
        staff = staff_calls(fake)
        assert len(fake.messages(STAFF)) == 2
        assert staff[0][0] == "sendMessage" and "startet: 500 Empfängerinnen" in staff[0][1]
        progress = [text for method, text in staff if method == "editMessageText"]
        assert progress and all("erledigt" in text and "Zugestellt:" in text for text in progress)
        method, summary_text = staff[-1]
        assert method == "sendMessage" and "Rundsendung 1 abgeschlossen" in summary_text
        for line in ("Zugestellt: 475", "Blockiert: 20", "Ungültig: 5", "Fehlgeschlagen: 0", "Dauer: "):
            assert line in summary_text
        # The staff chat kept to one message a second, like every other chat.
        times = [r.time for r in fake.sent_log if r.chat_id == STAFF]
        assert all(b - a >= 1.0 for a, b in itertools.pairwise(times))

        # Logs carry counts only.
        logged = "\n".join(record.getMessage() for record in caplog.records)
        assert "475 sent" in logged
        assert not [chat for chat in [*chats, STAFF] if str(chat) in logged]

        # Running it again sends nothing, not even a summary: the broadcast is done.
        before = len(fake.requests)
        again = await broadcaster.run(broadcast_id)
        assert (again.sent, again.blocked, again.invalid) == (475, 20, 5)
        assert len(fake.requests) == before


async def test_achieved_rate_is_close_to_the_configured_one(
    db: AsyncEngine, sessions: async_sessionmaker[AsyncSession], limited: FakeTelegram
) -> None:
    """The achieved rate stays close to the configured one (no idle gaps), without any 429."""
    fake = limited
    chats = [BASE + i for i in range(150)]
    for chat in chats:
        fake.add_user(chat)
    await add_subscribers(db, chats)
    broadcast_id = await new_broadcast(db, started_by=None)
    async with started(fake) as bot:
        summary = await telegram_sender(bot, sessions, rate=100).run(broadcast_id)
    assert summary.sent == 150 and fake.too_many_requests == 0
    times = [r.time for r in fake.sent_log]
    achieved = (len(times) - 1) / (times[-1] - times[0])
    # Not a speed test (benchmarks/broadcast.py measures that): only that the pacer does not idle.
    # Too fast is caught by the fake's own limit (no 429) and the busiest second below.
    assert achieved >= 50
    busiest = max(sum(1 for t in times[i:] if t < start + 1.0) for i, start in enumerate(times))
    assert busiest <= 100 + 10 + 1 + 3  # rate + catch_up * rate in any second, + jitter on the way
    assert not fake.messages(STAFF)


# ---------------------------------------------------------------------------------------------------------
# 429: all sending pauses for retry_after
# ---------------------------------------------------------------------------------------------------------


async def test_429_pauses_all_sending_and_every_message_goes_out_once(
    db: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    fake = FakeTelegram(token=TOKEN, global_rate=20)
    async with started(fake) as bot:
        chats = [BASE + i for i in range(60)]
        for chat in chats:
            fake.add_user(chat)
        await add_subscribers(db, chats)
        broadcast_id = await new_broadcast(db, started_by=None)
        broadcaster = telegram_sender(bot, sessions, rate=100, concurrency=1)  # 5 times too fast
        summary = await broadcaster.run(broadcast_id)

        assert summary.sent == 60
        # At least one 429 (how many depends on how fast this machine sends; a busy one sends slower).
        assert fake.too_many_requests >= 1 and broadcaster.flood_waits == fake.too_many_requests
        assert sends_per_chat(fake) == dict.fromkeys(chats, 1)
        calls = fake.calls("sendMessage")
        for index, call in enumerate(calls[:-1]):
            if call.status == 429:
                retry_after = int(call.error.split()[-1]) if call.error else 1
                assert calls[index + 1].time - call.time >= retry_after - 0.05  # nothing went out meanwhile


# ---------------------------------------------------------------------------------------------------------
# Transient errors: retried with backoff, then failed
# ---------------------------------------------------------------------------------------------------------


class FlakyTelegram(FakeTelegram):
    """Answers 500 once for some chats and 502 always for others."""

    def __init__(self, *args: Any, fail_once: set[int], always_fail: set[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fail_once = set(fail_once)
        self.always_fail = set(always_fail)

    async def _send_message(self, params: Json) -> Json:
        chat = params.get("chat_id")
        if chat in self.fail_once:
            self.fail_once.discard(chat)
            raise ApiError(500, "Internal Server Error")
        if chat in self.always_fail:
            raise ApiError(502, "Bad Gateway")
        return await super()._send_message(params)


async def test_transient_errors_are_retried_then_failed(
    db: AsyncEngine, sessions: async_sessionmaker[AsyncSession], caplog: pytest.LogCaptureFixture
) -> None:
    chats = [BASE + i for i in range(30)]
    flaky, broken = set(chats[:5]), {chats[10]}
    fake = FlakyTelegram(
        token=TOKEN, global_rate=150, per_chat_rate=1, per_chat_burst=1, fail_once=flaky, always_fail=broken
    )
    caplog.set_level(logging.INFO, logger="bot.delivery.sender")
    async with started(fake) as bot:
        for chat in chats:
            fake.add_user(chat)
        await add_subscribers(db, chats)
        broadcast_id = await new_broadcast(db)
        broadcaster = telegram_sender(bot, sessions, rate=100, max_attempts=3, backoff=0.6)
        summary = await broadcaster.run(broadcast_id)

        assert (summary.sent, summary.failed, summary.blocked, summary.invalid) == (29, 1, 0, 0)
        assert sends_per_chat(fake) == {chat: 1 for chat in chats if chat not in broken}
        rows = await statuses(db, broadcast_id)
        assert all(rows[chat] == ("sent", 2) for chat in flaky)
        assert rows[chats[10]] == ("failed", 3)
        assert broadcaster.transient_errors == 5 + 3
        # Exponential backoff: 0.6 s after a first failure (six of them), 1.2 s after the broken chat's
        # second; its third failure fails the delivery. What the sender decided, not when the clock ticked.
        delays = sorted(
            float(match.group(1))
            for record in caplog.records
            if (match := re.search(r"retrying one delivery in ([0-9.]+) s", record.getMessage()))
        )
        assert delays == [0.6] * 6 + [1.2]
        calls = [c for c in fake.calls("sendMessage") if c.params.get("chat_id") == chats[10]]
        gaps = [b.time - a.time for a, b in itertools.pairwise(calls)]
        assert len(calls) == 3 and gaps[0] >= 0.6 and gaps[1] >= 1.2  # and at least a second per chat
        assert await subscriber_status(db, [chats[10]]) == {"active"}  # a failure is not a block
        assert "Fehlgeschlagen: 1" in (fake.messages(STAFF)[-1].plain_text or "")


class DownTelegram(FakeTelegram):
    """Answers every sendMessage with 502 until `up` is set."""

    up = False

    async def _send_message(self, params: Json) -> Json:
        if not self.up:
            raise ApiError(502, "Bad Gateway")
        return await super()._send_message(params)


async def test_an_outage_pauses_all_sending_instead_of_failing_everyone(
    db: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    fake = DownTelegram(token=TOKEN, global_rate=150, per_chat_rate=1, per_chat_burst=1)
    async with started(fake) as bot:
        chats = [BASE + i for i in range(40)]
        for chat in chats:
            fake.add_user(chat)
        await add_subscribers(db, chats)
        broadcast_id = await new_broadcast(db, started_by=None)
        broadcaster = telegram_sender(bot, sessions, rate=100, concurrency=2, max_attempts=3, backoff=0.1)
        task = asyncio.create_task(broadcaster.run(broadcast_id))
        await fake.wait_for(lambda: broadcaster.outage_pauses >= 3)
        fake.up = True
        summary = await task

        assert (summary.sent, summary.failed) == (40, 0)
        assert sends_per_chat(fake) == dict.fromkeys(chats, 1)
        tried = len(fake.calls("sendMessage")) - 40
        assert broadcaster.transient_errors == tried < 40  # only a few rows were tried during the outage


# ---------------------------------------------------------------------------------------------------------
# Two senders at once
# ---------------------------------------------------------------------------------------------------------


async def test_two_senders_take_turns(db: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> None:
    """Two replicas asked to send the same broadcast: one sends, the other waits and finds it done."""
    fake = FakeTelegram(token=TOKEN, global_rate=150, per_chat_rate=1, per_chat_burst=1)
    async with started(fake) as bot:
        chats = [BASE + i for i in range(60)]
        for chat in chats:
            fake.add_user(chat)
        await add_subscribers(db, chats)
        broadcast_id = await new_broadcast(db, started_by=None)
        other_bot = sender_bot(fake)
        try:
            one = telegram_sender(bot, sessions, rate=100, lock_poll=0.05)
            two = telegram_sender(other_bot, session_factory(db), rate=100, lock_poll=0.05)
            results = await asyncio.gather(one.run(broadcast_id), two.run(broadcast_id))
        finally:
            await other_bot.session.close()
        assert sends_per_chat(fake) == dict.fromkeys(chats, 1)
        assert [r.sent for r in results] == [60, 60]
        # The second found it done; both tell the whole broadcast's duration, from its first start:
        # the one that found it done exactly the stored duration, the one that sent at least the time
        # its sends took and at most the stored duration.
        async with sessions() as session:
            broadcast = await session.get(Broadcast, broadcast_id)
            assert broadcast is not None and broadcast.started_at and broadcast.finished_at
            stored = (broadcast.finished_at - broadcast.started_at).total_seconds()
        sending = fake.sent_log[-1].time - fake.sent_log[0].time
        found_done, sent = sorted(results, key=lambda r: r.elapsed, reverse=True)
        assert found_done.elapsed == pytest.approx(stored, abs=1e-3)
        assert sending <= sent.elapsed <= stored

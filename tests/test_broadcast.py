"""Broadcasts against the fake Bot API with its rate limits on, on SQLite and PostgreSQL, incl. kill -9."""

# The waiting helper takes a `timeout` argument, like the fake's own helpers.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import math
import os
import random
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.delivery.sender import Pacer, Summary
from bot.telegram.app import build_bot
from bot.telegram.sending import telegram_sender
from dialogs.audience import Audience
from storage import outbox
from storage.db import session_factory
from storage.models import Broadcast, Delivery, Subscriber, utcnow
from tests.support.fake_telegram import ApiError, FakeTelegram, Json
from tests.support.telegram_harness import TOKEN

ROOT = Path(__file__).resolve().parent.parent
STAFF = 7_099_999
BASE = 7_100_000  # chat ids: 7 digits, so that no count in a log line can be mistaken for one
TEXTS = {"de": "Einladung: Fest im <Kiez> & mehr", "ar": "دعوة إلى الحفل"}
LOCALES = ("de", "ar", "uk", "fa")


def expected_text(locale: str) -> str:
    return TEXTS.get(locale, TEXTS["de"])


async def add_subscribers(
    engine: AsyncEngine,
    chats: Iterable[int],
    *,
    districts: list[str] | None = None,
    fields: list[str] | None = None,
    locale: str | None = None,
    status: str = "active",
) -> dict[int, int]:
    """Subscribers for `chats` (locales cycling through LOCALES unless given); chat id -> subscriber id."""
    async with session_factory(engine)() as session:
        rows = [
            Subscriber(
                pseudonym=f"p{chat}",
                channel="telegram",
                chat_id=chat,
                locale=locale or LOCALES[chat % len(LOCALES)],
                districts=districts or [],
                fields=fields or [],
                status=status,
            )
            for chat in chats
        ]
        session.add_all(rows)
        await session.commit()
        return {row.chat_id: row.id for row in rows}


async def new_broadcast(
    engine: AsyncEngine, audience: Audience | None = None, started_by: int | None = STAFF
) -> int:
    async with session_factory(engine)() as session:
        broadcast_id = await outbox.create_broadcast(
            session, "message", text=TEXTS, audience=audience, started_by=started_by
        )
        await outbox.enqueue(session, broadcast_id)
        await session.commit()
    return broadcast_id


async def statuses(engine: AsyncEngine, broadcast_id: int) -> dict[int, tuple[str, int]]:
    """chat id -> (delivery status, attempts)."""
    async with session_factory(engine)() as session:
        rows = await session.execute(
            select(Subscriber.chat_id, Delivery.status, Delivery.attempts)
            .join(Subscriber, Subscriber.id == Delivery.subscriber_id)
            .where(Delivery.broadcast_id == broadcast_id)
        )
        return {chat: (status, attempts) for chat, status, attempts in rows.all()}


async def subscriber_status(engine: AsyncEngine, chats: Iterable[int]) -> set[str]:
    async with session_factory(engine)() as session:
        found = await session.scalars(select(Subscriber.status).where(Subscriber.chat_id.in_(list(chats))))
        return set(found.all())


def sends_per_chat(fake: FakeTelegram) -> Counter[int]:
    """Broadcast messages per recipient chat (the staff chat not counted)."""
    return Counter(r.chat_id for r in fake.sent_log if r.method == "sendMessage" and r.chat_id != STAFF)


@pytest.fixture
async def sessions(db: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return session_factory(db)


class Api:
    """A started FakeTelegram and a bot pointed at it."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake
        self.bot: Bot = build_bot(TOKEN, fake.base_url)


@contextlib.asynccontextmanager
async def started(fake: FakeTelegram) -> AsyncIterator[Api]:
    async with fake:
        api = Api(fake)
        fake.add_user(STAFF, first_name="Staff")
        try:
            yield api
        finally:
            await api.bot.session.close()
    assert not fake.internal_errors


@pytest.fixture
async def limited() -> AsyncIterator[Api]:
    """Fake limits on: 200 messages a second overall, one a second per chat without burst."""
    async with started(FakeTelegram(token=TOKEN, global_rate=200, per_chat_rate=1, per_chat_burst=1)) as api:
        yield api


# ---------------------------------------------------------------------------------------------------------
# The whole thing: 500 recipients against the rate-limited fake
# ---------------------------------------------------------------------------------------------------------


async def test_broadcast_to_500_recipients(
    db: AsyncEngine,
    sessions: async_sessionmaker[AsyncSession],
    limited: Api,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = limited.fake
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
    broadcaster = telegram_sender(
        limited.bot, sessions, rate=160, progress_interval=1.0, progress_min_interval=0.5
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


def staff_calls(fake: FakeTelegram) -> list[tuple[str, str]]:
    """The successful sends and edits to the staff chat: (method, text)."""
    return [
        (call.method, str(call.params.get("text")))
        for call in fake.requests
        if call.params.get("chat_id") == STAFF and call.status == 200
    ]


async def test_achieved_rate_is_close_to_the_configured_one(
    db: AsyncEngine, sessions: async_sessionmaker[AsyncSession], limited: Api
) -> None:
    """The achieved rate stays close to the configured one (no idle gaps), without any 429."""
    fake = limited.fake
    chats = [BASE + i for i in range(150)]
    for chat in chats:
        fake.add_user(chat)
    await add_subscribers(db, chats)
    broadcast_id = await new_broadcast(db, started_by=None)
    summary = await telegram_sender(limited.bot, sessions, rate=100).run(broadcast_id)
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
    async with started(FakeTelegram(token=TOKEN, global_rate=20)) as api:
        fake = api.fake
        chats = [BASE + i for i in range(60)]
        for chat in chats:
            fake.add_user(chat)
        await add_subscribers(db, chats)
        broadcast_id = await new_broadcast(db, started_by=None)
        broadcaster = telegram_sender(api.bot, sessions, rate=100, concurrency=1)  # 5 times too fast
        summary = await broadcaster.run(broadcast_id)

        assert summary.sent == 60
        assert fake.too_many_requests >= 2 and broadcaster.flood_waits == fake.too_many_requests
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
    db: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    chats = [BASE + i for i in range(30)]
    flaky, broken = set(chats[:5]), {chats[10]}
    fake = FlakyTelegram(
        token=TOKEN, global_rate=150, per_chat_rate=1, per_chat_burst=1, fail_once=flaky, always_fail=broken
    )
    async with started(fake) as api:
        for chat in chats:
            fake.add_user(chat)
        await add_subscribers(db, chats)
        broadcast_id = await new_broadcast(db)
        broadcaster = telegram_sender(api.bot, sessions, rate=100, max_attempts=3, backoff=0.6)
        summary = await broadcaster.run(broadcast_id)

        assert (summary.sent, summary.failed, summary.blocked, summary.invalid) == (29, 1, 0, 0)
        assert sends_per_chat(fake) == {chat: 1 for chat in chats if chat not in broken}
        rows = await statuses(db, broadcast_id)
        assert all(rows[chat] == ("sent", 2) for chat in flaky)
        assert rows[chats[10]] == ("failed", 3)
        assert broadcaster.transient_errors == 5 + 3
        calls = [c for c in fake.calls("sendMessage") if c.params.get("chat_id") == chats[10]]
        gaps = [b.time - a.time for a, b in itertools.pairwise(calls)]
        assert len(calls) == 3 and gaps[1] > gaps[0]  # exponential backoff (and one second per chat)
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
    async with started(fake) as api:
        chats = [BASE + i for i in range(40)]
        for chat in chats:
            fake.add_user(chat)
        await add_subscribers(db, chats)
        broadcast_id = await new_broadcast(db, started_by=None)
        broadcaster = telegram_sender(api.bot, sessions, rate=100, concurrency=2, max_attempts=3, backoff=0.1)
        task = asyncio.create_task(broadcaster.run(broadcast_id))
        await fake.wait_for(lambda: broadcaster.outage_pauses >= 3)
        fake.up = True
        summary = await task

        assert (summary.sent, summary.failed) == (40, 0)
        assert sends_per_chat(fake) == dict.fromkeys(chats, 1)
        tried = len(fake.calls("sendMessage")) - 40
        assert broadcaster.transient_errors == tried < 40  # only a few rows were tried during the outage


# ---------------------------------------------------------------------------------------------------------
# kill -9 and resume; two senders at once
# ---------------------------------------------------------------------------------------------------------


class ForkServer:
    """tests/broadcast_worker.py: imports aiogram once, then forks a sender process per request."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def _line(self, timeout: float = 60) -> Json:
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        assert line, "the fork server died"
        answer: Json = json.loads(line)
        return answer

    async def sender(self, db_url: str, api_url: str, concurrency: int) -> int:
        """Start a sender process; returns its pid."""
        assert self.process.stdin is not None
        request = {"db_url": db_url, "api_url": api_url, "concurrency": concurrency}
        self.process.stdin.write(json.dumps(request).encode() + b"\n")
        return int((await self._line())["pid"])


def gone(pid: int) -> bool:
    """Whether a process has exited (a zombie whose parent has not reaped it yet counts)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


@pytest.fixture(scope="module")
async def fork_server() -> AsyncIterator[ForkServer]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.support.broadcast_worker",
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    server = ForkServer(process)
    try:
        assert await server._line() == {"ready": True}
        yield server
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()


async def test_kill_9_and_resume_loses_nothing(
    db: AsyncEngine, db_url: str, sessions: async_sessionmaker[AsyncSession], fork_server: ForkServer
) -> None:
    """kill -9 a sender with 4 messages in flight, then a sequential one, while they send; then finish.

    Nobody misses the message; duplicates come only from messages in flight at a kill (<= concurrency).
    """
    async with started(FakeTelegram(token=TOKEN, global_rate=150, per_chat_rate=1, per_chat_burst=1)) as api:
        fake = api.fake
        chats = [BASE + i for i in range(250)]
        for chat in chats:
            fake.add_user(chat)
        await add_subscribers(db, chats)
        broadcast_id = await new_broadcast(db)
        snapshots: list[Counter[int]] = []
        for concurrency in (4, 1):
            pid = await fork_server.sender(db_url, fake.base_url, concurrency)
            try:
                kill_at = len(sends_per_chat(fake)) + random.randint(40, 90)
                await fake.wait_for(lambda at=kill_at: len(sends_per_chat(fake)) >= at, timeout=30)
            finally:
                os.kill(pid, signal.SIGKILL)
            await fake.wait_for(lambda pid=pid: gone(pid))
            await fake.wait_idle(seconds=0.05)
            snapshots.append(sends_per_chat(fake))
            rows = Counter(status for status, _ in (await statuses(db, broadcast_id)).values())
            print(f"kill -9 after {sum(snapshots[-1].values())} sends; {rows['sending']} rows in 'sending'")
        # A third sender (in this process) resumes and finishes.
        summaries = await telegram_sender(api.bot, sessions, rate=100, concurrency=1).run_pending()

        final = sends_per_chat(fake)
        assert set(final) == set(chats)  # nobody missed
        duplicates = [
            sum(1 for chat, n in snap.items() if later[chat] > n)
            for snap, later in zip(snapshots, [*snapshots[1:], final], strict=True)
        ]
        print(
            f"duplicates after the kill at concurrency 4: {duplicates[0]}, at concurrency 1: {duplicates[1]}"
        )
        assert (
            duplicates[0] <= 4 and duplicates[1] <= 1
        )  # only messages in flight, see bot/delivery/sender.py
        assert max(final.values()) <= 2 and sum(final.values()) - len(chats) == sum(duplicates)
        summary = summaries[broadcast_id]
        assert (summary.sent, summary.blocked, summary.invalid, summary.failed) == (250, 0, 0, 0)
        assert Counter(status for status, _ in (await statuses(db, broadcast_id)).values()) == {"sent": 250}
        staff = [text for _, text in staff_calls(fake)]
        assert sum("wird fortgesetzt" in text for text in staff) == 2
        assert "Zugestellt: 250" in staff[-1]


async def test_two_senders_take_turns(db: AsyncEngine, sessions: async_sessionmaker[AsyncSession]) -> None:
    """Two replicas asked to send the same broadcast: one sends, the other waits and finds it done."""
    async with started(FakeTelegram(token=TOKEN, global_rate=150, per_chat_rate=1, per_chat_burst=1)) as api:
        fake = api.fake
        chats = [BASE + i for i in range(60)]
        for chat in chats:
            fake.add_user(chat)
        await add_subscribers(db, chats)
        broadcast_id = await new_broadcast(db, started_by=None)
        other_bot = build_bot(TOKEN, fake.base_url)
        try:
            one = telegram_sender(api.bot, sessions, rate=100, lock_poll=0.05)
            two = telegram_sender(other_bot, session_factory(db), rate=100, lock_poll=0.05)
            results = await asyncio.gather(one.run(broadcast_id), two.run(broadcast_id))
        finally:
            await other_bot.session.close()
        assert sends_per_chat(fake) == dict.fromkeys(chats, 1)
        assert [r.sent for r in results] == [60, 60]
        # The second found it done; both tell the whole broadcast's duration, from its first start.
        assert all(r.elapsed > 0 for r in results)
        assert abs(results[0].elapsed - results[1].elapsed) < 1.0


# ---------------------------------------------------------------------------------------------------------
# Storage: audience, the unique key, claiming, the sender lock
# ---------------------------------------------------------------------------------------------------------


async def enqueued(engine: AsyncEngine, broadcast_id: int) -> set[int]:
    async with session_factory(engine)() as session:
        found = await session.scalars(
            select(Delivery.subscriber_id).where(Delivery.broadcast_id == broadcast_id)
        )
        return set(found.all())


async def test_enqueue_filters_the_audience_and_never_duplicates(db: AsyncEngine) -> None:
    everyone = await add_subscribers(db, [1], locale="de")
    mitte = await add_subscribers(db, [2], districts=["mitte"], fields=["gesundheit"], locale="ar")
    pankow = await add_subscribers(db, [3], districts=["pankow", "mitte"], fields=["bildung"], locale="fa")
    spandau = await add_subscribers(db, [4], districts=["spandau"], locale="de")
    await add_subscribers(db, [5], status="blocked")
    await add_subscribers(db, [6], status="invalid")
    ids = {**everyone, **mitte, **pankow, **spandau}

    async def audience(**wanted: list[str]) -> set[int]:
        broadcast_id = await new_broadcast(db, audience=Audience.of(**wanted))
        return {chat for chat, sid in ids.items() if sid in await enqueued(db, broadcast_id)}

    assert await audience() == {1, 2, 3, 4}  # inactive subscribers never
    assert await audience(districts=["mitte"]) == {1, 2, 3}
    assert await audience(districts=["spandau", "pankow"]) == {1, 3, 4}
    assert await audience(fields=["gesundheit"]) == {1, 2, 4}
    assert await audience(districts=["mitte"], fields=["bildung"]) == {1, 3}
    assert await audience(langs=["ar", "fa"]) == {2, 3}
    assert await audience(districts=["mitte"], langs=["de"]) == {1}
    assert Audience.of(districts=[]).matches(["x"], ["y"], "de")

    async with session_factory(db)() as session:
        broadcast_id = await outbox.create_broadcast(session, "message", text=TEXTS)
        assert await outbox.enqueue(session, broadcast_id) == 4
        assert await outbox.enqueue(session, broadcast_id) == 0  # insert-or-ignore on the unique key
        await session.commit()
        await add_subscribers(db, [7])
        assert await outbox.enqueue(session, broadcast_id) == 1  # a newcomer, once
        await session.commit()
        assert (await outbox.counts(session, broadcast_id))["pending"] == 5
        with pytest.raises(LookupError):
            await outbox.enqueue(session, 999_999)


async def test_claim_mark_requeue_and_counts(db: AsyncEngine) -> None:
    chats = await add_subscribers(db, range(10, 16))
    broadcast_id = await new_broadcast(db)
    sessions = session_factory(db)
    now = utcnow()
    async with sessions() as session:
        first = await outbox.claim(session, broadcast_id, 2, now)
        await session.commit()
        assert [row.chat_id for row in first] == [10, 11] and first[0].attempts == 0
        assert first[0].locale == LOCALES[10 % len(LOCALES)]
        await outbox.mark(session, first[0].delivery_id, "sent", attempts=1, sent_at=now)
        later = now + timedelta(minutes=5)
        await outbox.mark(session, first[1].delivery_id, "pending", attempts=1, next_attempt_at=later)
        # A subscriber who blocked the bot meanwhile is not claimed; the row is closed instead.
        subscriber = await session.get(Subscriber, chats[12])
        assert subscriber is not None
        subscriber.status = "blocked"
        await session.commit()

        second = await outbox.claim(session, broadcast_id, 10, now)
        await session.commit()
        assert [row.chat_id for row in second] == [13, 14, 15]  # 11 is not due yet, 12 closed
        assert await outbox.claim(session, broadcast_id, 10, now) == []
        assert await outbox.next_due(session, broadcast_id, now) == later
        assert await outbox.counts(session, broadcast_id) == {
            "pending": 1, "sending": 3, "sent": 1, "blocked": 1, "invalid": 0, "failed": 0,
        }  # fmt: skip
        due_later = await outbox.claim(session, broadcast_id, 10, later)
        assert [row.chat_id for row in due_later] == [11] and due_later[0].attempts == 1
        await session.rollback()
        assert await outbox.claim(session, broadcast_id, 10, later, after=first[1].delivery_id) == []
        await session.rollback()

        assert await outbox.requeue_stale_sending(session, broadcast_id) == 3
        await session.commit()
        assert (await outbox.counts(session, broadcast_id))["pending"] == 4
        await outbox.deactivate(session, chats[13], "invalid")
        with pytest.raises(ValueError):
            await outbox.mark(session, first[0].delivery_id, "lost")
        await session.commit()
        assert await outbox.pending_broadcasts(session) == [broadcast_id]
        await outbox.finish(session, broadcast_id)
        await session.commit()
        assert await outbox.pending_broadcasts(session) == []
        assert await outbox.next_due(session, broadcast_id + 1, now) is None


async def test_sender_lock_is_exclusive(db: AsyncEngine) -> None:
    sessions = session_factory(db)
    one, two = outbox.SenderLock(sessions), outbox.SenderLock(sessions)
    assert await one.try_acquire()
    assert await one.alive()
    assert not await two.try_acquire()
    await one.release()
    assert not await one.alive()
    assert await two.try_acquire()
    await two.release()


# ---------------------------------------------------------------------------------------------------------
# The pacer on a virtual clock
# ---------------------------------------------------------------------------------------------------------


class VirtualTime:
    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


async def test_pacer_rate_pause_and_per_chat_interval() -> None:
    time = VirtualTime()
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


async def test_pacer_catches_up_a_little_but_not_after_a_pause() -> None:
    time = VirtualTime()
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

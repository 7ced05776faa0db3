"""The one paced sender: delivers everything in the durable outbox (storage/outbox.py) within the
channels' limits, and resumes after a crash. Channel-neutral: each recipient's channel has a transport
(bot/delivery/transport.py) that sends a `Reply` and classifies its errors.

Limits: a global rate (25/s, or up to 1000/s with `paid`, Telegram's allow_paid_broadcast), at most one
message a second per chat, and a flood answer (RetryAfter) pauses ALL sending for its time. Blocked
deactivates the subscriber, ChatGone marks them "invalid", Transient errors are retried with exponential
backoff up to `max_attempts`, Rejected fails the delivery. Progress and a summary go to the staff chat in
`Broadcast.started_by`. Logs carry counts only, never a chat or user id.

Delivery guarantee after a crash (kill -9): a row is marked "sending" (committed) before its message is
handed to Telegram, and "sent" is committed right after Telegram accepted it. A message whose "sent"
mark was not committed when the process died is ambiguous: it may or may not have reached the person.
On resume every row left in "sending" is SENT AGAIN (at-least-once): nobody misses the message, and at
most `concurrency` people (the messages in flight at the moment of the crash; one with sequential
sending) may get it twice. Rows claimed but not yet handed over are also left in "sending"; resending
those is no duplicate. Rows are only requeued by the holder of the sender lock (storage.dialect.SenderLock:
a PostgreSQL advisory lock or a file lock next to the SQLite file), so a live sender's rows are never
taken over, and exactly one process sends at a time. A timeout or network error after the request left
is the same ambiguity and is also retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.compose import Composer
from bot.delivery.pacing import Pacer
from bot.delivery.reports import Run, StaffReports, Summary, elapsed, summary_of
from bot.delivery.transport import (
    Blocked,
    ChatGone,
    DeliveryError,
    Rejected,
    RetryAfter,
    Transient,
    Transport,
    Unauthorized,
)
from dialogs.messages import Reply
from storage import outbox
from storage.dialect import SenderLock, single_writer
from storage.models import Broadcast, utcnow

log = logging.getLogger(__name__)

DEFAULT_RATE = 25.0  # Telegram's Bot FAQ: about 30 messages a second for bulk notifications
PAID_RATE = 1000.0  # with allow_paid_broadcast (paid in Stars)
LOCK_CHECK_INTERVAL = 5.0  # seconds between checks that the sender lock is still held
DB_SESSIONS = 3  # database sessions the workers use at once (the pool's default size is 5)
CLAIM_BATCH = 10  # rows claimed at a time (at least `concurrency`)
STAFF_CHANNEL = "telegram"  # where `Broadcast.started_by` (a staff chat) lives
Progress = Callable[[int, int], None]  # (done, total), e.g. for a progress bar on the command line


class SenderLockLost(RuntimeError):
    """The sender lock's database connection broke: another replica may take over, so stop sending."""


class Sender:
    """Sends from the outbox; one instance per process, shared by every caller of `run`."""

    def __init__(
        self,
        transports: Mapping[str, Transport],
        sessions: async_sessionmaker[AsyncSession],
        compose: Composer,
        *,
        rate: float | None = None,
        paid: bool = False,
        per_chat_interval: float = 1.0,
        catch_up: float = 0.1,
        max_attempts: int = 5,
        backoff: float = 1.0,
        max_backoff: float = 300.0,
        concurrency: int | None = None,
        progress_interval: float = 10.0,
        progress_min_interval: float = 3.0,
        lock_poll: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        now: Callable[[], datetime] = utcnow,
        progress: Progress | None = None,
    ) -> None:
        """`rate` defaults to 25/s (1000/s with `paid`). `concurrency` is how many messages may be in
        flight at once (default: enough for about 125 ms per request at `rate`); it is also the most
        people who can get a message twice after a crash. `catch_up`: see `Pacer`. `backoff` doubles
        per failed attempt. `progress` is told (done, total) at the start and after every delivery."""
        self.transports = transports
        self.progress = progress
        self.sessions = sessions
        self.compose = compose
        self.paid = paid
        self.rate = rate if rate is not None else (PAID_RATE if paid else DEFAULT_RATE)
        if self.rate > PAID_RATE or (not paid and self.rate > 30):
            log.warning("broadcast rate %.0f/s is above Telegram's limit", self.rate)
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.concurrency = concurrency or max(1, math.ceil(self.rate / 8))
        self.lock_poll = lock_poll
        self.clock = clock
        self.sleep = sleep
        self.now = now
        self.pacer = Pacer(self.rate, per_chat_interval, clock, sleep, catch_up)
        self.reports = StaffReports(
            transports.get(STAFF_CHANNEL), self.pacer, self._flood, clock, progress_interval,
            progress_min_interval,
        )  # fmt: skip
        self.flood_waits = 0  # 429 answers, over the instance's lifetime
        self.transient_errors = 0
        self.outage_pauses = 0  # global pauses because nothing got through
        self._failing_in_a_row = 0
        self._outage_streak = 0
        self._local = asyncio.Lock()
        self._db_slots = asyncio.Semaphore(DB_SESSIONS)

    # ----- entry points ---------------------------------------------------------------------------------

    async def run(self, broadcast_id: int) -> Summary:
        """Send everything due of one broadcast; waits while another process holds the sender lock."""
        async with self._exclusive() as lock:
            return await self._run_locked(broadcast_id, lock)

    async def run_pending(self, first: Callable[[], Awaitable[Any]] | None = None) -> dict[int, Summary]:
        """Send every unfinished broadcast, oldest first. `first` runs once the sender lock is held (the
        worker queues due reminders there, so two replicas never queue the same reminder)."""
        results: dict[int, Summary] = {}
        async with self._exclusive() as lock:
            if first is not None:
                await first()
            while True:
                async with self.sessions() as session:
                    todo = [i for i in await outbox.pending_broadcasts(session) if i not in results]
                if not todo:
                    return results
                for broadcast_id in todo:
                    results[broadcast_id] = await self._run_locked(broadcast_id, lock)

    # ----- one broadcast --------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _exclusive(self) -> AsyncIterator[SenderLock]:
        async with self._local:
            lock = SenderLock(self.sessions)
            waited = False
            while not await lock.try_acquire():
                if not waited:
                    log.info("another process is sending a broadcast; waiting for it")
                    waited = True
                await self.sleep(self.lock_poll)
            try:
                yield lock
            finally:
                await lock.release()

    async def _run_locked(self, broadcast_id: int, lock: SenderLock) -> Summary:
        started = self.clock()
        async with self.sessions() as session:
            broadcast = await session.get(Broadcast, broadcast_id)
            if broadcast is None:
                raise LookupError("no such broadcast")
            self._db_slots = asyncio.Semaphore(1 if single_writer(session) else DB_SESSIONS)
            if broadcast.status == "done":
                return summary_of(
                    await outbox.counts(session, broadcast_id), elapsed(broadcast, broadcast.finished_at)
                )
            resumed = broadcast.status == "sending"
            requeued = await outbox.requeue_stale_sending(session, broadcast_id)
            await outbox.begin(session, broadcast_id)
            counts = await outbox.counts(session, broadcast_id)
            await session.commit()
            await session.refresh(broadcast)  # loaded, whatever the sessionmaker's expire_on_commit
        state = Run(broadcast, counts, started, resumed or requeued > 0, last_report=started)
        if requeued:
            log.warning(
                "broadcast %d: %d deliveries were left in flight by a stopped sender; sending them again",
                broadcast_id,
                requeued,
            )
        log.info(
            "broadcast %d: %d recipients, %d done, %d to send",
            broadcast_id,
            state.total,
            state.done,
            state.total - state.done,
        )
        if self.progress is not None:
            self.progress(state.done, state.total)
        if state.done < state.total:
            await self.reports.announce(state)
            await self._send_all(state, lock)
        async with self.sessions() as session:
            counts = await outbox.counts(session, broadcast_id)
        summary = summary_of(counts, elapsed(broadcast, self.now()))
        log.info(
            "broadcast %d finished: %d sent, %d blocked, %d invalid, %d failed in %.1f s",
            broadcast_id,
            summary.sent,
            summary.blocked,
            summary.invalid,
            summary.failed,
            summary.elapsed,
        )
        if state.failures:
            log.warning("broadcast %d: failures by reason: %s", broadcast_id, dict(state.failures))
        # Summary first: a crash in between repeats the summary rather than losing it.
        await self.reports.summary(state, summary)
        async with self._db() as session:
            await outbox.finish(session, broadcast_id)
        return summary

    async def _send_all(self, state: Run, lock: SenderLock) -> None:
        queue: asyncio.Queue[outbox.Claimed | None] = asyncio.Queue(maxsize=self.concurrency)
        try:
            async with asyncio.TaskGroup() as group:
                workers = [group.create_task(self._worker(state, queue)) for _ in range(self.concurrency)]
                await self._pump(state, queue, lock)
                for _ in workers:
                    await queue.put(None)
        except ExceptionGroup as errors:
            raise errors.exceptions[0] from None

    async def _pump(self, state: Run, queue: asyncio.Queue[outbox.Claimed | None], lock: SenderLock) -> None:
        """Claims due rows into the queue until nothing is pending; sleeps until retries are due."""
        checked = self.clock()
        cursor = 0  # the highest id claimed: rows are claimed in id order
        while True:
            if self.clock() - checked >= LOCK_CHECK_INTERVAL:
                if not await lock.alive():
                    raise SenderLockLost("the sender lock was lost")
                checked = self.clock()
            rows = await self._claim(state, cursor)
            if not rows and cursor:
                cursor = 0  # look back: rows put back for a retry have lower ids
                rows = await self._claim(state, 0)
            if not rows:
                await queue.join()  # workers may put rows back for a retry
                rows = await self._claim(state, 0)
            if rows:
                cursor = max(cursor, rows[-1].delivery_id)
                for row in rows:
                    await queue.put(row)
                continue
            async with self.sessions() as session:
                due = await outbox.next_due(session, state.broadcast.id, self.now())
            if due is None:
                return
            await self.sleep(max(0.0, (due - self.now()).total_seconds()))

    async def _claim(self, state: Run, after: int) -> list[outbox.Claimed]:
        # A few more rows than workers: fewer claim transactions for the "sent" marks to wait for.
        # Claimed rows that were never handed over are simply sent after a crash: no duplicates.
        limit = max(self.concurrency, CLAIM_BATCH)
        async with self._db() as session:
            return await outbox.claim(session, state.broadcast.id, limit, self.now(), after=after)

    async def _worker(self, state: Run, queue: asyncio.Queue[outbox.Claimed | None]) -> None:
        while (row := await queue.get()) is not None:
            try:
                await self._deliver(state, row)
            finally:
                queue.task_done()
        queue.task_done()

    async def _deliver(self, state: Run, row: outbox.Claimed) -> None:
        transport = self.transports.get(row.channel)
        if transport is None:
            state.failures[f"no transport for the channel {row.channel}"] += 1
            await self._close(state, row, "failed", row.attempts + 1)
            return
        reply = await self._message(state, row.locale)
        while True:
            await self.pacer.acquire(row.chat_id)
            try:
                await transport.send(row.chat_id, reply, paid=self.paid)
            except RetryAfter as exc:
                self._flood(exc.seconds)
                continue
            except Blocked:
                outcome = "blocked"
            except ChatGone:
                outcome = "invalid"
            except Unauthorized:
                async with self._db() as session:
                    await outbox.mark(session, row.delivery_id, "pending", attempts=row.attempts)
                log.error("the channel refused our credentials; broadcast %d stopped", state.broadcast.id)
                raise
            except Transient as exc:
                await self._retry_later(state, row, exc)
                return
            except (Rejected, DeliveryError) as exc:
                outcome = "failed"
                state.failures[exc.reason[:120]] += 1
            else:
                outcome = "sent"
            finally:
                self.pacer.done(row.chat_id)
            break
        self._failing_in_a_row = self._outage_streak = 0  # the channel answered
        await self._close(state, row, outcome, row.attempts + 1)

    async def _message(self, state: Run, locale: str) -> Reply:
        if locale not in state.messages:
            state.messages[locale] = await self.compose(state.broadcast, locale)
        return state.messages[locale]

    def _flood(self, retry_after: float) -> None:
        self.flood_waits += 1
        self.pacer.pause(retry_after)
        log.warning("flood control (429): all sending paused for %g s", retry_after)

    async def _retry_later(self, state: Run, row: outbox.Claimed, exc: BaseException) -> None:
        """Back off this delivery; if nothing at all gets through, pause all sending as well.

        Without the global pause an outage of Telegram (or of our network) longer than the backoff
        series would fail every delivery; with it, only the few rows tried during the outage use up
        attempts.
        """
        attempts = row.attempts + 1
        self.transient_errors += 1
        self._failing_in_a_row += 1
        if self._failing_in_a_row > self.concurrency:
            pause = min(self.max_backoff, self.backoff * 2 ** min(self._outage_streak, 30))
            self._outage_streak += 1
            self._failing_in_a_row = 0
            self.outage_pauses += 1
            self.pacer.pause(pause)
            log.warning(
                "no message got through (%s); all sending paused for %.1f s", type(exc).__name__, pause
            )
        if attempts >= self.max_attempts:
            state.failures[getattr(exc, "reason", type(exc).__name__)] += 1
            await self._close(state, row, "failed", attempts)
            return
        delay = min(self.max_backoff, self.backoff * 2 ** (attempts - 1))
        async with self._db() as session:
            await outbox.mark(
                session,
                row.delivery_id,
                "pending",
                attempts=attempts,
                next_attempt_at=self.now() + timedelta(seconds=delay),
            )
        log.info("transient error %s; retrying one delivery in %.1f s", type(exc).__name__, delay)

    async def _close(self, state: Run, row: outbox.Claimed, outcome: str, attempts: int) -> None:
        """Commit the outcome at once: the shorter this window, the fewer duplicates after a crash."""
        async with self._db() as session:
            sent_at = self.now() if outcome == "sent" else None
            await outbox.mark(session, row.delivery_id, outcome, attempts=attempts, sent_at=sent_at)
            if outcome in ("blocked", "invalid") and row.subscriber_id is not None:
                await outbox.deactivate(session, row.subscriber_id, outcome)
        state.counts["pending"] = max(0, state.counts["pending"] - 1)
        state.counts[outcome] += 1
        if self.progress is not None:
            self.progress(state.done, state.total)
        await self.reports.maybe_report(state)

    @contextlib.asynccontextmanager
    async def _db(self) -> AsyncIterator[AsyncSession]:
        """A session committed at the end. At most DB_SESSIONS at a time (one on SQLite, where writes
        then wait for each other here rather than in the file), so that many workers neither exhaust
        the connection pool the bot shares nor make it open and close overflow connections."""
        async with self._db_slots, self.sessions() as session:
            yield session
            await session.commit()

"""Sends a broadcast from the durable outbox (storage/outbox.py) within Telegram's limits, and resumes it.

Limits: a global rate (25/s, or up to 1000/s with `paid`, which sets allow_paid_broadcast), at most one
message a second per chat, and a 429 pauses ALL sending for its retry_after. 403 deactivates the
subscriber ("blocked"), 400 "chat not found" marks them "invalid", network errors and 5xx are retried with
exponential backoff up to `max_attempts`, other errors fail the delivery. Progress and a summary go to
the staff chat in `Broadcast.started_by`. Logs carry counts only, never a chat or user id.

Delivery guarantee after a crash (kill -9): a row is marked "sending" (committed) before its message is
handed to Telegram, and "sent" is committed right after Telegram accepted it. A message whose "sent"
mark was not committed when the process died is ambiguous: it may or may not have reached the person.
On resume every row left in "sending" is SENT AGAIN (at-least-once): nobody misses the message, and at
most `concurrency` people (the messages in flight at the moment of the crash; one with sequential
sending) may get it twice. Rows claimed but not yet handed over are also left in "sending"; resending
those is no duplicate. Rows are only requeued by the holder of the sender lock (outbox.SenderLock: a
PostgreSQL advisory lock or a file lock next to the SQLite file), so a live sender's rows are never
taken over, and exactly one process sends at a time. A timeout or network error after the request left
is the same ambiguity and is also retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import math
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import InlineKeyboardMarkup
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.locales import translator
from dialogs.i18n import SOURCE_LOCALE, Translator
from storage import outbox
from storage.models import Broadcast, utcnow

log = logging.getLogger(__name__)

DEFAULT_RATE = 25.0  # Telegram's Bot FAQ: about 30 messages a second for bulk notifications
PAID_RATE = 1000.0  # with allow_paid_broadcast (paid in Stars)
PROGRESS_STEP = 0.1  # progress after every 10 % (at most every progress_min_interval seconds)
LOCK_CHECK_INTERVAL = 5.0  # seconds between checks that the sender lock is still held
DB_SESSIONS = 3  # database sessions the workers use at once (the pool's default size is 5)
CLAIM_BATCH = 10  # rows claimed at a time (at least `concurrency`)
IN_FLIGHT_HOLD = 600.0  # a chat with a request under way waits for its answer (or this long)
# 400 answers that mean the chat does not exist (any more) for this bot.
_CHAT_GONE = ("chat not found", "peer_id_invalid", "user not found")
# Errors after which nobody knows whether the message went out: try again later.
_TRANSIENT: tuple[type[BaseException], ...] = (
    TelegramNetworkError,
    TelegramServerError,
    ClientDecodeError,
    aiohttp.ClientError,
    TimeoutError,
)
_REPORT_ERRORS: tuple[type[BaseException], ...] = (TelegramAPIError, *_TRANSIENT)

Message = tuple[str, InlineKeyboardMarkup | None]  # text in Telegram's HTML, buttons
Composer = Callable[[Broadcast, str], Awaitable[Message]]  # (broadcast, recipient's locale) -> message


@dataclass(frozen=True)
class Summary:
    """Deliveries of the whole broadcast by outcome; `elapsed` is the seconds this run took."""

    sent: int
    blocked: int
    invalid: int
    failed: int
    elapsed: float


class SenderLockLost(RuntimeError):
    """The sender lock's database connection broke: another replica may take over, so stop sending."""


async def compose_text(broadcast: Broadcast, locale: str) -> Message:
    """A free message: the text in the recipient's language, else the German one, escaped (plain text)."""
    texts = broadcast.text or {}
    text = texts.get(locale) or texts.get(SOURCE_LOCALE)
    if not text:
        raise ValueError("the broadcast has no German text")
    return html.escape(text, quote=False), None


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


@dataclass
class _Run:
    """One run over one broadcast: in-memory counters, the progress message, the composed texts."""

    broadcast: Broadcast
    counts: dict[str, int]
    started: float
    resumed: bool
    last_report: float = 0.0
    last_reported_done: int = 0
    progress_message: int | None = None
    reporting: bool = False
    messages: dict[str, Message] = field(default_factory=dict)
    failures: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        return sum(self.counts[status] for status in outbox.DONE)


class Broadcaster:
    """Sends broadcasts from the outbox; one instance per process, shared by every caller of `run`."""

    def __init__(
        self,
        bot: Bot,
        sessions: async_sessionmaker[AsyncSession],
        compose: Composer = compose_text,
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
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        """`rate` defaults to 25/s (1000/s with `paid`). `concurrency` is how many messages may be in
        flight at once (default: enough for about 125 ms per request at `rate`); it is also the most
        people who can get a message twice after a crash. `catch_up`: see `Pacer`. `backoff` doubles
        per failed attempt."""
        self.bot = bot
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
        self.progress_interval = progress_interval
        self.progress_min_interval = progress_min_interval
        self.lock_poll = lock_poll
        self.clock = clock
        self.sleep = sleep
        self.now = now
        self.progress = progress  # (done, total) at the start of a run and after each closed delivery
        self.pacer = Pacer(self.rate, per_chat_interval, clock, sleep, catch_up)
        self.t: Translator = translator(SOURCE_LOCALE)
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

    async def run_pending(self) -> dict[int, Summary]:
        """Resume every unfinished broadcast (at start-up), oldest first."""
        results: dict[int, Summary] = {}
        async with self._exclusive() as lock:
            while True:
                async with self.sessions() as session:
                    todo = [i for i in await outbox.pending_broadcasts(session) if i not in results]
                if not todo:
                    return results
                for broadcast_id in todo:
                    results[broadcast_id] = await self._run_locked(broadcast_id, lock)

    # ----- one broadcast --------------------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def _exclusive(self) -> AsyncIterator[outbox.SenderLock]:
        async with self._local:
            lock = outbox.SenderLock(self.sessions)
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

    async def _run_locked(self, broadcast_id: int, lock: outbox.SenderLock) -> Summary:
        started = self.clock()
        async with self.sessions() as session:
            broadcast = await session.get(Broadcast, broadcast_id)
            if broadcast is None:
                raise LookupError("no such broadcast")
            self._db_slots = asyncio.Semaphore(1 if outbox.single_writer(session) else DB_SESSIONS)
            if broadcast.status == "done":
                return _summary(await outbox.counts(session, broadcast_id), 0.0)
            resumed = broadcast.status == "sending"
            requeued = await outbox.requeue_stale_sending(session, broadcast_id)
            await outbox.begin(session, broadcast_id)
            counts = await outbox.counts(session, broadcast_id)
            await session.commit()
            await session.refresh(broadcast)  # loaded, whatever the sessionmaker's expire_on_commit
        state = _Run(broadcast, counts, started, resumed or requeued > 0, last_report=started)
        if self.progress:
            self.progress(state.done, state.total)
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
        if state.done < state.total:
            await self._announce(state)
            await self._send_all(state, lock)
        async with self.sessions() as session:
            counts = await outbox.counts(session, broadcast_id)
        summary = _summary(counts, self.clock() - started)
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
        await self._report_summary(state, summary)
        async with self._db() as session:
            await outbox.finish(session, broadcast_id)
        return summary

    async def _send_all(self, state: _Run, lock: outbox.SenderLock) -> None:
        queue: asyncio.Queue[outbox.Claimed | None] = asyncio.Queue(maxsize=self.concurrency)
        try:
            async with asyncio.TaskGroup() as group:
                workers = [group.create_task(self._worker(state, queue)) for _ in range(self.concurrency)]
                await self._pump(state, queue, lock)
                for _ in workers:
                    await queue.put(None)
        except ExceptionGroup as errors:
            raise errors.exceptions[0] from None

    async def _pump(
        self, state: _Run, queue: asyncio.Queue[outbox.Claimed | None], lock: outbox.SenderLock
    ) -> None:
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

    async def _claim(self, state: _Run, after: int) -> list[outbox.Claimed]:
        # A few more rows than workers: fewer claim transactions for the "sent" marks to wait for.
        # Claimed rows that were never handed over are simply sent after a crash: no duplicates.
        limit = max(self.concurrency, CLAIM_BATCH)
        async with self._db() as session:
            return await outbox.claim(session, state.broadcast.id, limit, self.now(), after=after)

    async def _worker(self, state: _Run, queue: asyncio.Queue[outbox.Claimed | None]) -> None:
        while (row := await queue.get()) is not None:
            try:
                await self._deliver(state, row)
            finally:
                queue.task_done()
        queue.task_done()

    async def _deliver(self, state: _Run, row: outbox.Claimed) -> None:
        text, markup = await self._message(state, row.locale)
        while True:
            await self.pacer.acquire(row.chat_id)
            try:
                await self._send(row.chat_id, text, markup)
            except TelegramRetryAfter as exc:
                self._flood(exc.retry_after)
                continue
            except TelegramForbiddenError:
                outcome = "blocked"
            except TelegramBadRequest as exc:
                gone = any(reason in exc.message.lower() for reason in _CHAT_GONE)
                outcome = "invalid" if gone else "failed"
                if not gone:
                    state.failures[_reason(exc)] += 1
            except TelegramUnauthorizedError:
                async with self._db() as session:
                    await outbox.mark(session, row.delivery_id, "pending", attempts=row.attempts)
                log.error("the bot token was refused; broadcast %d stopped", state.broadcast.id)
                raise
            except TelegramEntityTooLarge as exc:
                outcome = "failed"
                state.failures[_reason(exc)] += 1
            except _TRANSIENT as exc:
                await self._retry_later(state, row, exc)
                return
            except TelegramAPIError as exc:
                outcome = "failed"
                state.failures[_reason(exc)] += 1
            else:
                outcome = "sent"
            break
        self._failing_in_a_row = self._outage_streak = 0  # Telegram answered
        await self._close(state, row, outcome, row.attempts + 1)

    async def _send(self, chat_id: int, text: str, markup: InlineKeyboardMarkup | None) -> None:
        try:
            await self.bot.send_message(
                chat_id,
                text,
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                allow_paid_broadcast=True if self.paid else None,
            )
        finally:
            self.pacer.done(chat_id)

    async def _message(self, state: _Run, locale: str) -> Message:
        if locale not in state.messages:
            state.messages[locale] = await self.compose(state.broadcast, locale)
        return state.messages[locale]

    def _flood(self, retry_after: int) -> None:
        self.flood_waits += 1
        self.pacer.pause(retry_after)
        log.warning("flood control (429): all sending paused for %d s", retry_after)

    async def _retry_later(self, state: _Run, row: outbox.Claimed, exc: BaseException) -> None:
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
            state.failures[_reason(exc)] += 1
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

    async def _close(self, state: _Run, row: outbox.Claimed, outcome: str, attempts: int) -> None:
        """Commit the outcome at once: the shorter this window, the fewer duplicates after a crash."""
        async with self._db() as session:
            sent_at = self.now() if outcome == "sent" else None
            await outbox.mark(session, row.delivery_id, outcome, attempts=attempts, sent_at=sent_at)
            if outcome in ("blocked", "invalid"):
                await outbox.deactivate(session, row.subscriber_id, outcome)
        state.counts["pending"] = max(0, state.counts["pending"] - 1)
        state.counts[outcome] += 1
        if self.progress:
            self.progress(state.done, state.total)
        await self._maybe_report(state)

    @contextlib.asynccontextmanager
    async def _db(self) -> AsyncIterator[AsyncSession]:
        """A session committed at the end. At most DB_SESSIONS at a time (one on SQLite, where writes
        then wait for each other here rather than in the file), so that many workers neither exhaust
        the connection pool the bot shares nor make it open and close overflow connections."""
        async with self._db_slots, self.sessions() as session:
            yield session
            await session.commit()

    # ----- staff reports --------------------------------------------------------------------------------

    async def _announce(self, state: _Run) -> None:
        if state.broadcast.started_by is None:
            return
        t, number = self.t, state.broadcast.id
        if state.resumed:
            text = t._(
                "Rundsendung {number} wird fortgesetzt: {done} von {total} bereits erledigt.",
                number=number,
                done=state.done,
                total=state.total,
            )
        else:
            text = t._(
                "Rundsendung {number} startet: {total} Empfängerinnen und Empfänger.",
                number=number,
                total=state.total,
            )
        for _ in range(3):  # after a restart the staff chat's last message may be under a second old
            if (sent := await self._to_staff(state, text, retry=True)) is not None:
                state.progress_message = sent
                return

    async def _maybe_report(self, state: _Run) -> None:
        if state.broadcast.started_by is None or state.reporting or state.done >= state.total:
            return
        now = self.clock()
        since = now - state.last_report
        step = state.done - state.last_reported_done >= max(1, state.total * PROGRESS_STEP)
        if since < self.progress_interval and not (step and since >= self.progress_min_interval):
            return
        state.reporting = True
        state.last_report, state.last_reported_done = now, state.done
        try:
            counts, t = state.counts, self.t
            text = t._(
                "Rundsendung {number}: {done} von {total} erledigt ({percent} %). Zugestellt: {sent}, "
                "blockiert: {blocked}, ungültig: {invalid}, fehlgeschlagen: {failed}. Bisher: {elapsed}.",
                number=state.broadcast.id,
                done=state.done,
                total=state.total,
                percent=state.done * 100 // max(1, state.total),
                sent=counts["sent"],
                blocked=counts["blocked"],
                invalid=counts["invalid"],
                failed=counts["failed"],
                elapsed=_duration(t, now - state.started),
            )
            if state.progress_message is None:
                state.progress_message = await self._to_staff(state, text)
            else:
                await self._to_staff(state, text, edit=state.progress_message)
        finally:
            state.reporting = False

    async def _report_summary(self, state: _Run, summary: Summary) -> None:
        if state.broadcast.started_by is None:
            return
        t = self.t
        text = t._(
            "Rundsendung {number} abgeschlossen.\nZugestellt: {sent}\nBlockiert: {blocked}\n"
            "Ungültig: {invalid}\nFehlgeschlagen: {failed}\nDauer: {elapsed}",
            number=state.broadcast.id,
            sent=summary.sent,
            blocked=summary.blocked,
            invalid=summary.invalid,
            failed=summary.failed,
            elapsed=_duration(t, summary.elapsed),
        )
        for _ in range(3):  # a 429 pauses and tries again; anything else is only logged
            if await self._to_staff(state, text, retry=True) is not None:
                return

    async def _to_staff(
        self, state: _Run, text: str, *, edit: int | None = None, retry: bool = False
    ) -> int | None:
        """Send (or edit) a message to the staff member; returns its id, None if it could not be sent."""
        chat_id = state.broadcast.started_by
        assert chat_id is not None
        await self.pacer.acquire(chat_id)
        try:
            if edit is not None:
                await self.bot.edit_message_text(text=text, chat_id=chat_id, message_id=edit)
                return edit
            return (await self.bot.send_message(chat_id, text)).message_id
        except TelegramRetryAfter as exc:
            self._flood(exc.retry_after)
        except _REPORT_ERRORS as exc:
            log.warning("could not report broadcast progress to staff (%s)", type(exc).__name__)
        finally:
            self.pacer.done(chat_id)
        return None if retry or edit is None else edit


def _summary(counts: dict[str, int], elapsed: float) -> Summary:
    return Summary(counts["sent"], counts["blocked"], counts["invalid"], counts["failed"], elapsed)


def _reason(exc: BaseException) -> str:
    """A failure reason for the log: the error class and Telegram's description, which names no chat."""
    if isinstance(exc, TelegramAPIError) and not isinstance(exc, TelegramRetryAfter | TelegramNetworkError):
        return f"{type(exc).__name__}: {exc.message}"[:120]
    return type(exc).__name__


def _duration(t: Translator, seconds: float) -> str:
    total = round(seconds)
    if total < 60:
        return t._("{seconds} s", seconds=total)
    minutes, rest = divmod(total, 60)
    if minutes < 60:
        return t._("{minutes} min {seconds} s", minutes=minutes, seconds=f"{rest:02d}")
    hours, minutes = divmod(minutes, 60)
    return t._("{hours} h {minutes} min", hours=hours, minutes=f"{minutes:02d}")


class BroadcastWorker:
    """Sends every unfinished broadcast in the bot's background: at start-up (a resume after a crash),
    when poked (staff just started one) and every `interval` seconds (one queued from the CLI)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        compose: Composer,
        *,
        rate: float | None = None,
        paid: bool = False,
        interval: float = 30.0,
    ) -> None:
        self.sessions, self.compose, self.rate, self.paid = sessions, compose, rate, paid
        self.interval = interval
        self._wake = asyncio.Event()

    def poke(self) -> None:
        self._wake.set()

    async def forever(self, bot: Bot) -> None:
        # Its own Bot and connection pool, without the replying bot's request middlewares: a 429
        # must reach the Broadcaster, which pauses all sending.
        api = bot.session.api
        own = Bot(bot.token, session=AiohttpSession(api=api), default=bot.default)
        try:
            await self._loop(own)
        finally:
            await own.session.close()

    async def _loop(self, bot: Bot) -> None:
        broadcaster = Broadcaster(bot, self.sessions, self.compose, rate=self.rate, paid=self.paid)
        while True:
            self._wake.clear()
            try:
                finished = await broadcaster.run_pending()
                if finished:
                    log.info("broadcasts finished", extra={"count": len(finished)})
            except SenderLockLost:
                log.warning("sender lock lost; trying again")
            except Exception:
                log.exception("broadcast round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)

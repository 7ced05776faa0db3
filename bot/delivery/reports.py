"""A broadcast's run: its counters, its summary, and the reports to the staff member who started it
(a start message, progress edited in place, the summary), paced like every other message."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.delivery.pacing import Pacer
from bot.delivery.transport import DeliveryError, RetryAfter, Transport
from bot.locales import translator
from dialogs.i18n import SOURCE_LOCALE, Translator
from dialogs.messages import Reply
from storage import outbox
from storage.models import Broadcast

log = logging.getLogger(__name__)
PROGRESS_STEP = 0.1  # progress after every 10 % (at most every progress_min_interval seconds)


@dataclass(frozen=True)
class Summary:
    """Deliveries of the whole broadcast by outcome; `elapsed` is the seconds from its first start to
    its end, across restarts."""

    sent: int
    blocked: int
    invalid: int
    failed: int
    elapsed: float


@dataclass
class Run(outbox.Counted):
    """One run over one broadcast: in-memory counters, the progress message, the composed texts."""

    broadcast: Broadcast
    counts: dict[str, int]
    started: float
    resumed: bool
    last_report: float = 0.0
    last_reported_done: int = 0
    progress_message: int | None = None
    reporting: bool = False
    messages: dict[str, Reply] = field(default_factory=dict)
    failures: Counter[str] = field(default_factory=Counter)


class StaffReports:
    """Tells the staff member in `Broadcast.started_by` how their broadcast goes, in German."""

    def __init__(
        self,
        transport: Transport | None,
        pacer: Pacer,
        flood: Callable[[float], None],
        clock: Callable[[], float],
        progress_interval: float,
        progress_min_interval: float,
    ) -> None:
        self.transport = transport
        self.pacer = pacer
        self.flood = flood
        self.clock = clock
        self.progress_interval = progress_interval
        self.progress_min_interval = progress_min_interval
        self.t: Translator = translator(SOURCE_LOCALE)

    async def announce(self, state: Run) -> None:
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

    async def maybe_report(self, state: Run) -> None:
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
                elapsed=duration(t, now - state.started),
            )
            if state.progress_message is None:
                state.progress_message = await self._to_staff(state, text)
            else:
                await self._to_staff(state, text, edit=state.progress_message)
        finally:
            state.reporting = False

    async def summary(self, state: Run, summary: Summary) -> None:
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
            elapsed=duration(t, summary.elapsed),
        )
        for _ in range(3):  # a 429 pauses and tries again; anything else is only logged
            if await self._to_staff(state, text, retry=True) is not None:
                return

    async def _to_staff(
        self, state: Run, text: str, *, edit: int | None = None, retry: bool = False
    ) -> int | None:
        """Send (or edit) a message to the staff member; returns its id, None if it could not be sent."""
        chat_id = state.broadcast.started_by
        transport = self.transport
        assert chat_id is not None
        if transport is None:
            return None
        await self.pacer.acquire(chat_id)
        try:
            if edit is not None:
                await transport.edit(chat_id, edit, text)
                return edit
            return await transport.send(chat_id, Reply(text))
        except RetryAfter as exc:
            self.flood(exc.seconds)
        except DeliveryError as exc:
            log.warning("could not report broadcast progress to staff (%s)", exc.reason)
        finally:
            self.pacer.done(chat_id)
        return None if retry or edit is None else edit


def summary_of(counts: dict[str, int], elapsed: float) -> Summary:
    return Summary(counts["sent"], counts["blocked"], counts["invalid"], counts["failed"], elapsed)


def elapsed(broadcast: Broadcast, end: datetime | None) -> float:
    """Seconds from the broadcast's first start to `end`: a resumed broadcast counts its whole time."""
    if broadcast.started_at is None or end is None:
        return 0.0
    return max(0.0, (end - broadcast.started_at).total_seconds())


def duration(t: Translator, seconds: float) -> str:
    total = round(seconds)
    if total < 60:
        return t._("{seconds} s", seconds=total)
    minutes, rest = divmod(total, 60)
    if minutes < 60:
        return t._("{minutes} min {seconds} s", minutes=minutes, seconds=f"{rest:02d}")
    hours, minutes = divmod(minutes, 60)
    return t._("{hours} h {minutes} min", hours=hours, minutes=f"{minutes:02d}")

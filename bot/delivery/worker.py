"""The sender in the bot's background: at start-up (a resume after a crash), when poked (staff just
started a broadcast, an RSVP promoted someone, an export is ready) and every `interval` seconds
(something queued by the command line or another replica; reminders falling due)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.compose import Composer
from bot.delivery.sender import Sender, SenderLockLost
from bot.delivery.transport import Transport
from storage import outbox, processed
from storage.models import utcnow

log = logging.getLogger(__name__)
PROCESSED_KEPT = timedelta(days=2)  # Telegram redelivers an update for at most a day


class DeliveryWorker:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        compose: Composer,
        *,
        rate: float | None = None,
        paid: bool = False,
        interval: float = 30.0,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.sessions, self.compose, self.rate, self.paid = sessions, compose, rate, paid
        self.interval = interval
        self.now = now
        self._wake = asyncio.Event()
        self.rounds = 0  # finished rounds, for tests that wait for one

    def poke(self) -> None:
        self._wake.set()

    async def forever(self, transports: Mapping[str, Transport]) -> None:
        sender = Sender(transports, self.sessions, self.compose, rate=self.rate, paid=self.paid)
        while True:
            self._wake.clear()
            await self.round(sender)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)

    async def round(self, sender: Sender) -> None:
        """Queue what fell due, then send everything pending; errors are logged, never raised."""
        try:
            finished = await sender.run_pending(first=self.housekeeping)
            if finished:
                log.info("broadcasts finished", extra={"count": len(finished)})
        except SenderLockLost:
            log.warning("sender lock lost; trying again")
        except Exception:
            log.exception("delivery round failed")
        self.rounds += 1

    async def housekeeping(self) -> None:
        """Runs under the sender lock: reminders that fell due, and forgetting old update ids."""
        now = self.now()
        async with self.sessions() as session, session.begin():
            reminded = await outbox.queue_due_reminders(session, now)
            await processed.forget_before(session, now - PROCESSED_KEPT)
        if reminded:
            log.info("reminders queued", extra={"count": reminded})

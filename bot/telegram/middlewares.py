"""Per-update plumbing: order per person, throttling, one DB session, the person's language."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.turns import Conversations
from dialogs.i18n import Translator
from dialogs.languages import match_locale

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
CHANNEL = "telegram"
log = logging.getLogger(__name__)


class OneAtATimePerPerson(BaseMiddleware):
    """Updates from different people run concurrently; one person's updates keep their order."""

    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None:
            return await handler(event, data)
        lock = self._locks.setdefault(user.id, asyncio.Lock())
        self._waiting[user.id] = self._waiting.get(user.id, 0) + 1
        try:
            async with lock:
                return await handler(event, data)
        finally:
            self._waiting[user.id] -= 1
            if not self._waiting[user.id]:
                del self._waiting[user.id], self._locks[user.id]


@dataclass
class _Bucket:
    tokens: float
    stamp: float
    warned: bool = False


class Throttle(BaseMiddleware):
    """A person sending many updates a second is slowed down; the bot warns once, not per update.

    The buckets live in this process: with several replicas a flood is limited per replica, which
    still protects the database; nothing that matters to the conversation is kept here.
    """

    def __init__(
        self,
        rate: float,
        burst: int,
        warn: Callable[[User, dict[str, Any]], Awaitable[None]],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate, self.burst, self.warn, self.clock = rate, burst, warn, clock
        self._buckets: dict[int, _Bucket] = {}

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or self.rate <= 0:
            return await handler(event, data)
        now = self.clock()
        bucket = self._buckets.get(user.id) or _Bucket(float(self.burst), now)
        bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.stamp) * self.rate)
        bucket.stamp = now
        self._buckets[user.id] = bucket
        if len(self._buckets) > 10_000:
            self._forget_idle(now)
        if bucket.tokens < 1:
            log.info("update dropped by throttling")
            if not bucket.warned:
                bucket.warned = True
                await self.warn(user, data)
            return None
        bucket.tokens -= 1
        bucket.warned = False
        return await handler(event, data)

    def _forget_idle(self, now: float) -> None:
        full = [uid for uid, b in self._buckets.items() if now - b.stamp > self.burst / self.rate]
        for uid in full:
            del self._buckets[uid]


class DatabaseSession(BaseMiddleware):
    """One database session per update, closed when the update is done."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self.sessions() as session:
            data["session"] = session
            return await handler(event, data)


class PersonAndLanguage(BaseMiddleware):
    """The person's pseudonym and language: the stored choice, else their Telegram app language."""

    def __init__(
        self,
        conversations: Conversations,
        shipped: Collection[str],
        default_locale: str,
        translators: Callable[[str], Translator],
    ) -> None:
        self.conversations = conversations
        self.shipped = shipped
        self.default_locale = default_locale
        self.translators = translators

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None:
            return await handler(event, data)
        person = self.conversations.person(CHANNEL, user.id)
        stored = await self.conversations.locale_of(person, data.get("session"))
        suggested = match_locale(user.language_code, self.shipped, self.default_locale)
        locale = stored or suggested
        data.update(person=person, locale=locale, suggested_locale=suggested, consented=bool(stored))
        data["t"] = self.translators(locale)
        return await handler(event, data)

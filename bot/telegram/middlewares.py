"""Per-update plumbing: private chats only, throttling, order per person, the person and their language.

No middleware holds a database transaction: the language is read in a short transaction of its own,
and each use case opens and commits its own.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Collection
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Chat, TelegramObject, Update, User

from bot.buckets import TokenBuckets
from bot.usecases.turns import Conversations
from dialogs.i18n import Translator
from dialogs.languages import match_locale

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
CHANNEL = "telegram"
log = logging.getLogger(__name__)


class PrivateChatsOnly(BaseMiddleware):
    """The bot serves one person at a time in their private chat. In a group, /mydata would show one
    person's data to everyone: updates from groups and channels are ignored, and the bot leaves."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        chat: Chat | None = data.get("event_chat")
        if chat is None or chat.type == "private":
            return await handler(event, data)
        log.info("update from a non-private chat ignored", extra={"chat_type": chat.type})
        if chat.type in ("group", "supergroup"):
            bot: Bot = data["bot"]
            try:
                await bot.leave_chat(chat.id)
            except TelegramAPIError:
                log.info("could not leave a group")
        return None


class OneAtATimePerPerson(BaseMiddleware):
    """Updates from different people run concurrently; one person's updates keep their order here.

    Within one process. Across replicas, a turn's transaction takes the person's lock (PostgreSQL),
    and Telegram sends one chat's webhook updates one at a time anyway.
    """

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


class Throttle(BaseMiddleware):
    """A person sending many updates a second is slowed down; the bot warns once, not per update.

    Counted when an update arrives, before it waits for the person's earlier updates: taps that queue
    behind a slow one (a database that is briefly away) are not dropped for having waited.
    The buckets live in this process: with several replicas a flood is limited per replica, which
    still protects the database; nothing that matters to the conversation is kept here. A person's
    bucket is dropped once it is full again (bot/buckets.py): the table holds the people of the last
    few seconds, not everybody who ever wrote.
    """

    def __init__(
        self,
        rate: float,
        burst: int,
        warn: Callable[[User, dict[str, Any]], Awaitable[None]],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.warn = warn
        self._buckets: TokenBuckets[int] | None = TokenBuckets(rate, burst, clock) if rate > 0 else None

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or self._buckets is None:
            return await handler(event, data)
        bucket = self._buckets.refill(user.id)
        if bucket.tokens < 1:
            log.info("update dropped by throttling")
            if not bucket.warned:
                bucket.warned = True
                await self.warn(user, data)
            return None
        bucket.tokens -= 1
        bucket.warned = False
        return await handler(event, data)

    def __len__(self) -> int:
        """How many people's buckets are kept."""
        return len(self._buckets or ())


class Person(BaseMiddleware):
    """Outer: the person's pseudonym, the language their Telegram app suggests, and the update's key
    for idempotency. An update without a person (no `from`) has nobody to answer: ignored.

    No database here: a turn reads the person's state (and language) anyway, in its own transaction.
    Routers that need the stored language before calling a use case add `Language`.
    """

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
            log.info("update without a sender ignored")
            return None
        suggested = match_locale(user.language_code, self.shipped, self.default_locale)
        data.update(person=self.conversations.person(CHANNEL, user.id), suggested_locale=suggested)
        data["t"] = self.translators(suggested)  # until `Language` knows better
        if isinstance(event, Update):
            data["update_key"] = f"{CHANNEL}:{event.update_id}"
        return await handler(event, data)


class Language(BaseMiddleware):
    """Inner, for the routers that need it: the language the person chose (read in a short transaction
    of its own), else the suggested one; and whether they consented."""

    def __init__(self, conversations: Conversations, translators: Callable[[str], Translator]) -> None:
        self.conversations = conversations
        self.translators = translators

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        stored = await self.conversations.locale_of(data["person"])
        locale = stored or data["suggested_locale"]
        data.update(locale=locale, consented=bool(stored), t=self.translators(locale))
        return await handler(event, data)

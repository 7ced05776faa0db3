"""Subscribers and broadcasts in the outbox, and what the fake Bot API saw of them: shared by the outbox
tests (tests/storage), the sender against the fake (tests/telegram) and the kill -9 end-to-end test."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.locales import translator
from dialogs.audience import Audience
from storage import outbox
from storage.db import session_factory
from storage.models import Delivery, Subscriber
from tests.support.fake_telegram import FakeTelegram

STAFF = 7_099_999
BASE = 7_100_000  # chat ids: 7 digits, so that no count in a log line can be mistaken for one
TEXTS = {"de": "Einladung: Fest im <Kiez> & mehr", "ar": "دعوة إلى الحفل"}
LOCALES = ("de", "ar", "uk", "fa")


def expected_text(locale: str) -> str:
    """The free message as its reader gets it: the staff's text in their language, else German, each
    line isolated (dialogs/bidi.py)."""
    return translator(locale).block(TEXTS.get(locale, TEXTS["de"]))


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
    """A free message (TEXTS) to `audience`, queued; by default started by STAFF, who gets reports."""
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


def staff_calls(fake: FakeTelegram) -> list[tuple[str, str]]:
    """The successful sends and edits to the staff chat: (method, text)."""
    return [
        (call.method, str(call.params.get("text")))
        for call in fake.requests
        if call.params.get("chat_id") == STAFF and call.status == 200
    ]

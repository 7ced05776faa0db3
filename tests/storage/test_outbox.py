"""The outbox in the database, on SQLite and PostgreSQL: the audience of a broadcast, the unique key per
recipient, claiming and marking deliveries, and the sender lock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.audience import Audience
from storage import outbox
from storage.db import session_factory
from storage.dialect import SenderLock
from storage.models import Delivery, Subscriber, utcnow
from tests.support.broadcasts import LOCALES, TEXTS, add_subscribers, new_broadcast


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
    one, two = SenderLock(sessions), SenderLock(sessions)
    assert await one.try_acquire()
    assert await one.alive()
    assert not await two.try_acquire()
    await one.release()
    assert not await one.alive()
    assert await two.try_acquire()
    await two.release()

"""Subscriptions hold no pseudonym: the person they belong to is matched under the key where a person must
be (delete everything, the purge), and migration 0008 moves existing subscribers over without losing one,
their RSVPs or what waits in their web inbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.events import EventDefinition
from dialogs.messages import AnswerSet, ConsentGiven
from dialogs.state import ConversationState
from storage import events, migrate, web_notices
from storage.conversations import ConversationRepository
from storage.db import session_factory
from storage.models import ConversationStateRow, Participant, Rsvp, Subscriber, WebNotice
from storage.pseudonym import pseudonym, web_chat_id

KEY = b"s" * 32
NOW = datetime.now(UTC).replace(microsecond=0)
# The revision 0008 follows, read from the migration itself (it may be re-pointed when branches merge).
BEFORE = ScriptDirectory.from_config(migrate.alembic_config()).get_revision("0008").down_revision
assert isinstance(BEFORE, str)


def an_event() -> EventDefinition:
    start = NOW + timedelta(days=3)
    return EventDefinition.model_validate({
        "title": {"de": "Dialog in Spandau"}, "starts_at": start, "ends_at": start + timedelta(hours=2),
        "place": "Paul-Schneider-Haus", "district": "spandau", "status": "published",
    })  # fmt: skip


async def person(db: AsyncEngine, who: str, *, inactive: bool = False) -> None:
    """Someone who agreed and answered; `inactive`: their conversation last moved 400 days ago."""
    async with session_factory(db)() as session, session.begin():
        repo = ConversationRepository(session)
        await repo.apply(who, [ConsentGiven("de"), AnswerSet("about", "bezirk", "spandau")])
        await repo.save(who, ConversationState(locale="de"), None)
        if inactive:
            await session.execute(
                update(ConversationStateRow)
                .where(ConversationStateRow.pseudonym == who)
                .values(updated_at=NOW - timedelta(days=400))
            )


async def subscribed(db: AsyncEngine, event_id: int, channel: str, chat_id: int) -> int:
    """A subscription at this address with an RSVP; for the web also a notice in the inbox."""
    async with session_factory(db)() as session, session.begin():
        found = await events.subscribe(session, channel, chat_id, "de", [], [])
        await events.answer(session, event_id, found.id, "yes")
        if channel == "web":
            assert await web_notices.put(session, chat_id, "Erinnerung", [])
        return found.id


async def remaining(db: AsyncEngine) -> tuple[set[int], int, int]:
    """The subscriptions left, and how many RSVPs and web notices."""
    async with session_factory(db)() as session:
        ids = set((await session.scalars(select(Subscriber.id))).all())
        rsvps = await session.scalar(select(func.count()).select_from(Rsvp))
        notices = await session.scalar(select(func.count()).select_from(WebNotice))
    return ids, int(rsvps or 0), int(notices or 0)


async def test_the_purge_deletes_the_subscriptions_of_the_people_it_deletes(db: AsyncEngine) -> None:
    async with session_factory(db)() as session, session.begin():
        event_id = await events.add_event(session, an_event())
    gone_telegram, gone_web = pseudonym(KEY, "telegram", 601), pseudonym(KEY, "web", "GONE00000001")
    kept_telegram, kept_web = pseudonym(KEY, "telegram", 602), pseudonym(KEY, "web", "KEPT00000001")
    for who in (gone_telegram, gone_web):
        await person(db, who, inactive=True)
    for who in (kept_telegram, kept_web):
        await person(db, who)
    await subscribed(db, event_id, "telegram", 601)
    await subscribed(db, event_id, "web", web_chat_id(KEY, gone_web))
    kept = {
        await subscribed(db, event_id, "telegram", 602),
        await subscribed(db, event_id, "web", web_chat_id(KEY, kept_web)),
    }
    async with session_factory(db)() as session, session.begin():
        removed = await ConversationRepository(session).purge_inactive(NOW - timedelta(days=365), KEY)
    assert removed == 2
    assert await remaining(db) == (kept, 2, 1)


async def test_delete_everything_finds_the_subscription_under_the_key(db: AsyncEngine) -> None:
    async with session_factory(db)() as session, session.begin():
        event_id = await events.add_event(session, an_event())
    web_person, telegram_person = pseudonym(KEY, "web", "ABCD00000001"), pseudonym(KEY, "telegram", 603)
    await subscribed(db, event_id, "web", web_chat_id(KEY, web_person))
    kept = await subscribed(db, event_id, "telegram", 603)
    other = await subscribed(db, event_id, "telegram", 604)
    async with session_factory(db)() as session, session.begin():
        await ConversationRepository(session).forget(web_person, KEY)
    assert await remaining(db) == ({kept, other}, 2, 0)
    async with session_factory(db)() as session, session.begin():
        await ConversationRepository(session).forget(telegram_person, KEY)
    assert await remaining(db) == ({other}, 1, 0)


# ----- migration 0008 -------------------------------------------------------------------------------------

SUBSCRIBED = datetime(2026, 11, 20, 13, 45, 12, tzinfo=UTC)
OLD_SUBSCRIBERS = sa.table(
    "subscribers",
    sa.column("id", sa.Integer()),
    sa.column("pseudonym", sa.String()),
    sa.column("channel", sa.String()),
    sa.column("chat_id", sa.BigInteger()),
    sa.column("locale", sa.String()),
    sa.column("districts", sa.JSON()),
    sa.column("fields", sa.JSON()),
    sa.column("status", sa.String()),
    sa.column("subscribed_at", sa.DateTime(timezone=True)),
)


async def old_subscribers(db: AsyncEngine, rows: list[tuple[str, str, int]]) -> list[int]:
    """Subscribers as the schema before 0008 kept them: (pseudonym, channel, chat id); their ids."""
    ids = []
    async with db.begin() as conn:
        for who, channel, chat in rows:
            values = {
                "pseudonym": who, "channel": channel, "chat_id": chat, "locale": "de", "districts": [],
                "fields": [], "status": "active", "subscribed_at": SUBSCRIBED,
            }  # fmt: skip
            made = await conn.execute(OLD_SUBSCRIBERS.insert().values(values).returning(OLD_SUBSCRIBERS.c.id))
            ids.append(int(made.scalar_one()))
    return ids


async def columns(db: AsyncEngine) -> set[str]:
    async with db.connect() as conn:
        found = await conn.run_sync(lambda c: inspect(c).get_columns("subscribers"))
    return {column["name"] for column in found}


async def test_migration_0008_keeps_every_subscriber_and_moves_web_ones_to_keyed_chat_ids(
    db: AsyncEngine,
) -> None:
    await migrate.downgrade(db, BEFORE)
    telegram_person = pseudonym(KEY, "telegram", 701)
    web_person = pseudonym(KEY, "web", "WEB000000001")
    old_web_chat = int(web_person[:13], 16)
    async with session_factory(db)() as session, session.begin():
        event_id = await events.add_event(session, an_event())
    telegram_id, web_id = await old_subscribers(
        db, [(telegram_person, "telegram", 701), (web_person, "web", old_web_chat)]
    )
    async with session_factory(db)() as session, session.begin():  # these tables did not change
        session.add(Participant(pseudonym=web_person, locale="de"))
        for subscriber_id in (telegram_id, web_id):
            session.add(Rsvp(event_id=event_id, subscriber_id=subscriber_id, answer="yes"))
        session.add(WebNotice(subscriber_id=web_id, text="Erinnerung", buttons=[]))

    # Web subscribers get new chat ids under the key: without it, or with another one, no upgrade.
    with pytest.raises(migrate.KeyNeeded, match="mitsprache db upgrade"):
        await migrate.upgrade(db)
    with pytest.raises(RuntimeError, match="key does not match"):
        await migrate.upgrade(db, key=lambda: b"another key, not the bot's one!!")
    assert await migrate.current_revision(db) == BEFORE and "pseudonym" in await columns(db)
    await migrate.upgrade(db, key=lambda: KEY)

    assert "pseudonym" not in await columns(db)
    async with session_factory(db)() as session:
        rows = (await session.execute(select(Subscriber.id, Subscriber.channel, Subscriber.chat_id))).all()
        assert sorted(rows) == [(telegram_id, "telegram", 701), (web_id, "web", web_chat_id(KEY, web_person))]
        assert await events.subscriptions_of(session, KEY, [telegram_person]) == [telegram_id]
        assert await events.subscriptions_of(session, KEY, [web_person]) == [web_id]
        days = (await session.scalars(select(Subscriber.subscribed_at))).all()
        assert set(days) == {SUBSCRIBED.replace(hour=0, minute=0, second=0)}  # the day only
        rsvps = set((await session.scalars(select(Rsvp.subscriber_id))).all())
    # SQLite copied the table to change it: its RSVPs and notices were not cascaded away with the old one.
    assert rsvps == {telegram_id, web_id}
    async with session_factory(db)() as session, session.begin():
        notices = await web_notices.take(session, web_chat_id(KEY, web_person))
    assert [n.text for n in notices] == ["Erinnerung"]

    # Back down: the pseudonyms come back under the key; a web subscription whose person is gone goes.
    async with session_factory(db)() as session, session.begin():
        await events.subscribe(session, "web", web_chat_id(KEY, "nobody"), "de", [], [])
    await migrate.downgrade(db, BEFORE, key=lambda: KEY)
    async with db.connect() as conn:
        back = (
            await conn.execute(
                sa.select(OLD_SUBSCRIBERS.c.id, OLD_SUBSCRIBERS.c.pseudonym, OLD_SUBSCRIBERS.c.chat_id)
            )
        ).all()
        rsvps_after = (await conn.execute(sa.text("SELECT count(*) FROM rsvps"))).scalar_one()
    assert sorted(back) == [(telegram_id, telegram_person, 701), (web_id, web_person, old_web_chat)]
    assert rsvps_after == 2
    await migrate.upgrade(db, key=lambda: KEY)

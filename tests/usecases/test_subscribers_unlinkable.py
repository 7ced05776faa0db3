"""Whoever holds the database alone cannot tell whose answers a subscriber gave: after people subscribed
through Telegram and through the web chat and answered, nothing in the subscription tables equals,
contains or starts like a pseudonym of the answers; only the pseudonym key links them again (for
"delete everything" and the purge)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.locales import translator
from bot.usecases.invitations import Channel, Invitations
from bot.usecases.turns import Conversations
from bot.web import identity
from dialogs.definitions import Catalogue
from dialogs.engine import Engine
from dialogs.messages import Press
from storage import events
from storage.db import session_factory
from tests.web.test_web_chat import Browser, web_chat_over
from tests.web.test_web_events import UK, an_event, consented, subscribe_and_answer

KEY = b"u" * 40
TELEGRAM_USER = 7_123_456_789
PERSON_TABLES = ("participants", "conversation_states", "answers", "field_completions")
SUBSCRIPTION_TABLES = ("subscribers", "rsvps", "web_notices", "deliveries")
WINDOW = 12  # 48 bits of a pseudonym: a value that holds that much of one is a link


async def dump(db: AsyncEngine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, as a copy of the database would have them."""
    async with db.connect() as conn:
        tables = await conn.run_sync(lambda c: inspect(c).get_table_names())
        copy = {}
        for table in tables:
            rows = (await conn.execute(text(f'SELECT * FROM "{table}"'))).all()
            copy[table] = [dict(row._mapping) for row in rows]
        return copy


def spellings(value: Any) -> Iterator[str]:
    """The ways a value could carry a pseudonym: as it is, and a number also in hex (plain and padded)."""
    if value is None or isinstance(value, bool | datetime):
        return
    if isinstance(value, int):
        yield str(value)
        yield from (format(value, spec) for spec in ("x", "013x", "016x"))
    elif isinstance(value, list | dict):
        yield json.dumps(value).lower()
    else:
        yield str(value).lower()


def links(value: Any, pseudonym: str) -> bool:
    """Whether a value equals, contains or starts like the pseudonym, or holds a long enough piece of it."""
    pieces = {pseudonym[i : i + WINDOW] for i in range(len(pseudonym) - WINDOW + 1)}
    for spelled in spellings(value):
        if spelled == pseudonym or pseudonym in spelled:
            return True
        if len(spelled) >= 8 and pseudonym.startswith(spelled):
            return True
        if any(piece in spelled for piece in pieces):
            return True
    return False


async def test_a_dump_cannot_join_subscribers_to_their_answers(
    db: AsyncEngine, real_catalogue: Catalogue
) -> None:
    sessions = session_factory(db)
    conversations = Conversations(Engine(real_catalogue), sessions, KEY, translator)
    invitations = Invitations(sessions, real_catalogue, translator)
    event_id = await an_event(db)

    # Telegram, through the use cases its shell calls: consent, an answer, the subscription, an RSVP.
    chat = Channel("telegram", TELEGRAM_USER)
    telegram_person = conversations.person("telegram", TELEGRAM_USER)
    agreed = await conversations.handle(telegram_person, Press(0, "adult"), "uk")
    assert agreed.state is not None
    await conversations.handle(telegram_person, Press(agreed.state.seq, "pick", "spandau"), "uk")
    for step in ("yes", "district:spandau", "next", "done"):
        await invitations.subscribe_step(chat, "uk", step)
    await invitations.rsvp(chat, f"{event_id}:yes", UK)

    # The web chat, over HTTP: consent, an answer, the subscription, an RSVP.
    async with TestClient(TestServer(web_chat_over(conversations).app())) as client:
        browser = Browser(client)
        page = await consented(browser)
        answered = await browser.submit(page.button("Spandau"))
        await subscribe_and_answer(browser, answered, UK._("Vielleicht"))
        assert browser.code is not None
        web_person = conversations.person(identity.CHANNEL, browser.code)

    copy = await dump(db)
    people = {row["pseudonym"] for table in PERSON_TABLES for row in copy[table]}
    assert {telegram_person, web_person} <= people
    assert {row["pseudonym"] for row in copy["answers"]} >= {telegram_person, web_person}
    subscribers = copy["subscribers"]
    assert sorted(row["channel"] for row in subscribers) == ["telegram", "web"]
    assert len(copy["rsvps"]) == 2

    # Nothing on the subscription side holds a pseudonym, whole or in part, in any spelling.
    found = [
        (table, column, person)
        for table in SUBSCRIPTION_TABLES
        for row in copy[table]
        for column, value in row.items()
        for person in people
        if links(value, person)
    ]
    assert found == []
    # The check would have caught the old web chat id (52 bits of the pseudonym) ...
    assert links(int(web_person[:13], 16), web_person)
    # ... and no column of a subscriber equals a value of the person's rows but the language (row
    # numbers and versions are counters of their own tables: equal by chance, they join nothing).
    counters = ("id", "version")
    person_values = {
        spelled
        for table in PERSON_TABLES
        for row in copy[table]
        for column, value in row.items()
        if column not in counters
        for spelled in spellings(value)
    }
    shared = {
        column
        for row in subscribers
        for column, value in row.items()
        if column not in counters and any(spelled in person_values for spelled in spellings(value))
    }
    assert shared <= {"locale"}, shared
    # The moment of subscribing is not kept, only its day (it would match the moments of the answers).
    days = [datetime.fromisoformat(str(row["subscribed_at"])) for row in subscribers]
    assert all(day.time() == datetime.min.time() for day in days), days

    # With the key the link is there again: what "delete everything" and the purge need.
    async with sessions() as session:
        telegram_sub = await events.subscriber(session, "telegram", TELEGRAM_USER)
        matched = await events.subscriptions_of(session, KEY, [telegram_person])
        web_matched = await events.subscriptions_of(session, KEY, [web_person])
        assert await events.subscriptions_of(session, b"x" * 40, [telegram_person, web_person]) == []
    assert telegram_sub is not None and matched == [telegram_sub.id]
    assert len(web_matched) == 1 and web_matched != matched

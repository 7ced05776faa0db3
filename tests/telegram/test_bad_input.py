"""Bad input is an input, never an error: each case gets the right answer or is ignored, on SQLite and
PostgreSQL, through the bot's dispatcher and the fake Bot API. None of them may reach a person as the
apology, or the log as "update failed". (The webhook's secret check: test_end_to_end_http.py.)"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.locales import translator
from storage.db import session_factory
from storage.models import Subscriber
from tests.support.fake_telegram import FakeTelegram
from tests.support.person import Person
from tests.support.telegram_harness import StartBot

DE = translator("de")
APOLOGY = "Entschuldigung, da ist etwas schiefgelaufen"
STAFF = 9501


@pytest.fixture
async def started(start_bot: StartBot, db: AsyncEngine) -> None:
    await start_bot(db, staff=f"{STAFF}:events")


def no_failures(caplog: pytest.LogCaptureFixture, *people: Person) -> None:
    assert not [r for r in caplog.records if r.getMessage() == "update failed"]
    for person in people:
        assert not any(APOLOGY in text for text in person.texts)


@pytest.mark.usefixtures("started")
async def test_staff_can_type_outside_a_dialog(fake: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    staff = Person(fake, STAFF)
    await staff.consent()
    await staff.say("hallo")  # no staff dialog open: the text goes to their own questionnaire
    assert DE._("Bitte tippen Sie auf eine der Antworten unten.") in staff.texts[-2]
    await staff.say("/event_new")
    await staff.say("Sommerfest im Kiez")  # now it is the new event's title
    assert "Beschreibung" in staff.texts[-1] or "Beschreibung" in staff.texts[-2]
    no_failures(caplog, staff)


@pytest.mark.usefixtures("started")
async def test_forged_and_odd_updates_are_answered_or_ignored(
    fake: FakeTelegram, db: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    person = Person(fake, 9601)
    await person.consent()
    question = person.last_with_buttons
    before = len(person.messages)

    # A message without a sender (as from a channel): nobody to answer.
    fake.send_anonymous(person.id, "hallo")
    await fake.settle()
    assert len(person.messages) == before

    # Button data with a forged language, a superscript digit, a number beyond any id.
    for data in ("b|0|agree||ar/../ar", "b|³|pick|mitte|", "b|1|pick|mitte|" + "x" * 60):
        await person.press_data(data, question)
        assert "nicht mehr aktuell" in (fake.callback_answers[-1].text or "")
    for data in ("b|1|rsvp|99999999999:yes|", "b|1|rsvp|1:ja|", "b|1|rsvp|١:yes|"):
        await person.press_data(data, question)
        assert "nicht mehr aktuell" in person.texts[-1]

    # An RSVP for an event that does not exist (a number in range): said so, nothing stored.
    await person.say("/subscribe")
    await person.press(DE._("Ja, Einladungen bekommen"))
    await person.press_data("b|0|rsvp|2147483647:yes|", person.last_with_buttons)
    assert person.texts[-1] == DE._("Diese Veranstaltung gibt es nicht mehr.")

    # A double tap on "Ja, Einladungen bekommen": the second one changes nothing and breaks nothing.
    await person.say("/subscribe")
    consent_message = person.last_with_buttons
    data = consent_message.buttons[0]["callback_data"]
    fake.press(person.id, consent_message.message_id, data)
    fake.press(person.id, consent_message.message_id, data)
    await fake.settle()
    async with session_factory(db)() as session:
        assert len((await session.scalars(select(Subscriber))).all()) == 1
    no_failures(caplog, person)


@pytest.mark.usefixtures("started")
async def test_staff_status_with_odd_digits(fake: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    staff = Person(fake, STAFF)
    await staff.consent()
    for odd in ("²", "99999999999", "-1", "drei"):
        await staff.say(f"/broadcast_status {odd}")
        assert staff.texts[-1] == DE._("Diese Rundsendung gibt es nicht.")
    no_failures(caplog, staff)


@pytest.mark.usefixtures("started")
async def test_a_person_who_blocks_the_bot_mid_answer_gets_nothing_more(
    fake: FakeTelegram, db: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    person = Person(fake, 9701)
    await person.consent()
    await person.say("/subscribe")
    await person.press(DE._("Ja, Einladungen bekommen"))
    fake.block(person.id)
    sent_before = len(fake.calls("sendMessage"))
    await person.say("/fields")  # the answer meets a 403
    # One attempt, no apology after it, no error in the log, and no invitations any more.
    assert len(fake.calls("sendMessage")) == sent_before + 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    async with session_factory(db)() as session:
        assert (await session.scalars(select(Subscriber.status))).all() == ["blocked"]


@pytest.mark.usefixtures("started")
async def test_groups_are_left_and_never_answered(
    fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    person = Person(fake, 9801)
    for group, kind in ((-100123, "supergroup"), (-456, "group")):
        fake.send_in_group(person.id, group, "/mydata", kind)
        await fake.settle()
        assert fake.messages(group) == []
    assert fake.left_groups == [-100123, -456]
    assert person.messages == []
    no_failures(caplog, person)


@contextlib.asynccontextmanager
async def database_held(db_url: str) -> AsyncIterator[None]:
    """Another process holds the database: SQLite's write lock, or PostgreSQL's lock on the states."""
    if db_url.startswith("sqlite"):
        holder = sqlite3.connect(db_url.split("///", 1)[1], isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        return
    engine = create_async_engine(db_url)
    try:
        async with engine.connect() as holder:
            await holder.execute(text("LOCK TABLE conversation_states IN ACCESS EXCLUSIVE MODE"))
            yield
            await holder.rollback()
    finally:
        await engine.dispose()


async def test_while_the_database_is_held_people_hear_so_and_no_tap_is_dropped(
    fake: FakeTelegram, start_bot: StartBot, db: AsyncEngine, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    await start_bot(db, throttle_rate=2, throttle_burst=8)  # the default throttle
    person = Person(fake, 9901)
    await person.consent()
    before = len(person.messages)
    outage = DE._("Gerade gibt es eine technische Störung.")
    async with database_held(db_url):
        for words in ("/fields", "/help", "/fields", "/help"):  # tapping on while nothing comes back
            fake.send_text(person.id, words)
        # The first tap hears, while the database is still held, that something is wrong (the bot
        # waits five seconds for the database, storage/db.py: WAIT_FOR_DATABASE).
        await fake.wait_for(lambda: any(outage in t for t in person.texts_since(before)))
    await fake.settle()
    answered = person.texts_since(before)
    # Every tap got an answer (the outage message or the real one), none was throttled away.
    assert len(answered) >= 4
    real = sum("Themen" in t or "Hilfe" in t for t in answered)
    assert sum(outage in t for t in answered) + real >= 4
    assert not any(DE._("Bitte etwas langsamer. Ich antworte gleich wieder.") in t for t in answered)
    await person.say("/fields")  # and afterwards all is well again
    assert "Es gibt neun Themen" in person.texts[-1]

"""Bad input is an input, never an error: each case gets the right answer or is ignored, on SQLite and
PostgreSQL, through the real polling stack and the fake Bot API. None of them may reach a person as the
apology, or the log as "update failed"."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.locales import translator
from storage.db import session_factory
from storage.models import Subscriber
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram_harness import TOKEN, BotUnderTest, last_with_buttons, settle

DE = translator("de")
APOLOGY = "Entschuldigung, da ist etwas schiefgelaufen"
STAFF = 9501


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN, per_chat_rate=30, per_chat_burst=40) as server:
        yield server


@pytest.fixture
async def running(fake: FakeTelegram, db: AsyncEngine) -> AsyncIterator[BotUnderTest]:
    bot = BotUnderTest(fake, db, throttle_rate=0, staff=f"{STAFF}:events")
    await bot.start_polling()
    yield bot
    await bot.stop()


async def say(fake: FakeTelegram, user: int, words: str) -> None:
    fake.send_text(user, words)
    await settle(fake)


async def press(fake: FakeTelegram, user: int, label: str) -> None:
    fake.press_button(user, label)
    await settle(fake)


async def consent(fake: FakeTelegram, user: int) -> None:
    fake.add_user(user, language_code="de")
    await say(fake, user, "/start")
    await press(fake, user, "Deutsch")
    await press(fake, user, DE._("Ja, einverstanden"))


def texts(fake: FakeTelegram, user: int) -> list[str]:
    return [m.plain_text or m.plain_caption or "" for m in fake.messages(user)]


def no_failures(caplog: pytest.LogCaptureFixture, fake: FakeTelegram, *users: int) -> None:
    assert not [r for r in caplog.records if r.getMessage() == "update failed"]
    for user in users:
        assert not any(APOLOGY in text for text in texts(fake, user))


async def test_staff_can_type_outside_a_dialog(
    fake: FakeTelegram, running: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    await consent(fake, STAFF)
    await say(fake, STAFF, "hallo")  # no staff dialog open: the text goes to their own questionnaire
    assert DE._("Bitte tippen Sie auf eine der Antworten unten.") in texts(fake, STAFF)[-2]
    await say(fake, STAFF, "/event_new")
    await say(fake, STAFF, "Sommerfest im Kiez")  # now it is the new event's title
    assert "Beschreibung" in texts(fake, STAFF)[-1] or "Beschreibung" in texts(fake, STAFF)[-2]
    no_failures(caplog, fake, STAFF)


async def test_forged_and_odd_updates_are_answered_or_ignored(
    fake: FakeTelegram, running: BotUnderTest, db: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    user = 9601
    await consent(fake, user)
    question = last_with_buttons(fake, user)
    before = len(fake.messages(user))

    # A message without a sender (as from a channel): nobody to answer.
    update = fake.send_text(user, "hallo")
    del update["message"]["from"]
    await settle(fake)
    assert len(fake.messages(user)) == before

    # Button data with a forged language, a superscript digit, a number beyond any id.
    for data in ("b|0|agree||ar/../ar", "b|³|pick|mitte|", "b|1|pick|mitte|" + "x" * 60):
        fake.press(user, question.message_id, data)
        await settle(fake)
        assert "nicht mehr aktuell" in (fake.callback_answers[-1].text or "")
    for data in ("b|1|rsvp|99999999999:yes|", "b|1|rsvp|1:ja|", "b|1|rsvp|١:yes|"):
        fake.press(user, question.message_id, data)
        await settle(fake)
        assert "nicht mehr aktuell" in texts(fake, user)[-1]

    # An RSVP for an event that does not exist (a number in range): said so, nothing stored.
    await say(fake, user, "/subscribe")
    await press(fake, user, DE._("Ja, Einladungen bekommen"))
    fake.press(user, last_with_buttons(fake, user).message_id, "b|0|rsvp|2147483647:yes|")
    await settle(fake)
    assert texts(fake, user)[-1] == DE._("Diese Veranstaltung gibt es nicht mehr.")

    # A double tap on "Ja, Einladungen bekommen": the second one changes nothing and breaks nothing.
    await say(fake, user, "/subscribe")
    consent_message = last_with_buttons(fake, user)
    data = consent_message.buttons[0]["callback_data"]
    fake.press(user, consent_message.message_id, data)
    fake.press(user, consent_message.message_id, data)
    await settle(fake)
    async with session_factory(db)() as session:
        assert len((await session.scalars(select(Subscriber))).all()) == 1
    no_failures(caplog, fake, user)


async def test_staff_status_with_odd_digits(
    fake: FakeTelegram, running: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    await consent(fake, STAFF)
    for odd in ("²", "99999999999", "-1", "drei"):
        await say(fake, STAFF, f"/broadcast_status {odd}")
        assert texts(fake, STAFF)[-1] == DE._("Diese Rundsendung gibt es nicht.")
    no_failures(caplog, fake, STAFF)


async def test_a_person_who_blocks_the_bot_mid_answer_gets_nothing_more(
    fake: FakeTelegram, running: BotUnderTest, db: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    user = 9701
    await consent(fake, user)
    await say(fake, user, "/subscribe")
    await press(fake, user, DE._("Ja, Einladungen bekommen"))
    fake.block(user)
    sent_before = len(fake.calls("sendMessage"))
    await say(fake, user, "/fields")  # the answer meets a 403
    # One attempt, no apology after it, no error in the log, and no invitations any more.
    assert len(fake.calls("sendMessage")) == sent_before + 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    async with session_factory(db)() as session:
        assert (await session.scalars(select(Subscriber.status))).all() == ["blocked"]


async def test_groups_are_left_and_never_answered(
    fake: FakeTelegram, running: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    fake.add_user(9801, language_code="de")
    for group, kind in ((-100123, "supergroup"), (-456, "group")):
        fake.send_in_group(9801, group, "/mydata", kind)
        await settle(fake)
        assert fake.messages(group) == []
    assert fake.left_groups == [-100123, -456]
    assert fake.messages(9801) == []
    no_failures(caplog, fake, 9801)


async def test_webhook_secret_check_and_access_log(
    fake: FakeTelegram, db: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    bot = BotUnderTest(fake, db, throttle_rate=0)
    base = await bot.start_webhook()
    try:
        assert fake.webhook is not None
        secret = fake.webhook.secret
        assert secret and fake.webhook.max_connections == 40
        fake.add_user(8101, language_code="de")
        fake.send_text(8101, "/start")
        await settle(fake)
        path = fake.webhook.url.removeprefix(base)
        async with aiohttp.ClientSession() as client:
            for header in ("wrong", "fälschung", "\u0645\u0641\u062a\u0627\u062d"):
                raw = {"X-Telegram-Bot-Api-Secret-Token": header.encode().decode("latin-1")}
                async with client.post(base + path, json={"update_id": 1}, headers=raw) as response:
                    assert response.status == 401, header
        logged = " ".join(r.getMessage() for r in caplog.records)
        assert "/telegram/" in logged  # the access log is there
        assert secret[:24] not in logged and secret not in logged
    finally:
        await bot.stop()


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
    fake: FakeTelegram, db: AsyncEngine, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    bot = BotUnderTest(fake, db, throttle_rate=2, throttle_burst=8)  # the default throttle
    await bot.start_polling()
    try:
        user = 9901
        await consent(fake, user)
        before = len(fake.messages(user))
        outage = DE._("Gerade gibt es eine technische Störung.")
        async with database_held(db_url):
            for words in ("/fields", "/help", "/fields", "/help"):  # tapping on while nothing comes back
                fake.send_text(user, words)
            # The first tap hears within a few seconds that something is wrong.
            await fake.wait_for(lambda: any(outage in t for t in texts(fake, user)[before:]), timeout=20)
        await fake.wait_for(lambda: len(texts(fake, user)) >= before + 4, timeout=30)
        await settle(fake)
        answered = texts(fake, user)[before:]
        # Every tap got an answer (the outage message or the real one), none was throttled away.
        real = sum("Handlungsfelder" in t or "Hilfe" in t for t in answered)
        assert sum(outage in t for t in answered) + real >= 4
        assert not any(DE._("Bitte etwas langsamer. Ich antworte gleich wieder.") in t for t in answered)
        await say(fake, user, "/fields")  # and afterwards all is well again
        assert "Handlungsfelder" in texts(fake, user)[-1]
    finally:
        await bot.stop()

"""End to end: the real aiogram polling loop (and webhook) against the fake Bot API server."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import catalogs, logs
from bot.locales import translator
from dialogs.bidi import FSI, PDI
from dialogs.i18n import Translator
from storage import audit, migrate
from storage.db import create_engine, session_factory
from storage.models import Answer, FieldCompletion, Participant
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram_harness import TOKEN, BotUnderTest, last_with_buttons, settle

FREE_TEXT = "Wir brauchen mehr Dolmetscher in der Praxis."
ALL_TABLES = ("participants", "conversation_states", "answers", "field_completions")


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'e2e.sqlite3'}")
    await migrate.upgrade(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN, per_chat_rate=30, per_chat_burst=40) as server:
        yield server


@pytest.fixture
async def running(fake: FakeTelegram, sqlite_db: AsyncEngine) -> AsyncIterator[BotUnderTest]:
    bot = BotUnderTest(fake, sqlite_db, throttle_rate=0)
    await bot.start_polling()
    yield bot
    await bot.stop()


async def rows(db: AsyncEngine, table: str) -> int:
    async with db.connect() as conn:
        return int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())


async def press(fake: FakeTelegram, user: int, label: str) -> None:
    fake.press_button(user, label)
    await settle(fake)


async def say(fake: FakeTelegram, user: int, words: str) -> None:
    fake.send_text(user, words)
    await settle(fake)


async def consent(fake: FakeTelegram, user: int, locale: str) -> Translator:
    t = translator(locale)
    await say(fake, user, "/start")
    picker = last_with_buttons(fake, user)
    assert picker.button_texts[0] == catalogs.language_name(locale)  # the phone's language first
    await press(fake, user, catalogs.language_name(locale))
    await press(fake, user, t._("Ja, einverstanden"))
    return t


async def skip_about(fake: FakeTelegram, user: int, t: Translator) -> None:
    for _ in range(5):
        await press(fake, user, t._("Überspringen"))
    await press(fake, user, t._("Absenden"))


async def open_field(fake: FakeTelegram, user: int, title: str) -> Translator:
    """A new German-speaking person who agrees, skips the about block and opens a field."""
    fake.add_user(user, language_code="de")
    t = await consent(fake, user, "de")
    await skip_about(fake, user, t)
    await press(fake, user, title)
    return t


async def answer_current_field(fake: FakeTelegram, user: int, t: Translator) -> int:
    """Answer every question (first option, or a text) up to the review, then send."""
    hint = t._("Schreiben Sie Ihre Antwort als Nachricht (höchstens {limit} Zeichen).", limit=1000)
    hint = hint.split(FSI)[0][:20]
    for answered in range(30):
        message = last_with_buttons(fake, user)
        if t._("Absenden") in message.button_texts:
            await press(fake, user, t._("Absenden"))
            return answered
        assert message.plain_text is not None
        if hint in message.plain_text:
            await say(fake, user, FREE_TEXT)
        elif t._("Fertig") in message.button_texts:
            fake.press(user, message.message_id, message.buttons[0]["callback_data"])
            await settle(fake)
            await press(fake, user, t._("Fertig"))
        else:
            fake.press(user, message.message_id, message.buttons[0]["callback_data"])
            await settle(fake)
    raise AssertionError("the questionnaire did not end")


@pytest.mark.parametrize(("locale", "user"), [("de", 1001), ("ar", 1002), ("uk", 1003)])
async def test_a_complete_questionnaire(
    fake: FakeTelegram, running: BotUnderTest, sqlite_db: AsyncEngine, locale: str, user: int
) -> None:
    fake.add_user(user, first_name="Amal", language_code={"de": "de", "ar": "ar-SY", "uk": "uk-UA"}[locale])
    t = await consent(fake, user, locale)
    await skip_about(fake, user, t)
    title = t.p_("gesundheit.short_title", "Gesundheit und Pflege")
    await press(fake, user, title)
    first_question = last_with_buttons(fake, user).plain_text or ""
    progress = t._("{title} – Frage {number} von {total}", title=title, number=1, total=10)
    assert first_question.startswith(progress.split("\n")[0][:10])
    if locale == "ar":
        assert FSI in first_question and PDI in first_question  # numbers isolated in RTL text
    answered = await answer_current_field(fake, user, t)
    assert t._("Weiter mit: {title}", title=t.p_("familie.short_title", "Kinder, Familie, Schule")) in (
        last_with_buttons(fake, user).button_texts
    )
    person = running.person(user)
    async with session_factory(sqlite_db)() as session:
        stored = (await session.execute(select(Answer.question, Answer.value).where(
            Answer.pseudonym == person, Answer.field == "gesundheit"))).all()  # fmt: skip
        done = (await session.scalars(select(FieldCompletion.field).where(
            FieldCompletion.pseudonym == person))).all()  # fmt: skip
        participant = await session.get(Participant, person)
    assert len(stored) == answered
    assert FREE_TEXT in [value for _, value in stored]
    assert sorted(done) == ["about", "gesundheit"]
    assert participant is not None and participant.locale == locale
    for message in fake.messages(user):
        assert message.plain_text is None or len(message.plain_text) <= 4096


async def test_declining_stores_nothing(
    fake: FakeTelegram, running: BotUnderTest, sqlite_db: AsyncEngine
) -> None:
    fake.add_user(2001, language_code="de")
    await say(fake, 2001, "/start")
    await press(fake, 2001, "Deutsch")
    await press(fake, 2001, "Mehr erfahren")
    assert "Ende-zu-Ende" in "".join(m.plain_text or "" for m in fake.messages(2001))
    await press(fake, 2001, "Nein")
    assert "Wir speichern nichts" in (fake.last_message(2001).plain_text or "")  # type: ignore[union-attr]
    await say(fake, 2001, "/privacy")
    await say(fake, 2001, "Hallo?")
    for table in ALL_TABLES:
        assert await rows(sqlite_db, table) == 0, table


async def test_delete_leaves_nothing(
    fake: FakeTelegram, running: BotUnderTest, sqlite_db: AsyncEngine
) -> None:
    fake.add_user(3001, language_code="de")
    t = await consent(fake, 3001, "de")
    await press(fake, 3001, "Pankow")
    await press(fake, 3001, "18–29")
    await say(fake, 3001, "/mydata")
    mydata = fake.last_message(3001)
    assert mydata is not None and "Pankow" in (mydata.plain_text or "")
    await say(fake, 3001, "/delete")
    await press(fake, 3001, t._("Ja, alles löschen"))
    assert "Alles ist gelöscht" in (fake.last_message(3001).plain_text or "")  # type: ignore[union-attr]
    for table in ALL_TABLES:
        assert await rows(sqlite_db, table) == 0, table
    await say(fake, 3001, "/mydata")
    assert "nichts gespeichert" in (fake.messages(3001)[-2].plain_text or "")


async def test_restart_resumes_the_questionnaire(fake: FakeTelegram, sqlite_db: AsyncEngine) -> None:
    first = BotUnderTest(fake, sqlite_db, throttle_rate=0)
    await first.start_polling()
    fake.add_user(4001, language_code="de")
    t = await consent(fake, 4001, "de")
    await skip_about(fake, 4001, t)
    await press(fake, 4001, "Arbeit und Ausbildung")
    message = last_with_buttons(fake, 4001)
    fake.press(4001, message.message_id, message.buttons[0]["callback_data"])
    await settle(fake)
    before = last_with_buttons(fake, 4001).plain_text
    await first.stop()

    second = BotUnderTest(fake, sqlite_db, throttle_rate=0)
    await second.start_polling()
    try:
        await say(fake, 4001, "/start")
        texts = [m.plain_text or "" for m in fake.messages(4001)[-2:]]
        assert "Willkommen zurück" in texts[0]
        assert texts[1] == before
    finally:
        await second.stop()


async def test_bad_input_is_answered_and_stores_nothing_wrong(
    fake: FakeTelegram, running: BotUnderTest, sqlite_db: AsyncEngine
) -> None:
    user = 5001
    await open_field(fake, user, "Gesundheit und Pflege")
    question = last_with_buttons(fake, user)
    current = question.plain_text

    def reshown() -> bool:
        return (fake.last_message(user).plain_text or "") == current  # type: ignore[union-attr]

    for content in ("sticker", "photo", "voice", "document", "location", "contact"):
        fake.send_message(user, **{content: True})
        await settle(fake)
        texts = [m.plain_text or "" for m in fake.messages(user)[-2:]]
        assert "Das kann ich leider nicht lesen" in texts[0], content
        assert reshown(), content

    await say(fake, user, "irgendein Text")
    assert "Bitte tippen Sie auf eine der Antworten" in (fake.messages(user)[-2].plain_text or "")
    assert reshown()

    fake.press(user, question.message_id, "b|999|pick|erfunden|")  # forged
    await settle(fake)
    assert "nicht mehr aktuell" in (fake.messages(user)[-2].plain_text or "")
    fake.press(user, question.message_id, "ganz:fremd")  # not ours at all
    await settle(fake)
    assert fake.callback_answers[-1].text and "nicht mehr aktuell" in fake.callback_answers[-1].text

    # The stale press retired the old keyboard and showed the question again, with buttons.
    assert not question.buttons
    question = last_with_buttons(fake, user)
    assert question.plain_text == current
    # A double tap: the same button twice before the keyboard disappears stores one answer.
    data = question.buttons[0]["callback_data"]
    fake.press(user, question.message_id, data)
    fake.press(user, question.message_id, data)
    await settle(fake)
    assert "nicht mehr aktuell" in "".join(m.plain_text or "" for m in fake.messages(user)[-3:])
    assert fake.messages(user)[-1].buttons  # the next question is shown
    answered_before = question.message_id
    assert not fake.messages(user)[[m.message_id for m in fake.messages(user)].index(answered_before)].buttons

    async with session_factory(sqlite_db)() as session:
        count = await session.scalar(
            select(func.count()).select_from(Answer).where(Answer.field == "gesundheit")
        )
    assert count == 1
    assert fake.internal_errors == []


async def test_too_long_text_is_refused(
    fake: FakeTelegram, running: BotUnderTest, sqlite_db: AsyncEngine
) -> None:
    user = 5101
    await open_field(fake, user, "Partizipation")
    hint = "Schreiben Sie Ihre Antwort als Nachricht"
    for _ in range(12):  # walk to the free-text question at the end
        message = last_with_buttons(fake, user)
        if hint in (message.plain_text or ""):
            break
        if "Fertig" in message.button_texts:
            fake.press(user, message.message_id, message.buttons[0]["callback_data"])
            await settle(fake)
            await press(fake, user, "Fertig")
        else:
            fake.press(user, message.message_id, message.buttons[0]["callback_data"])
            await settle(fake)
    async with session_factory(sqlite_db)() as session:
        before = await session.scalar(select(func.count()).select_from(Answer))
    await say(fake, user, "x" * 1500)
    error = fake.messages(user)[-2].plain_text or ""
    assert "1500" in error and "1000" in error
    async with session_factory(sqlite_db)() as session:
        assert await session.scalar(select(func.count()).select_from(Answer)) == before


async def test_a_flood_is_throttled_without_flooding_back(fake: FakeTelegram, sqlite_db: AsyncEngine) -> None:
    bot = BotUnderTest(fake, sqlite_db, throttle_rate=1, throttle_burst=3)
    await bot.start_polling()
    try:
        fake.add_user(6001, language_code="de")
        for i in range(40):
            fake.send_text(6001, f"Nachricht {i}")
        await settle(fake)
        replies = fake.messages(6001)
        warnings = [m for m in replies if "Bitte etwas langsamer" in (m.plain_text or "")]
        assert len(warnings) == 1
        assert len(replies) <= 3 * 2 + 1  # each handled message: welcome + consent request
        assert fake.too_many_requests == 0
    finally:
        await bot.stop()


async def test_commands_are_registered_in_every_language(fake: FakeTelegram, running: BotUnderTest) -> None:
    for locale in catalogs.shipped_locales():
        commands = fake.commands[("default", locale)]
        names = [c["command"] for c in commands]
        assert names == [
            "start", "fields", "pause", "language", "events", "subscribe", "unsubscribe",
            "privacy", "mydata", "delete", "help",
        ]  # fmt: skip
        descriptions = {c["command"]: c["description"] for c in commands}
        assert descriptions["delete"] == translator(locale)._("Alle meine Daten löschen")
    assert fake.commands[("default", "")][0]["description"] == translator("en")._(
        "Beginnen oder weitermachen"
    )


async def test_language_can_be_changed(fake: FakeTelegram, running: BotUnderTest) -> None:
    fake.add_user(7001, language_code="fa-IR")
    await say(fake, 7001, "/start")
    assert last_with_buttons(fake, 7001).button_texts[0] == catalogs.language_name("fa")
    await press(fake, 7001, catalogs.language_name("de"))
    await press(fake, 7001, "Ja, einverstanden")
    await say(fake, 7001, "/language")
    await press(fake, 7001, catalogs.language_name("ru"))
    last = fake.last_message(7001)
    question = translator("ru").p_("about.bezirk", "In welchem Berliner Bezirk wohnen Sie?")
    assert question != "In welchem Berliner Bezirk wohnen Sie?"
    assert last is not None and question in (last.plain_text or "")


async def test_logs_carry_no_personal_data(fake: FakeTelegram, sqlite_db: AsyncEngine) -> None:
    stream = io.StringIO()
    level = logging.getLogger().level
    logs.configure("DEBUG", stream)
    bot = BotUnderTest(fake, sqlite_db, throttle_rate=0)
    await bot.start_polling()
    try:
        fake.add_user(987654321, first_name="Fatima", language_code="de", username="fatima_b")
        t = await consent(fake, 987654321, "de")
        await skip_about(fake, 987654321, t)
        await press(fake, 987654321, "Partizipation")
        await say(fake, 987654321, "Meine geheime Meinung")
        fake.send_message(987654321, sticker=True)
        await settle(fake)
    finally:
        await bot.stop()
        logging.getLogger().handlers[:] = []
        logging.getLogger().setLevel(level)  # later tests must not inherit DEBUG
    output = stream.getvalue()
    assert output, "the session produced no log lines"
    for line in output.splitlines():
        json.loads(line)
    for secret in ("987654321", "Fatima", "fatima_b", "Meine geheime Meinung", TOKEN):
        assert secret not in output, secret
    # Nor does any table hold the raw id, the name or the username.
    async with sqlite_db.connect() as conn:
        for table in ALL_TABLES:
            stored = repr((await conn.execute(text(f"SELECT * FROM {table}"))).all())
            for secret in ("987654321", "Fatima", "fatima_b"):
                assert secret not in stored, (table, secret)


async def test_webhook_delivers_and_checks_the_secret(fake: FakeTelegram, sqlite_db: AsyncEngine) -> None:
    bot = BotUnderTest(fake, sqlite_db, throttle_rate=0)
    base = await bot.start_webhook()
    try:
        assert fake.webhook is not None and fake.webhook.secret
        fake.add_user(8001, language_code="de")
        fake.send_text(8001, "/start")
        await settle(fake)
        assert fake.webhook_statuses and set(fake.webhook_statuses) == {200}
        assert last_with_buttons(fake, 8001).button_texts[0] == "Deutsch"
        path = fake.webhook.url.removeprefix(base)
        async with aiohttp.ClientSession() as client:
            wrong = {"X-Telegram-Bot-Api-Secret-Token": "wrong"}
            async with client.post(base + path, json={"update_id": 1}, headers=wrong) as response:
                assert response.status == 401
            async with client.get(base + "/healthz") as response:
                assert response.status == 200
    finally:
        await bot.stop()


async def test_export_is_for_staff_only(fake: FakeTelegram, sqlite_db: AsyncEngine) -> None:
    bot = BotUnderTest(fake, sqlite_db, throttle_rate=0, staff="9001:admin,9002:gesundheit")
    await bot.start_polling()
    try:
        await open_field(fake, 9100, "Wohnen und Soziales")
        first = last_with_buttons(fake, 9100)
        fake.press(9100, first.message_id, first.buttons[0]["callback_data"])  # one answer to export
        await settle(fake)
        for user in (9001, 9002, 9003):
            fake.add_user(user, language_code="de")
        # A refugee (no role) gets exactly the unknown-command answer, and no file.
        await consent(fake, 9003, "de")
        before = len(fake.messages(9003))
        await say(fake, 9003, "/export wohnen csv")
        await say(fake, 9003, "/gibtsnicht")
        texts = [m.plain_text for m in fake.messages(9003)[before:]]
        assert len(texts) == 4 and texts[:2] == texts[2:]
        assert "Diesen Befehl kenne ich nicht" in (texts[0] or "")
        # A health working-group member may not export housing.
        await say(fake, 9002, "/export wohnen csv")
        refusal = fake.last_message(9002)
        assert refusal is not None and "nur diese Handlungsfelder exportieren: gesundheit" in (
            refusal.plain_text or ""
        )
        # An admin is told it is under way; the file follows through the outbox, and is audited.
        await say(fake, 9001, "/export wohnen csv")
        assert "Der Export wird erstellt" in (fake.messages(9001)[0].plain_text or "")
        document = await fake.wait_for(
            lambda: next((m for m in fake.messages(9001) if m.document is not None), None)
        )
        assert document.document_name == "mitsprache-wohnen.csv"
        assert (document.document_bytes or b"").startswith(b"\xef\xbb\xbf")
        assert all(m.document is None for m in fake.messages(9002) + fake.messages(9003))
        async with session_factory(sqlite_db)() as session:
            entries = await audit.entries(session)
        logged = [(e.actor, e.field, e.format, e.rows) for e in entries]
        assert logged == [("telegram:9001", "wohnen", "csv", 1)]
    finally:
        await bot.stop()


async def test_withdrawing_consent_deletes_everything(
    fake: FakeTelegram, running: BotUnderTest, sqlite_db: AsyncEngine
) -> None:
    t = await open_field(fake, 3101, "Partizipation")
    message = last_with_buttons(fake, 3101)
    fake.press(3101, message.message_id, message.buttons[0]["callback_data"])
    await settle(fake)
    await say(fake, 3101, "/privacy")
    await press(fake, 3101, t._("Zustimmung widerrufen"))
    await press(fake, 3101, t._("Ja, alles löschen"))
    for table in ALL_TABLES:
        assert await rows(sqlite_db, table) == 0, table


async def test_invitations_rsvp_waitlist_calendar_and_reminder(
    fake: FakeTelegram, running: BotUnderTest, sqlite_db: AsyncEngine
) -> None:
    from datetime import UTC, datetime, timedelta

    from icalendar import Calendar

    from dialogs.events import EventDefinition
    from storage import events

    start = datetime.now(UTC) + timedelta(days=2)
    async with session_factory(sqlite_db)() as session, session.begin():
        event_id = await events.add_event(session, EventDefinition(
            title={"de": "Dialog in Pankow", "uk": "Діалог у Панкові"}, starts_at=start,
            ends_at=start + timedelta(hours=2), place="Prenzlauer Allee 227", district="pankow",
            capacity=1, status="published",
        ))  # fmt: skip
    for user, locale in ((9201, "de"), (9202, "uk")):
        fake.add_user(user, language_code=locale)
        t = await consent(fake, user, locale)
        await say(fake, user, "/subscribe")
        await press(fake, user, t._("Ja, Einladungen bekommen"))
        await press(fake, user, "Pankow")  # districts toggle in place
        assert "☑ Pankow" in last_with_buttons(fake, user).button_texts
        await press(fake, user, t._("Weiter"))
        await press(fake, user, t._("Weiter"))
        await say(fake, user, "/events")
        await press(fake, user, t._("Ich komme"))
    assert "Діалог у Панкові" in "".join(m.plain_text or "" for m in fake.messages(9202))
    first_calendar = fake.messages(9201)[-1]
    assert first_calendar.document_name == f"mitsprache-{event_id}.ics"
    entry = next(iter(Calendar.from_ical(first_calendar.document_bytes or b"").walk("VEVENT")))
    assert entry.decoded("dtstart") == start.replace(microsecond=0) or entry.decoded("dtstart") == start
    waitlisted = translator("uk")._(
        "Die Veranstaltung ist voll. Sie stehen auf der Warteliste. Wird ein Platz frei, sagen wir Bescheid."
    )
    assert fake.messages(9202)[-1].plain_text == waitlisted
    assert fake.messages(9202)[-1].document is None  # full: waitlisted, no calendar yet
    # The first person cancels; the second moves up and is told so (through the outbox), with the file.
    await say(fake, 9201, "/events")
    await press(fake, 9201, "Nein")
    promoted = await fake.wait_for(lambda: next((m for m in fake.messages(9202) if m.document), None))
    assert promoted.document_name == f"mitsprache-{event_id}.ics"
    uk = translator("uk")
    assert promoted.plain_caption == uk._("Ein Platz ist frei geworden: Sie sind jetzt angemeldet!")
    # A day before, the reminder goes out once; time travel instead of waiting.
    reminder = uk._("Erinnerung: Morgen ist die Veranstaltung, zu der Sie sich angemeldet haben.")

    def reminders() -> int:
        return sum(reminder in (m.plain_text or "") for m in fake.messages(9202))

    await running.delivery_round(now=start - timedelta(hours=30))
    assert reminders() == 0
    await running.delivery_round(now=start - timedelta(hours=20))
    assert reminders() == 1
    await running.delivery_round(now=start - timedelta(hours=19))
    assert reminders() == 1
    await say(fake, 9202, "/unsubscribe")
    async with session_factory(sqlite_db)() as session:
        assert await events.subscriber(session, running.person(9202)) is None


async def test_event_broadcast_reaches_the_audience_in_their_language(
    fake: FakeTelegram, running: BotUnderTest, sqlite_db: AsyncEngine
) -> None:
    from datetime import UTC, datetime, timedelta

    from bot.telegram.sending import telegram_sender
    from bot.usecases.broadcasts import BroadcastRequest, Queued, create
    from dialogs.audience import Audience
    from dialogs.events import EventDefinition
    from storage import events

    start = datetime.now(UTC) + timedelta(days=5)
    async with session_factory(sqlite_db)() as session, session.begin():
        event_id = await events.add_event(session, EventDefinition(
            title={"de": "Dialog in Spandau", "ar": "حوار في شباندو"}, starts_at=start,
            ends_at=start + timedelta(hours=2), place="Paul-Schneider-Haus", district="spandau",
            fields=["partizipation"], status="published",
        ))  # fmt: skip
        for user, locale, districts in (
            (9301, "ar", ["spandau"]),
            (9302, "de", []),
            (9303, "de", ["pankow"]),
        ):
            fake.add_user(user, language_code=locale)
            await events.subscribe(session, running.person(user), "telegram", user, locale, districts, [])
    assert running.bot is not None
    sessions = session_factory(sqlite_db)
    queued = await create(sessions, BroadcastRequest("invitation", Audience.of(["spandau"]), event_id))
    assert isinstance(queued, Queued) and queued.recipients == 2
    summary = await telegram_sender(running.bot, sessions).run(queued.broadcast_id)
    assert (summary.sent, summary.blocked, summary.failed) == (2, 0, 0)
    arabic = fake.messages(9301)
    assert len(arabic) == 1 and "حوار في شباندو" in (arabic[0].plain_text or "")
    assert translator("ar")._("Ich komme") in arabic[0].button_texts
    assert len(fake.messages(9302)) == 1 and fake.messages(9303) == []  # Pankow only: not invited
    await press(fake, 9301, translator("ar")._("Ich komme"))
    assert fake.messages(9301)[-1].document_name == f"mitsprache-{event_id}.ics"

"""A person's conversation with the bot: the questionnaire, consent and deletion, bad input, languages,
exports, invitations. The bot as production builds it, fed its updates through `Dispatcher.feed_update`
against the in-process fake Bot API, on SQLite."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import catalogs
from bot.locales import translator
from bot.telegram.commands import app_languages
from bot.telegram.sending import telegram_sender
from bot.usecases.broadcasts import BroadcastRequest, Queued, create
from dialogs.audience import Audience
from dialogs.bidi import FSI, PDI
from dialogs.events import EventDefinition
from storage import audit, events
from storage.db import session_factory
from storage.models import Answer, FieldCompletion, Participant
from tests.support.database import ALL_PERSONAL_TABLES, rows
from tests.support.fake_telegram import FakeTelegram
from tests.support.person import Person
from tests.support.telegram_harness import StartBot

FREE_TEXT = "Wir brauchen mehr Dolmetscher in der Praxis."


@pytest.mark.parametrize(
    ("locale", "user", "phone"), [("de", 1001, "de"), ("ar", 1002, "ar-SY"), ("uk", 1003, "uk-UA")]
)
async def test_a_complete_questionnaire(
    fake: FakeTelegram, start_bot: StartBot, sqlite_db: AsyncEngine, locale: str, user: int, phone: str
) -> None:
    bot = await start_bot(sqlite_db)
    amal = Person(fake, user, locale, language_code=phone, first_name="Amal")
    t = await amal.consent()
    await amal.skip_about()
    title = t.p_("gesundheit.short_title", "Gesundheit und Pflege")
    await amal.press(title)
    first_question = amal.last_with_buttons.plain_text or ""
    progress = t._("{title} – Frage {number} von {total}", title=title, number=1, total=10)
    assert first_question.startswith(progress.split("\n")[0][:10])
    if locale == "ar":
        assert FSI in first_question and PDI in first_question  # numbers isolated in RTL text
    answered = await amal.answer_field(FREE_TEXT)
    next_field = t._("Weiter mit: {title}", title=t.p_("familie.short_title", "Kinder, Familie, Schule"))
    assert next_field in amal.last_with_buttons.button_texts
    person = bot.pseudonym(user)
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
    for message in amal.messages:
        assert message.plain_text is None or len(message.plain_text) <= 4096


async def test_declining_stores_nothing(
    fake: FakeTelegram, start_bot: StartBot, sqlite_db: AsyncEngine
) -> None:
    await start_bot(sqlite_db)
    person = Person(fake, 2001)
    await person.say("/start")
    await person.press("Deutsch")
    await person.press("Mehr erfahren")
    assert "Telegram kann sie lesen" in "".join(person.texts)
    await person.press("Nein")
    assert "Wir speichern nichts" in person.texts[-1]
    await person.say("/privacy")
    await person.say("Hallo?")
    for table in ALL_PERSONAL_TABLES:
        assert await rows(sqlite_db, table) == 0, table


async def test_delete_leaves_nothing(fake: FakeTelegram, start_bot: StartBot, sqlite_db: AsyncEngine) -> None:
    await start_bot(sqlite_db)
    person = Person(fake, 3001)
    t = await person.consent()
    await person.press("Pankow")
    await person.press("18–29")
    await person.say("/mydata")
    assert "Pankow" in person.texts[-1]
    await person.say("/delete")
    await person.press(t._("Ja, alles löschen"))
    assert "Alles ist gelöscht" in person.texts[-1]
    for table in ALL_PERSONAL_TABLES:
        assert await rows(sqlite_db, table) == 0, table
    await person.say("/mydata")
    assert "nichts gespeichert" in person.texts[-2]


async def test_withdrawing_consent_deletes_everything(
    fake: FakeTelegram, start_bot: StartBot, sqlite_db: AsyncEngine
) -> None:
    await start_bot(sqlite_db)
    person = Person(fake, 3101)
    t = await person.open_field("Mitreden")
    await person.press_first()
    await person.say("/privacy")
    await person.press(t._("Zustimmung widerrufen"))
    await person.press(t._("Ja, alles löschen"))
    for table in ALL_PERSONAL_TABLES:
        assert await rows(sqlite_db, table) == 0, table


async def test_restart_resumes_the_questionnaire(
    fake: FakeTelegram, start_bot: StartBot, sqlite_db: AsyncEngine
) -> None:
    first = await start_bot(sqlite_db)
    person = Person(fake, 4001)
    await person.open_field("Arbeit und Ausbildung")
    await person.press_first()
    before = person.last_with_buttons.plain_text
    await first.stop()

    await start_bot(sqlite_db)  # a new process: nothing but the database is left
    await person.say("/start")
    texts = person.texts[-2:]
    assert "Willkommen zurück" in texts[0]
    assert texts[1] == before


async def test_bad_input_is_answered_and_stores_nothing_wrong(
    fake: FakeTelegram, start_bot: StartBot, sqlite_db: AsyncEngine
) -> None:
    await start_bot(sqlite_db)
    person = Person(fake, 5001)
    await person.open_field("Gesundheit und Pflege")
    question = person.last_with_buttons
    current = question.plain_text

    def reshown() -> bool:
        return person.texts[-1] == current

    for content in ("sticker", "photo", "voice", "document", "location", "contact"):
        await person.send(**{content: True})
        assert "Das kann ich leider nicht lesen" in person.texts[-2], content
        assert reshown(), content

    await person.say("irgendein Text")
    assert "Bitte tippen Sie auf eine der Antworten" in person.texts[-2]
    assert reshown()

    await person.press_data("b|999|pick|erfunden|", question)  # forged
    assert "nicht mehr aktuell" in person.texts[-2]
    await person.press_data("ganz:fremd", question)  # not ours at all
    assert fake.callback_answers[-1].text and "nicht mehr aktuell" in fake.callback_answers[-1].text

    # The stale press retired the old keyboard and showed the question again, with buttons.
    assert not question.buttons
    question = person.last_with_buttons
    assert question.plain_text == current
    # A double tap: the same button twice before the keyboard disappears stores one answer.
    data = question.buttons[0]["callback_data"]
    fake.press(person.id, question.message_id, data)
    fake.press(person.id, question.message_id, data)
    await fake.settle()
    assert "nicht mehr aktuell" in "".join(person.texts[-3:])
    assert person.last.buttons  # the next question is shown
    assert not question.buttons  # the answered question lost its keyboard

    async with session_factory(sqlite_db)() as session:
        count = await session.scalar(
            select(func.count()).select_from(Answer).where(Answer.field == "gesundheit")
        )
    assert count == 1


async def test_too_long_text_is_refused(
    fake: FakeTelegram, start_bot: StartBot, sqlite_db: AsyncEngine
) -> None:
    await start_bot(sqlite_db)
    person = Person(fake, 5101)
    await person.open_field("Mitreden")
    hint = "Schreiben Sie Ihre Antwort als Nachricht"
    for _ in range(12):  # walk to the free-text question at the end
        message = person.last_with_buttons
        if hint in (message.plain_text or ""):
            break
        several = "Fertig" in message.button_texts
        await person.press_first(message)
        if several:
            await person.press("Fertig")
    async with session_factory(sqlite_db)() as session:
        before = await session.scalar(select(func.count()).select_from(Answer))
    await person.say("x" * 1500)
    error = person.texts[-2]
    assert "1500" in error and "1000" in error
    async with session_factory(sqlite_db)() as session:
        assert await session.scalar(select(func.count()).select_from(Answer)) == before


async def test_a_flood_is_throttled_without_flooding_back(
    fake: FakeTelegram, start_bot: StartBot, sqlite_db: AsyncEngine
) -> None:
    await start_bot(sqlite_db, throttle_rate=1, throttle_burst=3)
    person = Person(fake, 6001)
    for i in range(40):  # all at once, as one batch of getUpdates would hand them over
        fake.send_text(person.id, f"Nachricht {i}")
    await fake.settle()
    replies = person.texts
    warnings = [text for text in replies if "Bitte etwas langsamer" in text]
    assert len(warnings) == 1
    assert len(replies) <= 3 * 2 + 1  # each handled message: welcome + consent request
    assert fake.too_many_requests == 0


async def test_commands_are_registered_in_every_language(
    fake: FakeTelegram, start_bot: StartBot, sqlite_db: AsyncEngine
) -> None:
    await start_bot(sqlite_db)  # the startup hook registers them
    shipped = catalogs.shipped_locales()
    assert "fa_AF" in shipped and "fa_AF" not in app_languages(shipped)  # no app runs in Dari: per chat
    for locale in app_languages(shipped):
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


async def test_language_can_be_changed(
    fake: FakeTelegram, start_bot: StartBot, sqlite_db: AsyncEngine
) -> None:
    await start_bot(sqlite_db)
    person = Person(fake, 7001, "fa", language_code="fa-IR")
    await person.say("/start")
    assert person.last_with_buttons.button_texts[0] == catalogs.language_name("fa")
    await person.press(catalogs.language_name("de"))
    await person.press("Ja, einverstanden")
    await person.press("16 Jahre oder älter")
    await person.say("/language")
    await person.press(catalogs.language_name("ru"))
    question = translator("ru").p_("about.bezirk", "In welchem Berliner Bezirk wohnen Sie?")
    assert question != "In welchem Berliner Bezirk wohnen Sie?"
    assert question in person.texts[-1]


async def test_export_is_for_staff_only(
    fake: FakeTelegram, start_bot: StartBot, sqlite_db: AsyncEngine
) -> None:
    await start_bot(sqlite_db, staff="9001:admin,9002:gesundheit")
    person = Person(fake, 9100)
    await person.open_field("Wohnen und Soziales")
    await person.press_first()  # one answer, not sent: a release counts only answers that were sent
    admin, clerk, refugee = Person(fake, 9001), Person(fake, 9002), Person(fake, 9003)
    # A refugee (no role) gets exactly the unknown-command answer, and no file.
    await refugee.consent()
    before = len(refugee.messages)
    await refugee.say("/export wohnen csv")
    await refugee.say("/gibtsnicht")
    texts = refugee.texts_since(before)
    assert len(texts) == 4 and texts[:2] == texts[2:]
    assert "Diesen Befehl kenne ich nicht" in texts[0]
    # A health working-group member may not export housing.
    await clerk.say("/export wohnen csv")
    assert "nur diese Handlungsfelder exportieren: gesundheit" in clerk.texts[-1]
    # An admin is asked first: the file would stay in Telegram's cloud. "Abbrechen" sends nothing.
    await admin.say("/export wohnen csv")
    assert "Server von Telegram" in admin.texts[-1] and "mitsprache export" in admin.texts[-1]
    await admin.press("Abbrechen")
    assert "Es wurde nichts gesendet" in admin.texts[-1]
    # Asked again and confirmed: under way; the file follows through the outbox, and is audited.
    await admin.say("/export wohnen csv")
    await admin.press("Ja, senden")
    assert "Der Export wird erstellt" in admin.texts[-1]
    document = await fake.wait_for(lambda: next(iter(admin.documents), None))
    assert document.document_name == "mitsprache-wohnen.zip"  # a CSV release: tables and LIESMICH.txt
    with zipfile.ZipFile(io.BytesIO(document.document_bytes or b"")) as release:
        assert "LIESMICH.txt" in release.namelist()
    assert clerk.documents == [] and refugee.documents == []
    async with session_factory(sqlite_db)() as session:
        entries = await audit.entries(session)
    logged = [(e.actor, e.field, e.format, e.rows) for e in entries]
    assert logged == [("telegram:9001", "wohnen", "csv", 0)]


async def test_invitations_rsvp_waitlist_calendar_and_reminder(
    fake: FakeTelegram, start_bot: StartBot, sqlite_db: AsyncEngine
) -> None:
    bot = await start_bot(sqlite_db)
    start = datetime.now(UTC) + timedelta(days=2)
    async with session_factory(sqlite_db)() as session, session.begin():
        event_id = await events.add_event(session, EventDefinition(
            title={"de": "Dialog in Pankow", "uk": "Діалог у Панкові"}, starts_at=start,
            ends_at=start + timedelta(hours=2), place="Prenzlauer Allee 227", district="pankow",
            capacity=1, status="published",
        ))  # fmt: skip
    first, second = Person(fake, 9201, "de"), Person(fake, 9202, "uk")
    for person in (first, second):
        t = await person.consent()
        await person.say("/subscribe")
        await person.press(t._("Ja, Einladungen bekommen"))
        await person.press("Pankow")  # districts toggle in place
        assert "☑ Pankow" in person.last_with_buttons.button_texts
        await person.press(t._("Weiter"))
        await person.press(t._("Weiter"))
        await person.say("/events")
        await person.press(t._("Ich komme"))
    assert "Діалог у Панкові" in "".join(second.texts)
    first_calendar = first.last
    assert first_calendar.document_name == f"mitsprache-{event_id}.ics"
    entry = next(iter(Calendar.from_ical(first_calendar.document_bytes or b"").walk("VEVENT")))
    assert entry.decoded("dtstart") == start.replace(microsecond=0) or entry.decoded("dtstart") == start
    uk = translator("uk")
    waitlisted = uk._(
        "Die Veranstaltung ist voll. Sie stehen auf der Warteliste. Wird ein Platz frei, sagen wir Bescheid."
    )
    assert second.last.plain_text == waitlisted
    assert second.last.document is None  # full: waitlisted, no calendar yet
    # The first person cancels; the second moves up and is told so (through the outbox), with the file.
    await first.say("/events")
    await first.press("Nein")
    promoted = await fake.wait_for(lambda: next(iter(second.documents), None))
    assert promoted.document_name == f"mitsprache-{event_id}.ics"
    assert promoted.plain_caption == uk._("Ein Platz ist frei geworden: Sie sind jetzt angemeldet!")
    # A day before, the reminder goes out once; time travel instead of waiting.
    reminder = uk._("Erinnerung: Morgen ist die Veranstaltung, zu der Sie sich angemeldet haben.")

    def reminders() -> int:
        return sum(reminder in text for text in second.texts)

    await bot.delivery_round(now=start - timedelta(hours=30))
    assert reminders() == 0
    await bot.delivery_round(now=start - timedelta(hours=20))
    assert reminders() == 1
    await bot.delivery_round(now=start - timedelta(hours=19))
    assert reminders() == 1
    await second.say("/unsubscribe")
    async with session_factory(sqlite_db)() as session:
        assert await events.subscriber(session, "telegram", 9202) is None


async def test_event_broadcast_reaches_the_audience_in_their_language(
    fake: FakeTelegram, start_bot: StartBot, sqlite_db: AsyncEngine
) -> None:
    bot = await start_bot(sqlite_db)
    start = datetime.now(UTC) + timedelta(days=5)
    arabic, german, pankow = Person(fake, 9301, "ar"), Person(fake, 9302, "de"), Person(fake, 9303, "de")
    async with session_factory(sqlite_db)() as session, session.begin():
        event_id = await events.add_event(session, EventDefinition(
            title={"de": "Dialog in Spandau", "ar": "حوار في شباندو"}, starts_at=start,
            ends_at=start + timedelta(hours=2), place="Paul-Schneider-Haus", district="spandau",
            fields=["partizipation"], status="published",
        ))  # fmt: skip
        for person, districts in ((arabic, ["spandau"]), (german, []), (pankow, ["pankow"])):
            await events.subscribe(session, "telegram", person.id, person.locale, districts, [])
    assert bot.bot is not None
    sessions = session_factory(sqlite_db)
    queued = await create(sessions, BroadcastRequest("invitation", Audience.of(["spandau"]), event_id))
    assert isinstance(queued, Queued) and queued.recipients == 2
    summary = await telegram_sender(bot.bot, sessions).run(queued.broadcast_id)
    assert (summary.sent, summary.blocked, summary.failed) == (2, 0, 0)
    assert len(arabic.messages) == 1 and "حوار في شباندو" in arabic.texts[0]
    assert translator("ar")._("Ich komme") in arabic.messages[0].button_texts
    assert len(german.messages) == 1 and pankow.messages == []  # Pankow only: not invited
    await arabic.press(translator("ar")._("Ich komme"))
    assert arabic.last.document_name == f"mitsprache-{event_id}.ics"

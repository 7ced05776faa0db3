"""Staff create, change and cancel events and broadcast them from Telegram; others are refused. The bot's
dispatcher against the in-process fake Bot API, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.locales import translator
from dialogs.events import EventDefinition
from dialogs.i18n import BERLIN
from storage import events, outbox
from storage.db import session_factory
from storage.models import Broadcast, Event
from tests.support.fake_telegram import FakeTelegram
from tests.support.person import Person
from tests.support.telegram_harness import TOKEN, BotUnderTest, StartBot

STAFF, CLERK, REFUGEE = 9501, 9502, 9503
ROLES = f"{STAFF}:events,{CLERK}:gesundheit"
DE = translator("de")


class Office:
    """The people of these tests, known to Telegram before the bot starts (staff menus need their chats)."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.staff = Person(fake, STAFF)
        self.clerk = Person(fake, CLERK)
        self.refugee = Person(fake, REFUGEE)


@pytest.fixture
def office(fake: FakeTelegram) -> Office:
    return Office(fake)


@pytest.fixture
async def running(office: Office, start_bot: StartBot, db: AsyncEngine) -> BotUnderTest:
    # 9599 is staff but never opened the bot: Telegram refuses a menu for an unknown chat.
    return await start_bot(db, staff=f"{ROLES},9599:admin")


async def until_finished(db: AsyncEngine) -> None:
    """Until the newest broadcast is marked done (checked every 20 ms; 60 s bound a hang, no more)."""
    async with asyncio.timeout(60):
        while True:
            async with session_factory(db)() as session:
                newest = (await outbox.recent(session, limit=1))[0]
            if newest.status == "done":
                return
            await asyncio.sleep(0.02)


async def published_event(db: AsyncEngine, days: int = 5, **changes: object) -> int:
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)
    data: dict[str, object] = {
        "title": {"de": "Dialog in Spandau", "ar": "حوار في شباندو", "uk": "Діалог у Шпандау"},
        "starts_at": start, "ends_at": start + timedelta(hours=2), "place": "Paul-Schneider-Haus",
        "district": "spandau", "fields": ["partizipation"], "status": "published",
    }  # fmt: skip
    data.update(changes)
    async with session_factory(db)() as session, session.begin():
        return await events.add_event(session, EventDefinition.model_validate(data))


async def subscribers(
    running: BotUnderTest, fake: FakeTelegram, db: AsyncEngine, *people: tuple[int, str]
) -> list[Person]:
    """People who subscribed to invitations (everything, everywhere) in their language."""
    found = [Person(fake, user, locale) for user, locale in people]
    async with session_factory(db)() as session, session.begin():
        for person in found:
            await events.subscribe(session, "telegram", person.id, person.locale, [], [])
    return found


async def test_event_new_guides_staff_and_publishes(
    office: Office, running: BotUnderTest, db: AsyncEngine
) -> None:
    staff = office.staff
    day = (datetime.now(BERLIN) + timedelta(days=20)).strftime("%d.%m.%Y")
    await staff.say("/event_new")
    assert "Wie heißt die Veranstaltung?" in staff.texts[-1]
    await staff.say("Sprechstunde <Teilhabe> & Wohnen")
    await staff.press("Überspringen")  # no description
    await staff.say("morgen früh")
    assert "Das Datum verstehe ich nicht" in staff.texts[-2]
    await staff.say(f"{day} 17:00")
    await staff.say("16:00")
    assert "Das Ende muss nach dem Beginn liegen." in staff.texts[-2]
    await staff.say("19:30")
    await staff.say("Rathaus Spandau, Carl-Schurz-Straße 2")
    await staff.press("Spandau")
    await staff.press("☐ Wohnen")  # toggles redraw the same message
    before = len(staff.messages)
    await staff.press("☐ Arbeit")
    await staff.press("☑ Arbeit")  # and off again
    assert len(staff.messages) == before
    assert "☑ Wohnen und Soziales" in staff.last_with_buttons.button_texts
    await staff.press("Weiter")
    await staff.press("☐ Arabisch")
    await staff.press("Weiter")
    await staff.say("Rollstuhlgerecht")
    await staff.say("zwanzig")
    assert "ganze Zahl" in staff.texts[-2]
    await staff.say("20")
    preview = staff.texts[-1]
    assert "So sieht die Einladung aus:" in preview and "Sprechstunde <Teilhabe> & Wohnen" in preview
    assert "Freie Plätze: 20 von 20" in preview and "(Spandau)" in preview
    assert "Dolmetschen in: Arabisch" in preview
    await staff.press("Veröffentlichen")
    assert staff.texts[-1].startswith("Veröffentlicht: Veranstaltung")
    async with session_factory(db)() as session:
        event = (await session.scalars(select(Event))).one()
    assert (event.status, event.district, event.capacity) == ("published", "spandau", 20)
    assert (event.fields, event.interpreted, event.accessibility) == (
        ["wohnen"],
        ["ar"],
        {"de": "Rollstuhlgerecht"},
    )
    assert event.starts_at.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M") == f"{day} 17:00"
    assert event.ends_at - event.starts_at == timedelta(hours=2, minutes=30)
    # A refugee now sees it in /events.
    await office.refugee.say("/events")
    assert any("Sprechstunde <Teilhabe> & Wohnen" in text for text in office.refugee.texts)


@pytest.mark.usefixtures("running")
async def test_staff_see_their_commands_in_their_own_menu(fake: FakeTelegram) -> None:
    def names(scope: str, locale: str) -> list[str]:
        return [c["command"] for c in fake.commands[(scope, locale)]]

    assert names(f"chat:{STAFF}", "ar")[-4:] == ["event_new", "event_list", "broadcast", "broadcast_status"]
    assert "export" not in names(f"chat:{STAFF}", "ar")
    assert names(f"chat:{CLERK}", "de")[-1] == "export" and "broadcast" not in names(f"chat:{CLERK}", "de")
    assert "event_new" not in names("default", "de")  # nobody else sees them
    assert not any(scope == "chat:9599" for scope, _ in fake.commands)


async def test_a_staff_dialog_survives_a_restart_and_can_be_cancelled(
    office: Office, start_bot: StartBot, db: AsyncEngine
) -> None:
    staff = office.staff
    first = await start_bot(db, staff=ROLES)
    await staff.say("/event_new")
    await staff.say("Elterncafé")
    await first.stop()
    await start_bot(db, staff=ROLES)  # a new process: nothing but the database is left
    assert "Beschreibung auf Deutsch" in staff.texts[-1]
    await staff.say("Mit Kinderbetreuung.")
    assert "Wann beginnt sie?" in staff.texts[-1]
    await staff.press("Abbrechen")
    assert staff.texts[-1] == "Abgebrochen. Nichts wurde gespeichert."
    # With the dialog over, text goes to the questionnaire again, not to the form.
    await staff.say("Hallo")
    assert "Wann beginnt sie?" not in staff.texts[-1]
    async with session_factory(db)() as session:
        assert (await session.scalars(select(Event))).all() == []


async def test_staff_commands_look_unknown_to_everyone_else(
    fake: FakeTelegram,
    office: Office,
    running: BotUnderTest,
    db: AsyncEngine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await published_event(db)
    refugee, clerk = office.refugee, office.clerk
    for person in (refugee, clerk):
        await person.consent()
    before = len(refugee.messages)
    await refugee.say("/gibtsnicht")
    unknown = refugee.texts_since(before)
    assert "Diesen Befehl kenne ich nicht" in unknown[0]
    caplog.set_level(logging.WARNING)
    for person in (refugee, clerk):  # a working-group member may export, but not broadcast
        for command in (
            "/event_new",
            "/event_list",
            "/broadcast",
            "/broadcast_status",
            "/broadcast_status 1",
        ):
            before = len(person.messages)
            await person.say(command)
            assert person.texts_since(before) == unknown, (person.id, command)
    refusals = [r for r in caplog.records if r.getMessage() == "staff command refused"]
    assert len(refusals) == 10
    # What an operator's log holds: the message and the extra fields (not timestamps like
    # relativeCreated, whose digits can contain a short test id by chance).
    standard = set(vars(logging.makeLogRecord({})))
    logged = " ".join(
        f"{r.getMessage()} {[v for k, v in vars(r).items() if k not in standard]}" for r in caplog.records
    )
    for person in (refugee, clerk):
        assert str(person.id) not in logged and running.pseudonym(person.id) not in logged
    # Buttons of a staff dialog do nothing for others either, even with forged callback data.
    before = len(refugee.messages)
    for data in ("b|0|form|publish|", "b|0|ev|1:cancel_yes|"):
        await refugee.press_data(data, refugee.last)
    assert len(refugee.messages) == before
    async with session_factory(db)() as session:
        assert (await session.scalars(select(Event.status))).all() == ["published"]
        assert await outbox.recent(session) == []


async def test_broadcast_dialog_previews_each_language_then_sends(
    fake: FakeTelegram, office: Office, running: BotUnderTest, db: AsyncEngine
) -> None:
    staff = office.staff
    event_id = await published_event(db)
    people = await subscribers(running, fake, db, (9601, "de"), (9602, "ar"), (9603, "uk"), (9604, "ar"))
    await staff.say("/broadcast")
    await staff.press("Einladung zu einer Veranstaltung")
    await staff.press("Dialog in Spandau")
    await staff.press("Weiter")  # every district
    await staff.press("Weiter")  # every topic
    before = len(staff.messages)
    await staff.press("Weiter")  # every language
    shown = staff.texts_since(before)
    assert len(shown) == 2  # the previews fit into one message, then the question
    previews = shown[0].split("— Vorschau")[1:]
    assert len(previews) == 3  # one per language among the recipients, the largest group first
    assert previews[0].startswith(" Arabisch: 2 Personen —") and "حوار في شباندو" in previews[0]
    assert any("Діалог у Шпандау" in p for p in previews) and any("Dialog in Spandau" in p for p in previews)
    assert shown[-1] == "Oben sehen Sie die Vorschau. Jetzt an 4 Personen senden?"
    assert all(person.messages == [] for person in people)  # nothing sent yet
    await staff.press("Jetzt senden")
    await fake.wait_for(lambda: all(person.messages for person in people))
    arabic = people[1].messages[0]
    assert "حوار في شباندو" in (arabic.plain_text or "")
    assert translator("ar")._("Ich komme") in arabic.button_texts
    summary = await fake.wait_for(lambda: next((t for t in staff.texts if "abgeschlossen" in t), None))
    assert "Zugestellt: 4" in summary and "Blockiert: 0" in summary
    # The summary goes out just before the broadcast is marked done (a crash in between repeats the
    # summary rather than losing it): wait for the mark before asking for the status.
    await until_finished(db)
    await staff.say("/broadcast_status")
    status = staff.texts[-1]
    assert "(Einladung, abgeschlossen): 4 von 4 erledigt. Zugestellt: 4" in status
    async with session_factory(db)() as session:
        (broadcast,) = await outbox.recent(session)
        assert (broadcast.kind, broadcast.event_id, broadcast.started_by) == ("invitation", event_id, STAFF)
        assert sum((await outbox.counts(session, broadcast.id)).values()) == 4
    assert all(len(person.messages) == 1 for person in people)  # once each


async def test_free_message_with_a_translation_to_chosen_languages(
    fake: FakeTelegram, office: Office, running: BotUnderTest, db: AsyncEngine
) -> None:
    staff = office.staff
    german, arabic, ukrainian = await subscribers(running, fake, db, (9701, "de"), (9702, "ar"), (9703, "uk"))
    await staff.say("/broadcast")
    await staff.press("Freie Nachricht")
    await staff.say("Die Beratung am Freitag fällt aus.")
    await staff.press("☐ Arabisch")
    await staff.say("تم إلغاء الاستشارة يوم الجمعة.")
    await staff.press("Weiter")
    await staff.press("Weiter")
    await staff.press("Weiter")
    await staff.press("☐ Arabisch")
    await staff.press("☐ Deutsch")
    await staff.press("Weiter")
    assert staff.texts[-1] == "Oben sehen Sie die Vorschau. Jetzt an 2 Personen senden?"
    await staff.press("Jetzt senden")
    # The summary comes after the last delivery: then nothing more is on its way.
    await fake.wait_for(lambda: any("abgeschlossen" in t for t in staff.texts))
    assert arabic.texts == [translator("ar").block("تم إلغاء الاستشارة يوم الجمعة.")]  # isolated
    assert german.texts == ["Die Beratung am Freitag fällt aus."]
    assert ukrainian.messages == []  # Ukrainian was not chosen


async def test_change_and_cancellation_reach_everyone_who_answered(
    fake: FakeTelegram, office: Office, running: BotUnderTest, db: AsyncEngine
) -> None:
    staff = office.staff
    event_id = await published_event(db, days=10)
    people = await subscribers(running, fake, db, (9801, "de"), (9802, "uk"), (9803, "ar"), (9804, "de"))
    answered, never = people[:3], people[3]
    async with session_factory(db)() as session, session.begin():
        for person, reply in zip(answered, ("yes", "maybe", "no"), strict=True):  # 9804 never answered
            found = await events.subscriber(session, "telegram", person.id)
            assert found is not None
            await events.answer(session, event_id, found.id, reply)  # type: ignore[arg-type]
    await staff.say("/event_list")
    listing = staff.texts[-1]
    assert "Dialog in Spandau" in listing and "Zusagen: 1" in listing and "Vielleicht: 1" in listing
    new_day = (datetime.now(BERLIN) + timedelta(days=12)).strftime("%d.%m.%Y")
    await staff.press("Ändern")
    await staff.press("Beibehalten")  # title
    await staff.press("Überspringen")  # no description
    await staff.say(f"{new_day} 18:00")
    await staff.press("Beibehalten")  # the end moved along: still two hours
    await staff.press("Beibehalten")  # place
    await staff.press("Beibehalten")  # district
    await staff.press("Weiter")
    await staff.press("Weiter")
    await staff.press("Überspringen")
    await staff.press("Ohne Begrenzung")
    assert "So sieht die geänderte Einladung aus:" in staff.texts[-1]
    before = len(staff.messages)
    await staff.press("Änderung speichern")
    told = "Gespeichert. 3 Personen, die geantwortet haben, werden benachrichtigt (Rundsendung 1)."
    assert told in staff.texts_since(before)
    changed = translator("uk")._("Die Veranstaltung hat sich geändert. Bitte beachten Sie die neuen Angaben:")
    await fake.wait_for(lambda: all(person.messages for person in answered))
    assert answered[1].texts[0].startswith(changed) and "Діалог у Шпандау" in answered[1].texts[0]
    assert new_day[:2].lstrip("0") in answered[0].texts[0]
    async with session_factory(db)() as session:
        event = await session.get(Event, event_id)
        assert event is not None and event.ends_at - event.starts_at == timedelta(hours=2)
        assert event.starts_at.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M") == f"{new_day} 18:00"
    # Cancelling asks first, then tells the same three people.
    await staff.say("/event_list")
    await staff.press("Absagen")
    assert "Wirklich absagen?" in staff.texts[-1]
    before = len(staff.messages)
    await staff.press("Ja, absagen")
    assert any(text.startswith("Abgesagt. 3 Personen") for text in staff.texts_since(before))
    cancelled = translator("ar")._("Die Veranstaltung, auf die Sie geantwortet haben, ist abgesagt.")
    await fake.wait_for(lambda: all(len(person.messages) == 2 for person in answered))
    assert answered[2].texts[1].startswith(cancelled)
    assert translator("ar")._("ABGESAGT") in answered[2].texts[1]
    assert answered[2].messages[1].buttons == []  # nothing to answer any more
    assert never.messages == []
    async with session_factory(db)() as session:
        kinds = [b.kind for b in await outbox.recent(session)]
    assert kinds == ["cancel", "change"]


async def test_an_unfinished_broadcast_resumes_when_the_bot_starts(
    fake: FakeTelegram, start_bot: StartBot, db: AsyncEngine
) -> None:
    event_id = await published_event(db)
    sessions = session_factory(db)
    async with sessions() as session, session.begin():
        for user in (9901, 9902, 9903):
            await events.subscribe(session, "telegram", user, "de", [], [])
        broadcast_id = await outbox.create_broadcast(session, "invitation", event_id=event_id)
        await outbox.enqueue(session, broadcast_id)
        await outbox.begin(session, broadcast_id)  # as if a crash had interrupted it
    people = [Person(fake, user) for user in (9901, 9902, 9903)]
    bot = await start_bot(db)  # its startup hook starts the background sender
    await fake.wait_for(lambda: bot.worker.rounds >= 1)  # its first round, at start-up
    assert all("Dialog in Spandau" in person.texts[0] for person in people)
    async with sessions() as session:
        broadcast = await session.get(Broadcast, broadcast_id)
    assert broadcast is not None and broadcast.status == "done"
    assert all(len(person.messages) == 1 for person in people)


async def test_replies_wait_out_telegrams_flood_limit_instead_of_failing(db: AsyncEngine) -> None:
    # Telegram takes about one message a second per chat; here a burst of two, then one a second.
    fake = FakeTelegram(token=TOKEN, per_chat_rate=1, per_chat_burst=2)
    for days in (3, 4, 5, 6):
        await published_event(db, days=days)
    staff = Person(fake, STAFF)
    bot = BotUnderTest(fake, db, throttle_rate=0, staff=ROLES)
    await bot.start()
    try:
        await staff.say("/event_list")  # handled once every reply went out
        listed = staff.texts
        assert len(listed) == 4 and all("Dialog in Spandau" in text for text in listed)
        assert fake.too_many_requests >= 1  # the limit was hit, and the replies waited
    finally:
        await bot.stop()
    assert not fake.internal_errors

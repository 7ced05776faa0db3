"""End to end: staff create, change and cancel events and broadcast them from Telegram; others are refused."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
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
from tests.support.telegram_harness import TOKEN, BotUnderTest, last_with_buttons, settle
from tests.test_telegram_e2e import consent

STAFF, CLERK, REFUGEE = 9501, 9502, 9503
ROLES = f"{STAFF}:events,{CLERK}:gesundheit"
DE = translator("de")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=TOKEN, per_chat_rate=30, per_chat_burst=40) as server:
        yield server


@pytest.fixture
async def running(fake: FakeTelegram, db: AsyncEngine) -> AsyncIterator[BotUnderTest]:
    for user in (STAFF, CLERK, REFUGEE):
        fake.add_user(user, language_code="de")
    # 9599 is staff but never opened the bot: Telegram refuses a menu for an unknown chat.
    bot = BotUnderTest(fake, db, throttle_rate=0, staff=f"{ROLES},9599:admin")
    await bot.start_polling()
    yield bot
    await bot.stop()


async def say(fake: FakeTelegram, user: int, words: str) -> None:
    fake.send_text(user, words)
    await settle(fake)


async def press(fake: FakeTelegram, user: int, label: str) -> None:
    fake.press_button(user, label)
    await settle(fake)


def texts(fake: FakeTelegram, user: int, since: int = 0) -> list[str]:
    return [m.plain_text or "" for m in fake.messages(user)[since:]]


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
) -> None:
    async with session_factory(db)() as session, session.begin():
        for user, locale in people:
            fake.add_user(user, language_code=locale)
            await events.subscribe(session, running.person(user), "telegram", user, locale, [], [])


async def test_event_new_guides_staff_and_publishes(
    fake: FakeTelegram, running: BotUnderTest, db: AsyncEngine
) -> None:
    day = (datetime.now(BERLIN) + timedelta(days=20)).strftime("%d.%m.%Y")
    await say(fake, STAFF, "/event_new")
    assert "Wie heißt die Veranstaltung?" in texts(fake, STAFF)[-1]
    await say(fake, STAFF, "Sprechstunde <Teilhabe> & Wohnen")
    await press(fake, STAFF, "Überspringen")  # no description
    await say(fake, STAFF, "morgen früh")
    assert "Das Datum verstehe ich nicht" in texts(fake, STAFF)[-2]
    await say(fake, STAFF, f"{day} 17:00")
    await say(fake, STAFF, "16:00")
    assert "Das Ende muss nach dem Beginn liegen." in texts(fake, STAFF)[-2]
    await say(fake, STAFF, "19:30")
    await say(fake, STAFF, "Rathaus Spandau, Carl-Schurz-Straße 2")
    await press(fake, STAFF, "Spandau")
    await press(fake, STAFF, "☐ Wohnen")  # toggles redraw the same message
    before = len(fake.messages(STAFF))
    await press(fake, STAFF, "☐ Arbeit")
    await press(fake, STAFF, "☑ Arbeit")  # and off again
    assert len(fake.messages(STAFF)) == before
    assert "☑ Wohnen und Soziales" in last_with_buttons(fake, STAFF).button_texts
    await press(fake, STAFF, "Weiter")
    await press(fake, STAFF, "☐ Arabisch")
    await press(fake, STAFF, "Weiter")
    await say(fake, STAFF, "Rollstuhlgerecht")
    await say(fake, STAFF, "zwanzig")
    assert "ganze Zahl" in texts(fake, STAFF)[-2]
    await say(fake, STAFF, "20")
    preview = texts(fake, STAFF)[-1]
    assert "So sieht die Einladung aus:" in preview and "Sprechstunde <Teilhabe> & Wohnen" in preview
    assert "Freie Plätze: 20 von 20" in preview and "(Spandau)" in preview
    assert "Übersetzung in: Arabisch" in preview
    await press(fake, STAFF, "Veröffentlichen")
    assert texts(fake, STAFF)[-1].startswith("Veröffentlicht: Veranstaltung")
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
    await say(fake, REFUGEE, "/events")
    assert any("Sprechstunde <Teilhabe> & Wohnen" in text for text in texts(fake, REFUGEE))


async def test_staff_see_their_commands_in_their_own_menu(fake: FakeTelegram, running: BotUnderTest) -> None:
    def names(scope: str, locale: str) -> list[str]:
        return [c["command"] for c in fake.commands[(scope, locale)]]

    assert names(f"chat:{STAFF}", "ar")[-4:] == ["event_new", "event_list", "broadcast", "broadcast_status"]
    assert "export" not in names(f"chat:{STAFF}", "ar")
    assert names(f"chat:{CLERK}", "de")[-1] == "export" and "broadcast" not in names(f"chat:{CLERK}", "de")
    assert "event_new" not in names("default", "de")  # nobody else sees them
    assert not any(scope == "chat:9599" for scope, _ in fake.commands)


async def test_a_staff_dialog_survives_a_restart_and_can_be_cancelled(
    fake: FakeTelegram, db: AsyncEngine
) -> None:
    first = BotUnderTest(fake, db, throttle_rate=0, staff=ROLES)
    await first.start_polling()
    fake.add_user(STAFF, language_code="de")
    await say(fake, STAFF, "/event_new")
    await say(fake, STAFF, "Elterncafé")
    await first.stop()
    second = BotUnderTest(fake, db, throttle_rate=0, staff=ROLES)
    await second.start_polling()
    try:
        assert "Beschreibung auf Deutsch" in texts(fake, STAFF)[-1]
        await say(fake, STAFF, "Mit Kinderbetreuung.")
        assert "Wann beginnt sie?" in texts(fake, STAFF)[-1]
        await press(fake, STAFF, "Abbrechen")
        assert texts(fake, STAFF)[-1] == "Abgebrochen. Nichts wurde gespeichert."
        # With the dialog over, text goes to the questionnaire again, not to the form.
        await say(fake, STAFF, "Hallo")
        assert "Wann beginnt sie?" not in texts(fake, STAFF)[-1]
        async with session_factory(db)() as session:
            assert (await session.scalars(select(Event))).all() == []
    finally:
        await second.stop()


async def test_staff_commands_look_unknown_to_everyone_else(
    fake: FakeTelegram, running: BotUnderTest, db: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    await published_event(db)
    for user in (REFUGEE, CLERK):
        await consent(fake, user, "de")
    before = len(fake.messages(REFUGEE))
    await say(fake, REFUGEE, "/gibtsnicht")
    unknown = texts(fake, REFUGEE, before)
    assert "Diesen Befehl kenne ich nicht" in unknown[0]
    caplog.set_level(logging.WARNING)
    for user in (REFUGEE, CLERK):  # a working-group member may export, but not broadcast
        for command in (
            "/event_new",
            "/event_list",
            "/broadcast",
            "/broadcast_status",
            "/broadcast_status 1",
        ):
            before = len(fake.messages(user))
            await say(fake, user, command)
            assert texts(fake, user, before) == unknown, (user, command)
    refusals = [r for r in caplog.records if r.getMessage() == "staff command refused"]
    assert len(refusals) == 10
    # What an operator's log holds: the message and the extra fields (not timestamps like
    # relativeCreated, whose digits can contain a short test id by chance).
    standard = set(vars(logging.makeLogRecord({})))
    logged = " ".join(
        f"{r.getMessage()} {[v for k, v in vars(r).items() if k not in standard]}" for r in caplog.records
    )
    for user in (REFUGEE, CLERK):
        assert str(user) not in logged and running.person(user) not in logged
    # Buttons of a staff dialog do nothing for others either, even with forged callback data.
    before = len(fake.messages(REFUGEE))
    for data in ("b|0|form|publish|", "b|0|ev|1:cancel_yes|"):
        fake.press(REFUGEE, fake.messages(REFUGEE)[-1].message_id, data)
        await settle(fake)
    assert len(fake.messages(REFUGEE)) == before
    async with session_factory(db)() as session:
        assert (await session.scalars(select(Event.status))).all() == ["published"]
        assert await outbox.recent(session) == []


async def test_broadcast_dialog_previews_each_language_then_sends(
    fake: FakeTelegram, running: BotUnderTest, db: AsyncEngine
) -> None:
    event_id = await published_event(db)
    await subscribers(running, fake, db, (9601, "de"), (9602, "ar"), (9603, "uk"), (9604, "ar"))
    await say(fake, STAFF, "/broadcast")
    await press(fake, STAFF, "Einladung zu einer Veranstaltung")
    await press(fake, STAFF, "Dialog in Spandau")
    await press(fake, STAFF, "Weiter")  # every district
    await press(fake, STAFF, "Weiter")  # every topic
    before = len(fake.messages(STAFF))
    await press(fake, STAFF, "Weiter")  # every language
    shown = texts(fake, STAFF, before)
    assert len(shown) == 2  # the previews fit into one message, then the question
    previews = shown[0].split("— Vorschau")[1:]
    assert len(previews) == 3  # one per language among the recipients, the largest group first
    assert previews[0].startswith(" Arabisch: 2 Personen —") and "حوار في شباندو" in previews[0]
    assert any("Діалог у Шпандау" in p for p in previews) and any("Dialog in Spandau" in p for p in previews)
    assert shown[-1] == "Oben sehen Sie die Vorschau. Jetzt an 4 Personen senden?"
    assert all(fake.messages(user) == [] for user in (9601, 9602, 9603, 9604))  # nothing sent yet
    await press(fake, STAFF, "Jetzt senden")
    await fake.wait_for(lambda: all(fake.messages(u) for u in (9601, 9602, 9603, 9604)), timeout=20)
    arabic = fake.messages(9602)[0]
    assert "حوار في شباندو" in (arabic.plain_text or "")
    assert translator("ar")._("Ich komme") in arabic.button_texts
    await fake.wait_for(lambda: any("abgeschlossen" in t for t in texts(fake, STAFF)), timeout=20)
    summary = next(t for t in texts(fake, STAFF) if "abgeschlossen" in t)
    assert "Zugestellt: 4" in summary and "Blockiert: 0" in summary
    await say(fake, STAFF, "/broadcast_status")
    status = texts(fake, STAFF)[-1]
    assert "(Einladung, abgeschlossen): 4 von 4 erledigt. Zugestellt: 4" in status
    async with session_factory(db)() as session:
        (broadcast,) = await outbox.recent(session)
        assert (broadcast.kind, broadcast.event_id, broadcast.started_by) == ("invitation", event_id, STAFF)
        assert sum((await outbox.counts(session, broadcast.id)).values()) == 4
    assert all(len(fake.messages(u)) == 1 for u in (9601, 9602, 9603, 9604))  # once each


async def test_free_message_with_a_translation_to_chosen_languages(
    fake: FakeTelegram, running: BotUnderTest, db: AsyncEngine
) -> None:
    await subscribers(running, fake, db, (9701, "de"), (9702, "ar"), (9703, "uk"))
    await say(fake, STAFF, "/broadcast")
    await press(fake, STAFF, "Freie Nachricht")
    await say(fake, STAFF, "Die Beratung am Freitag fällt aus.")
    await press(fake, STAFF, "☐ Arabisch")
    await say(fake, STAFF, "تم إلغاء الاستشارة يوم الجمعة.")
    await press(fake, STAFF, "Weiter")
    await press(fake, STAFF, "Weiter")
    await press(fake, STAFF, "Weiter")
    await press(fake, STAFF, "☐ Arabisch")
    await press(fake, STAFF, "☐ Deutsch")
    await press(fake, STAFF, "Weiter")
    assert texts(fake, STAFF)[-1] == "Oben sehen Sie die Vorschau. Jetzt an 2 Personen senden?"
    await press(fake, STAFF, "Jetzt senden")
    await fake.wait_for(lambda: fake.messages(9701) and fake.messages(9702), timeout=20)
    assert texts(fake, 9702) == ["تم إلغاء الاستشارة يوم الجمعة."]
    assert texts(fake, 9701) == ["Die Beratung am Freitag fällt aus."]
    await settle(fake)
    assert fake.messages(9703) == []  # Ukrainian was not chosen


async def test_change_and_cancellation_reach_everyone_who_answered(
    fake: FakeTelegram, running: BotUnderTest, db: AsyncEngine
) -> None:
    event_id = await published_event(db, days=10)
    await subscribers(running, fake, db, (9801, "de"), (9802, "uk"), (9803, "ar"), (9804, "de"))
    async with session_factory(db)() as session, session.begin():
        for user, reply in ((9801, "yes"), (9802, "maybe"), (9803, "no")):  # 9804 never answered
            found = await events.subscriber(session, running.person(user))
            assert found is not None
            await events.answer(session, event_id, found.id, reply)  # type: ignore[arg-type]
    await say(fake, STAFF, "/event_list")
    listing = texts(fake, STAFF)[-1]
    assert "Dialog in Spandau" in listing and "Zusagen: 1" in listing and "Vielleicht: 1" in listing
    new_day = (datetime.now(BERLIN) + timedelta(days=12)).strftime("%d.%m.%Y")
    await press(fake, STAFF, "Ändern")
    await press(fake, STAFF, "Beibehalten")  # title
    await press(fake, STAFF, "Überspringen")  # no description
    await say(fake, STAFF, f"{new_day} 18:00")
    await press(fake, STAFF, "Beibehalten")  # the end moved along: still two hours
    await press(fake, STAFF, "Beibehalten")  # place
    await press(fake, STAFF, "Beibehalten")  # district
    await press(fake, STAFF, "Weiter")
    await press(fake, STAFF, "Weiter")
    await press(fake, STAFF, "Überspringen")
    await press(fake, STAFF, "Ohne Begrenzung")
    assert "So sieht die geänderte Einladung aus:" in texts(fake, STAFF)[-1]
    before = len(fake.messages(STAFF))
    await press(fake, STAFF, "Änderung speichern")
    told = "Gespeichert. 3 Personen, die geantwortet haben, werden benachrichtigt (Rundsendung 1)."
    assert told in texts(fake, STAFF, before)
    changed = translator("uk")._("Die Veranstaltung hat sich geändert. Bitte beachten Sie die neuen Angaben:")
    await fake.wait_for(lambda: all(fake.messages(u) for u in (9801, 9802, 9803)), timeout=20)
    assert texts(fake, 9802)[0].startswith(changed) and "Діалог у Шпандау" in texts(fake, 9802)[0]
    assert new_day[:2].lstrip("0") in texts(fake, 9801)[0]
    async with session_factory(db)() as session:
        event = await session.get(Event, event_id)
        assert event is not None and event.ends_at - event.starts_at == timedelta(hours=2)
        assert event.starts_at.astimezone(BERLIN).strftime("%d.%m.%Y %H:%M") == f"{new_day} 18:00"
    # Cancelling asks first, then tells the same three people.
    await say(fake, STAFF, "/event_list")
    await press(fake, STAFF, "Absagen")
    assert "Wirklich absagen?" in texts(fake, STAFF)[-1]
    before = len(fake.messages(STAFF))
    await press(fake, STAFF, "Ja, absagen")
    assert any(text.startswith("Abgesagt. 3 Personen") for text in texts(fake, STAFF, before))
    cancelled = translator("ar")._("Die Veranstaltung, auf die Sie geantwortet haben, ist abgesagt.")
    await fake.wait_for(lambda: all(len(fake.messages(u)) == 2 for u in (9801, 9802, 9803)), timeout=20)
    assert texts(fake, 9803)[1].startswith(cancelled)
    assert translator("ar")._("ABGESAGT") in texts(fake, 9803)[1]
    assert fake.messages(9803)[1].buttons == []  # nothing to answer any more
    assert fake.messages(9804) == []
    async with session_factory(db)() as session:
        kinds = [b.kind for b in await outbox.recent(session)]
    assert kinds == ["cancel", "change"]


async def test_an_unfinished_broadcast_resumes_when_the_bot_starts(
    fake: FakeTelegram, db: AsyncEngine
) -> None:
    event_id = await published_event(db)
    sessions = session_factory(db)
    async with sessions() as session, session.begin():
        for user in (9901, 9902, 9903):
            await events.subscribe(session, f"p{user}", "telegram", user, "de", [], [])
        broadcast_id = await outbox.create_broadcast(session, "invitation", event_id=event_id)
        await outbox.enqueue(session, broadcast_id)
        await outbox.begin(session, broadcast_id)  # as if a crash had interrupted it
    for user in (9901, 9902, 9903):
        fake.add_user(user, language_code="de")
    bot = BotUnderTest(fake, db, throttle_rate=0)
    await bot.start_polling()
    try:
        await fake.wait_for(lambda: all(fake.messages(u) for u in (9901, 9902, 9903)), timeout=20)
        assert all("Dialog in Spandau" in texts(fake, u)[0] for u in (9901, 9902, 9903))
        for _ in range(100):
            async with sessions() as session:
                broadcast = await session.get(Broadcast, broadcast_id)
                if broadcast is not None and broadcast.status == "done":
                    break
            await asyncio.sleep(0.1)
        assert broadcast is not None and broadcast.status == "done"
        assert all(len(fake.messages(u)) == 1 for u in (9901, 9902, 9903))
    finally:
        await bot.stop()


def test_previews_are_packed_into_few_messages_in_order() -> None:
    from bot.usecases.staff import pack

    assert pack(["aaaa", "bb", "cc", "dddddd"], "\n", limit=8) == ["aaaa\nbb", "cc", "dddddd"]
    assert pack([], "\n") == []


async def test_replies_wait_out_telegrams_flood_limit_instead_of_failing(db: AsyncEngine) -> None:
    # Telegram takes about one message a second per chat; here a burst of two, then one a second.
    async with FakeTelegram(token=TOKEN, per_chat_rate=1, per_chat_burst=2) as fake:
        for days in (3, 4, 5, 6):
            await published_event(db, days=days)
        fake.add_user(STAFF, language_code="de")
        bot = BotUnderTest(fake, db, throttle_rate=0, staff=ROLES)
        await bot.start_polling()
        try:
            fake.send_text(STAFF, "/event_list")
            await fake.wait_for(lambda: len(fake.messages(STAFF)) >= 4, timeout=20)
            await settle(fake)
            listed = texts(fake, STAFF)
            assert len(listed) == 4 and all("Dialog in Spandau" in text for text in listed)
            assert fake.too_many_requests >= 1  # the limit was hit, and the replies waited
        finally:
            await bot.stop()

"""Events: definitions, invitations, capacity and waitlist, reminders by time travel, calendar files."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.locales import translator
from dialogs.bidi import FSI
from dialogs.calendar import ics
from dialogs.events import (
    DEMO_EVENTS,
    EventDefinition,
    EventFileError,
    EventView,
    invitation,
    load_event_file,
    upcoming_demo_event,
)
from storage import events, outbox
from storage.conversations import ConversationRepository
from storage.db import session_factory
from storage.models import Broadcast, Delivery, Rsvp, Subscriber
from storage.pseudonym import pseudonym

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
KEY = b"v" * 32


def definition(**changes: object) -> EventDefinition:
    data: dict[str, object] = {
        "title": {"de": "Dialog in Spandau", "ar": "حوار في شباندو"},
        "starts_at": NOW + timedelta(days=3),
        "ends_at": NOW + timedelta(days=3, hours=2),
        "place": "Paul-Schneider-Haus",
        "district": "spandau",
        "status": "published",
    }
    data.update(changes)
    return EventDefinition.model_validate(data)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": {"en": "Dialogue"}}, "German"),
        ({"ends_at": NOW}, "ends_at must be after starts_at"),
        ({"district": None}, "district"),
        ({"place": None, "district": None}, "online_url"),
        ({"capacity": 0}, "greater than or equal to 1"),
        ({"district": "paris"}, "district"),
        ({"description": {"de": "x" * 2001}}, "at most 2000 characters"),
    ],
)
def test_bad_definitions_are_refused(changes: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        definition(**changes)


def test_event_file_errors_name_file_and_entry(tmp_path: Path) -> None:
    path = tmp_path / "e.yaml"
    path.write_text(
        "- title: {de: A}\n  starts_at: 2026-12-01T18:00:00+01:00\n  colour: red\n", encoding="utf-8"
    )
    with pytest.raises(EventFileError, match=r"e\.yaml: event 1: .*colour"):
        load_event_file(path)


def test_demo_events_load_and_one_lies_ahead() -> None:
    demo = load_event_file(DEMO_EVENTS)
    assert len(demo) == 8
    assert demo[0].title["de"].startswith("Partizipation und Teilhabe")
    assert upcoming_demo_event(NOW).starts_at > NOW


def _view(**changes: object) -> EventView:
    d = definition(**changes)
    return EventView(id=7, seats_taken=1, **d.model_dump(exclude={"fields"}, mode="python") | {
        "online_url": None})  # fmt: skip


def test_invitation_in_the_persons_language_with_babel_dates() -> None:
    arabic = invitation(_view(capacity=20), translator("ar")).text
    assert "حوار في شباندو" in arabic and FSI in arabic and "Paul-Schneider-Haus" in arabic
    ukrainian = invitation(_view(), translator("uk")).text
    assert "Dialog in Spandau" in ukrainian  # no Ukrainian title: German, and it says so
    assert (
        translator("uk")._(
            "(Diese Einladung gibt es noch nicht in Ihrer Sprache, darum steht sie auf Deutsch.)"
        )
        in ukrainian
    )
    german = invitation(_view(capacity=20), translator("de"))
    assert "Freie Plätze: 19 von 20" in german.text
    assert [b.arg for b in german.buttons[0]] == ["7:yes", "7:maybe", "7:no"]
    assert invitation(_view(status="cancelled"), translator("de")).text.startswith("ABGESAGT")


def test_calendar_file_parses_back() -> None:
    view = _view()
    calendar = Calendar.from_ical(ics(view, translator("ar"), stamp=NOW))
    entry = next(iter(calendar.walk("VEVENT")))
    assert entry.decoded("dtstart") == view.starts_at
    assert entry.decoded("dtend") == view.ends_at
    assert str(entry["summary"]) == "حوار في شباندو"
    assert str(entry["uid"]) == "event-7@mitsprache"
    assert "Spandau" in str(entry["location"])
    assert calendar["version"] == "2.0"


async def _subscriber(session: object, number: int) -> int:
    found = await events.subscribe(session, "telegram", number, "de", [], [])  # type: ignore[arg-type]
    return found.id


async def test_capacity_waitlist_and_promotion(db: AsyncEngine) -> None:
    async with session_factory(db)() as session, session.begin():
        event_id = await events.add_event(session, definition(capacity=2))
        people = [await _subscriber(session, n) for n in range(1, 5)]
        results = [await events.answer(session, event_id, p, "yes") for p in people[:3]]
        assert [r.status for r in results] == ["confirmed", "confirmed", "waitlisted"]
        again = await events.answer(session, event_id, people[0], "yes")  # a double tap keeps the seat
        assert again.status == "confirmed" and await events.seats_taken(session, event_id) == 2
        freed = await events.answer(session, event_id, people[1], "no")
        assert freed.promoted == [people[2]]
        assert await events.seats_taken(session, event_id) == 2
        maybe = await events.answer(session, event_id, people[3], "maybe")
        assert maybe.status == "maybe" and maybe.promoted == []
        listed = dict((v.id, c) for v, c in await events.all_with_counts(session))
        assert listed[event_id]["yes"] == 2 and listed[event_id]["no"] == 1


async def test_reminders_by_time_travel(db: AsyncEngine) -> None:
    async with session_factory(db)() as session, session.begin():
        event_id = await events.add_event(session, definition())
        person = await _subscriber(session, 1)
        other = await _subscriber(session, 2)
        await events.answer(session, event_id, person, "yes")
        await events.answer(session, event_id, other, "maybe")
        starts = NOW + timedelta(days=3)
        assert await events.due_reminders(session, starts - timedelta(hours=25)) == []
        due = await events.due_reminders(session, starts - timedelta(hours=23))
        assert [subscriber for _, _, subscriber in due] == [person]
        # Queued once, in the outbox, and marked in the same transaction: a second round queues nothing.
        assert await outbox.queue_due_reminders(session, starts - timedelta(hours=23)) == 1
        assert await outbox.queue_due_reminders(session, starts - timedelta(hours=22)) == 0
        assert await events.due_reminders(session, starts - timedelta(hours=22)) == []
        assert await events.due_reminders(session, starts + timedelta(minutes=1)) == []
        reminders = (await session.scalars(select(Broadcast).where(Broadcast.kind == "reminder"))).all()
        assert [(b.event_id, b.status) for b in reminders] == [(event_id, "pending")]
        queued = await session.scalars(
            select(Delivery.subscriber_id).where(Delivery.broadcast_id == reminders[0].id)
        )
        assert queued.all() == [person]


async def test_delete_and_unsubscribe_remove_subscription_and_rsvps(db: AsyncEngine) -> None:
    async with session_factory(db)() as session, session.begin():
        event_id = await events.add_event(session, definition())
        first, second = await _subscriber(session, 1), await _subscriber(session, 2)
        await events.answer(session, event_id, first, "yes")
        await events.answer(session, event_id, second, "yes")
        await ConversationRepository(session).forget(pseudonym(KEY, "telegram", 1), KEY)
        assert await events.unsubscribe(session, "telegram", 2)
        assert await session.scalar(select(func.count()).select_from(Subscriber)) == 0
        assert await session.scalar(select(func.count()).select_from(Rsvp)) == 0

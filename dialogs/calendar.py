"""An event as an iCalendar file (RFC 5545), built with the icalendar package, in the person's language."""

from __future__ import annotations

from datetime import UTC, datetime

from dialogs.events import DISTRICT_NAMES, EventView, in_language
from dialogs.i18n import Translator

PRODID = "-//Mitsprache//Beteiligung Berlin//DE"


def ics(event: EventView, t: Translator, stamp: datetime | None = None) -> bytes:
    # Imported here: a few MB that only a calendar file needs, not every start of the bot.
    from icalendar import Calendar
    from icalendar import Event as CalendarEvent

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    entry = CalendarEvent()
    # Stable per event, so a changed event replaces the old entry in the person's calendar.
    entry.add("uid", f"event-{event.id}@mitsprache")
    entry.add("dtstamp", stamp or datetime.now(UTC))
    entry.add("dtstart", event.starts_at)
    entry.add("dtend", event.ends_at)
    entry.add("summary", in_language(event.title, t)[0])
    description, _ = in_language(event.description, t)
    if event.online_url:
        description = f"{description}\n\n{event.online_url}".strip()
        entry.add("url", event.online_url)
    if description:
        entry.add("description", description)
    if event.place:
        entry.add("location", f"{event.place}, {DISTRICT_NAMES.get(event.district or '', '')}, Berlin")
    entry.add("status", "CANCELLED" if event.status == "cancelled" else "CONFIRMED")
    calendar.add_component(entry)
    return bytes(calendar.to_ical())

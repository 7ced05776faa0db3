"""Creating, publishing, changing and cancelling events, for the CLI and the staff dialogs alike.

A change of time or place, and a cancellation, of a published event queue a notice to everyone who
answered it, and a larger capacity queues a message to everyone it moves up from the waitlist: both in
the transaction of the change, for the one paced sender (the running bot sends them by itself).
Each function owns its transaction; the `*_in` variants work in the caller's (a staff dialog's step).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dialogs.events import DEMO_EVENTS, EventDefinition, load_event_file, upcoming_demo_event
from storage import events, outbox


@dataclass
class Notice:
    """What a change or cancellation set in motion."""

    broadcast_id: int | None = None  # None: nobody had to be told
    recipients: int = 0
    promoted: list[int] = field(default_factory=list)  # subscribers who got a seat from the waitlist
    promotion_id: int | None = None  # the queued message telling them


async def create(sessions: async_sessionmaker[AsyncSession], definition: EventDefinition) -> int:
    async with sessions() as session, session.begin():
        return await events.add_event(session, definition)


async def create_many(
    sessions: async_sessionmaker[AsyncSession], definitions: list[EventDefinition]
) -> list[int]:
    """All or nothing: one transaction for a file of events."""
    async with sessions() as session, session.begin():
        return [await events.add_event(session, definition) for definition in definitions]


@dataclass(frozen=True)
class DemoEvent:
    event_id: int
    definition: EventDefinition
    added: bool  # False: it was there already


async def load_demo(sessions: async_sessionmaker[AsyncSession], now: datetime) -> list[DemoEvent]:
    """The example events (dialogs/demo_events.yaml) and one upcoming event, each added only once.

    The natural key is the German title: an example is already there when an event with its German
    title exists; for the upcoming example, one that has not ended yet, so that once it has passed a
    new upcoming one is added. Running it again adds nothing; renaming an example event adds it anew.
    """
    upcoming = upcoming_demo_event(now)
    wanted = [*load_event_file(DEMO_EVENTS), upcoming]
    loaded: list[DemoEvent] = []
    async with sessions() as session, session.begin():
        stored = await events.german_titles(session)
        for definition in wanted:
            title = definition.title["de"]
            if definition is upcoming:
                found = [i for i, t, ends_at in stored if t == title and ends_at > now]
            else:
                found = [i for i, t, _ in stored if t == title]
            if found:
                loaded.append(DemoEvent(found[0], definition, added=False))
            else:
                loaded.append(DemoEvent(await events.add_event(session, definition), definition, added=True))
    return loaded


Undeletable = Literal["missing", "published", "cancelled", "answered", "announced"]


async def delete_draft(sessions: async_sessionmaker[AsyncSession], event_id: int) -> Undeletable | None:
    """Delete a draft nobody has seen; None when deleted, else why not.

    Only a draft: a published event is cancelled instead, so that everyone who answered is told. A
    draft that was published before and has answers or invitations is kept for the same reason.
    """
    async with sessions() as session, session.begin():
        current = await events.definition(session, event_id)
        if current is None:
            return "missing"
        if current.status != "draft":
            return current.status
        answers, broadcasts = await events.traces(session, event_id)
        if answers:
            return "answered"
        if broadcasts:
            return "announced"
        await events.delete_event(session, event_id)
    return None


async def publish(sessions: async_sessionmaker[AsyncSession], event_id: int) -> bool:
    """A draft becomes visible in /events and can be broadcast; False if there is no such draft."""
    async with sessions() as session, session.begin():
        return await publish_in(session, event_id)


async def publish_in(session: AsyncSession, event_id: int) -> bool:
    current = await events.definition(session, event_id)
    if current is None or current.status != "draft":
        return False
    return await events.set_status(session, event_id, "published")


async def cancel(
    sessions: async_sessionmaker[AsyncSession], event_id: int, started_by: int | None = None
) -> Notice | None:
    """None if there is no such event or it is already cancelled."""
    async with sessions() as session, session.begin():
        return await cancel_in(session, event_id, started_by)


async def cancel_in(session: AsyncSession, event_id: int, started_by: int | None = None) -> Notice | None:
    current = await events.definition(session, event_id)
    if current is None or current.status == "cancelled":
        return None
    await events.set_status(session, event_id, "cancelled")
    if current.status != "published":
        return Notice()
    return await _notify(session, "cancel", event_id, started_by)


async def change(
    sessions: async_sessionmaker[AsyncSession],
    event_id: int,
    changed: EventDefinition,
    started_by: int | None = None,
) -> Notice | None:
    """Replace the event's description; a new time or place of a published event is announced."""
    async with sessions() as session, session.begin():
        return await change_in(session, event_id, changed, started_by)


async def change_in(
    session: AsyncSession, event_id: int, changed: EventDefinition, started_by: int | None = None
) -> Notice | None:
    before = await events.definition(session, event_id)
    if before is None:
        return None
    result = await events.change_event(session, event_id, changed)
    assert result is not None
    notice = Notice()
    if result.material and before.status == "published" and changed.status == "published":
        notice = await _notify(session, "change", event_id, started_by)
    notice.promoted = result.promoted
    notice.promotion_id = await outbox.queue_personal(
        session, "promotion", event_id=event_id, subscribers=result.promoted
    )
    return notice


async def _notify(session: AsyncSession, kind: str, event_id: int, started_by: int | None) -> Notice:
    broadcast_id = await outbox.create_broadcast(session, kind, event_id=event_id, started_by=started_by)
    recipients = await outbox.enqueue(session, broadcast_id)
    if recipients == 0:
        await outbox.finish(session, broadcast_id)
    return Notice(broadcast_id, recipients)

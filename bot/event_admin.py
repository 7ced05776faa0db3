"""Creating, publishing, changing and cancelling events, for the CLI and the staff dialogs alike.

A change of time or place, and a cancellation, of a published event queue a notice (a broadcast) to
everyone who answered it; whoever holds a bot sends it (the running bot picks it up by itself).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dialogs.events import EventDefinition
from storage import events, outbox
from storage.models import Subscriber


@dataclass
class Notice:
    """What a change or cancellation set in motion."""

    broadcast_id: int | None = None  # None: nobody had to be told
    recipients: int = 0
    promoted: list[Subscriber] = field(default_factory=list)  # got a seat from the waitlist


async def create(sessions: async_sessionmaker[AsyncSession], definition: EventDefinition) -> int:
    async with sessions() as session, session.begin():
        return await events.add_event(session, definition)


async def publish(sessions: async_sessionmaker[AsyncSession], event_id: int) -> bool:
    """A draft becomes visible in /events and can be broadcast; False if there is no such draft."""
    async with sessions() as session, session.begin():
        current = await events.definition(session, event_id)
        if current is None or current.status != "draft":
            return False
        return await events.set_status(session, event_id, "published")


async def cancel(
    sessions: async_sessionmaker[AsyncSession], event_id: int, started_by: int | None = None
) -> Notice | None:
    """None if there is no such event or it is already cancelled."""
    async with sessions() as session, session.begin():
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
        before = await events.definition(session, event_id)
        if before is None:
            return None
        result = await events.change_event(session, event_id, changed)
        assert result is not None
        promoted = [s for s in [await session.get(Subscriber, i) for i in result.promoted] if s]
        notice = Notice(promoted=promoted)
        if result.material and before.status == "published" and changed.status == "published":
            notice = await _notify(session, "change", event_id, started_by)
            notice.promoted = promoted
        return notice


async def _notify(session: AsyncSession, kind: str, event_id: int, started_by: int | None) -> Notice:
    broadcast_id = await outbox.create_broadcast(session, kind, event_id=event_id, started_by=started_by)
    recipients = await outbox.enqueue(session, broadcast_id)
    if recipients == 0:
        await outbox.finish(session, broadcast_id)
    return Notice(broadcast_id, recipients)

"""Events, subscriptions and RSVPs: capacity with a waitlist that moves up by itself, reminders."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy import update as sa_update
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.events import EventDefinition, EventView, RsvpAnswer
from storage.dialect import upsert
from storage.models import Broadcast, Event, Rsvp, Subscriber, utcnow
from storage.pseudonym import WEB_CHANNEL, subscriber_pseudonym, web_chat_id


async def add_event(session: AsyncSession, definition: EventDefinition) -> int:
    data = definition.model_dump(mode="python")
    data["online_url"] = str(definition.online_url) if definition.online_url else None
    event = Event(**data)
    session.add(event)
    await session.flush()
    return event.id


async def german_titles(session: AsyncSession) -> list[tuple[int, str, datetime]]:
    """Every event's id, German title and end: few enough to compare in Python, on both databases."""
    rows = await session.execute(select(Event.id, Event.title, Event.ends_at).order_by(Event.id))
    return [(event_id, str(title.get("de", "")), ends_at) for event_id, title, ends_at in rows.all()]


async def traces(session: AsyncSession, event_id: int) -> tuple[int, int]:
    """How many RSVPs and how many broadcasts (invitations, notices) refer to an event."""
    answers = await session.scalar(select(func.count()).where(Rsvp.event_id == event_id))
    sent = await session.scalar(select(func.count()).where(Broadcast.event_id == event_id))
    return int(answers or 0), int(sent or 0)


async def delete_event(session: AsyncSession, event_id: int) -> None:
    await session.execute(delete(Event).where(Event.id == event_id))


# What, when changed, must reach everyone who answered: the time and the place.
MATERIAL = ("starts_at", "ends_at", "place", "district", "online_url")


async def definition(session: AsyncSession, event_id: int) -> EventDefinition | None:
    """A stored event as staff would describe it (to change it)."""
    event = await session.get(Event, event_id)
    if event is None:
        return None
    return EventDefinition(
        title=event.title, description=event.description, starts_at=event.starts_at, ends_at=event.ends_at,
        place=event.place, district=event.district, online_url=event.online_url, fields=event.fields,
        interpreted=event.interpreted, accessibility=event.accessibility, capacity=event.capacity,
        status=event.status,
    )  # fmt: skip


@dataclass
class Changed:
    material: list[str]  # the MATERIAL columns that changed
    promoted: list[int]  # subscribers who got a seat because the capacity grew


async def change_event(session: AsyncSession, event_id: int, changed: EventDefinition) -> Changed | None:
    """Replace an event's description (None: no such event). A smaller capacity takes no seat away."""
    event = await session.get(Event, event_id)
    if event is None:
        return None
    data = changed.model_dump(mode="python")
    data["online_url"] = str(changed.online_url) if changed.online_url else None
    material = [column for column in MATERIAL if getattr(event, column) != data[column]]
    for column, value in data.items():
        setattr(event, column, value)
    event.updated_at = utcnow()
    await session.flush()
    return Changed(material, await _promote(session, event))


async def set_status(session: AsyncSession, event_id: int, status: str) -> bool:
    event = await session.get(Event, event_id)
    if event is None:
        return False
    event.status, event.updated_at = status, utcnow()
    await session.flush()
    return True


async def seats_taken(session: AsyncSession, event_id: int) -> int:
    taken = await session.scalar(
        select(func.count()).where(Rsvp.event_id == event_id, Rsvp.answer == "yes", ~Rsvp.waitlisted)
    )
    return int(taken or 0)


async def view(session: AsyncSession, event_id: int) -> EventView | None:
    event = await session.get(Event, event_id)
    if event is None:
        return None
    return _view(event, await seats_taken(session, event_id))


def _view(event: Event, taken: int) -> EventView:
    return EventView(
        id=event.id, title=event.title, description=event.description, starts_at=event.starts_at,
        ends_at=event.ends_at, place=event.place, district=event.district, online_url=event.online_url,
        interpreted=event.interpreted, accessibility=event.accessibility, capacity=event.capacity,
        status=event.status, seats_taken=taken,
    )  # fmt: skip


async def upcoming(session: AsyncSession, now: datetime) -> list[EventView]:
    events = await session.scalars(
        select(Event).where(Event.status == "published", Event.ends_at >= now).order_by(Event.starts_at)
    )
    return [_view(e, await seats_taken(session, e.id)) for e in events.all()]


async def all_with_counts(session: AsyncSession) -> list[tuple[EventView, Counter[str]]]:
    """Every event with its RSVP counts (yes, maybe, no, waitlist), newest first."""
    events = (await session.scalars(select(Event).order_by(Event.starts_at.desc()))).all()
    rows = await session.execute(select(Rsvp.event_id, Rsvp.answer, Rsvp.waitlisted))
    counts: dict[int, Counter[str]] = {}
    for event_id, answer, waitlisted in rows.all():
        counts.setdefault(event_id, Counter())["waitlist" if waitlisted else answer] += 1
    return [(_view(e, counts.get(e.id, Counter())["yes"]), counts.get(e.id, Counter())) for e in events]


@dataclass
class RsvpResult:
    status: str  # confirmed | waitlisted | maybe | no | unknown_event
    promoted: list[int] = field(default_factory=list)  # subscribers who moved up from the waitlist


async def answer(session: AsyncSession, event_id: int, subscriber_id: int, reply: RsvpAnswer) -> RsvpResult:
    """Record an RSVP. A full event puts a "yes" on the waitlist; a freed seat goes to the next one.

    Call it before anything else writes in the transaction: it starts with a write to the event row,
    which on PostgreSQL locks that row and on SQLite takes the database's write lock, so two answers
    for the last seat are counted one after the other on both (a SELECT ... FOR UPDATE does nothing
    on SQLite, and a count read before the write lock is stale by the time it is used).
    """
    locked = await session.execute(
        sa_update(Event)
        .where(Event.id == event_id, Event.status == "published")
        .values(updated_at=Event.updated_at)
        .execution_options(synchronize_session=False)
    )
    if not getattr(locked, "rowcount", 0):
        return RsvpResult("unknown_event")
    event = await session.get(Event, event_id, populate_existing=True)
    assert event is not None
    previous = await session.scalar(
        select(Rsvp).where(Rsvp.event_id == event_id, Rsvp.subscriber_id == subscriber_id)
    )
    held_seat = previous is not None and previous.answer == "yes" and not previous.waitlisted
    waitlisted = False
    if reply == "yes" and not held_seat and event.capacity is not None:
        waitlisted = await seats_taken(session, event_id) >= event.capacity
    await upsert(
        session,
        Rsvp,
        {"event_id": event_id, "subscriber_id": subscriber_id, "answer": reply,
         "waitlisted": waitlisted, "answered_at": utcnow()},
        conflict=("event_id", "subscriber_id"),
        update=("answer", "waitlisted", "answered_at"),
    )  # fmt: skip
    promoted = await _promote(session, event) if held_seat and reply != "yes" else []
    status = "waitlisted" if waitlisted else ("confirmed" if reply == "yes" else reply)
    return RsvpResult(status, promoted)


async def _promote(session: AsyncSession, event: Event) -> list[int]:
    if event.capacity is None:
        return []
    free = event.capacity - await seats_taken(session, event.id)
    if free <= 0:
        return []
    waiting = (
        await session.scalars(
            select(Rsvp)
            .where(Rsvp.event_id == event.id, Rsvp.waitlisted)
            .order_by(Rsvp.answered_at, Rsvp.id)
            .limit(free)
        )
    ).all()
    for rsvp in waiting:
        rsvp.waitlisted = False
    await session.flush()
    return [r.subscriber_id for r in waiting]


async def due_reminders(session: AsyncSession, now: datetime) -> list[tuple[int, int, int]]:
    """(rsvp id, event id, subscriber id) of everyone with a seat at an event that starts within the
    next 24 hours and who was not reminded yet."""
    rows = await session.execute(
        select(Rsvp.id, Rsvp.event_id, Rsvp.subscriber_id)
        .join(Subscriber, Subscriber.id == Rsvp.subscriber_id)
        .join(Event, Event.id == Rsvp.event_id)
        .where(
            Event.status == "published",
            Event.starts_at > now,
            Event.starts_at <= now + timedelta(hours=24),
            Rsvp.answer == "yes",
            ~Rsvp.waitlisted,
            Rsvp.reminded_at.is_(None),
            Subscriber.status == "active",
        )
        .order_by(Rsvp.id)
    )
    return [(rsvp_id, event_id, subscriber_id) for rsvp_id, event_id, subscriber_id in rows.all()]


async def mark_reminded(session: AsyncSession, rsvp_ids: Sequence[int], at: datetime) -> set[int]:
    """Mark RSVPs as reminded; returns the ones that were not marked before (only those get one)."""
    if not rsvp_ids:
        return set()
    marked = await session.scalars(
        sa_update(Rsvp)
        .where(Rsvp.id.in_(list(rsvp_ids)), Rsvp.reminded_at.is_(None))
        .values(reminded_at=at)
        .returning(Rsvp.id)
    )
    return set(marked.all())


async def people_who_answered(session: AsyncSession, event_id: int) -> list[Subscriber]:
    """Everyone to tell about a change or a cancellation."""
    result = await session.scalars(
        select(Subscriber)
        .join(Rsvp, Rsvp.subscriber_id == Subscriber.id)
        .where(Rsvp.event_id == event_id, Subscriber.status == "active")
    )
    return list(result.all())


async def subscribe(
    session: AsyncSession, channel: str, chat_id: int, locale: str, districts: list[str], fields: list[str]
) -> Subscriber:
    """Subscribe the person at this address, or change their wishes. The row holds no pseudonym, and
    the day only: the moment of subscribing would match the moments of the person's answers."""
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    await upsert(
        session,
        Subscriber,
        {"channel": channel, "chat_id": chat_id, "locale": locale, "districts": districts,
         "fields": fields, "status": "active", "subscribed_at": today},
        conflict=("channel", "chat_id"),
        update=("locale", "districts", "fields", "status"),
    )  # fmt: skip
    found = await subscriber(session, channel, chat_id)
    assert found is not None
    return found


async def subscriber(session: AsyncSession, channel: str, chat_id: int) -> Subscriber | None:
    """The subscription of the person at this address (who is talking to us), if any."""
    return await session.scalar(
        select(Subscriber)
        .where(Subscriber.channel == channel, Subscriber.chat_id == chat_id)
        .execution_options(populate_existing=True)
    )


async def unsubscribe(session: AsyncSession, channel: str, chat_id: int) -> bool:
    """Withdraw the consent to invitations: the subscription and its RSVPs are deleted."""
    result = await session.execute(
        delete(Subscriber).where(Subscriber.channel == channel, Subscriber.chat_id == chat_id)
    )
    return bool(getattr(result, "rowcount", 0))


async def deactivate(session: AsyncSession, channel: str, chat_id: int, status: str) -> None:
    """Stop invitations to a person who blocked the bot (or whose chat is gone)."""
    await session.execute(
        sa_update(Subscriber)
        .where(Subscriber.channel == channel, Subscriber.chat_id == chat_id)
        .values(status=status)
    )


MATCHED_AT_ONCE = 1000  # subscribers read (and chat ids looked up) per query when people are matched


async def subscriptions_of(session: AsyncSession, key: bytes, people: Collection[str]) -> list[int]:
    """The ids of the subscriptions that belong to these pseudonyms, matched under the key: a web
    subscriber by the chat id computed from the pseudonym; anyone else by the pseudonym computed from
    their chat id, read batchwise (the table has nothing to look a pseudonym up by, on purpose)."""
    wanted = set(people)
    if not wanted:
        return []
    found: list[int] = []
    web_chats = sorted({web_chat_id(key, person) for person in wanted})
    for start in range(0, len(web_chats), MATCHED_AT_ONCE):
        chunk = web_chats[start : start + MATCHED_AT_ONCE]
        found += (
            await session.scalars(
                select(Subscriber.id).where(Subscriber.channel == WEB_CHANNEL, Subscriber.chat_id.in_(chunk))
            )
        ).all()
    after = 0
    while True:
        rows = (
            await session.execute(
                select(Subscriber.id, Subscriber.channel, Subscriber.chat_id)
                .where(Subscriber.channel != WEB_CHANNEL, Subscriber.id > after)
                .order_by(Subscriber.id)
                .limit(MATCHED_AT_ONCE)
            )
        ).all()
        if not rows:
            return found
        found += [row.id for row in rows if subscriber_pseudonym(key, row.channel, row.chat_id) in wanted]
        after = rows[-1].id


async def delete_subscriptions_of(session: AsyncSession, key: bytes, people: Collection[str]) -> int:
    """Delete the subscriptions (and with them RSVPs and web notices) of these pseudonyms."""
    ids = await subscriptions_of(session, key, people)
    for start in range(0, len(ids), MATCHED_AT_ONCE):
        await session.execute(
            delete(Subscriber).where(Subscriber.id.in_(ids[start : start + MATCHED_AT_ONCE]))
        )
    return len(ids)

"""The broadcast outbox: one Delivery row per broadcast and recipient, claimed, marked and counted in SQL.

Who may send (one sender per database at a time) is `storage.dialect.SenderLock`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.audience import Audience
from storage import events
from storage.dialect import dialect_insert
from storage.models import Broadcast, Delivery, Rsvp, Subscriber, utcnow

# pending -> sending -> sent | blocked | invalid | failed; a transient error puts a row back to pending.
OPEN = ("pending", "sending")
DONE = ("sent", "blocked", "invalid", "failed")
STATUSES = (*OPEN, *DONE)
_CHUNK = 500  # rows per INSERT: well below SQLite's limit on bound parameters


class Claimed(NamedTuple):
    """A delivery handed to the sender: who gets it (on which channel, in which language), and how often
    it failed so far. `subscriber_id` is None for a chat named directly (a staff member's export)."""

    delivery_id: int
    subscriber_id: int | None
    channel: str
    chat_id: int
    locale: str
    attempts: int


class Direct(NamedTuple):
    """A recipient who is not a subscriber: a staff member's own chat."""

    channel: str
    chat_id: int
    locale: str


async def create_broadcast(
    session: AsyncSession,
    kind: str,
    *,
    event_id: int | None = None,
    text: dict[str, str] | None = None,
    audience: Audience | None = None,
    started_by: int | None = None,
    attachment: tuple[str, bytes] | None = None,
) -> int:
    """A new broadcast in status pending; `enqueue` (or `enqueue_to`) fills its outbox."""
    broadcast = Broadcast(
        kind=kind,
        event_id=event_id,
        text=dict(text or {}),
        audience=(audience or Audience()).to_json(),
        started_by=started_by,
        status="pending",
        attachment_name=attachment[0] if attachment else None,
        attachment=attachment[1] if attachment else None,
    )
    session.add(broadcast)
    await session.flush()
    return broadcast.id


NOTICES = ("change", "cancel")  # kinds that go to everyone who answered the event, not to an audience
PERSONAL = ("reminder", "promotion", "export")  # kinds queued for named people, not for an audience


async def recipients(
    session: AsyncSession, kind: str, event_id: int | None, audience: Audience
) -> list[tuple[int, str]]:
    """(subscriber id, locale) of every active subscriber a broadcast of this kind would reach."""
    query = select(Subscriber.id, Subscriber.locale, Subscriber.districts, Subscriber.fields).where(
        Subscriber.status == "active"
    )
    if kind in NOTICES:
        answered = select(Rsvp.subscriber_id).where(Rsvp.event_id == event_id)
        rows = (await session.execute(query.where(Subscriber.id.in_(answered)).order_by(Subscriber.id))).all()
        return [(row.id, row.locale) for row in rows]
    if audience.langs:
        query = query.where(Subscriber.locale.in_(audience.langs))
    rows = (await session.execute(query.order_by(Subscriber.id))).all()
    return [
        (row.id, row.locale)
        for row in rows
        if audience.matches(row.districts or [], row.fields or [], row.locale)
    ]


async def enqueue_to(
    session: AsyncSession, broadcast_id: int, subscribers: Sequence[int] = (), direct: Sequence[Direct] = ()
) -> int:
    """Deliveries to named subscribers and chats (reminders, promotions, an export); returns how many."""
    rows: list[dict[str, Any]] = [
        {"broadcast_id": broadcast_id, "subscriber_id": subscriber_id, "channel": None, "chat_id": None,
         "locale": None, "status": "pending", "attempts": 0}
        for subscriber_id in dict.fromkeys(subscribers)
    ]  # fmt: skip
    rows += [
        {"broadcast_id": broadcast_id, "subscriber_id": None, "channel": d.channel, "chat_id": d.chat_id,
         "locale": d.locale, "status": "pending", "attempts": 0}
        for d in direct
    ]  # fmt: skip
    for start in range(0, len(rows), _CHUNK):
        await session.execute(insert(Delivery), rows[start : start + _CHUNK])
    return len(rows)


async def queue_personal(
    session: AsyncSession,
    kind: str,
    *,
    event_id: int | None = None,
    subscribers: Sequence[int] = (),
    direct: Sequence[Direct] = (),
    text: dict[str, str] | None = None,
    attachment: tuple[str, bytes] | None = None,
) -> int | None:
    """A message of its own kind to named people, queued in the caller's transaction (the cause's):
    a waitlist promotion, reminders, an export. None when there is nobody to send to."""
    if not subscribers and not direct:
        return None
    broadcast_id = await create_broadcast(session, kind, event_id=event_id, text=text, attachment=attachment)
    await enqueue_to(session, broadcast_id, subscribers, direct)
    return broadcast_id


async def queue_due_reminders(session: AsyncSession, now: datetime) -> int:
    """Queue a reminder for everyone with a seat at an event in the next 24 hours, once per person and
    event; returns how many. Called by the sender while it holds the sender lock, and every RSVP is
    marked reminded in the same transaction, so no reminder is queued twice."""
    due = await events.due_reminders(session, now)
    by_event: dict[int, list[tuple[int, int]]] = {}
    for rsvp_id, event_id, subscriber_id in due:
        by_event.setdefault(event_id, []).append((rsvp_id, subscriber_id))
    queued = 0
    for event_id, people in by_event.items():
        marked = await events.mark_reminded(session, [rsvp_id for rsvp_id, _ in people], now)
        if not marked:
            continue
        await queue_personal(
            session, "reminder", event_id=event_id, subscribers=[s for r, s in people if r in marked]
        )
        queued += len(marked)
    return queued


async def enqueue(session: AsyncSession, broadcast_id: int) -> int:
    """One pending delivery per active subscriber in the audience; rows already there stay untouched.

    Returns the number of rows added, so a second call adds none.
    """
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None:
        raise LookupError("no such broadcast")
    found = await recipients(
        session, broadcast.kind, broadcast.event_id, Audience.from_json(broadcast.audience)
    )
    ids = [subscriber_id for subscriber_id, _ in found]
    insert = dialect_insert(session)
    added = 0
    for start in range(0, len(ids), _CHUNK):
        values = [
            {"broadcast_id": broadcast_id, "subscriber_id": subscriber_id, "status": "pending", "attempts": 0}
            for subscriber_id in ids[start : start + _CHUNK]
        ]
        stmt = (
            insert(Delivery)
            .values(values)
            .on_conflict_do_nothing(index_elements=["broadcast_id", "subscriber_id"])
            .returning(Delivery.id)
        )
        added += len((await session.execute(stmt)).all())
    return added


class Earlier(NamedTuple):
    """Earlier invitations to one event that reach some of the same people."""

    people: int  # how many of the given subscribers already have an invitation (sent or queued)
    broadcasts: list[int]  # those invitations' broadcasts, oldest first
    unfinished: list[int]  # the ones among them that are not done yet


async def earlier_invitations(session: AsyncSession, event_id: int, subscriber_ids: Sequence[int]) -> Earlier:
    """Who of `subscriber_ids` was already invited to `event_id` (a delivery that did not fail)."""
    if not subscriber_ids:
        return Earlier(0, [], [])
    invited = (
        select(Delivery.subscriber_id, Delivery.broadcast_id, Broadcast.status)
        .join(Broadcast, Broadcast.id == Delivery.broadcast_id)
        .where(
            Broadcast.kind == "invitation",
            Broadcast.event_id == event_id,
            Delivery.status.in_(("pending", "sending", "sent")),
        )
    )
    wanted = set(subscriber_ids)
    people: set[int] = set()
    broadcasts: dict[int, str] = {}
    for subscriber_id, broadcast_id, status in (await session.execute(invited)).all():
        if subscriber_id in wanted:
            people.add(subscriber_id)
            broadcasts[broadcast_id] = status
    ordered = sorted(broadcasts)
    return Earlier(len(people), ordered, [b for b in ordered if broadcasts[b] != "done"])


async def begin(session: AsyncSession, broadcast_id: int) -> None:
    """The broadcast is being sent (from now on: `started_at` is the first start, for its duration)."""
    await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id, Broadcast.status == "pending")
        .values(status="sending", started_at=func.coalesce(Broadcast.started_at, utcnow()))
    )


async def claim(
    session: AsyncSession, broadcast_id: int, limit: int, now: datetime, *, after: int = 0
) -> list[Claimed]:
    """Up to `limit` due pending deliveries in id order, now marked "sending" (commit to make it stick).

    `after` is a cursor: only rows with a higher id are looked at. Without it every claim would walk
    past the rows already sent (the index is on broadcast_id, in id order), which makes a broadcast
    quadratic; with it a sender that claims in order pays that once, when it looks back for retries.
    Rows of subscribers who are no longer active are closed on the way (blocked or invalid) instead.
    On PostgreSQL the rows are locked with SKIP LOCKED, so two claimers never get the same row; the
    conditional UPDATE makes that hold on SQLite too.
    """
    claimed: list[Claimed] = []
    while not claimed:
        query = (
            select(
                Delivery.id,
                Delivery.subscriber_id,
                Delivery.attempts,
                func.coalesce(Subscriber.channel, Delivery.channel).label("channel"),
                func.coalesce(Subscriber.chat_id, Delivery.chat_id).label("chat_id"),
                func.coalesce(Subscriber.locale, Delivery.locale).label("locale"),
                Subscriber.status,
            )
            .outerjoin(Subscriber, Subscriber.id == Delivery.subscriber_id)
            .where(
                Delivery.broadcast_id == broadcast_id,
                Delivery.id > after,
                Delivery.status == "pending",
                or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
            )
            .order_by(Delivery.id)
            .limit(limit)
            .with_for_update(of=Delivery, skip_locked=True)
        )
        rows = (await session.execute(query)).all()
        if not rows:
            return []
        after = rows[-1].id
        gone: dict[str, list[int]] = {}
        for row in rows:
            if row.subscriber_id is not None and row.status != "active":
                gone.setdefault("blocked" if row.status == "blocked" else "invalid", []).append(row.id)
            elif row.chat_id is None:  # the subscriber was deleted while the row waited
                gone.setdefault("invalid", []).append(row.id)
        for closed, ids in gone.items():
            await session.execute(
                update(Delivery)
                .where(Delivery.id.in_(ids), Delivery.status == "pending")
                .values(status=closed)
            )
        closed_ids = {i for ids in gone.values() for i in ids}
        active = {row.id: row for row in rows if row.id not in closed_ids}
        if not active:
            continue
        taken = await session.scalars(
            update(Delivery)
            .where(Delivery.id.in_(list(active)), Delivery.status == "pending")
            .values(status="sending")
            .returning(Delivery.id)
        )
        for delivery_id in sorted(taken.all()):
            row = active[delivery_id]
            claimed.append(
                Claimed(row.id, row.subscriber_id, row.channel, row.chat_id, row.locale, row.attempts)
            )
    return claimed


async def mark(
    session: AsyncSession,
    delivery_id: int,
    status: str,
    *,
    attempts: int | None = None,
    next_attempt_at: datetime | None = None,
    sent_at: datetime | None = None,
) -> None:
    """Set a delivery's status (and its attempt count, next try or sending time)."""
    if status not in STATUSES:
        raise ValueError(f"unknown delivery status {status!r}")
    values: dict[str, Any] = {"status": status, "next_attempt_at": next_attempt_at}
    if attempts is not None:
        values["attempts"] = attempts
    if sent_at is not None:
        values["sent_at"] = sent_at
    # The table, not the ORM class: the sender marks every message, and Core skips the ORM's bookkeeping.
    table = cast(Table, Delivery.__table__)
    await session.execute(update(table).where(table.c.id == delivery_id).values(**values))


async def deactivate(session: AsyncSession, subscriber_id: int, status: str) -> None:
    """Stop sending to a subscriber: "blocked" (they blocked the bot) or "invalid" (the chat is gone)."""
    if status not in ("blocked", "invalid"):
        raise ValueError(f"not a deactivated status: {status!r}")
    await session.execute(update(Subscriber).where(Subscriber.id == subscriber_id).values(status=status))


async def requeue_stale_sending(session: AsyncSession, broadcast_id: int) -> int:
    """Put rows a dead sender left in "sending" back to pending; only call while holding `SenderLock`.

    Returns how many there were. They are sent again: see bot/delivery/sender.py for why.
    """
    result = await session.execute(
        update(Delivery)
        .where(Delivery.broadcast_id == broadcast_id, Delivery.status == "sending")
        .values(status="pending", next_attempt_at=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def next_due(session: AsyncSession, broadcast_id: int, now: datetime) -> datetime | None:
    """When the earliest pending delivery may be tried (None: nothing pending)."""
    row = (
        await session.execute(
            select(
                func.count(),
                func.count(Delivery.next_attempt_at),
                func.min(Delivery.next_attempt_at),
            ).where(Delivery.broadcast_id == broadcast_id, Delivery.status == "pending")
        )
    ).one()
    pending, scheduled, earliest = int(row[0]), int(row[1]), row[2]
    if pending == 0:
        return None
    if pending > scheduled or earliest is None:
        return now
    if isinstance(earliest, str):  # SQLite without the column type in an aggregate
        earliest = datetime.fromisoformat(earliest)
    result: datetime = earliest if earliest.tzinfo else earliest.replace(tzinfo=now.tzinfo)
    return result


async def counts(session: AsyncSession, broadcast_id: int) -> dict[str, int]:
    """Deliveries per status (every status present, zero if none)."""
    result = dict.fromkeys(STATUSES, 0)
    rows = await session.execute(
        select(Delivery.status, func.count())
        .where(Delivery.broadcast_id == broadcast_id)
        .group_by(Delivery.status)
    )
    for status, number in rows.all():
        result[status] = int(number)
    return result


class Counted:
    """For anything that holds a broadcast's deliveries per status (see `counts`) as `counts`."""

    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def done(self) -> int:
        """Deliveries that are over, whatever their outcome."""
        return sum(self.counts.get(status, 0) for status in DONE)


async def recent(session: AsyncSession, limit: int = 5) -> list[Broadcast]:
    """The newest broadcasts, newest first."""
    rows = await session.scalars(select(Broadcast).order_by(Broadcast.id.desc()).limit(limit))
    return list(rows.all())


async def pending_broadcasts(session: AsyncSession) -> list[int]:
    """Broadcasts not finished yet, oldest first: the ones to resume after a restart."""
    ids = await session.scalars(select(Broadcast.id).where(Broadcast.status != "done").order_by(Broadcast.id))
    return list(ids.all())


async def finish(session: AsyncSession, broadcast_id: int) -> None:
    """The broadcast is done; a file that went with it (an export) is deleted now."""
    await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast_id)
        .values(status="done", finished_at=utcnow(), attachment=None)
    )

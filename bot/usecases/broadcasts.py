"""Creating a broadcast and asking how one is doing: the same use case for the staff dialog and the CLI.

Creating only queues (one delivery row per recipient, in one transaction); the one paced sender
(bot/delivery) sends it. Nothing here knows a messenger.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dialogs.audience import Audience
from storage import events, outbox
from storage.models import MAX_ID, Broadcast

Kind = Literal["invitation", "message"]


@dataclass(frozen=True)
class BroadcastRequest:
    """What staff asked for. `text` (per language, German required) only for a free message."""

    kind: Kind
    audience: Audience = field(default_factory=Audience)
    event_id: int | None = None
    text: dict[str, str] = field(default_factory=dict)
    started_by: int | None = None  # the staff chat that gets progress and the summary
    again: bool = False  # invite people who were already invited to this event once more


@dataclass(frozen=True)
class Queued:
    broadcast_id: int
    recipients: int


@dataclass(frozen=True)
class Refused:
    """Nothing was queued. `reason`: the event is not published, or some of the audience was already
    invited to it (`earlier` says by which broadcasts; `again` overrides)."""

    reason: Literal["not_published", "already_invited"]
    already_invited: int = 0
    recipients: int = 0
    earlier: list[int] = field(default_factory=list)
    unfinished: list[int] = field(default_factory=list)


async def create(sessions: async_sessionmaker[AsyncSession], request: BroadcastRequest) -> Queued | Refused:
    """Queue a broadcast for everyone in the audience, in one transaction."""
    async with sessions() as session, session.begin():
        return await create_in(session, request)


async def create_in(session: AsyncSession, request: BroadcastRequest) -> Queued | Refused:
    """`create` in the caller's transaction (a staff dialog's confirmation step)."""
    if request.kind == "invitation":
        event_id = request.event_id or 0
        event = await events.view(session, event_id) if 0 < event_id <= MAX_ID else None
        if event is None or event.status != "published":
            return Refused("not_published")
        found = await outbox.recipients(session, "invitation", request.event_id, request.audience)
        earlier = await outbox.earlier_invitations(session, event.id, [subscriber for subscriber, _ in found])
        if earlier.people and not request.again:
            return Refused(
                "already_invited", earlier.people, len(found), earlier.broadcasts, earlier.unfinished
            )
    elif not request.text.get("de"):
        raise ValueError("a free message needs its German text")
    broadcast_id = await outbox.create_broadcast(
        session,
        request.kind,
        event_id=request.event_id if request.kind == "invitation" else None,
        text=request.text if request.kind == "message" else None,
        audience=request.audience,
        started_by=request.started_by,
    )
    recipients = await outbox.enqueue(session, broadcast_id)
    if recipients == 0:
        await outbox.finish(session, broadcast_id)
    return Queued(broadcast_id, recipients)


async def preview_languages(
    sessions: async_sessionmaker[AsyncSession], kind: Kind, event_id: int | None, audience: Audience
) -> Counter[str]:
    """How many recipients a broadcast would reach per language, most first."""
    async with sessions() as session:
        found = await outbox.recipients(session, kind, event_id, audience)
    return Counter(locale for _, locale in found)


@dataclass(frozen=True)
class BroadcastStatus(outbox.Counted):
    id: int
    kind: str
    event_id: int | None
    status: str  # pending | sending | done
    created_at: datetime
    finished_at: datetime | None
    counts: dict[str, int]  # deliveries per status (pending, sending, sent, blocked, invalid, failed)


async def status(
    sessions: async_sessionmaker[AsyncSession], broadcast_id: int | None = None, newest: int = 5
) -> list[BroadcastStatus]:
    """One broadcast (empty if there is no such one), or the `newest` ones, newest first."""
    async with sessions() as session:
        if broadcast_id is not None:
            found = await session.get(Broadcast, broadcast_id) if 0 < broadcast_id <= MAX_ID else None
            chosen = [found] if found is not None else []
        else:
            chosen = await outbox.recent(session, newest)
        listed = []
        for b in chosen:
            counts = await outbox.counts(session, b.id)
            listed.append(
                BroadcastStatus(b.id, b.kind, b.event_id, b.status, b.created_at, b.finished_at, counts)
            )
        return listed

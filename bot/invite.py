"""What a broadcast says to each recipient, by kind: an invitation, a change or cancellation notice, a
free message; and an event invitation started as a broadcast."""

from __future__ import annotations

import html
from dataclasses import dataclass

from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast import Broadcaster, Composer, Message, Summary, compose_text
from bot.locales import translator
from bot.telegram.invitations import invitation_markup
from dialogs.events import EventView, invitation
from storage import events, outbox
from storage.models import Broadcast


@dataclass(frozen=True)
class Audience:
    districts: list[str]
    fields: list[str]
    langs: list[str]


def composer(sessions: async_sessionmaker[AsyncSession]) -> Composer:
    """Composes any kind of broadcast; the event is read once per broadcast, at its first message."""
    views: dict[int | None, EventView] = {}

    async def compose(broadcast: Broadcast, locale: str) -> Message:
        if broadcast.kind == "message":
            return await compose_text(broadcast, locale)
        event = views.get(broadcast.id) if broadcast.id is not None else None
        if event is None:
            if broadcast.event_id is None:
                raise ValueError("this broadcast names no event")
            async with sessions() as session:
                event = await events.view(session, broadcast.event_id)
            if event is None:
                raise LookupError("the broadcast's event was deleted")
            if broadcast.id is not None:
                views[broadcast.id] = event
        t = translator(locale)
        text = invitation(event, t).text
        if broadcast.kind == "change":
            text = (
                t._("Die Veranstaltung hat sich geändert. Bitte beachten Sie die neuen Angaben:")
                + "\n\n"
                + text
            )
        elif broadcast.kind == "cancel":
            text = t._("Die Veranstaltung, auf die Sie geantwortet haben, ist abgesagt.") + "\n\n" + text
        return html.escape(text, quote=False), invitation_markup(event, t)

    return compose


async def broadcast_event(
    bot: Bot,
    sessions: async_sessionmaker[AsyncSession],
    event_id: int,
    audience: Audience,
    *,
    paid: bool = False,
    rate: float | None = None,
    started_by: int | None = None,
) -> tuple[int, Summary] | None:
    """Invite every matching subscriber, each in their language; None if the event is not published."""
    async with sessions() as session, session.begin():
        event = await events.view(session, event_id)
        if event is None or event.status != "published":
            return None
        broadcast_id = await outbox.create_broadcast(
            session, "invitation", event_id=event_id, started_by=started_by,
            audience={"districts": audience.districts, "fields": audience.fields, "langs": audience.langs},
        )  # fmt: skip
        await outbox.enqueue(session, broadcast_id)
    summary = await Broadcaster(bot, sessions, composer(sessions), paid=paid, rate=rate).run(broadcast_id)
    return broadcast_id, summary

"""What a broadcast says to each recipient, by kind: an invitation, a change or cancellation notice, a
free message; and an event invitation started as a broadcast."""

from __future__ import annotations

import html

from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast import Broadcaster, Composer, Message, Summary, compose_text
from bot.locales import translator
from bot.telegram.invitations import invitation_markup
from bot.usecases import broadcasts
from bot.usecases.broadcasts import BroadcastRequest, Refused
from dialogs.audience import Audience
from dialogs.events import EventView, invitation
from storage import events
from storage.models import Broadcast


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
    again: bool = False,
) -> tuple[int, Summary] | Refused:
    """Invite every matching subscriber, each in their language, and send at once."""
    request = BroadcastRequest("invitation", audience, event_id, started_by=started_by, again=again)
    queued = await broadcasts.create(sessions, request)
    if isinstance(queued, Refused):
        return queued
    broadcaster = Broadcaster(bot, sessions, composer(sessions), paid=paid, rate=rate)
    summary = await broadcaster.run(queued.broadcast_id)
    return queued.broadcast_id, summary

"""An event invitation as a broadcast: the audience's outbox filled, then sent within the limits."""

from __future__ import annotations

import html
from dataclasses import dataclass

from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.broadcast import Broadcaster, Message, Summary
from bot.locales import translator
from bot.telegram.invitations import invitation_markup
from dialogs.events import invitation
from storage import events, outbox
from storage.models import Broadcast


@dataclass(frozen=True)
class Audience:
    districts: list[str]
    fields: list[str]
    langs: list[str]


async def broadcast_event(
    bot: Bot,
    sessions: async_sessionmaker[AsyncSession],
    event_id: int,
    audience: Audience,
    *,
    paid: bool = False,
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

    async def compose(_: Broadcast, locale: str) -> Message:
        t = translator(locale)
        return html.escape(invitation(event, t).text, quote=False), invitation_markup(event, t)

    summary = await Broadcaster(bot, sessions, compose, paid=paid).run(broadcast_id)
    return broadcast_id, summary

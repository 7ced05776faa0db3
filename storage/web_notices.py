"""The web chat's inbox: messages the bot sent on its own to people who use the browser.

A web subscriber's "chat id" is a keyed hash of their pseudonym (storage/pseudonym.web_chat_id): the
sender addresses every channel by chat id, and the web has no id of its own to offer.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Subscriber, WebNotice
from storage.pseudonym import WEB_CHANNEL

CHANNEL = WEB_CHANNEL
KEPT_PER_PERSON = 20  # older notices are dropped: the page shows the newest, nothing grows unbounded


async def put(session: AsyncSession, chat_id: int, text: str, buttons: list[list[dict[str, str]]]) -> bool:
    """Keeps a notice for the web subscriber with this chat id; False when there is none (any more)."""
    subscriber_id = await session.scalar(
        select(Subscriber.id).where(
            Subscriber.channel == CHANNEL, Subscriber.chat_id == chat_id, Subscriber.status == "active"
        )
    )
    if subscriber_id is None:
        return False
    session.add(WebNotice(subscriber_id=subscriber_id, text=text, buttons=buttons))
    await session.flush()
    old = (
        select(WebNotice.id)
        .where(WebNotice.subscriber_id == subscriber_id)
        .order_by(WebNotice.id.desc())
        .offset(KEPT_PER_PERSON)
    )
    await session.execute(delete(WebNotice).where(WebNotice.id.in_(old.scalar_subquery())))
    return True


async def take(session: AsyncSession, chat_id: int) -> Sequence[WebNotice]:
    """The notices of the web subscriber with this chat id, oldest first, and gone from the inbox (each
    is shown once)."""
    notices = (
        await session.scalars(
            select(WebNotice)
            .join(Subscriber, Subscriber.id == WebNotice.subscriber_id)
            .where(Subscriber.channel == CHANNEL, Subscriber.chat_id == chat_id)
            .order_by(WebNotice.id)
        )
    ).all()
    if notices:
        await session.execute(delete(WebNotice).where(WebNotice.id.in_([n.id for n in notices])))
    return notices

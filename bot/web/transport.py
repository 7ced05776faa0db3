"""The web chat's transport for the paced sender: a browser cannot be reached, so "sending" keeps the
message in the person's web inbox (storage/web_notices.py) until their next page."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.transport import ChatGone
from dialogs.messages import Reply
from storage import web_notices


class WebInboxTransport:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def send(self, chat_id: int, reply: Reply, *, paid: bool = False) -> int:
        text = reply.text
        if reply.attachment is not None and reply.attachment.caption:
            text = f"{text}\n\n{reply.attachment.caption}" if text else reply.attachment.caption
        buttons = [
            [{"label": b.label, "action": b.action, "arg": b.arg} for b in row] for row in reply.buttons
        ]
        async with self.sessions() as session, session.begin():
            if not await web_notices.put(session, chat_id, text, buttons):
                raise ChatGone("no web subscriber")
        return 0

    async def edit(self, chat_id: int, message_id: int, text: str) -> None:
        """Progress reports go to staff, who are on Telegram: nothing to edit here."""

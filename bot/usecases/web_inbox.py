"""The web chat's inbox: what the bot sent on its own to a person in the browser, kept until their next
page (put by the web channel's transport) and shown there once. Each function owns its transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dialogs.messages import Button, Reply, is_action
from storage import web_notices
from storage.pseudonym import web_chat_id

CHANNEL = web_notices.CHANNEL


class WebInbox:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], key: bytes) -> None:
        """`key`: the pseudonym key, under which a person's web chat id is computed."""
        self.sessions = sessions
        self.key = key

    def chat_id(self, person: str) -> int:
        """Where the web chat reaches this person (their subscription, their inbox): a keyed hash of
        the pseudonym, so the subscribers table shares no value with the answers."""
        return web_chat_id(self.key, person)

    async def put(self, chat_id: int, reply: Reply) -> bool:
        """Keeps a reply for the web subscriber with this chat id; False when there is none (any more)."""
        text = reply.text
        if reply.attachment is not None and reply.attachment.caption:
            text = f"{text}\n\n{reply.attachment.caption}" if text else reply.attachment.caption
        buttons = [
            [{"label": b.label, "action": b.action, "arg": b.arg} for b in row] for row in reply.buttons
        ]
        async with self.sessions() as session, session.begin():
            return await web_notices.put(session, chat_id, text, buttons)

    async def take(self, person: str) -> list[Reply]:
        async with self.sessions() as session, session.begin():
            notices = await web_notices.take(session, self.chat_id(person))
        return [
            Reply(
                notice.text,
                tuple(
                    tuple(
                        Button(b["label"], b["action"], b.get("arg", ""))
                        for b in row
                        if is_action(b["action"])
                    )
                    for row in notice.buttons
                ),
            )
            for notice in notices
        ]

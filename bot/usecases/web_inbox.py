"""The web chat's inbox: what the bot sent on its own to a person in the browser, shown on their next
page and then gone. Owns its transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dialogs.messages import Button, Reply, is_action
from storage import web_notices


class WebInbox:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def take(self, person: str) -> list[Reply]:
        async with self.sessions() as session, session.begin():
            notices = await web_notices.take(session, person)
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

"""The web chat's transport for the paced sender: a browser cannot be reached, so "sending" keeps the
message in the person's web inbox (bot/usecases/web_inbox.py) until their next page."""

from __future__ import annotations

from bot.delivery.transport import ChatGone
from bot.usecases.web_inbox import WebInbox
from dialogs.messages import Reply


class WebInboxTransport:
    def __init__(self, inbox: WebInbox) -> None:
        self.inbox = inbox

    async def send(self, chat_id: int, reply: Reply, *, paid: bool = False) -> int:
        if not await self.inbox.put(chat_id, reply):
            raise ChatGone("no web subscriber")
        return 0

    async def edit(self, chat_id: int, message_id: int, text: str) -> None:
        """Progress reports go to staff, who are on Telegram: nothing to edit here."""

"""The Telegram transport of the one paced sender: sends a Reply and classifies Telegram's errors, once.

403 -> Blocked, 400 "chat not found" -> ChatGone, 429 -> RetryAfter, network errors, timeouts and 5xx
-> Transient, a refused token -> Unauthorized, any other refusal -> Rejected (with Telegram's
description, which names no chat).
"""

from __future__ import annotations

import aiohttp
from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)

from bot.delivery.transport import Blocked, ChatGone, Rejected, RetryAfter, Transient, Unauthorized
from bot.telegram import render
from dialogs.messages import Reply

CHANNEL = "telegram"
# 400 answers that mean the chat does not exist (any more) for this bot.
_CHAT_GONE = ("chat not found", "peer_id_invalid", "user not found", "user is deactivated")
_TRANSIENT: tuple[type[BaseException], ...] = (
    TelegramNetworkError,
    TelegramServerError,
    ClientDecodeError,
    aiohttp.ClientError,
    TimeoutError,
)


class TelegramTransport:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, chat_id: int, reply: Reply, *, paid: bool = False) -> int:
        try:
            return await render.deliver(self.bot, chat_id, reply, paid=paid)
        except Exception as exc:
            raise classify(exc) from exc

    async def edit(self, chat_id: int, message_id: int, text: str) -> None:
        try:
            await self.bot.edit_message_text(text=text, chat_id=chat_id, message_id=message_id)
        except TelegramBadRequest as exc:
            if "not modified" not in exc.message:
                raise classify(exc) from exc
        except Exception as exc:
            raise classify(exc) from exc


def classify(exc: BaseException) -> BaseException:
    """The delivery outcome of a Telegram error; anything unknown is returned as it is."""
    if isinstance(exc, TelegramRetryAfter):
        return RetryAfter(float(exc.retry_after))
    if isinstance(exc, TelegramForbiddenError):
        return Blocked()
    if isinstance(exc, TelegramUnauthorizedError):
        return Unauthorized()
    if isinstance(exc, TelegramBadRequest) and any(r in exc.message.lower() for r in _CHAT_GONE):
        return ChatGone()
    if isinstance(exc, _TRANSIENT):
        return Transient(type(exc).__name__)
    if isinstance(exc, TelegramAPIError):
        return Rejected(f"{type(exc).__name__}: {exc.message}"[:120])
    return exc

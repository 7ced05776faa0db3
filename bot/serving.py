"""One process that serves Telegram and the web chat: one dispatcher, one web chat, and one paced sender
that delivers to both channels (the web inbox needs only the database). `mitsprache run` and the tests
build the bot here, so both run the same composition."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from bot.settings import Settings
from bot.usecases.turns import Conversations

if TYPE_CHECKING:
    from aiogram import Dispatcher
    from aiogram.client.session.base import BaseSession

    from bot.web.app import WebChat


def telegram_and_web(
    conversations: Conversations,
    locales: Sequence[str],
    settings: Settings,
    *,
    web_chat: bool,
    sender_session: Callable[[], BaseSession] | None = None,
) -> tuple[Dispatcher, WebChat | None]:
    from bot.telegram import app as telegram_app
    from bot.usecases.web_inbox import CHANNEL, WebInbox
    from bot.web.transport import WebInboxTransport

    dp = telegram_app.build_dispatcher(
        conversations, conversations.sessions, locales, settings, sender_session=sender_session,
        other_transports={CHANNEL: WebInboxTransport(WebInbox(conversations.sessions, conversations.key))},
    )  # fmt: skip
    if not web_chat:
        return dp, None
    from bot.web.app import build_web_chat  # with its templates (Jinja2): only when it is served

    return dp, build_web_chat(conversations, locales, settings, dp["worker"].poke)

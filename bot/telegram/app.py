"""Builds the aiogram bot and dispatcher, and runs them by long polling or as a webhook server."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import Sequence
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import User
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.broadcast import BroadcastWorker
from bot.invite import composer
from bot.locales import translator
from bot.settings import Settings
from bot.telegram import conversation, errors, invitations, language, staff, staff_events
from bot.telegram.commands import register_commands, register_staff_commands
from bot.telegram.middlewares import DatabaseSession, OneAtATimePerPerson, PersonAndLanguage, Throttle
from bot.turns import Conversations
from dialogs.languages import match_locale

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "callback_query"]


MAX_FLOOD_WAIT = 20.0  # seconds one reply may wait out 429s before the update fails


class WaitOutFlood(BaseRequestMiddleware):
    """A reply that gets a 429 waits `retry_after` and is sent again, instead of failing the update.

    Only for the bot that answers people: broadcasts use a bot without it, since the Broadcaster
    pauses all its sending on a 429 by itself.
    """

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        waited = 0.0
        while True:
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if waited + exc.retry_after > MAX_FLOOD_WAIT:
                    raise
                log.info("flood limit: waiting before a reply", extra={"seconds": exc.retry_after})
                waited += exc.retry_after
                await asyncio.sleep(exc.retry_after)


def build_bot(token: str, api_url: str, *, wait_out_flood: bool = False) -> Bot:
    """`wait_out_flood` for the bot that answers people (see WaitOutFlood), not for broadcasting."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url))
    if wait_out_flood:
        session.middleware(WaitOutFlood())
    return Bot(
        token,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def build_dispatcher(
    conversations: Conversations,
    sessions: async_sessionmaker[AsyncSession],
    locales: Sequence[str],
    settings: Settings,
) -> Dispatcher:
    dp = Dispatcher()

    async def warn(user: User, data: dict[str, Any]) -> None:
        t = translator(match_locale(user.language_code, locales, settings.default_locale))
        bot: Bot = data["bot"]
        await bot.send_message(user.id, t._("Bitte etwas langsamer. Ich antworte gleich wieder."))

    dp.update.outer_middleware(OneAtATimePerPerson())
    dp.update.outer_middleware(Throttle(settings.throttle_rate, settings.throttle_burst, warn))
    dp.update.outer_middleware(DatabaseSession(sessions))
    dp.update.outer_middleware(PersonAndLanguage(conversations, locales, settings.default_locale, translator))
    compose = composer(sessions)
    worker = BroadcastWorker(
        sessions, compose, rate=settings.broadcast_rate, paid=settings.allow_paid_broadcast
    )
    dp.include_routers(
        errors.make_router(),
        language.make_router(conversations, locales),
        staff.make_router(
            conversations,
            sessions,
            conversations.engine.catalogue,
            settings.staff_roles,
            settings.k_anonymity,
        ),
        staff_events.make_router(
            conversations,
            sessions,
            conversations.engine.catalogue,
            list(locales),
            settings.staff_roles,
            worker,
            compose,
        ),
        invitations.make_router(conversations.engine.catalogue),
        conversation.make_router(conversations),
    )

    background: list[asyncio.Task[None]] = []

    async def on_startup(bot: Bot) -> None:
        fallback = "en" if "en" in locales else settings.default_locale
        await register_commands(bot, locales, translator, fallback)
        await register_staff_commands(bot, settings.staff_roles, locales, translator)
        background.append(asyncio.create_task(invitations.remind_forever(bot, sessions)))
        # Resumes a broadcast a crash interrupted, and sends the ones staff or the CLI queue.
        background.append(asyncio.create_task(worker.forever(bot)))

    async def on_shutdown() -> None:
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        background.clear()

    dp.startup.register(on_startup)
    dp.shutdown.register(on_shutdown)
    return dp


def webhook_secret(settings: Settings, key: bytes) -> str:
    """The same on every replica that shares the key, so no replica has to tell the others."""
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    return hmac.new(key, b"telegram-webhook", hashlib.sha256).hexdigest()[:48]


async def run_polling(bot: Bot, dp: Dispatcher) -> None:
    await bot.delete_webhook(drop_pending_updates=False)
    log.info("starting long polling")
    await dp.start_polling(bot, allowed_updates=ALLOWED_UPDATES)


def build_webhook_app(
    bot: Bot, dp: Dispatcher, settings: Settings, secret: str, engine: AsyncEngine
) -> web.Application:
    path = f"/telegram/{secret[:24]}"
    app = web.Application()
    # Handled before answering: if the process dies mid-update, Telegram delivers it again.
    SimpleRequestHandler(dispatcher=dp, bot=bot, secret_token=secret, handle_in_background=False).register(
        app, path=path
    )
    setup_application(app, dp, bot=bot)

    async def healthz(_: web.Request) -> web.Response:
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:
            return web.json_response({"status": "database unavailable"}, status=503)
        return web.json_response({"status": "ok"})

    async def set_webhook(_: web.Application) -> None:
        url = settings.webhook_url + path
        info = await bot.get_webhook_info()
        # Several replicas start with the same URL: only the first one needs to tell Telegram.
        if info.url != url:
            await bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
            log.info("webhook registered")

    app.router.add_get("/healthz", healthz)
    app.on_startup.append(set_webhook)
    return app

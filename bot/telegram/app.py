"""Builds the aiogram bot and dispatcher, and runs them by long polling or as a webhook server."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import BaseSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import User
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.delivery.compose import composer
from bot.delivery.transport import Transport
from bot.delivery.worker import DeliveryWorker
from bot.health import add_health
from bot.locales import translator
from bot.settings import Settings
from bot.telegram import conversation, errors, invitations, language, render, staff, staff_events
from bot.telegram.commands import ChatMenus, register_commands, register_staff_commands
from bot.telegram.lean_aiogram import prepare_models
from bot.telegram.middlewares import Language, OneAtATimePerPerson, Person, PrivateChatsOnly, Throttle
from bot.telegram.response_types import keep_response_types
from bot.telegram.transport import CHANNEL, TelegramTransport
from bot.usecases.exports import Exports
from bot.usecases.invitations import Invitations
from bot.usecases.staff import StaffDesk
from bot.usecases.turns import Conversations
from dialogs.languages import match_locale
from dialogs.messages import Reply

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "callback_query"]
WEBHOOK_PATH_PREFIX = "/telegram/"
WEBHOOK_MAX_BODY = 1024 * 1024  # an update is a few KB; Telegram's own limit on a message is 4096 chars


MAX_FLOOD_WAIT = 20.0  # seconds one reply may wait out 429s before the update fails


class WaitOutFlood(BaseRequestMiddleware):
    """A reply that gets a 429 waits `retry_after` and is sent again, instead of failing the update.

    Only for the bot that answers people: the paced sender uses a bot without it, since it
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


def build_bot(
    token: str, api_url: str, *, wait_out_flood: bool = False, session: BaseSession | None = None
) -> Bot:
    """`wait_out_flood` for the bot that answers people (see WaitOutFlood), not for broadcasting.
    `session` replaces the HTTP session to `api_url` (the tests' in-process fake Bot API)."""
    if session is None:
        session = AiohttpSession(api=TelegramAPIServer.from_base(api_url))
    keep_response_types(session)
    if wait_out_flood:
        session.middleware(WaitOutFlood())
    # Plain text: no parse mode, so nothing a person, a translator or staff writes needs escaping.
    return Bot(token, session=session, default=DefaultBotProperties(link_preview_is_disabled=True))


def build_dispatcher(
    conversations: Conversations,
    sessions: async_sessionmaker[AsyncSession],
    locales: Sequence[str],
    settings: Settings,
    *,
    sender_session: Callable[[], BaseSession] | None = None,
    other_transports: Mapping[str, Transport] | None = None,
) -> Dispatcher:
    """The Telegram shell over the use cases. `dp["worker"]` is the paced sender, `dp["exports"]` the
    exports under way; both run in the bot's background from start-up to shutdown. `sender_session`
    makes the session of the sender's own Bot (default: a new HTTP session to the bot's API server);
    `other_transports` are the other channels this process's sender delivers to (the web inbox)."""
    other_transports = dict(other_transports or {})
    # No aiogram FSM: every state lives in the database, and its default storage (in memory) would
    # keep a record for every person who ever wrote, read or not.
    dp = Dispatcher(disable_fsm=True)
    prepare_models()  # the model of an update, now rather than on the first one
    catalogue = conversations.engine.catalogue
    worker = DeliveryWorker(
        sessions,
        composer(sessions, translator),
        rate=settings.broadcast_rate,
        paid=settings.allow_paid_broadcast,
    )
    database_url = sessions.kw["bind"].url.render_as_string(hide_password=False)
    exports = Exports(sessions, database_url, catalogue, settings.k_anonymity, worker.poke)
    invites = Invitations(sessions, catalogue, translator, worker.poke)
    desk = StaffDesk(sessions, catalogue, locales, translator, worker.poke)
    dp["worker"], dp["exports"] = worker, exports

    async def warn(user: User, data: dict[str, Any]) -> None:
        t = translator(match_locale(user.language_code, locales, settings.default_locale))
        await render.send(
            data["bot"], user.id, [Reply(t._("Bitte etwas langsamer. Ich antworte gleich wieder."))]
        )

    dp.update.outer_middleware(PrivateChatsOnly())
    # Throttled on arrival, before waiting for the person's earlier updates (see Throttle).
    dp.update.outer_middleware(Throttle(settings.throttle_rate, settings.throttle_burst, warn))
    dp.update.outer_middleware(OneAtATimePerPerson())
    dp.update.outer_middleware(Person(conversations, locales, settings.default_locale, translator))
    roles = settings.staff_roles
    menus = ChatMenus(locales, translator, roles)
    with_language = [
        language.make_router(conversations, locales, menus),
        staff.make_router(conversations, exports, roles, locales),
        staff_events.make_router(conversations, desk, roles, locales),
        invitations.make_router(invites, locales),
    ]
    for router in with_language:  # the questionnaire's own router needs no extra read: the turn has it
        router.message.middleware(Language(conversations, translator))
        router.callback_query.middleware(Language(conversations, translator))
    dp.include_routers(
        errors.make_router(invites), *with_language, conversation.make_router(conversations, locales, menus)
    )

    background: list[asyncio.Task[None]] = []
    senders: list[Bot] = []

    async def on_startup(bot: Bot) -> None:
        fallback = "en" if "en" in locales else settings.default_locale
        await register_commands(bot, locales, translator, fallback)
        chosen = {uid: await conversations.locale_of(conversations.person(CHANNEL, uid)) for uid in roles}
        await register_staff_commands(bot, roles, locales, translator, chosen)
        # The sender has its own Bot and connection pool, without the replying bot's request
        # middlewares: a 429 must reach the sender, which pauses all its sending.
        session = sender_session() if sender_session is not None else AiohttpSession(api=bot.session.api)
        keep_response_types(session)
        own = Bot(bot.token, session=session, default=bot.default)
        senders.append(own)
        # Resumes what a crash interrupted, sends what staff, RSVPs and the CLI queue, and reminders.
        transports = {**other_transports, CHANNEL: TelegramTransport(own)}
        background.append(asyncio.create_task(worker.forever(transports)))

    async def on_shutdown() -> None:
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        background.clear()
        await exports.wait()
        for own in senders:
            await own.session.close()
        senders.clear()

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


class SecretCheckedHandler(SimpleRequestHandler):
    """aiogram's handler compares the secret header as `str`, which raises (HTTP 500) on non-ASCII
    bytes; compared as bytes, any header is simply right or wrong (401)."""

    def verify_secret(self, telegram_secret_token: str, bot: Bot) -> bool:
        if not self.secret_token:
            return True
        given = telegram_secret_token.encode("utf-8", "surrogateescape")
        return hmac.compare_digest(given, self.secret_token.encode())


class PrivateAccessLogger(AbstractAccessLogger):
    """One line per request without the secret in the webhook path, and without the client address."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        path = WEBHOOK_PATH_PREFIX + "…" if request.path.startswith(WEBHOOK_PATH_PREFIX) else request.path
        self.logger.info("%s %s %s", request.method, path, response.status, extra={"seconds": round(time, 3)})


def build_webhook_app(
    bot: Bot, dp: Dispatcher, settings: Settings, secret: str, engine: AsyncEngine
) -> web.Application:
    path = f"{WEBHOOK_PATH_PREFIX}{secret[:24]}"
    app = web.Application(client_max_size=WEBHOOK_MAX_BODY)
    # Handled before answering: if the process dies mid-update, Telegram delivers it again, and the
    # turn's processed-update record makes that harmless.
    SecretCheckedHandler(dispatcher=dp, bot=bot, secret_token=secret, handle_in_background=False).register(
        app, path=path
    )
    setup_application(app, dp, bot=bot)

    async def set_webhook(_: web.Application) -> None:
        url = settings.webhook_url + path
        info = await bot.get_webhook_info()
        # Several replicas start with the same URL: only the first one needs to tell Telegram.
        if info.url != url:
            await bot.set_webhook(
                url,
                secret_token=secret,
                allowed_updates=ALLOWED_UPDATES,
                max_connections=settings.webhook_max_connections,
            )
            log.info("webhook registered")

    add_health(app, engine)
    app.on_startup.append(set_webhook)
    return app

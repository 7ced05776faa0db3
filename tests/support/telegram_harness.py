"""The bot exactly as `mitsprache run` builds it (`build_bot`, `build_dispatcher`, its start-up and shutdown
hooks), pointed at a `FakeTelegram` and a test database.

- `await bot.start()`: in process. The Bot's session is the fake's in-process session, and every update a
  simulated person sends is handed to `Dispatcher.feed_update` at once; `await fake.settle()` (which the
  `Person` driver calls after each step) returns when those calls are over. No polling loop, no clock.
- `await bot.start_polling()` / `await bot.start_webhook()`: over HTTP, the real polling loop or the
  webhook server, for the few end-to-end tests of exactly that (the fake must be served:
  `async with FakeTelegram()`).

Either way the startup hook runs (command menus, the background DeliveryWorker) and `stop()` runs the
shutdown hook.
"""

from __future__ import annotations

import asyncio
import socket
import weakref
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import catalogs
from bot.delivery.worker import DeliveryWorker
from bot.locales import translator
from bot.serving import telegram_and_web
from bot.settings import Settings
from bot.telegram import app as telegram_app
from bot.telegram.sending import telegram_sender
from bot.usecases.turns import Conversations
from bot.web.app import WebChat
from dialogs.definitions import load_catalogue
from dialogs.engine import Engine
from storage.db import session_factory
from tests.support.fake_session import IN_PROCESS_URL
from tests.support.fake_telegram import FIRST_UPDATE_ID, FakeTelegram, Json, allowed

TOKEN = "123456789:" + "A" * 35
KEY = "k" * 40

# `await start_bot(db, **settings)`: the telegram layer's fixture (tests/telegram/conftest.py).
StartBot = Callable[..., Awaitable["BotUnderTest"]]

# Updates each fake's bots have finished handling over HTTP (a restarted bot counts on).
_handled: weakref.WeakKeyDictionary[FakeTelegram, int] = weakref.WeakKeyDictionary()


class _CountHandled:
    """Outermost middleware of an HTTP-driven bot: counts updates whose handling is over (dropped by
    throttling or not), so that tests wait for the bot rather than for a clock."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake

    async def __call__(self, handler: Any, event: Any, data: dict[str, Any]) -> Any:
        try:
            return await handler(event, data)
        finally:
            _handled[self.fake] = _handled.get(self.fake, 0) + 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class UpdateFailed(AssertionError):
    """Handling an update raised (the polling loop would only have logged it)."""


class BotUnderTest:
    """The bot as `mitsprache run` builds it, pointed at the fake Bot API and a test database."""

    def __init__(
        self, fake: FakeTelegram, db: AsyncEngine, *, with_web_chat: bool = False, **settings: Any
    ) -> None:
        self.fake = fake
        self.with_web_chat = with_web_chat
        self.web_chat: WebChat | None = None
        self.db = db
        self.settings = Settings(
            bot_token=TOKEN, telegram_api_url=IN_PROCESS_URL, pseudonym_key=KEY, **settings
        )
        self.bot: Bot | None = None
        self.dp: Dispatcher | None = None
        self.conversations = Conversations(
            Engine(load_catalogue()), session_factory(db), KEY.encode(), translator
        )
        self._workflow: dict[str, Any] = {}
        self._in_flight: set[asyncio.Task[None]] = set()
        self._failures: list[BaseException] = []
        self._polling: asyncio.Task[None] | None = None
        self._runner: web.AppRunner | None = None

    def _build(self, *, in_process: bool) -> tuple[Bot, Dispatcher]:
        if in_process:
            self.bot = telegram_app.build_bot(
                TOKEN, IN_PROCESS_URL, wait_out_flood=True, session=self.fake.session()
            )
            self.dp, self.web_chat = telegram_and_web(
                self.conversations, catalogs.shipped_locales(), self.settings,
                web_chat=self.with_web_chat, sender_session=self.fake.session,
            )  # fmt: skip
        else:
            self.settings = self.settings.model_copy(update={"telegram_api_url": self.fake.base_url})
            self.bot = telegram_app.build_bot(TOKEN, self.fake.base_url, wait_out_flood=True)
            self.dp, self.web_chat = telegram_and_web(
                self.conversations, catalogs.shipped_locales(), self.settings, web_chat=self.with_web_chat
            )
            # Outermost, so that updates dropped by throttling are counted too.
            self.dp.update.outer_middleware._middlewares.insert(0, _CountHandled(self.fake))
        return self.bot, self.dp

    # ----- in process ---------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the bot in process: its startup hook runs, then every update goes to `feed_update`."""
        bot, dp = self._build(in_process=True)
        # What the polling loop hands to the hooks and to every update.
        self._workflow = {"dispatcher": dp, "bots": [bot], **dp.workflow_data}
        await dp.emit_startup(bot=bot, **self._workflow)
        self.fake.update_sink = self._take
        self.fake.settler = self.settle

    def _take(self, update: Json) -> None:
        if not allowed(update, telegram_app.ALLOWED_UPDATES):  # as getUpdates would filter them
            return
        assert self.bot is not None
        parsed = Update.model_validate(update, context={"bot": self.bot})
        task = asyncio.create_task(self._feed(parsed), name=f"update-{update['update_id']}")
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)

    async def _feed(self, update: Update) -> None:
        """One update, as the polling loop handles it (a returned method is called, as a webhook answer)."""
        assert self.bot is not None and self.dp is not None
        try:
            result = await self.dp.feed_update(self.bot, update, **self._workflow)
            if isinstance(result, TelegramMethod):
                await self.dp.silent_call_request(self.bot, result)
        except Exception as exc:
            self._failures.append(exc)

    async def settle(self) -> None:
        """Wait until every update sent so far has been handled."""
        if self._polling is not None or self._runner is not None:
            await self._settle_http()
            return
        while self._in_flight:
            await asyncio.gather(*list(self._in_flight))
        if self._failures:
            failures, self._failures = self._failures, []
            raise UpdateFailed(f"{len(failures)} update(s) failed: {failures[0]!r}") from failures[0]

    # ----- over HTTP ------------------------------------------------------------------------------------

    async def start_polling(self) -> None:
        bot, dp = self._build(in_process=False)
        _handled.setdefault(self.fake, 0)
        before = len(self.fake.calls("getUpdates"))
        self._polling = asyncio.create_task(
            dp.start_polling(
                bot,
                handle_signals=False,
                polling_timeout=1,
                allowed_updates=telegram_app.ALLOWED_UPDATES,
                close_bot_session=False,
            )
        )
        self.fake.settler = self.settle
        await self.fake.wait_for(lambda: len(self.fake.calls("getUpdates")) > before)

    async def start_webhook(self) -> str:
        """Serve the webhook app on loopback; returns its base URL."""
        port = free_port()
        self.settings = self.settings.model_copy(update={"webhook_url": f"http://127.0.0.1:{port}"})
        bot, dp = self._build(in_process=False)
        secret = telegram_app.webhook_secret(self.settings, KEY.encode())
        app = telegram_app.build_webhook_app(bot, dp, self.settings, secret, self.db)
        if self.web_chat is not None:
            self.web_chat.add_to(app)  # one process serves both, as `mitsprache run` with MITSPRACHE_WEB_URL
        self._runner = web.AppRunner(app, access_log_class=telegram_app.PrivateAccessLogger)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.fake.settler = self.settle
        await self.fake.wait_for(lambda: self.fake.webhook is not None)
        return f"http://127.0.0.1:{port}"

    async def _settle_http(self) -> None:
        """Every update was fetched (or posted to the webhook, which answers after handling it), and the
        polling loop's handling of each is over."""
        fake = self.fake
        await fake.wait_delivered()
        if self._polling is not None:
            handed_out = fake._handed_out_upto - FIRST_UPDATE_ID + 1
            await fake.wait_for(lambda: _handled.get(fake, 0) >= handed_out)

    # ----- both -------------------------------------------------------------------------------------------

    async def stop(self) -> None:
        if self._polling is not None and self.dp is not None:
            await self.dp.stop_polling()  # runs the shutdown hook
            await self._polling
            self._polling = None
        elif self._runner is not None:
            await self._runner.cleanup()  # runs the shutdown hook
            self._runner = None
        elif self.dp is not None and self.bot is not None:
            self.fake.update_sink = None
            await self.settle()
            await self.dp.emit_shutdown(bot=self.bot, **self._workflow)
        if self.fake.settler == self.settle:
            self.fake.settler = None
        if self.bot is not None:
            await self.bot.session.close()
            self.bot = None

    @property
    def worker(self) -> DeliveryWorker:
        assert self.dp is not None
        worker: DeliveryWorker = self.dp["worker"]
        return worker

    async def delivery_round(self, now: datetime | None = None) -> None:
        """One round of the bot's sender, as if it were `now`: what fell due is queued and sent."""
        assert self.bot is not None
        if now is not None:
            self.worker.now = lambda: now
        await self.worker.round(telegram_sender(self.bot, session_factory(self.db)))

    def pseudonym(self, user_id: int) -> str:
        return self.conversations.person("telegram", user_id)

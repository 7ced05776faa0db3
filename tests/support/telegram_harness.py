"""Runs the real aiogram stack (polling or webhook) against FakeTelegram, with a real database."""

from __future__ import annotations

import asyncio
import socket
from datetime import datetime
from typing import Any, ClassVar

from aiogram import Bot, Dispatcher
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import catalogs
from bot.delivery.worker import DeliveryWorker
from bot.locales import translator
from bot.settings import Settings
from bot.telegram import app as telegram_app
from bot.telegram.sending import telegram_sender
from bot.usecases.turns import Conversations
from dialogs.definitions import load_catalogue
from dialogs.engine import Engine
from storage.db import session_factory
from tests.support.fake_telegram import FIRST_UPDATE_ID, BotMessage, FakeTelegram

TOKEN = "123456789:" + "A" * 35
KEY = "k" * 40


class _Finished:
    """Counts updates whose handling is over, so tests wait for the bot rather than for a clock."""

    count = 0
    base: ClassVar[dict[int, int]] = {}  # the count when a fake server was first used

    async def __call__(self, handler: Any, event: Any, data: dict[str, Any]) -> Any:
        try:
            return await handler(event, data)
        finally:
            _Finished.count += 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class BotUnderTest:
    """The bot as `mitsprache run` builds it, pointed at the fake Bot API and a test database."""

    def __init__(self, fake: FakeTelegram, db: AsyncEngine, **settings: Any) -> None:
        self.fake = fake
        _Finished.base.setdefault(id(fake), _Finished.count)
        self.db = db
        self.settings = Settings(
            bot_token=TOKEN,
            telegram_api_url=fake.base_url,
            pseudonym_key=KEY,
            **settings,
        )
        self.bot: Bot | None = None
        self.dp: Dispatcher | None = None
        self._task: asyncio.Task[None] | None = None
        self._runner: web.AppRunner | None = None
        self.conversations = Conversations(
            Engine(load_catalogue()), session_factory(db), KEY.encode(), translator
        )

    def _build(self) -> tuple[Bot, Dispatcher]:
        self.bot = telegram_app.build_bot(TOKEN, self.fake.base_url, wait_out_flood=True)
        self.dp = telegram_app.build_dispatcher(
            self.conversations, session_factory(self.db), catalogs.shipped_locales(), self.settings
        )
        # Outermost, so that updates dropped by throttling are counted too.
        self.dp.update.outer_middleware._middlewares.insert(0, _Finished())
        return self.bot, self.dp

    async def start_polling(self) -> None:
        bot, dp = self._build()
        before = len(self.fake.calls("getUpdates"))
        self._task = asyncio.create_task(
            dp.start_polling(
                bot,
                handle_signals=False,
                polling_timeout=1,
                allowed_updates=telegram_app.ALLOWED_UPDATES,
                close_bot_session=False,
            )
        )
        await self.fake.wait_for(lambda: len(self.fake.calls("getUpdates")) > before)

    async def start_webhook(self) -> str:
        """Serve the webhook app on loopback; returns its base URL."""
        port = free_port()
        self.settings = self.settings.model_copy(update={"webhook_url": f"http://127.0.0.1:{port}"})
        bot, dp = self._build()
        secret = telegram_app.webhook_secret(self.settings, KEY.encode())
        app = telegram_app.build_webhook_app(bot, dp, self.settings, secret, self.db)
        self._runner = web.AppRunner(app, access_log_class=telegram_app.PrivateAccessLogger)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        await self.fake.wait_for(lambda: self.fake.webhook is not None)
        return f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._task is not None and self.dp is not None:
            await self.dp.stop_polling()
            await self._task
            self._task = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self.bot is not None:
            await self.bot.session.close()
            self.bot = None

    async def delivery_round(self, now: datetime | None = None) -> None:
        """One round of the bot's sender, as if it were `now`: what fell due is queued and sent."""
        assert self.dp is not None
        worker: DeliveryWorker = self.dp["worker"]
        assert self.bot is not None
        if now is not None:
            worker.now = lambda: now
        await worker.round(telegram_sender(self.bot, session_factory(self.db)))
        await settle(self.fake)

    def person(self, user_id: int) -> str:
        return self.conversations.person("telegram", user_id)


async def settle(fake: FakeTelegram) -> None:
    """Wait until the bot has handled every update sent so far and its API calls are answered."""
    await fake.wait_delivered(timeout=15)
    handed_out = fake._handed_out_upto - FIRST_UPDATE_ID + 1  # webhook: posted and answered
    await fake.wait_for(
        lambda: _Finished.count - _Finished.base.get(id(fake), 0) >= handed_out or fake.webhook,
        timeout=15,
    )
    await fake.wait_idle(seconds=0.05, timeout=15)


def last_with_buttons(fake: FakeTelegram, chat_id: int) -> BotMessage:
    for message in reversed(fake.messages(chat_id)):
        if message.buttons:
            return message
    raise AssertionError(f"no message with buttons in chat {chat_id}")

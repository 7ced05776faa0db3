"""Sending queued broadcasts from a command-line process (the bot itself runs a DeliveryWorker)."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery.compose import composer
from bot.delivery.reports import Summary
from bot.delivery.sender import Progress, Sender
from bot.locales import translator
from bot.settings import Settings
from bot.telegram.app import build_bot
from bot.telegram.transport import CHANNEL, TelegramTransport


async def send_now(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    broadcast_id: int,
    *,
    paid: bool | None = None,
    rate: float | None = None,
    progress: Progress | None = None,
) -> Summary:
    """Send what is left of one broadcast, within the limits; waits while another process sends."""
    assert settings.bot_token is not None
    paid = settings.allow_paid_broadcast if paid is None else paid
    bot = build_bot(settings.bot_token.get_secret_value(), settings.telegram_api_url)
    try:
        sender = telegram_sender(
            bot,
            sessions,
            rate=rate if rate is not None else (None if paid else settings.broadcast_rate),
            paid=paid,
            progress=progress,
        )
        return await sender.run(broadcast_id)
    finally:
        await bot.session.close()


def telegram_sender(bot: Bot, sessions: async_sessionmaker[AsyncSession], **options: Any) -> Sender:
    """The paced sender over Telegram alone (the bot's worker builds the same)."""
    return Sender({CHANNEL: TelegramTransport(bot)}, sessions, composer(sessions, translator), **options)

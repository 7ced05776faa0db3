"""Turns engine replies into Telegram messages: HTML-escaped text, inline keyboards, edits."""

from __future__ import annotations

import contextlib
import html
import logging

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.telegram.callbacks import Act
from dialogs.messages import Outcome, Reply

MAX_TEXT = 4096
log = logging.getLogger(__name__)


def keyboard(reply: Reply, seq: int, locale: str = "") -> InlineKeyboardMarkup | None:
    if not reply.buttons:
        return None
    rows = [
        [
            InlineKeyboardButton(
                text=button.label,
                callback_data=Act(s=seq, a=button.action, v=button.arg, l=locale).pack(),
            )
            for button in row
        ]
        for row in reply.buttons
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def chunks(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split at line breaks so that no message exceeds Telegram's limit (after escaping)."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        piece = html.escape(line, quote=False)
        while len(piece) > limit:
            parts.append(piece[:limit])
            piece = piece[limit:]
        candidate = f"{current}\n{piece}" if current else piece
        if len(candidate) > limit:
            parts.append(current)
            current = piece
        else:
            current = candidate
    if current or not parts:
        parts.append(current or "…")
    return parts


async def send(bot: Bot, chat_id: int, outcome: Outcome, locale: str, pressed: Message | None = None) -> None:
    """Send every reply; a toggle redraws the pressed message instead of sending a new one."""
    seq = outcome.state.seq if outcome.state is not None else 0
    # Before consent nothing is stored, so the buttons themselves remember the language.
    button_locale = "" if outcome.state is not None else locale
    for reply in outcome.replies:
        markup = keyboard(reply, seq, button_locale)
        parts = chunks(reply.text)
        if reply.replaces_pressed and pressed is not None and len(parts) == 1:
            try:
                await pressed.edit_text(parts[0], reply_markup=markup)
                continue
            except TelegramBadRequest as exc:
                if "not modified" in exc.message:
                    continue
                log.info("could not edit the pressed message; sending a new one")
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            await bot.send_message(chat_id, part, reply_markup=markup if last else None)


async def retire_keyboard(message: Message) -> None:
    """Remove the buttons of an answered message, so an old button cannot answer twice."""
    if message.reply_markup is None:
        return
    # Already gone or too old to edit: the state version check still rejects the button.
    with contextlib.suppress(TelegramBadRequest):
        await message.edit_reply_markup(reply_markup=None)

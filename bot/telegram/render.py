"""Turns replies into Telegram messages: plain text (no parse mode), inline keyboards, files, edits."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Sequence
from dataclasses import replace

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from bot.telegram import callbacks
from dialogs.i18n import Translator
from dialogs.messages import Reply

MAX_TEXT = 4096
MAX_CAPTION = 1024
log = logging.getLogger(__name__)


def keyboard(reply: Reply, seq: int = 0, locale: str = "") -> InlineKeyboardMarkup | None:
    rows = [
        [InlineKeyboardButton(text=b.label, callback_data=callbacks.pack(b, seq, locale)) for b in row]
        for row in reply.buttons
        if row
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def chunks(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split at line breaks so that no message exceeds Telegram's limit."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        piece = line
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


def channel_notices(t: Translator) -> dict[str, str]:
    """Telegram's own words, added to the core's consent and privacy texts, which name no channel."""
    return {
        # Chats with a bot are not end-to-end encrypted: Telegram's servers can read them.
        "consent": t._("Achtung: Telegram schützt diese Nachrichten nicht ganz. Telegram kann sie lesen."),
        "privacy": t._("Wichtig: Telegram schützt diese Nachrichten nicht ganz. Telegram kann sie lesen."),
    }


def with_channel_notice(reply: Reply, t: Translator) -> Reply:
    """The notice goes before the text's last paragraph (the question, or the person's rights)."""
    notice = channel_notices(t).get(reply.topic)
    if notice is None:
        return reply
    head, _, last = reply.text.rpartition("\n\n")
    text = f"{head}\n\n{notice}\n\n{last}" if head else f"{notice}\n\n{last}"
    return replace(reply, text=text)


async def deliver(
    bot: Bot, chat_id: int, reply: Reply, *, seq: int = 0, locale: str = "", paid: bool = False
) -> int:
    """Send one reply as new message(s); returns the id of the last one."""
    markup = keyboard(reply, seq, locale)
    paid_broadcast = True if paid else None
    if reply.attachment is not None:
        caption = reply.text or reply.attachment.caption
        if len(caption) > MAX_CAPTION:  # the text goes first, the file follows with its own caption
            await deliver(bot, chat_id, Reply(caption), paid=paid)
            caption = reply.attachment.caption
        document = BufferedInputFile(reply.attachment.content, filename=reply.attachment.filename)
        sent = await bot.send_document(
            chat_id, document, caption=caption, reply_markup=markup, allow_paid_broadcast=paid_broadcast
        )
        return sent.message_id
    parts = chunks(reply.text)
    for part in parts[:-1]:
        await bot.send_message(chat_id, part, allow_paid_broadcast=paid_broadcast)
    sent = await bot.send_message(
        chat_id, parts[-1], reply_markup=markup, allow_paid_broadcast=paid_broadcast
    )
    return sent.message_id


async def send(
    bot: Bot,
    chat_id: int,
    replies: Sequence[Reply],
    *,
    seq: int = 0,
    locale: str = "",
    pressed: Message | None = None,
    in_place: bool = False,
) -> None:
    """Send replies to a person. The pressed message loses its buttons, unless a reply redraws it (a
    toggle: `replaces_pressed`, or `in_place` for a dialog step that kept its question)."""
    redraws = any(r.replaces_pressed for r in replies) or (in_place and len(replies) == 1)
    # The old buttons go while the new message is on its way: neither waits for the other.
    retiring = retire_keyboard(pressed) if pressed is not None and not redraws else None
    async with meanwhile(retiring):
        await _send_replies(bot, chat_id, replies, seq=seq, locale=locale, pressed=pressed, in_place=in_place)


@contextlib.asynccontextmanager
async def meanwhile(work: Awaitable[None] | None) -> AsyncIterator[None]:
    """Run `work` (a Bot API call) alongside the block, and wait for it at the end: its own error is
    raised then, unless the block failed first (that error is the one that matters)."""
    if work is None:
        yield
        return
    task = asyncio.ensure_future(work)
    try:
        yield
    except BaseException:
        await asyncio.wait([task])
        if not task.cancelled() and task.exception() is not None:
            log.info("a call alongside failed too", extra={"error": type(task.exception()).__name__})
        raise
    await task


async def _send_replies(
    bot: Bot,
    chat_id: int,
    replies: Sequence[Reply],
    *,
    seq: int,
    locale: str,
    pressed: Message | None,
    in_place: bool,
) -> None:
    for reply in replies:
        parts = chunks(reply.text)
        redraw = pressed is not None and (reply.replaces_pressed or (in_place and len(replies) == 1))
        if redraw and pressed is not None and len(parts) == 1 and reply.attachment is None:
            try:
                await pressed.edit_text(parts[0], reply_markup=keyboard(reply, seq, locale))
                continue
            except TelegramBadRequest as exc:
                if "not modified" in exc.message:
                    continue  # a double tap: the message already shows this
                log.info("could not edit the pressed message; sending a new one")
        await deliver(bot, chat_id, reply, seq=seq, locale=locale)


async def acknowledge(query: CallbackQuery, text: str | None = None) -> None:
    """Answer a button press (stops the spinner). A redelivered update's query was answered already,
    and Telegram refuses a second answer: that is no reason to fail the update."""
    with contextlib.suppress(TelegramBadRequest):
        await query.answer(text)


async def retire_keyboard(message: Message) -> None:
    """Remove the buttons of an answered message, so an old button cannot answer twice."""
    if message.reply_markup is None:
        return
    # Already gone or too old to edit: the state version check still rejects the button.
    with contextlib.suppress(TelegramBadRequest):
        await message.edit_reply_markup(reply_markup=None)

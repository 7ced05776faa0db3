"""Router: the language picker (/start for new people, /language any time)."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot import catalogs
from bot.telegram import render
from bot.telegram.callbacks import PickLanguage
from bot.turns import Conversations
from dialogs.i18n import Translator
from dialogs.messages import SetLocale, Start


def picker(locales: Sequence[str], suggested: str, t: Translator) -> tuple[str, InlineKeyboardMarkup]:
    """Each language named in its own script; the one the phone suggests comes first."""
    ordered = [suggested, *[code for code in locales if code != suggested]]
    buttons = [
        InlineKeyboardButton(text=catalogs.language_name(code), callback_data=PickLanguage(code=code).pack())
        for code in ordered
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return t._("Bitte wählen Sie Ihre Sprache."), InlineKeyboardMarkup(inline_keyboard=rows)


def make_router(conversations: Conversations, locales: Sequence[str]) -> Router:
    router = Router(name="language")

    @router.message(CommandStart())
    async def start(
        message: Message, bot: Bot, session: AsyncSession, person: str, locale: str,
        suggested_locale: str, consented: bool, t: Translator,
    ) -> None:  # fmt: skip
        if consented:
            outcome = await conversations.handle(person, Start(), locale, session)
            await render.send(bot, message.chat.id, outcome, locale)
            return
        text, markup = picker(locales, suggested_locale, t)
        await message.answer(text, reply_markup=markup)

    @router.message(Command("language"))
    async def language(message: Message, locale: str, t: Translator) -> None:
        text, markup = picker(locales, locale, t)
        await message.answer(text, reply_markup=markup)

    @router.callback_query(PickLanguage.filter(F.code.in_(set(locales))))
    async def picked(
        query: CallbackQuery, callback_data: PickLanguage, bot: Bot, session: AsyncSession,
        person: str, consented: bool,
    ) -> None:  # fmt: skip
        await query.answer()
        if isinstance(query.message, Message):
            await render.retire_keyboard(query.message)
        code = callback_data.code
        inp = SetLocale(code) if consented else Start()
        outcome = await conversations.handle(person, inp, code, session)
        if query.message is not None:
            await render.send(bot, query.message.chat.id, outcome, code)

    return router

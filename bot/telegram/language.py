"""Router: the language picker (/start for new people, /language any time), and /start by a deep link
(`t.me/<bot>?start=ar-gesundheit`, a poster's QR code: dialogs/start_link.py), which chooses for them."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message

from bot.telegram import render
from bot.telegram.buttons import Pressed
from bot.telegram.callbacks import ButtonData
from bot.telegram.commands import ChatMenus
from bot.telegram.conversation import show
from bot.usecases.language import chosen, picker
from bot.usecases.turns import Conversations
from dialogs.i18n import Translator
from dialogs.messages import Start
from dialogs.start_link import parse


def make_router(conversations: Conversations, locales: Sequence[str], menus: ChatMenus) -> Router:
    router = Router(name="language")
    field_ids = conversations.engine.catalogue.field_ids

    @router.message(CommandStart())
    async def start(
        message: Message, command: CommandObject, bot: Bot, person: str, locale: str, suggested_locale: str,
        consented: bool, t: Translator, update_key: str,
    ) -> None:  # fmt: skip
        link = parse(command.args, locales, field_ids)
        field = link.field if link is not None else None
        if consented:  # their own language stays; the link's field opens (after "about you")
            outcome = await conversations.handle(person, Start(field), locale, update_key)
            await show(bot, message.chat.id, outcome, locale)
            # Set again: for people who consented before menus per chat existed, or whose menu failed.
            await menus.choose(bot, message.chat.id, locale)
            return
        if link is not None:  # the link chose the language: straight to the consent, in it
            outcome = await conversations.handle(person, Start(field), link.locale, update_key)
            await show(bot, message.chat.id, outcome, link.locale)
            return
        await render.send(bot, message.chat.id, [picker(locales, suggested_locale, t)])

    @router.message(Command("language"))
    async def language(message: Message, bot: Bot, locale: str, t: Translator) -> None:
        await render.send(bot, message.chat.id, [picker(locales, locale, t)])

    @router.callback_query(Pressed({"lang"}, locales))
    async def picked(
        query: CallbackQuery, button: ButtonData, bot: Bot, person: str, consented: bool, update_key: str
    ) -> None:
        await render.acknowledge(query)
        code = button.arg
        if code not in locales:
            return
        if isinstance(query.message, Message):
            await render.retire_keyboard(query.message)
        inp = chosen(code, consented)
        outcome = await conversations.handle(person, inp, code, update_key)
        if query.message is not None:
            await show(bot, query.message.chat.id, outcome, code)
            await menus.follow(bot, query.message.chat.id, inp, outcome)  # a change of language

    return router

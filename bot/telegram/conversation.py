"""Router: everything else a person sends goes to the engine as an input."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.telegram import render
from bot.telegram.callbacks import Act
from bot.turns import Conversations
from dialogs.i18n import Translator
from dialogs.messages import Command as EngineCommand
from dialogs.messages import Input, Press, Text, Unsupported

ENGINE_COMMANDS = ("help", "fields", "menu", "pause", "privacy", "mydata", "delete")


def make_router(conversations: Conversations) -> Router:
    router = Router(name="conversation")

    async def run(message: Message, bot: Bot, session: AsyncSession, person: str, locale: str,
                  inp: Input) -> None:  # fmt: skip
        outcome = await conversations.handle(person, inp, locale, session)
        await render.send(bot, message.chat.id, outcome, locale)

    @router.message(Command(*ENGINE_COMMANDS))
    async def command(message: Message, command: CommandObject, bot: Bot, session: AsyncSession,
                      person: str, locale: str) -> None:  # fmt: skip
        await run(message, bot, session, person, locale, EngineCommand(command.command.lower()))

    @router.message(F.text.startswith("/"))
    async def unknown_command(message: Message, bot: Bot, session: AsyncSession, person: str,
                              locale: str) -> None:  # fmt: skip
        name = (message.text or "/").split()[0][1:].split("@")[0].lower()
        await run(message, bot, session, person, locale, EngineCommand(name or "?"))

    @router.message(F.text)
    async def text(message: Message, bot: Bot, session: AsyncSession, person: str,
                   locale: str) -> None:  # fmt: skip
        await run(message, bot, session, person, locale, Text(message.text or ""))

    @router.message()
    async def anything_else(message: Message, bot: Bot, session: AsyncSession, person: str,
                            locale: str) -> None:  # fmt: skip
        await run(message, bot, session, person, locale, Unsupported(str(message.content_type)))

    @router.callback_query(Act.filter())
    async def pressed(query: CallbackQuery, callback_data: Act, bot: Bot, session: AsyncSession,
                      person: str, locale: str) -> None:  # fmt: skip
        await query.answer()
        message = query.message if isinstance(query.message, Message) else None
        # Before consent the button carries the chosen language; afterwards the database does.
        locale = callback_data.l or locale
        inp = Press(callback_data.s, callback_data.a, callback_data.v)
        outcome = await conversations.handle(person, inp, locale, session)
        if message is None:
            return
        if not any(reply.replaces_pressed for reply in outcome.replies):
            await render.retire_keyboard(message)
        await render.send(bot, message.chat.id, outcome, locale, pressed=message)

    @router.callback_query()
    async def foreign_button(query: CallbackQuery, t: Translator) -> None:
        # Forged or from an older version of the bot: nothing to do but say so.
        await query.answer(t._("Diese Schaltfläche ist nicht mehr aktuell."), show_alert=False)

    return router

"""Router: everything else a person sends goes to their conversation (the turn use case) as an input."""

from __future__ import annotations

from collections.abc import Collection

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.locales import translator
from bot.telegram import render
from bot.telegram.buttons import Pressed
from bot.telegram.callbacks import ButtonData
from bot.usecases.turns import Conversations
from dialogs.i18n import Translator
from dialogs.messages import QUESTIONNAIRE_ACTIONS, Input, Outcome, Press, Text, Unsupported
from dialogs.messages import Command as EngineCommand

ENGINE_COMMANDS = ("help", "fields", "menu", "pause", "privacy", "mydata", "delete")


async def show(bot: Bot, chat_id: int, outcome: Outcome, locale: str, pressed: Message | None = None) -> None:
    """Render a turn's replies; before consent the buttons carry the chosen language."""
    seq = outcome.state.seq if outcome.state is not None else 0
    button_locale = "" if outcome.state is not None else locale
    t = translator(outcome.state.locale if outcome.state is not None else locale)
    replies = [render.with_channel_notice(reply, t) for reply in outcome.replies]
    await render.send(bot, chat_id, replies, seq=seq, locale=button_locale, pressed=pressed)


def make_router(conversations: Conversations, locales: Collection[str]) -> Router:
    router = Router(name="conversation")

    async def run(message: Message, bot: Bot, person: str, locale: str, update_key: str, inp: Input) -> None:
        outcome = await conversations.handle(person, inp, locale, update_key)
        await show(bot, message.chat.id, outcome, locale)

    @router.message(Command(*ENGINE_COMMANDS))
    async def command(message: Message, command: CommandObject, bot: Bot, person: str, locale: str,
                      update_key: str) -> None:  # fmt: skip
        await run(message, bot, person, locale, update_key, EngineCommand(command.command.lower()))

    @router.message(F.text.startswith("/"))
    async def unknown_command(message: Message, bot: Bot, person: str, locale: str,
                              update_key: str) -> None:  # fmt: skip
        name = (message.text or "/").split()[0][1:].split("@")[0].lower()
        await run(message, bot, person, locale, update_key, EngineCommand(name or "?"))

    @router.message(F.text)
    async def text(message: Message, bot: Bot, person: str, locale: str, update_key: str) -> None:
        await run(message, bot, person, locale, update_key, Text(message.text or ""))

    @router.message()
    async def anything_else(message: Message, bot: Bot, person: str, locale: str,
                            update_key: str) -> None:  # fmt: skip
        await run(message, bot, person, locale, update_key, Unsupported(str(message.content_type)))

    @router.callback_query(Pressed(QUESTIONNAIRE_ACTIONS, locales))
    async def pressed(query: CallbackQuery, button: ButtonData, bot: Bot, person: str, locale: str,
                      update_key: str) -> None:  # fmt: skip
        await query.answer()
        # Before consent the button carries the chosen language; afterwards the database does.
        locale = button.locale or locale
        inp = Press(button.seq, button.action, button.arg)
        outcome = await conversations.handle(person, inp, locale, update_key)
        if isinstance(query.message, Message):
            await show(bot, query.message.chat.id, outcome, locale, pressed=query.message)

    @router.callback_query()
    async def foreign_button(query: CallbackQuery, t: Translator) -> None:
        # Forged, stale or from an older version of the bot: nothing to do but say so.
        await query.answer(t._("Diese Schaltfläche ist nicht mehr aktuell."), show_alert=False)

    return router

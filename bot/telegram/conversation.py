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
from bot.telegram.commands import ChatMenus
from bot.usecases.turns import Conversations
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


def make_router(conversations: Conversations, locales: Collection[str], menus: ChatMenus) -> Router:
    router = Router(name="conversation")

    # `locale` here is the one the phone suggests: the turn uses the stored one once there is one.
    async def run(message: Message, bot: Bot, person: str, locale: str, update_key: str, inp: Input) -> None:
        outcome = await conversations.handle(person, inp, locale, update_key)
        await show(bot, message.chat.id, outcome, locale)
        await menus.follow(bot, message.chat.id, inp, outcome)

    @router.message(Command(*ENGINE_COMMANDS))
    async def command(message: Message, command: CommandObject, bot: Bot, person: str,
                      suggested_locale: str, update_key: str) -> None:  # fmt: skip
        inp = EngineCommand(command.command.lower())
        await run(message, bot, person, suggested_locale, update_key, inp)

    @router.message(F.text.startswith("/"))
    async def unknown_command(message: Message, bot: Bot, person: str, suggested_locale: str,
                              update_key: str) -> None:  # fmt: skip
        name = (message.text or "/").split()[0][1:].split("@")[0].lower()
        await run(message, bot, person, suggested_locale, update_key, EngineCommand(name or "?"))

    @router.message(F.text)
    async def text(message: Message, bot: Bot, person: str, suggested_locale: str, update_key: str) -> None:
        await run(message, bot, person, suggested_locale, update_key, Text(message.text or ""))

    @router.message()
    async def anything_else(message: Message, bot: Bot, person: str, suggested_locale: str,
                            update_key: str) -> None:  # fmt: skip
        inp = Unsupported(str(message.content_type))
        await run(message, bot, person, suggested_locale, update_key, inp)

    @router.callback_query(Pressed(QUESTIONNAIRE_ACTIONS, locales))
    async def pressed(query: CallbackQuery, button: ButtonData, bot: Bot, person: str,
                      suggested_locale: str, update_key: str) -> None:  # fmt: skip
        # The spinner stops while the turn runs: the answer needs nothing from it.
        async with render.meanwhile(render.acknowledge(query)):
            # Before consent the button carries the chosen language; afterwards the database does.
            locale = button.locale or suggested_locale
            inp = Press(button.seq, button.action, button.arg)
            outcome = await conversations.handle(person, inp, locale, update_key)
            if isinstance(query.message, Message):
                await show(bot, query.message.chat.id, outcome, locale, pressed=query.message)
                await menus.follow(bot, query.message.chat.id, inp, outcome)  # consent, or deleting all

    @router.callback_query()
    async def foreign_button(query: CallbackQuery, person: str, suggested_locale: str) -> None:
        # Forged, stale or from an older version of the bot: nothing to do but say so.
        t = translator(await conversations.locale_of(person) or suggested_locale)
        await render.acknowledge(query, t._("Dieser Knopf ist nicht mehr aktuell."))

    return router

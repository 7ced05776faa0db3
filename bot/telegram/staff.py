"""Router: staff commands. To everyone else they look exactly like an unknown command."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message

from bot.telegram import render
from bot.telegram.buttons import Pressed
from bot.telegram.callbacks import ButtonData
from bot.telegram.conversation import show
from bot.usecases.exports import Exports, Recipient
from bot.usecases.turns import Conversations
from dialogs.i18n import Translator
from dialogs.messages import Command as EngineCommand
from dialogs.messages import Reply

log = logging.getLogger(__name__)
CHANNEL = "telegram"


async def answer_as_unknown(
    conversations: Conversations, bot: Bot, chat_id: int, person: str, locale: str, command: str
) -> None:
    """Refuse a staff command exactly like an unknown one; the log names the command, never the person."""
    log.warning("staff command refused", extra={"command": command})
    outcome = await conversations.handle(person, EngineCommand(command), locale)
    await show(bot, chat_id, outcome, locale)


def make_router(
    conversations: Conversations, exports: Exports, roles: Mapping[int, str], locales: Collection[str]
) -> Router:
    router = Router(name="staff")

    @router.message(Command("export"))
    async def export(message: Message, command: CommandObject, bot: Bot, person: str, locale: str,
                     t: Translator) -> None:  # fmt: skip
        user = message.from_user
        recipient = Recipient(CHANNEL, message.chat.id, locale)
        answer = (
            exports.request(roles, user.id, command.args or "", recipient, f"telegram:{user.id}", t)
            if user is not None
            else None
        )
        if answer is None:
            await answer_as_unknown(conversations, bot, message.chat.id, person, locale, "export")
            return
        await render.send(bot, message.chat.id, [answer])

    @router.callback_query(Pressed({"exp"}, locales))
    async def export_confirmed(query: CallbackQuery, button: ButtonData, bot: Bot, locale: str,
                               t: Translator) -> None:  # fmt: skip
        await render.acknowledge(query)
        if not isinstance(query.message, Message):
            return
        chat_id = query.message.chat.id
        user = query.from_user
        answer = exports.confirm(
            roles, user.id, button.arg, Recipient(CHANNEL, chat_id, locale), f"telegram:{user.id}", t
        )
        if answer is None:
            log.warning("staff button refused")
            answer = Reply(t._("Diese Schaltfläche ist nicht mehr aktuell."))
        await render.send(bot, chat_id, [answer], pressed=query.message)

    return router

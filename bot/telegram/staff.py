"""Router: staff commands. To everyone else they look exactly like an unknown command."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.staff import exportable_fields, may_export
from bot.telegram import render
from bot.telegram.conversation import show
from bot.usecases.exports import Exports
from bot.usecases.turns import Conversations
from dialogs.definitions import Catalogue
from dialogs.i18n import Translator
from dialogs.messages import Command as EngineCommand
from dialogs.messages import Reply
from storage.export_formats import FORMATS
from storage.outbox import Direct

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
    conversations: Conversations, exports: Exports, catalogue: Catalogue, roles: Mapping[int, str]
) -> Router:
    router = Router(name="staff")

    @router.message(Command("export"))
    async def export(message: Message, command: CommandObject, bot: Bot, person: str, locale: str,
                     t: Translator) -> None:  # fmt: skip
        user = message.from_user
        fields = exportable_fields(roles, user.id, catalogue.field_ids) if user else ()
        if not fields or user is None:
            await answer_as_unknown(conversations, bot, message.chat.id, person, locale, "export")
            return
        words = (command.args or "").split()
        field_id = words[0].lower() if words else ""
        fmt = words[1].lower() if len(words) > 1 else "xlsx"
        if field_id not in catalogue.field_ids or fmt not in FORMATS:
            await render.send(bot, message.chat.id, [exports.usage(fields, t)])
            return
        if not may_export(roles, user.id, field_id):
            log.warning("export of another field refused", extra={"field": field_id})
            refusal = t._(
                "Sie dürfen nur diese Handlungsfelder exportieren: {fields}", fields=", ".join(fields)
            )
            await render.send(bot, message.chat.id, [Reply(refusal)])
            return
        recipient = Direct(CHANNEL, message.chat.id, locale)
        started = exports.request(field_id, fmt, recipient, f"telegram:{user.id}", t)
        await render.send(bot, message.chat.id, [started])

    return router

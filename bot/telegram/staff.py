"""Router: staff commands. To everyone else they look exactly like an unknown command."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Mapping
from pathlib import Path

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import FSInputFile, Message
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import exports
from bot.staff import exportable_fields, may_export
from bot.telegram import render
from bot.turns import Conversations
from dialogs.definitions import Catalogue
from dialogs.i18n import Translator
from dialogs.messages import Command as EngineCommand
from storage.export_formats import FORMATS

log = logging.getLogger(__name__)


async def answer_as_unknown(
    conversations: Conversations,
    bot: Bot,
    chat_id: int,
    session: AsyncSession,
    person: str,
    locale: str,
    command: str,
) -> None:
    """Refuse a staff command exactly like an unknown one; the log names the command, never the person."""
    log.warning("staff command refused", extra={"command": command})
    outcome = await conversations.handle(person, EngineCommand(command), locale, session)
    await render.send(bot, chat_id, outcome, locale)


def make_router(
    conversations: Conversations,
    sessions: async_sessionmaker[AsyncSession],
    catalogue: Catalogue,
    roles: Mapping[int, str],
    k: int,
) -> Router:
    router = Router(name="staff")

    @router.message(Command("export"))
    async def export(message: Message, command: CommandObject, bot: Bot, session: AsyncSession,
                     person: str, locale: str, t: Translator) -> None:  # fmt: skip
        user = message.from_user
        fields = exportable_fields(roles, user.id, catalogue.field_ids) if user else ()
        if not fields:
            await answer_as_unknown(conversations, bot, message.chat.id, session, person, locale, "export")
            return
        words = (command.args or "").split()
        field_id = words[0].lower() if words else ""
        fmt = words[1].lower() if len(words) > 1 else "xlsx"
        if field_id not in catalogue.field_ids or fmt not in FORMATS:
            await message.answer(
                t._(
                    "So exportieren Sie: /export FELD FORMAT\nFelder: {fields}\nFormate: {formats}",
                    fields=", ".join(fields),
                    formats=", ".join(FORMATS),
                )
            )
            return
        assert user is not None
        if not may_export(roles, user.id, field_id):
            log.warning("export of another field refused", extra={"field": field_id})
            await message.answer(
                t._("Sie dürfen nur diese Handlungsfelder exportieren: {fields}", fields=", ".join(fields))
            )
            return
        await message.answer(t._("Der Export wird erstellt …"))
        with tempfile.TemporaryDirectory(prefix="mitsprache-export-") as folder:
            path = Path(folder) / f"mitsprache-{field_id}.{fmt}"
            stats = await exports.export_field(
                sessions, catalogue, field_id, fmt, path, k, f"telegram:{user.id}"
            )
            await bot.send_document(
                message.chat.id,
                FSInputFile(path, filename=path.name),
                caption=t._(
                    "{field}: {rows} Befragte, {held} Freitexte zurückgehalten.",
                    field=field_id,
                    rows=stats.respondents,
                    held=stats.held_back_texts,
                ),
            )
        log.info("export sent", extra={"field": field_id, "format": fmt, "rows": stats.respondents})

    return router

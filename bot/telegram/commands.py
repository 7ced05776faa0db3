"""The bot's command menu, registered with setMyCommands in every shipped language."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from dialogs.i18n import Translator

log = logging.getLogger(__name__)


def command_menu(t: Translator) -> list[BotCommand]:
    return [
        BotCommand(command="start", description=t._("Beginnen oder weitermachen")),
        BotCommand(command="fields", description=t._("Alle Themen")),
        BotCommand(command="pause", description=t._("Pause machen")),
        BotCommand(command="language", description=t._("Sprache wählen")),
        BotCommand(command="events", description=t._("Veranstaltungen")),
        BotCommand(command="subscribe", description=t._("Einladungen bekommen")),
        BotCommand(command="unsubscribe", description=t._("Keine Einladungen mehr")),
        BotCommand(command="privacy", description=t._("Datenschutz")),
        BotCommand(command="mydata", description=t._("Meine gespeicherten Daten")),
        BotCommand(command="delete", description=t._("Alle meine Daten löschen")),
        BotCommand(command="help", description=t._("Hilfe")),
    ]


async def register_commands(
    bot: Bot, locales: Iterable[str], translators: Callable[[str], Translator], fallback: str
) -> None:
    """One menu per language; people whose app language we do not ship see the fallback's."""
    scope = BotCommandScopeDefault()
    for locale in locales:
        await bot.set_my_commands(command_menu(translators(locale)), scope=scope, language_code=locale)
    await bot.set_my_commands(command_menu(translators(fallback)), scope=scope)


def staff_menu(t: Translator, role: str) -> list[BotCommand]:
    """The public menu plus what this role may do; shown only in that staff member's own chat."""
    extra = [BotCommand(command="export", description=t._("Antworten exportieren"))]
    if role in ("admin", "events"):
        extra = [
            BotCommand(command="event_new", description=t._("Neue Veranstaltung anlegen")),
            BotCommand(command="event_list", description=t._("Veranstaltungen und Antworten")),
            BotCommand(command="broadcast", description=t._("Rundsendung vorbereiten")),
            BotCommand(command="broadcast_status", description=t._("Stand der Rundsendungen")),
            *(extra if role == "admin" else []),
        ]
    return [*command_menu(t), *extra]


async def register_staff_commands(
    bot: Bot, roles: Mapping[int, str], locales: Iterable[str], translators: Callable[[str], Translator]
) -> None:
    """Staff see their commands in the menu; a staff member who never opened the bot is skipped."""
    for user_id, role in roles.items():
        scope = BotCommandScopeChat(chat_id=user_id)
        try:
            for locale in locales:
                menu = staff_menu(translators(locale), role)
                await bot.set_my_commands(menu, scope=scope, language_code=locale)
            await bot.set_my_commands(staff_menu(translators("de"), role), scope=scope)
        except (TelegramBadRequest, TelegramForbiddenError):
            log.info("staff command menu not set: that staff member has not opened the bot yet")

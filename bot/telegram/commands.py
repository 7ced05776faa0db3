"""The bot's command menu, registered with setMyCommands in every shipped language."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeDefault

from dialogs.i18n import Translator


def command_menu(t: Translator) -> list[BotCommand]:
    return [
        BotCommand(command="start", description=t._("Beginnen oder weitermachen")),
        BotCommand(command="fields", description=t._("Übersicht der Handlungsfelder")),
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

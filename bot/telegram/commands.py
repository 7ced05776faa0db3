"""The bot's command menu: one per shipped language for everyone (setMyCommands by the app's language),
and each person's own, in the language they chose (`ChatMenus`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from dialogs.i18n import SOURCE_LOCALE, Translator
from dialogs.messages import ConsentGiven, Forgotten, Input, Outcome, SetLocale

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


def app_languages(locales: Iterable[str]) -> list[str]:
    """The shipped locales Telegram can name as an app's language: setMyCommands takes a two-letter
    ISO 639-1 code only, so a regional catalog (fa_AF) has no menu by app language, and no app runs
    in Dari anyway; its people get theirs per chat once they pick it (`ChatMenus`)."""
    return [locale for locale in locales if len(locale) == 2 and locale.isascii() and locale.isalpha()]


async def register_commands(
    bot: Bot, locales: Iterable[str], translators: Callable[[str], Translator], fallback: str
) -> None:
    """One menu per app language we ship; people whose app language we do not ship see the fallback's."""
    scope = BotCommandScopeDefault()
    for locale in app_languages(locales):
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


async def set_staff_menu(
    bot: Bot,
    user_id: int,
    role: str,
    locales: Iterable[str],
    translators: Callable[[str], Translator],
    chosen: str | None,
) -> None:
    """A staff member's menu in their own chat. In the language they chose, if they have: the menus of
    this chat per app language are removed, since Telegram prefers them. Otherwise one per app language,
    and German for the rest."""
    scope = BotCommandScopeChat(chat_id=user_id)
    locales = app_languages(locales)
    if chosen is None:
        for locale in locales:
            menu = staff_menu(translators(locale), role)
            await bot.set_my_commands(menu, scope=scope, language_code=locale)
        await bot.set_my_commands(staff_menu(translators(SOURCE_LOCALE), role), scope=scope)
        return
    await bot.set_my_commands(staff_menu(translators(chosen), role), scope=scope)
    for locale in locales:
        await bot.delete_my_commands(scope=scope, language_code=locale)


async def register_staff_commands(
    bot: Bot,
    roles: Mapping[int, str],
    locales: Iterable[str],
    translators: Callable[[str], Translator],
    chosen: Mapping[int, str | None] | None = None,
) -> None:
    """Staff see their commands in the menu, in the language they chose (`chosen`, by user id) or their
    app's; a staff member who never opened the bot is skipped."""
    locales = list(locales)
    for user_id, role in roles.items():
        try:
            await set_staff_menu(bot, user_id, role, locales, translators, (chosen or {}).get(user_id))
        except (TelegramBadRequest, TelegramForbiddenError):
            log.info("staff command menu not set: that staff member has not opened the bot yet")


class ChatMenus:
    """Each person's command menu in the language they chose, in their own chat (BotCommandScopeChat).

    Without it Telegram shows the menu of the app's language, and no Telegram app runs in Pashto,
    Tigrinya, Kurmanji or Dari: those people would read another language's menu. The menu follows the
    stored language: set when it is stored (at consent), changed with it, and removed when the person
    deletes everything, like everything else about them. Staff keep their commands in it."""

    def __init__(
        self, locales: Sequence[str], translators: Callable[[str], Translator], roles: Mapping[int, str]
    ) -> None:
        self.locales = list(locales)
        self.translators = translators
        self.roles = roles

    async def follow(self, bot: Bot, chat_id: int, inp: Input, outcome: Outcome) -> None:
        """After a turn: what it did to the person's language, if anything."""
        if any(isinstance(event, Forgotten) for event in outcome.events):
            await self.remove(bot, chat_id)
        elif consent := next((e for e in outcome.events if isinstance(e, ConsentGiven)), None):
            await self.choose(bot, chat_id, consent.locale)
        elif isinstance(inp, SetLocale) and outcome.state is not None:
            await self.choose(bot, chat_id, outcome.state.locale)

    async def choose(self, bot: Bot, chat_id: int, locale: str) -> None:
        role = self.roles.get(chat_id)  # a private chat's id is its person's user id
        try:
            if role is None:
                menu = command_menu(self.translators(locale))
                await bot.set_my_commands(menu, scope=BotCommandScopeChat(chat_id=chat_id))
            else:
                await set_staff_menu(bot, chat_id, role, self.locales, self.translators, locale)
        except TelegramAPIError as exc:
            # The turn is done and answered; the menu of the app's language stays until the next try.
            log.info("chat command menu not set", extra={"error": type(exc).__name__})

    async def remove(self, bot: Bot, chat_id: int) -> None:
        role = self.roles.get(chat_id)
        try:
            if role is None:
                await bot.delete_my_commands(scope=BotCommandScopeChat(chat_id=chat_id))
            else:  # staff keep their commands, in the languages of their app again
                await set_staff_menu(bot, chat_id, role, self.locales, self.translators, None)
        except TelegramAPIError as exc:
            log.info("chat command menu not removed", extra={"error": type(exc).__name__})

"""`mitsprache chat` (the questionnaires in this terminal) and `mitsprache run` (the Telegram bot, or the
terminal chat when there is no token). Only `run` with a token loads aiogram."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import stat
import sys
from typing import TYPE_CHECKING

from bot import logs
from bot.cli.common import EXIT_CONFIG, database, in_loop
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.cli.common import Subparsers
    from bot.runtime import Runtime
    from bot.usecases.turns import Conversations

NO_TOKEN = """No Telegram bot token is configured.

To run Mitsprache on Telegram:
  1. Open Telegram, talk to @BotFather, send /newbot and follow the steps.
  2. Copy the token it gives you (it looks like 123456789:AAE...).
  3. export MITSPRACHE_BOT_TOKEN=<the token> and run `mitsprache run` again.

Meanwhile you can try the same conversation here in the terminal (`mitsprache chat`)."""


def register(sub: Subparsers) -> None:
    run_ = sub.add_parser(
        "run",
        help="start the bot: Telegram when MITSPRACHE_BOT_TOKEN is set, otherwise explain "
        "how to get a token and open the terminal chat",
    )
    run_.set_defaults(handler=run)
    chat_ = sub.add_parser("chat", help="answer the questionnaires in this terminal")
    chat_.add_argument(
        "--person",
        default=None,
        help="local person to answer as (default: your login name); the same name resumes",
    )
    chat_.add_argument("--lang", default=None, help="language code, e.g. de (default: settings)")
    chat_.set_defaults(handler=in_loop(chat))


def run(settings: Settings, args: argparse.Namespace) -> int:
    if settings.bot_token is None:
        print(NO_TOKEN, file=sys.stderr)
        if settings.webhook_url or not _stdin_is_interactive():
            return EXIT_CONFIG
        print("", file=sys.stderr)
        return asyncio.run(chat(settings, argparse.Namespace(person=None, lang=None)))
    if settings.webhook_url and settings.pseudonym_key is None:
        print(
            "mitsprache: webhook mode needs MITSPRACHE_PSEUDONYM_KEY (at least 32 characters), "
            "shared by all replicas. Generate one with: "
            'python3 -c "import secrets; print(secrets.token_hex(32))"',
            file=sys.stderr,
        )
        return EXIT_CONFIG
    logs.configure(settings.log_level)
    return asyncio.run(_telegram(settings))


def _stdin_is_interactive() -> bool:
    """A terminal or a pipe; not /dev/null or a closed stdin (as in a container without -i)."""
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (OSError, ValueError):
        return False
    return sys.stdin.isatty() or stat.S_ISFIFO(mode)


def _conversations(rt: Runtime) -> Conversations:
    from bot.usecases.turns import Conversations
    from dialogs.engine import Engine

    return Conversations(Engine(rt.catalogue), rt.sessions, rt.key, rt.translators)


async def chat(settings: Settings, args: argparse.Namespace) -> int:
    from bot import terminal

    locale = args.lang or settings.default_locale
    async with database(settings) as rt:
        await terminal.chat(
            _conversations(rt),
            args.person or getpass.getuser(),
            locale,
            rt.translators(locale),
            sys.stdin,
            sys.stdout,
        )
    return 0


async def _telegram(settings: Settings) -> int:
    from aiohttp import web

    from bot.telegram import app as telegram_app

    assert settings.bot_token is not None
    async with database(settings) as rt:
        conversations = _conversations(rt)
        bot = telegram_app.build_bot(
            settings.bot_token.get_secret_value(), settings.telegram_api_url, wait_out_flood=True
        )
        try:
            dp = telegram_app.build_dispatcher(conversations, rt.sessions, rt.locales, settings)
            if not settings.webhook_url:
                await telegram_app.run_polling(bot, dp)
                return 0
            secret = telegram_app.webhook_secret(settings, rt.key)
            web_app = telegram_app.build_webhook_app(bot, dp, settings, secret, rt.engine)
            runner = web.AppRunner(web_app, access_log_class=telegram_app.PrivateAccessLogger)
            await runner.setup()
            site = web.TCPSite(runner, settings.listen_host, settings.listen_port)
            await site.start()
            try:
                await asyncio.Event().wait()
            finally:
                await runner.cleanup()
            return 0
        finally:
            await bot.session.close()

"""`mitsprache chat` (the questionnaires in this terminal) and `mitsprache run` (the Telegram bot, or the
web chat when there is no token). Only `run` with a token loads aiogram."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import stat
import sys
from typing import TYPE_CHECKING

from bot import logs
from bot.cli import sending
from bot.cli.common import EXIT_CONFIG, HelpFormatter, command, database, in_loop, run_serving
from bot.cli.web import DEFAULT_HOST, DEFAULT_PORT, serve_web
from bot.memory import pin_mmap_threshold

if TYPE_CHECKING:
    from bot.cli.common import Subparsers
    from bot.settings import Settings

log = logging.getLogger(__name__)

NO_TOKEN = """No Telegram bot token is configured.

To run Mitsprache on Telegram:
  1. Open Telegram, talk to @BotFather, send /newbot and follow the steps.
  2. Copy the token it gives you (it looks like 123456789:AAE...).
  3. export MITSPRACHE_BOT_TOKEN=<the token> and run `mitsprache run` again.

Meanwhile the same conversation runs in your browser (the web chat, below), and in this terminal
with `mitsprache chat`."""


def register(sub: Subparsers) -> None:
    run_ = command(
        sub, "run",
        summary="start the bot: Telegram when MITSPRACHE_BOT_TOKEN is set, otherwise explain "
        "how to get a token and serve the web chat on http://127.0.0.1:8080",
        description="""
            Without MITSPRACHE_BOT_TOKEN: serve the web chat (see `mitsprache web --help`) and stop at
            Ctrl-C, or Ctrl-D when started from a terminal. With a token: the Telegram bot (long
            polling, or a webhook server when MITSPRACHE_WEBHOOK_URL is set); with MITSPRACHE_WEB_URL
            set as well, the web chat in the same process. Before it starts, Telegram is asked whether
            it takes the token, so a wrong token or no connection is told at once.""",
        examples=[
            ("mitsprache run", "with MITSPRACHE_BOT_TOKEN set: the bot by long polling"),
            ("MITSPRACHE_WEBHOOK_URL=https://bot.example.org mitsprache run --port 8443",
             "a webhook server on port 8443 behind a reverse proxy"),
            ("mitsprache run --port 9000", "without a token: the web chat on http://127.0.0.1:9000"),
        ],
    )  # fmt: skip
    run_.add_argument("--host", default=None, help=f"address to listen on (default: {DEFAULT_HOST} for "
                      "the web chat, MITSPRACHE_LISTEN_HOST for a webhook)")  # fmt: skip
    run_.add_argument("--port", type=int, default=None, help=f"port (default: {DEFAULT_PORT}, or "
                      "MITSPRACHE_LISTEN_PORT for a webhook)")  # fmt: skip
    run_.set_defaults(handler=run)
    chat_ = command(
        sub, "chat",
        summary="answer the questionnaires in this terminal",
        description="""
            The same conversation as on Telegram and in the web chat, in this terminal: type the number
            of an option, the letter of a move (z back, s skip, p pause, m menu, a send), or text. Each
            name is a person of its own; the same name resumes where it stopped. Ctrl-D or Ctrl-C ends
            it; every answer is saved at once.""",
        examples=[("mitsprache chat", "as your login name, in MITSPRACHE_DEFAULT_LOCALE"),
                  ("mitsprache chat --person test1 --lang ar", "a second test person, in Arabic")],
    )  # fmt: skip
    chat_.add_argument(
        "--person",
        default=None,
        help="local person to answer as (default: your login name); the same name resumes",
    )
    chat_.formatter_class = _ChatHelp
    chat_.add_argument(
        "--lang",
        default=None,
        metavar="CODE",
        help="language: {codes} (default: MITSPRACHE_DEFAULT_LOCALE); for a person who answered "
        "before, it changes their language",
    )
    chat_.set_defaults(handler=in_loop(chat))


class _ChatHelp(HelpFormatter):
    """Lists the language codes when `mitsprache chat --help` is shown: finding them loads Babel,
    which `mitsprache --help` must not wait for."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = super()._get_help_string(action)
        if text is not None and "{codes}" in text:
            from bot import catalogs

            text = text.replace("{codes}", ", ".join(catalogs.shipped_locales()))
        return text


def run(settings: Settings, args: argparse.Namespace) -> int:
    pin_mmap_threshold()  # a process that runs for months: see bot/memory.py
    if settings.bot_token is None:
        print(NO_TOKEN, file=sys.stderr)
        if settings.webhook_url:
            return EXIT_CONFIG
        print("", file=sys.stderr)
        host, port = args.host or DEFAULT_HOST, DEFAULT_PORT if args.port is None else args.port
        # From a terminal (or a pipe) Ctrl-D stops it; in a container without input it serves on.
        return run_serving(serve_web(settings, host, port, send=True, stop_on_eof=_stdin_is_interactive()))
    if settings.webhook_url and settings.pseudonym_key is None:
        print(
            "mitsprache: webhook mode needs MITSPRACHE_PSEUDONYM_KEY (at least 32 characters), "
            "shared by all replicas. Generate one with: "
            'python3 -c "import secrets; print(secrets.token_hex(32))"',
            file=sys.stderr,
        )
        return EXIT_CONFIG
    logs.configure(settings.log_level)
    return run_serving(
        _telegram(
            settings,
            args.host or settings.listen_host,
            settings.listen_port if args.port is None else args.port,
        )
    )


def _stdin_is_interactive() -> bool:
    """A terminal or a pipe; not /dev/null or a closed stdin (as in a container without -i)."""
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (OSError, ValueError):
        return False
    return sys.stdin.isatty() or stat.S_ISFIFO(mode)


async def chat(settings: Settings, args: argparse.Namespace) -> int:
    from bot import catalogs, terminal
    from bot.usecases.invitations import Invitations
    from dialogs.languages import shipped_code

    known = catalogs.shipped_locales()
    lang = shipped_code(args.lang, known)  # fa-AF or fa_af is fa_AF
    if args.lang is not None and lang is None:
        print(
            f"mitsprache: unknown language {args.lang!r} for --lang; use one of: {', '.join(known)}",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    locale = lang or settings.default_locale
    person = args.person or getpass.getuser()
    async with database(settings) as rt:
        await terminal.chat(
            rt.conversations(),
            person,
            locale,
            rt.translators,
            sys.stdin,
            sys.stdout,
            terminal.resume_command(sys.argv[0], person),
            known,
            Invitations(rt.sessions, rt.catalogue, rt.translators),
            lang,
        )
    return 0


async def _telegram(settings: Settings, host: str, port: int) -> int:
    from aiohttp import web

    from bot.health import PATH, add_health, health_app
    from bot.serving import telegram_and_web
    from bot.telegram import app as telegram_app

    assert settings.bot_token is not None
    await sending.check_telegram(settings)  # a wrong token or no connection, said in one line
    async with database(settings) as rt:
        conversations = rt.conversations()
        bot = telegram_app.build_bot(
            settings.bot_token.get_secret_value(), settings.telegram_api_url, wait_out_flood=True
        )
        try:
            # With a public address for the web chat, it runs here too: one sender for both channels.
            dp, chat = telegram_and_web(conversations, rt.locales, settings, web_chat=bool(settings.web_url))
            if settings.webhook_url:
                secret = telegram_app.webhook_secret(settings, rt.key)
                web_app = telegram_app.build_webhook_app(bot, dp, settings, secret, rt.engine)
                if chat is not None:
                    chat.add_to(web_app)
            elif chat is not None:
                web_app = chat.app()
                add_health(web_app, rt.engine)
            else:
                # Long polling needs no server, but a container's health check needs something to ask.
                web_app = health_app(rt.engine)
            runner = web.AppRunner(web_app, access_log_class=telegram_app.PrivateAccessLogger)
            await runner.setup()
            try:
                await web.TCPSite(runner, host, port).start()
            except OSError as exc:
                await runner.cleanup()
                print(
                    f"mitsprache: cannot listen on {host}:{port} ({exc.strerror}); "
                    "set MITSPRACHE_LISTEN_PORT (or --port) to a free port",
                    file=sys.stderr,
                )
                return 1
            bound = runner.addresses[0][1] if runner.addresses else port  # the port chosen for --port 0
            log.info("listening on %s:%s, health check at %s", host, bound, PATH)
            try:
                if settings.webhook_url:
                    await asyncio.Event().wait()
                else:
                    await telegram_app.run_polling(bot, dp)
            finally:
                await runner.cleanup()
            return 0
        finally:
            await bot.session.close()

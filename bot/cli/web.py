"""`mitsprache web`: the web chat on its own, for people without Telegram (no token needed)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from bot import logs
from bot.cli.common import database, in_loop
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.cli.common import Subparsers


def register(sub: Subparsers) -> None:
    web_ = sub.add_parser(
        "web",
        help="serve the web chat (the consultation in any browser, no account)",
        description="Serve the web chat until Ctrl-C. Open the printed address in a browser. Behind a "
        "reverse proxy with HTTPS, set MITSPRACHE_WEB_URL to the public address (cookies are then "
        "marked Secure).",
    )
    web_.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    web_.add_argument("--port", type=int, default=8080, help="port (default: 8080)")
    web_.set_defaults(handler=in_loop(serve))


async def serve(settings: Settings, args: argparse.Namespace) -> int:
    from aiohttp import web

    from bot.usecases.turns import Conversations
    from bot.web.app import WebAccessLogger, WebChat
    from dialogs.engine import Engine

    logs.configure(settings.log_level)
    async with database(settings) as rt:
        conversations = Conversations(Engine(rt.catalogue), rt.sessions, rt.key, rt.translators)
        chat = WebChat(
            conversations, rt.locales, settings.default_locale, rt.translators,
            secure_cookie=settings.web_url.startswith("https://"),
        )  # fmt: skip
        runner = web.AppRunner(chat.app(), access_log_class=WebAccessLogger)
        await runner.setup()
        await web.TCPSite(runner, args.host, args.port).start()
        print(f"The web chat runs at http://{args.host}:{args.port}/ (Ctrl-C stops it).", file=sys.stderr)
        try:
            await asyncio.Event().wait()
        finally:
            await runner.cleanup()
    return 0

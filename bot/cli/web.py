"""`mitsprache web`: the web chat on its own, for people without Telegram (no token needed).

`mitsprache run` without a token serves the same (bot/cli/conversation.py), with the paced sender for
the web inbox; `mitsprache web` beside a running bot leaves sending to the bot's process.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import sys
import threading
from typing import TYPE_CHECKING

from bot import logs
from bot.cli.common import command, database, serving
from bot.memory import pin_mmap_threshold

if TYPE_CHECKING:
    from bot.cli.common import Subparsers
    from bot.settings import Settings

DEFAULT_HOST = "127.0.0.1"  # reachable from this machine only; a reverse proxy publishes it
DEFAULT_PORT = 8080


def register(sub: Subparsers) -> None:
    web_ = command(
        sub, "web",
        summary="serve the web chat (the consultation in any browser, no account)",
        description="""
            Serve the web chat until Ctrl-C. Open the printed address in a browser. Behind a reverse
            proxy with HTTPS, set MITSPRACHE_WEB_URL to the public address (cookies are then marked
            Secure). Messages the bot sends on its own (invitations, a seat that became free) are
            delivered by the process that runs `mitsprache run`; use --send when this is the only
            process.""",
        examples=[("mitsprache web", "on http://127.0.0.1:8080, beside a running `mitsprache run`"),
                  ("mitsprache web --host 0.0.0.0 --port 8081 --send",
                   "on every address of this machine, and sending on its own")],
    )  # fmt: skip
    add_address_options(web_)
    web_.add_argument(
        "--send", action="store_true", help="also run the paced sender (only when no bot process runs)"
    )
    web_.set_defaults(handler=serving(serve))


def add_address_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=None, help=f"address to listen on (default: {DEFAULT_HOST})")
    parser.add_argument(
        "--port", type=int, default=None, help=f"port (default: {DEFAULT_PORT}; 0: any free one)"
    )


async def serve(settings: Settings, args: argparse.Namespace) -> int:
    pin_mmap_threshold()  # a process that runs for months: see bot/memory.py
    port = DEFAULT_PORT if args.port is None else args.port  # 0 is a port too: the system picks one
    return await serve_web(settings, args.host or DEFAULT_HOST, port, send=args.send, stop_on_eof=False)


async def serve_web(settings: Settings, host: str, port: int, *, send: bool, stop_on_eof: bool) -> int:
    """Serves until Ctrl-C (or, with `stop_on_eof`, until this terminal's input ends: Ctrl-D)."""
    from aiohttp import web

    from bot.delivery.compose import composer
    from bot.delivery.worker import DeliveryWorker
    from bot.health import add_health
    from bot.usecases.web_inbox import CHANNEL, WebInbox
    from bot.web.app import WebAccessLogger, build_web_chat
    from bot.web.transport import WebInboxTransport

    logs.configure(settings.log_level)
    async with database(settings) as rt:
        conversations = rt.conversations()
        worker = DeliveryWorker(
            rt.sessions, composer(rt.sessions, rt.translators), rate=settings.broadcast_rate
        )
        chat = build_web_chat(conversations, rt.locales, settings, worker.poke if send else lambda: None)
        app = chat.app()
        add_health(app, rt.engine)  # a container running only the web chat is checked the same way
        runner = web.AppRunner(app, access_log_class=WebAccessLogger)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as exc:
            await runner.cleanup()
            print(f"mitsprache: cannot listen on {host}:{port} ({exc.strerror}); try --port", file=sys.stderr)
            return 1
        bound = runner.addresses[0][1] if runner.addresses else port  # the port chosen for --port 0
        shown = settings.web_url or f"http://{host}:{bound}/"
        print(f"The web chat runs at {shown}  - open it in a browser.", file=sys.stderr)
        print(
            "Ctrl-D or Ctrl-C stops it." if stop_on_eof else "Ctrl-C stops it.",
            "For the conversation in this terminal, run `mitsprache chat`.",
            file=sys.stderr,
        )
        sender = (
            asyncio.create_task(worker.forever({CHANNEL: WebInboxTransport(WebInbox(rt.sessions, rt.key))}))
            if send
            else None
        )
        try:
            await (_input_ends() if stop_on_eof else asyncio.Event().wait())
            print("Input ended: the web chat stops.", file=sys.stderr)
        finally:
            if sender is not None:
                sender.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sender
            await runner.cleanup()
    return 0


async def _input_ends() -> None:
    """Waits for the end of standard input, reading it in a daemon thread (a blocked read must not keep
    the program alive after Ctrl-C). Lines typed meanwhile only get a hint: the chat is in the browser."""
    loop = asyncio.get_running_loop()
    ended = asyncio.Event()

    def read() -> None:
        hinted = False
        for _line in sys.stdin:
            if not hinted:
                hint = "(This terminal only serves the web chat; answers go in the browser.)"
                loop.call_soon_threadsafe(functools.partial(print, hint, file=sys.stderr))
                hinted = True
        loop.call_soon_threadsafe(ended.set)

    threading.Thread(target=read, name="stdin-watch", daemon=True).start()
    await ended.wait()

"""The `mitsprache` command. Each command group lives in its own module, which registers its
subcommands and their handlers; this module composes the parser and reports what failed.

Nothing here or in the group modules imports aiogram at module level: only commands that talk to
Telegram load it (bot/cli/sending.py), so the others start quickly.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from sqlalchemy.exc import InterfaceError, OperationalError

from bot.cli import broadcasts, catalogs, conversation, database, events, exports, qr, web
from bot.cli.common import (
    EXIT_CONFIG,
    DatabaseUnavailable,
    FileProblem,
    Handler,
    database_message,
    file_message,
)
from bot.settings import ConfigError, Settings, load_settings
from dialogs.definitions import DefinitionError
from dialogs.events import EventFileError
from storage.migrate import SchemaOutdated

GROUPS = (conversation, web, database, events, broadcasts, exports, qr, catalogs)  # in the order of --help


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mitsprache",
        description="Mitsprache: the consultation bot for refugees in Berlin.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_CONFIG
    logging.basicConfig(
        level=settings.log_level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    if args.command != "db":
        logging.getLogger("alembic").setLevel(logging.WARNING)
    handler: Handler = args.handler
    try:
        return handler(settings, args)
    except KeyboardInterrupt:
        # Every turn of the chat is committed before the next line is read, so nothing is lost here.
        from bot.locales import translator
        from bot.terminal import goodbye

        print("\n" + goodbye(translator(settings.default_locale)))
        return 0
    except Exception as exc:
        message = failure(settings, exc)
        if message is None:
            raise
        print(message, file=sys.stderr)
        return EXIT_CONFIG


def failure(settings: Settings, exc: Exception) -> str | None:
    """What to tell about an error that the user has to fix; None for a bug (shown as a traceback)."""
    if isinstance(exc, DefinitionError | EventFileError | SchemaOutdated | FileProblem):
        return f"mitsprache: {exc}"
    if isinstance(exc, DatabaseUnavailable | OperationalError | InterfaceError):
        return database_message(settings, exc)
    if isinstance(exc, OSError):
        # A dropped connection has no file name; a file the command reads or writes always has one.
        return database_message(settings, exc) if exc.filename is None else file_message(exc)
    return None

"""The `mitsprache` command. Each command group lives in its own module, which registers its
subcommands and their handlers; this module composes the parser and reports what failed.

Nothing here or in the group modules imports aiogram, SQLAlchemy or pydantic at module level, so that
`mitsprache --help` answers at once; a handler imports what it needs. Only commands that talk to
Telegram load aiogram (bot/cli/sending.py).
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.cli import broadcasts, catalogs, conversation, database, events, exports, qr, web
from bot.cli.common import (
    EXIT_CONFIG,
    HelpFormatter,
    Version,
    failure,
)

if TYPE_CHECKING:
    from bot.cli.common import Handler

__all__ = ["build_parser", "failure", "main"]

GROUPS = (conversation, web, database, events, broadcasts, exports, qr, catalogs)  # in the order of --help


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mitsprache",
        description="Mitsprache: the consultation bot for refugees in Berlin.\n"
        "Settings come from MITSPRACHE_* environment variables (see the README);\n"
        "`mitsprache COMMAND --help` explains each command, with examples.",
        epilog="examples:\n  mitsprache run                 the bot (or, without a token, the web chat)\n"
        "  mitsprache db upgrade          create or update the database\n"
        "  mitsprache event template      an example event file to start from",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action=Version, help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", title="commands")
    for group in GROUPS:
        group.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from bot.settings import ConfigError, load_settings

    try:
        settings = load_settings()
    except ConfigError as exc:
        for problem in str(exc).splitlines():
            print(f"mitsprache: {problem}", file=sys.stderr)
        return EXIT_CONFIG
    logging.basicConfig(
        level=settings.log_level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    # Alembic reports its plugins at INFO on import; only `db` shows the migrations it runs.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    if args.command == "db":
        logging.getLogger("alembic.runtime.migration").setLevel(logging.INFO)
    if settings.log_level != "DEBUG":
        # Presidio reports every analysis at INFO (a dozen lines per review or export); nothing in it
        # helps an operator.
        logging.getLogger("presidio-analyzer").setLevel(logging.WARNING)
    handler: Handler = args.handler
    try:
        return handler(settings, args)
    except KeyboardInterrupt:
        # Ctrl-C ends a command normally; the terminal chat has said its goodbye (bot/terminal.py).
        return 0
    except Exception as exc:
        message = failure(settings, exc)
        if message is None:
            raise
        if settings.log_level == "DEBUG":  # the whole story, for whoever debugs it
            traceback.print_exc(file=sys.stderr)
        print(message, file=sys.stderr)
        return EXIT_CONFIG

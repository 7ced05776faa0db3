"""`mitsprache db upgrade|current`: the schema. The only commands that work on an outdated database."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot.cli.common import connecting, database, in_loop
from bot.settings import Settings
from storage import migrate

if TYPE_CHECKING:
    from bot.cli.common import Subparsers


def register(sub: Subparsers) -> None:
    db = sub.add_parser("db", help="database schema")
    actions = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    upgrade_ = actions.add_parser("upgrade", help="apply all migrations (creates the database if needed)")
    upgrade_.set_defaults(handler=in_loop(upgrade))
    current_ = actions.add_parser("current", help="show the schema revision of the database")
    current_.set_defaults(handler=in_loop(current))


async def upgrade(settings: Settings, args: argparse.Namespace) -> int:
    async with database(settings, check_schema=False) as rt:
        with connecting():
            await migrate.upgrade(rt.engine)
    print(f"Database is up to date (revision {migrate.head_revision()}).")
    return 0


async def current(settings: Settings, args: argparse.Namespace) -> int:
    async with database(settings, check_schema=False) as rt:
        with connecting():
            revision = await migrate.current_revision(rt.engine)
    print(f"current: {revision or '(empty database)'}, newest: {migrate.head_revision()}")
    return 0

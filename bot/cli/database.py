"""`mitsprache db upgrade|current`: the schema. The only commands that work on an outdated database."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from bot.cli.common import Problem, actions, command, connecting, database, in_loop

if TYPE_CHECKING:
    from bot.cli.common import Subparsers
    from bot.settings import Settings


def register(sub: Subparsers) -> None:
    db = command(
        sub, "db",
        summary="create, update or inspect the database",
        description="""
            The database Mitsprache keeps its data in: MITSPRACHE_DATABASE_URL, or by default a
            SQLite file in MITSPRACHE_DATA_DIR. Run `mitsprache db upgrade` after installing and after
            every update; the other commands refuse a database that is not up to date.""",
        examples=[("mitsprache db upgrade", "create the database if needed and bring it up to date"),
                  ("mitsprache db current", "show where the database stands")],
    )  # fmt: skip
    action = actions(db, "db_command")
    upgrade_ = command(
        action, "upgrade",
        summary="create the database if needed and apply all migrations",
        description="""
            Create the database if it does not exist yet, then apply every migration it lacks.
            SQLite: the file and its folder are created. PostgreSQL: the database in
            MITSPRACHE_DATABASE_URL is created when the URL's role may create databases (CREATEDB);
            otherwise the message says what an administrator has to run. The role itself must exist.
            Safe to run again: an up-to-date database is left as it is.""",
        examples=[
            ("mitsprache db upgrade", "the default SQLite database"),
            ("MITSPRACHE_DATABASE_URL=postgresql+asyncpg://mitsprache:secret@db:5432/mitsprache "
             "mitsprache db upgrade", "a PostgreSQL database (created if the role may)"),
        ],
    )  # fmt: skip
    upgrade_.set_defaults(handler=in_loop(upgrade))
    current_ = command(
        action, "current",
        summary="show the schema revision of the database and the newest one",
        description="""
            Print the migration the database is at and the newest one this version knows. When they
            differ, run `mitsprache db upgrade`.""",
        examples=[("mitsprache db current", "e.g. 'current: 0005, newest: 0006'")],
    )  # fmt: skip
    current_.set_defaults(handler=in_loop(current))


async def upgrade(settings: Settings, args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import DBAPIError

    from storage import db, migrate

    url = settings.effective_database_url
    try:
        with connecting():
            created = await db.create_database_if_missing(url)
    except DBAPIError as exc:
        if db.sqlstate(exc) != db.NOT_ALLOWED:
            raise
        raise Problem(cannot_create(url)) from exc
    if created:
        target = make_url(url)
        print(f'Created the database "{target.database}" on {target.host or "localhost"}.')
    async with database(settings, check_schema=False) as rt:
        with connecting():
            await migrate.upgrade(rt.engine, key=settings.key)  # read only if a migration needs it
    print(f"Database is up to date (revision {migrate.head_revision()}).")
    return 0


def cannot_create(url: str) -> str:
    from sqlalchemy.engine import make_url

    target = make_url(url)
    name, role = target.database, target.username
    return (
        f'the database "{name}" does not exist on {target.host or "localhost"}:{target.port or 5432}, '
        f'and the role "{role}" may not create databases: have an administrator run '
        f'`createdb --owner={role} {name}` (or CREATE DATABASE "{name}" OWNER "{role}";), '
        "then run `mitsprache db upgrade` again"
    )


async def current(settings: Settings, args: argparse.Namespace) -> int:
    from storage import migrate

    async with database(settings, check_schema=False) as rt:
        with connecting():
            revision = await migrate.current_revision(rt.engine)
    print(f"current: {revision or '(empty database)'}, newest: {migrate.head_revision()}")
    return 0

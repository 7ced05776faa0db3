"""The `mitsprache` command: chat in the terminal, manage the database."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import catalogs, terminal
from bot.locales import translator
from bot.settings import ConfigError, Settings, load_settings
from bot.turns import Conversations
from dialogs.definitions import DefinitionError, load_catalogue
from dialogs.engine import Engine
from dialogs.i18n import SOURCE_LOCALE
from storage import migrate
from storage.db import create_engine, is_sqlite, session_factory

EXIT_CONFIG = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mitsprache",
        description="Mitsprache: the consultation bot for refugees in Berlin.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    chat = sub.add_parser("chat", help="answer the questionnaires in this terminal")
    chat.add_argument(
        "--person",
        default=None,
        help="local person to answer as (default: your login name); the same name resumes",
    )
    chat.add_argument("--lang", default=None, help="language code, e.g. de (default: settings)")

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="apply all migrations (creates the database if needed)")
    db_sub.add_parser("current", help="show the schema revision of the database")

    cat = sub.add_parser("catalogs", help="translation catalogs in locales/")
    cat_sub = cat.add_subparsers(dest="catalogs_command", required=True, metavar="ACTION")
    upd = cat_sub.add_parser("update", help="extract all texts into messages.pot and merge every .po")
    upd.add_argument("--add", metavar="LANG", help="also start a catalog for a new language")
    cat_sub.add_parser("check", help="report untranslated, fuzzy or mismatched entries")
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
    try:
        if args.command == "chat":
            return asyncio.run(_chat(settings, args.person, args.lang))
        if args.command == "db":
            return asyncio.run(_db(settings, args.db_command))
        if args.command == "catalogs":
            return _catalogs(args.catalogs_command, args.__dict__.get("add"))
    except (DefinitionError, migrate.SchemaOutdated) as exc:
        print(f"mitsprache: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except (OperationalError, InterfaceError, OSError) as exc:
        url = make_url(settings.effective_database_url).render_as_string(hide_password=True)
        print(
            f"mitsprache: cannot use the database {url}: {_first_line(exc)}\n"
            "Check MITSPRACHE_DATABASE_URL and that the database server is running.",
            file=sys.stderr,
        )
        return EXIT_CONFIG
    except KeyboardInterrupt:
        # Every turn is committed before the next line is read, so nothing is lost here.
        print("\n" + terminal.goodbye(translator(settings.default_locale)))
        return 0
    return 1


def _first_line(exc: BaseException) -> str:
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    return str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__


def _open_database(settings: Settings) -> AsyncEngine:
    url = settings.effective_database_url
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
    return create_engine(url)


async def _db(settings: Settings, action: str) -> int:
    engine = _open_database(settings)
    try:
        if action == "upgrade":
            await migrate.upgrade(engine)
            print(f"Database is up to date (revision {migrate.head_revision()}).")
        else:
            current = await migrate.current_revision(engine)
            print(f"current: {current or '(empty database)'}, newest: {migrate.head_revision()}")
    finally:
        await engine.dispose()
    return 0


def _catalogs(action: str, new_locale: str | None) -> int:
    if action == "update":
        for locale in catalogs.update(new_locale=new_locale):
            print(f"updated {catalogs.po_path(locale).relative_to(catalogs.ROOT)}")
        return 0
    failed = False
    for locale in catalogs.shipped_locales():
        if locale == SOURCE_LOCALE and not catalogs.po_path(locale).exists():
            continue
        report = catalogs.check(locale)
        review = "reviewed" if report.reviewed else "NOT reviewed by a native speaker"
        status = "ok" if report.ok else "INCOMPLETE"
        print(f"{locale}: {status}, {review}")
        for kind in ("untranslated", "fuzzy", "mismatched"):
            for entry in getattr(report, kind):
                print(f"  {kind}: {entry}")
        failed |= not report.ok
    return 1 if failed else 0


async def _chat(settings: Settings, person: str | None, lang: str | None) -> int:
    catalogue = load_catalogue()
    locale = lang or settings.default_locale
    engine = _open_database(settings)
    try:
        await migrate.ensure_current(engine)
        conversations = Conversations(Engine(catalogue), session_factory(engine), settings.key(), translator)
        await terminal.chat(
            conversations,
            person or getpass.getuser(),
            locale,
            translator(locale),
            sys.stdin,
            sys.stdout,
        )
    finally:
        await engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())

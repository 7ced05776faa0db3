"""The `mitsprache` command: chat in the terminal, manage the database."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import stat
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import web
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot import catalogs, logs, terminal
from bot.locales import translator
from bot.settings import ConfigError, Settings, load_settings
from bot.usecases import exports
from bot.usecases.turns import Conversations
from dialogs.audience import Audience
from dialogs.definitions import FIELD_IDS, DefinitionError, load_catalogue
from dialogs.engine import Engine
from dialogs.events import (
    DEMO_EVENTS,
    DISTRICTS,
    EventDefinition,
    EventFileError,
    load_event_file,
    upcoming_demo_event,
)
from dialogs.i18n import SOURCE_LOCALE
from storage import audit, events, migrate, reviews
from storage.conversations import ConversationRepository
from storage.db import create_engine, is_sqlite, session_factory
from storage.export_formats import FORMATS
from storage.reviews import STATUSES

EXIT_CONFIG = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mitsprache",
        description="Mitsprache: the consultation bot for refugees in Berlin.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser(
        "run",
        help="start the bot: Telegram when MITSPRACHE_BOT_TOKEN is set, otherwise explain "
        "how to get a token and open the terminal chat",
    )
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

    exp = sub.add_parser("export", help="anonymised export of one Handlungsfeld for its working group")
    exp.add_argument("--field", required=True, choices=FIELD_IDS)
    exp.add_argument("--format", required=True, choices=FORMATS, dest="fmt")
    exp.add_argument("-o", "--output", required=True, type=Path, help="file to write")

    sub.add_parser("audit", help="show the export audit log")

    event = sub.add_parser("event", help="participation events")
    event_sub = event.add_subparsers(dest="event_command", required=True, metavar="ACTION")
    add = event_sub.add_parser("add", help="add the event(s) described in a YAML file")
    add.add_argument("file", type=Path)
    event_sub.add_parser("list", help="all events with their RSVP counts")
    publish = event_sub.add_parser("publish", help="publish a draft (it then shows in /events)")
    publish.add_argument("id", type=int, metavar="ID")
    cancel = event_sub.add_parser("cancel", help="cancel an event; everyone who answered is told")
    cancel.add_argument("id", type=int, metavar="ID")
    change = event_sub.add_parser(
        "change", help="replace an event by the one in a YAML file; a new time or place is announced"
    )
    change.add_argument("id", type=int, metavar="ID")
    change.add_argument("file", type=Path)
    sub.add_parser("demo-data", help="load the example events from PRODUCT.md and one upcoming event")

    cast = sub.add_parser("broadcast", help="invite subscribers to a published event (needs the bot token)")
    cast.add_argument("--event", required=True, type=int, metavar="ID")
    cast.add_argument("--district", action="append", default=[], choices=DISTRICTS)
    cast.add_argument("--field", action="append", default=[], choices=FIELD_IDS)
    cast.add_argument("--lang", action="append", default=[], metavar="LANG")
    cast.add_argument("--paid", action="store_true", help="allow_paid_broadcast: up to 1000/s, costs Stars")

    purge = sub.add_parser("purge", help="delete everyone inactive for longer than the retention period")
    purge.add_argument("--older-than", required=True, type=_days, metavar="DAYS",
                       help="e.g. 365d (or 365)")  # fmt: skip

    review = sub.add_parser("review", help="release or withhold free-text answers for export")
    review_sub = review.add_subparsers(dest="review_command", required=True, metavar="ACTION")
    listing = review_sub.add_parser("list", help="show scrubbed free-text answers of a field")
    listing.add_argument("--field", required=True, choices=FIELD_IDS)
    listing.add_argument("--status", choices=STATUSES, default="pending")
    for action in ("release", "withhold"):
        decision = review_sub.add_parser(action, help=f"{action} answers by their number")
        decision.add_argument("ids", nargs="+", type=int, metavar="ID")

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
        if args.command == "run":
            return _run(settings)
        if args.command == "db":
            return asyncio.run(_db(settings, args.db_command))
        if args.command == "export":
            return asyncio.run(_export(settings, args.field, args.fmt, args.output))
        if args.command == "audit":
            return asyncio.run(_audit(settings))
        if args.command == "event" and args.event_command == "add":
            return asyncio.run(_add_events(settings, load_event_file(args.file)))
        if args.command == "demo-data":
            demo = [*load_event_file(DEMO_EVENTS), upcoming_demo_event(datetime.now(UTC))]
            return asyncio.run(_add_events(settings, demo))
        if args.command == "event" and args.event_command == "list":
            return asyncio.run(_list_events(settings))
        if args.command == "event":
            changed = load_event_file(args.file) if args.event_command == "change" else None
            if changed is not None and len(changed) != 1:
                print(f"mitsprache: {args.file} must describe exactly one event", file=sys.stderr)
                return EXIT_CONFIG
            return asyncio.run(_event_action(settings, args.event_command, args.id, changed))
        if args.command == "broadcast":
            audience = Audience.of(args.district, args.field, args.lang)
            return asyncio.run(_broadcast(settings, args.event, audience, args.paid))
        if args.command == "purge":
            return asyncio.run(_purge(settings, args.older_than))
        if args.command == "review":
            return asyncio.run(_review(settings, args))
        if args.command == "catalogs":
            return _catalogs(args.catalogs_command, args.__dict__.get("add"))
    except (DefinitionError, EventFileError, migrate.SchemaOutdated) as exc:
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


def _days(value: str) -> int:
    number = value.removesuffix("d")
    if not number.isdigit() or int(number) < 1:
        raise argparse.ArgumentTypeError(f"'{value}' is not a number of days such as 365d")
    return int(number)


async def _with_database(settings: Settings) -> AsyncEngine:
    engine = _open_database(settings)
    try:
        await migrate.ensure_current(engine)
    except BaseException:
        await engine.dispose()
        raise
    return engine


async def _export(settings: Settings, field_id: str, fmt: str, output: Path) -> int:
    engine = await _with_database(settings)
    try:
        stats = await exports.export_field(
            session_factory(engine), load_catalogue(), field_id, fmt, output,
            settings.k_anonymity, f"cli:{getpass.getuser()}",
        )  # fmt: skip
    finally:
        await engine.dispose()
    print(
        f"{output}: {stats.respondents} respondents, {stats.suppressed_rows} rows with suppressed "
        f"details (k={stats.k}), {stats.held_back_texts} free texts held back, "
        f"{stats.released_texts} released"
    )
    return 0


async def _add_events(settings: Settings, definitions: list[EventDefinition]) -> int:
    engine = await _with_database(settings)
    t = translator("de")
    try:
        async with session_factory(engine)() as session, session.begin():
            for definition in definitions:
                event_id = await events.add_event(session, definition)
                when = t.datetime(definition.starts_at)
                print(f"event {event_id} ({definition.status}): {definition.title['de']}, {when}")
    finally:
        await engine.dispose()
    return 0


async def _event_action(
    settings: Settings, action: str, event_id: int, changed: list[EventDefinition] | None
) -> int:
    from bot.usecases import events as event_admin

    engine = await _with_database(settings)
    sessions = session_factory(engine)
    try:
        if action == "publish":
            if not await event_admin.publish(sessions, event_id):
                print(f"mitsprache: event {event_id} does not exist or is not a draft", file=sys.stderr)
                return 1
            print(f"event {event_id} published; invite with `mitsprache broadcast --event {event_id}`")
            return 0
        if action == "cancel":
            notice = await event_admin.cancel(sessions, event_id)
        else:
            assert changed is not None
            notice = await event_admin.change(sessions, event_id, changed[0])
        if notice is None:
            verb = "does not exist or is already cancelled" if action == "cancel" else "does not exist"
            print(f"mitsprache: event {event_id} {verb}", file=sys.stderr)
            return 1
        print(f"event {event_id} {'cancelled' if action == 'cancel' else 'changed'}")
        if notice.promoted:
            print(f"{len(notice.promoted)} people moved up from the waitlist; they are told like the others")
        if notice.broadcast_id is None and notice.promotion_id is None:
            return 0
        if notice.broadcast_id is not None:
            print(f"notice to {notice.recipients} people who answered: broadcast {notice.broadcast_id}")
        if settings.bot_token is None:
            print("no MITSPRACHE_BOT_TOKEN here: the running bot sends it (within 30 seconds)")
            return 0
        for queued in (notice.broadcast_id, notice.promotion_id):
            if queued is not None:
                await _send_queued(settings, sessions, queued)
        return 0
    finally:
        await engine.dispose()


async def _send_queued(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], broadcast_id: int, paid: bool = False
) -> int:
    from bot.telegram.sending import send_now

    summary = await send_now(settings, sessions, broadcast_id, paid=True if paid else None)
    print(
        f"broadcast {broadcast_id}: sent {summary.sent}, blocked {summary.blocked}, "
        f"invalid {summary.invalid}, failed {summary.failed}, {summary.elapsed:.1f} s"
    )
    return 0


async def _broadcast(settings: Settings, event_id: int, audience: Audience, paid: bool) -> int:
    if settings.bot_token is None:
        print("mitsprache: broadcasting needs MITSPRACHE_BOT_TOKEN", file=sys.stderr)
        return EXIT_CONFIG
    from bot.usecases.broadcasts import BroadcastRequest, Refused, create

    engine = await _with_database(settings)
    sessions = session_factory(engine)
    try:
        queued = await create(sessions, BroadcastRequest("invitation", audience, event_id, again=True))
        if isinstance(queued, Refused):
            print(f"mitsprache: event {event_id} does not exist or is not published", file=sys.stderr)
            return 1
        return await _send_queued(settings, sessions, queued.broadcast_id, paid)
    finally:
        await engine.dispose()


async def _list_events(settings: Settings) -> int:
    engine = await _with_database(settings)
    try:
        async with session_factory(engine)() as session:
            listed = await events.all_with_counts(session)
    finally:
        await engine.dispose()
    t = translator("de")
    for view, counts in listed:
        seats = f"{view.seats_taken}/{view.capacity}" if view.capacity else str(view.seats_taken)
        print(
            f"[{view.id}] {view.status:<9} {t.datetime(view.starts_at)}  {view.title['de']}\n"
            f"      yes {seats}, maybe {counts['maybe']}, no {counts['no']}, waitlist {counts['waitlist']}"
        )
    if not listed:
        print("no events yet; add one with `mitsprache event add FILE.yaml` or `mitsprache demo-data`")
    return 0


async def _audit(settings: Settings) -> int:
    engine = await _with_database(settings)
    try:
        async with session_factory(engine)() as session:
            rows = await audit.entries(session)
    finally:
        await engine.dispose()
    print(f"{'when (UTC)':<20} {'who':<24} {'field':<14} {'format':<6} rows")
    for entry in rows:
        when = entry.at.strftime("%Y-%m-%d %H:%M")
        print(f"{when:<20} {entry.actor:<24} {entry.field:<14} {entry.format:<6} {entry.rows}")
    return 0


async def _purge(settings: Settings, days: int) -> int:
    engine = await _with_database(settings)
    before = datetime.now(UTC) - timedelta(days=days)
    try:
        async with session_factory(engine)() as session, session.begin():
            removed = await ConversationRepository(session).purge_inactive(before)
    finally:
        await engine.dispose()
    print(f"deleted {removed} people inactive since before {before:%Y-%m-%d}, with all their answers")
    return 0


async def _review(settings: Settings, args: argparse.Namespace) -> int:
    engine = await _with_database(settings)
    reviewer = f"cli:{getpass.getuser()}"
    try:
        async with session_factory(engine)() as session, session.begin():
            if args.review_command == "list":
                count = 0
                async for item in reviews.free_texts(
                    session, load_catalogue(), args.field, exports.scrub, args.status
                ):
                    count += 1
                    print(f"[{item.answer_id}] {item.question} ({item.status}): {item.scrubbed}")
                print(f"{count} {args.status} free-text answers in {args.field}")
                return 0
            status = "released" if args.review_command == "release" else "withheld"
            missing = [i for i in args.ids if not await reviews.decide(session, i, status, reviewer)]
    finally:
        await engine.dispose()
    if missing:
        print(f"no free-text answer with number(s) {', '.join(map(str, missing))}", file=sys.stderr)
        return 1
    print(f"{status}: {', '.join(map(str, args.ids))}")
    return 0


NO_TOKEN = """No Telegram bot token is configured.

To run Mitsprache on Telegram:
  1. Open Telegram, talk to @BotFather, send /newbot and follow the steps.
  2. Copy the token it gives you (it looks like 123456789:AAE...).
  3. export MITSPRACHE_BOT_TOKEN=<the token> and run `mitsprache run` again.

Meanwhile you can try the same conversation here in the terminal (`mitsprache chat`)."""


def _run(settings: Settings) -> int:
    if settings.bot_token is None:
        print(NO_TOKEN, file=sys.stderr)
        if settings.webhook_url or not _stdin_is_interactive():
            return EXIT_CONFIG
        print("", file=sys.stderr)
        return asyncio.run(_chat(settings, None, None))
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


async def _telegram(settings: Settings) -> int:
    from bot.telegram import app as telegram_app

    catalogue = load_catalogue()
    engine = _open_database(settings)
    assert settings.bot_token is not None
    bot = telegram_app.build_bot(
        settings.bot_token.get_secret_value(), settings.telegram_api_url, wait_out_flood=True
    )
    try:
        await migrate.ensure_current(engine)
        key = settings.key()
        sessions = session_factory(engine)
        conversations = Conversations(Engine(catalogue), sessions, key, translator)
        locales = catalogs.shipped_locales()
        dp = telegram_app.build_dispatcher(conversations, sessions, locales, settings)
        if not settings.webhook_url:
            await telegram_app.run_polling(bot, dp)
            return 0
        secret = telegram_app.webhook_secret(settings, key)
        web_app = telegram_app.build_webhook_app(bot, dp, settings, secret, engine)
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
        await engine.dispose()


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

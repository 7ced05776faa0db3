"""`mitsprache export`, `review`, `audit` and `purge`: what staff do with the answers."""

from __future__ import annotations

import argparse
import errno
import getpass
import os
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.common import FileProblem, database, fail, first_line, in_loop
from bot.settings import Settings
from dialogs.definitions import FIELD_IDS
from storage import audit, reviews
from storage.conversations import ConversationRepository
from storage.export_formats import FORMATS
from storage.reviews import STATUSES

if TYPE_CHECKING:
    from bot.cli.common import Subparsers


def register(sub: Subparsers) -> None:
    exp = sub.add_parser("export", help="anonymised export of one Handlungsfeld for its working group")
    exp.add_argument("--field", required=True, choices=FIELD_IDS)
    exp.add_argument("--format", required=True, choices=FORMATS, dest="fmt")
    exp.add_argument("-o", "--output", required=True, type=Path, help="file to write")
    exp.set_defaults(handler=in_loop(export))

    review = sub.add_parser("review", help="release or withhold free-text answers for export")
    actions = review.add_subparsers(dest="review_command", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="show scrubbed free-text answers of a field")
    listing.add_argument("--field", required=True, choices=FIELD_IDS)
    listing.add_argument("--status", choices=STATUSES, default="pending")
    listing.set_defaults(handler=in_loop(review_list))
    for action in ("release", "withhold"):
        decision = actions.add_parser(action, help=f"{action} answers by their number")
        decision.add_argument("ids", nargs="+", type=int, metavar="ID")
        decision.set_defaults(handler=in_loop(review_decide))

    sub.add_parser("audit", help="show the export audit log").set_defaults(handler=in_loop(show_audit))

    purge_ = sub.add_parser("purge", help="delete everyone inactive for longer than the retention period")
    purge_.add_argument("--older-than", required=True, type=_days, metavar="DAYS",
                        help="e.g. 365d (or 365)")  # fmt: skip
    purge_.set_defaults(handler=in_loop(purge))


def _days(value: str) -> int:
    number = value.removesuffix("d")
    if not number.isdigit() or int(number) < 1:
        raise argparse.ArgumentTypeError(f"'{value}' is not a number of days such as 365d")
    return int(number)


def unwritable(path: Path) -> str | None:
    """Why `path` cannot be written (as the system would say it), or None if it looks writable."""
    folder = path.parent
    if path.is_dir():
        return os.strerror(errno.EISDIR)
    if not folder.exists():
        return os.strerror(errno.ENOENT)
    if not folder.is_dir():
        return os.strerror(errno.ENOTDIR)
    target = path if path.exists() else folder
    if not os.access(target, os.W_OK | (0 if target is path else os.X_OK)):
        return os.strerror(errno.EACCES)
    return None


async def export(settings: Settings, args: argparse.Namespace) -> int:
    from bot.usecases import exports

    output: Path = args.output
    if (reason := unwritable(output)) is not None:  # before the export runs, not after
        raise FileProblem("write", output, reason)
    async with database(settings) as rt:
        try:
            stats = await exports.export_field(
                rt.sessions, rt.catalogue, args.field, args.fmt, output,
                settings.k_anonymity, f"cli:{getpass.getuser()}",
            )  # fmt: skip
        except OSError as exc:
            if isinstance(exc, ConnectionError | socket.gaierror | TimeoutError):
                raise  # the database's
            if exc.filename not in (None, str(output)):
                raise  # another file: the message names it
            raise FileProblem("write", output, exc.strerror or first_line(exc)) from exc
    print(
        f"{output}: {stats.respondents} respondents, {stats.suppressed_rows} rows with suppressed "
        f"details (k={stats.k}), {stats.held_back_texts} free texts held back, "
        f"{stats.released_texts} released"
    )
    return 0


async def review_list(settings: Settings, args: argparse.Namespace) -> int:
    from bot.usecases import exports

    async with database(settings) as rt, rt.sessions() as session, session.begin():
        count = 0
        async for item in reviews.free_texts(session, rt.catalogue, args.field, exports.scrub, args.status):
            count += 1
            print(f"[{item.answer_id}] {item.question} ({item.status}): {item.scrubbed}")
    print(f"{count} {args.status} free-text answers in {args.field}")
    return 0


async def review_decide(settings: Settings, args: argparse.Namespace) -> int:
    status = "released" if args.review_command == "release" else "withheld"
    reviewer = f"cli:{getpass.getuser()}"
    async with database(settings) as rt, rt.sessions() as session, session.begin():
        missing = [i for i in args.ids if not await reviews.decide(session, i, status, reviewer)]
    if missing:
        return fail(f"no free-text answer with number(s) {', '.join(map(str, missing))}")
    print(f"{status}: {', '.join(map(str, args.ids))}")
    return 0


async def show_audit(settings: Settings, args: argparse.Namespace) -> int:
    async with database(settings) as rt, rt.sessions() as session:
        rows = await audit.entries(session)
    print(f"{'when (UTC)':<20} {'who':<24} {'field':<14} {'format':<6} rows")
    for entry in rows:
        when = entry.at.strftime("%Y-%m-%d %H:%M")
        print(f"{when:<20} {entry.actor:<24} {entry.field:<14} {entry.format:<6} {entry.rows}")
    return 0


async def purge(settings: Settings, args: argparse.Namespace) -> int:
    before = datetime.now(UTC) - timedelta(days=args.older_than)
    async with database(settings) as rt, rt.sessions() as session, session.begin():
        removed = await ConversationRepository(session).purge_inactive(before)
    print(f"deleted {removed} people inactive since before {before:%Y-%m-%d}, with all their answers")
    return 0

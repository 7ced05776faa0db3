"""`mitsprache export`, `review`, `audit` and `purge`: what staff do with the answers."""

from __future__ import annotations

import argparse
import contextlib
import errno
import getpass
import os
import shutil
import socket
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.common import (
    EXIT_CONFIG,
    FileProblem,
    Problem,
    actions,
    command,
    confirm,
    database,
    fail,
    first_line,
    in_loop,
)
from dialogs.vocabulary import FIELD_IDS
from storage.vocabulary import EXPORT_FORMATS, REVIEW_STATUSES

if TYPE_CHECKING:
    from bot.cli.common import Subparsers
    from bot.settings import Settings
    from bot.usecases.exports import ReleaseSummary

STDOUT = "-"
# As storage/releases/writers names them (not imported: `--help` must not load openpyxl).
SUFFIXES = {".xlsx": "xlsx", ".zip": "csv", ".html": "html", ".htm": "html", ".json": "json"}


def register(sub: Subparsers) -> None:
    exp = command(
        sub, "export",
        summary="release one Handlungsfeld to its working group: protected tables and free texts",
        description=f"""
            Write a release of one field for its working group. By default it holds tables: per question
            the counts per answer with the base (asked, answered, "Keine Angabe"), scale means and medians,
            and breakdowns by district, age, time in Germany, gender, region and language; only people who
            pressed "Absenden" are counted. Counts below k (MITSPRACHE_K_ANONYMITY; at least 10 for
            gesundheit) are hidden, and further counts where a hidden one could be worked out from totals
            or other tables. Free texts released with `mitsprache review` come as a separate shuffled
            list, scrubbed, cut off from every other answer. A new release is refused while it differs
            from an earlier one by fewer than k people (joined, deleted or changed answers): two files
            could be subtracted. The format follows the file name ({", ".join(f"*{s}" for s in SUFFIXES)};
            a CSV release is a ZIP of tables with a LIESMICH.txt); --format must agree with it. With -o -
            the file goes to standard output (give --format) and the summary to standard error. Every
            release is recorded in the audit log (`mitsprache audit`).""",
        examples=[
            ("mitsprache export --field gesundheit -o gesundheit.xlsx",
             "an Excel workbook: tables with a chart per question, breakdowns, free texts, explanations"),
            ("mitsprache export --field wohnen -o wohnen.html",
             "a report to read in the browser or save as PDF"),
            ("mitsprache export --field wohnen -o wohnen.zip",
             "CSV tables for Excel or LibreOffice (UTF-8 with BOM, ';' between columns) and LIESMICH.txt"),
            ("mitsprache export --field arbeit --format json -o - | jq .",
             "JSON to standard output"),
            ("mitsprache export --field arbeit --microdata -o arbeit.xlsx",
             "admins only, by exception: also row-level data, k-anonymous over demographics and answers"),
        ],
    )  # fmt: skip
    exp.add_argument("--field", required=True, choices=FIELD_IDS, metavar="FIELD",
                     help=f"the Handlungsfeld: {', '.join(FIELD_IDS)}")  # fmt: skip
    exp.add_argument("--format", choices=EXPORT_FORMATS, dest="fmt", default=None, metavar="FORMAT",
                     help=f"{', '.join(EXPORT_FORMATS)} (default: as the file is named; "
                          "needed with -o -)")  # fmt: skip
    exp.add_argument("-o", "--output", required=True, type=Path, metavar="FILE",
                     help="the file to write, or - for standard output")  # fmt: skip
    exp.add_argument("--partial", action="store_true",
                     help="also count the answers of people who never pressed 'Absenden', in tables of "
                          "their own marked 'nur angefangen'")  # fmt: skip
    exp.add_argument("--microdata", action="store_true",
                     help="also write row-level data (one row per person who submitted), generalised or "
                          "left out until every row shares its demographics and answers with k-1 others; "
                          "no free text; a file of its own, without tables. Only for the admin, on "
                          "the server: never sent through Telegram")  # fmt: skip
    exp.set_defaults(handler=in_loop(export))

    review = command(
        sub, "review",
        summary="release or withhold free-text answers for export",
        description="""
            Free-text answers are exported only once staff released them: they may name people or
            places that scrubbing does not catch. `review list` shows them scrubbed, exactly as they
            would be exported; `review release` and `review withhold` decide by number. Each text is
            scrubbed once, when it is first listed or released, and the scrubbed form is kept for it
            (exports read it); a text the person changes afterwards is scrubbed again and waits for a
            decision again.""",
        examples=[("mitsprache review list --field gesundheit", "health texts waiting for a decision"),
                  ("mitsprache review release 12 15", "release answers 12 and 15"),
                  ("mitsprache review withhold 13", "keep answer 13 out of every export")],
    )  # fmt: skip
    action = actions(review, "review_command")
    listing = command(
        action, "list",
        summary="show the scrubbed free-text answers of a field",
        description="""
            The free-text answers of a field, scrubbed, each with its number and question; by default
            only those waiting for a decision. A text listed for the first time (or changed since) is
            scrubbed now and its scrubbed form kept: this is the form an export shows.""",
        examples=[("mitsprache review list --field wohnen", "texts waiting for a decision"),
                  ("mitsprache review list --field wohnen --status released", "texts already released")],
    )  # fmt: skip
    listing.add_argument("--field", required=True, choices=FIELD_IDS, metavar="FIELD",
                         help=f"the Handlungsfeld: {', '.join(FIELD_IDS)}")  # fmt: skip
    listing.add_argument("--status", choices=REVIEW_STATUSES, default="pending",
                         help=f"{', '.join(REVIEW_STATUSES)} (default: pending)")  # fmt: skip
    listing.set_defaults(handler=in_loop(review_list))
    for verb, effect in (("release", "exported"), ("withhold", "kept out of exports")):
        decision = command(
            action, verb,
            summary=f"{verb} answers by their number, or all pending ones",
            description=f"""
                {verb.capitalize()} free-text answers: they are {effect} as they are now (scrubbed; a
                released text that was never listed is scrubbed now).
                Give their numbers from `mitsprache review list`, or --all for every answer still
                waiting for a decision (in one field with --field); --all shows how many and asks
                first, unless --yes is given.""",
            examples=[(f"mitsprache review {verb} 12 15", f"{verb} answers 12 and 15"),
                      (f"mitsprache review {verb} --all --field wohnen",
                       f"{verb} every pending answer about housing, after a yes"),
                      (f"mitsprache review {verb} --all --yes", "every pending answer, without asking")],
        )  # fmt: skip
        decision.add_argument("ids", nargs="*", type=int, metavar="ID",
                              help="answer numbers from `mitsprache review list`")  # fmt: skip
        decision.add_argument("--all", action="store_true", dest="all_pending",
                              help="every answer waiting for a decision")  # fmt: skip
        decision.add_argument("--field", choices=FIELD_IDS, metavar="FIELD",
                              help="with --all: only this field (default: every field)")  # fmt: skip
        decision.add_argument("--yes", action="store_true", help="with --all: do not ask")
        decision.set_defaults(handler=in_loop(review_decide))

    command(
        sub, "audit",
        summary="show the export audit log",
        description="""
            The newest 200 exports: when (UTC), who (cli: and the login name for the command line,
            telegram: and the user id for a staff member in Telegram), which field, which format, and
            how many respondents it held.""",
        examples=[("mitsprache audit", "who exported what, when")],
    ).set_defaults(handler=in_loop(show_audit))  # fmt: skip

    purge_ = command(
        sub, "purge",
        summary="delete everyone inactive for longer than the retention period",
        description="""
            Retention: delete everyone whose conversation has not moved for longer than the given
            period, with all their answers. It cannot be undone; --dry-run only counts them.""",
        examples=[("mitsprache purge --older-than 365d --dry-run", "how many would be deleted"),
                  ("mitsprache purge --older-than 365d", "delete them")],
    )  # fmt: skip
    purge_.add_argument("--older-than", required=True, type=_days, metavar="DAYS",
                        help="inactive for longer than this many days, e.g. 365d (or 365)")  # fmt: skip
    purge_.add_argument("--dry-run", action="store_true", help="only count who would be deleted")
    purge_.set_defaults(handler=in_loop(purge))


def _days(value: str) -> int:
    number = value.removesuffix("d")
    if not number.isdigit() or int(number) < 1:
        raise argparse.ArgumentTypeError(f"'{value}' is not a number of days such as 365d")
    return int(number)


def export_format(output: Path, given: str | None) -> str:
    """The format to write: the file name's, which --format (if given) must agree with."""
    if str(output) == STDOUT:
        if given is None:
            raise Problem(f"writing to standard output (-o -) needs --format ({', '.join(EXPORT_FORMATS)})")
        return given
    suffix = output.suffix.lower()
    if suffix == ".csv":
        raise Problem(
            f"a CSV release is a ZIP of tables with a LIESMICH.txt: name it {output.with_suffix('.zip').name}"
        )
    named = SUFFIXES.get(suffix)
    if given is None:
        if named is None:
            raise Problem(
                f"cannot tell the format from the name {output}: end it in "
                f"{', '.join(SUFFIXES)}, or give --format"
            )
        return named
    if suffix and named != given:
        raise Problem(
            f"{output} ends in {output.suffix} but --format is {given}: name it "
            f"{output.with_suffix('.' + given).name}, or leave out --format"
        )
    return given


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
    output: Path = args.output
    fmt = export_format(output, args.fmt)
    if str(output) != STDOUT:
        if (reason := unwritable(output)) is not None:  # before the export runs, not after
            raise FileProblem("write", output, reason)
        summary = await _export(settings, args, fmt, output)
        print(f"{output}: {_summary(summary)}")
        return 0
    if fmt == "xlsx" and sys.stdout.isatty():
        raise Problem(
            "an XLSX file is binary: redirect standard output to a file (> export.xlsx) or use -o FILE"
        )
    with tempfile.TemporaryDirectory(prefix="mitsprache-export-") as folder:
        written = Path(folder) / f"export.{fmt}"
        summary = await _export(settings, args, fmt, written)
        with written.open("rb") as source, _stdout_closed_early():
            shutil.copyfileobj(source, sys.stdout.buffer)
            sys.stdout.buffer.flush()
    print(f"standard output: {_summary(summary)}", file=sys.stderr)  # stdout holds the file
    return 0


async def _export(settings: Settings, args: argparse.Namespace, fmt: str, output: Path) -> ReleaseSummary:
    from bot.usecases import exports

    async with database(settings) as rt:
        try:
            return await exports.export_field(
                rt.sessions, rt.catalogue, args.field, fmt, output,
                settings.k_anonymity, f"cli:{getpass.getuser()}",
                partial=args.partial, microdata=args.microdata,
            )  # fmt: skip
        except exports.ReleaseRefused as refused:
            raise Problem(refused.refusal.message()) from None
        except OSError as exc:
            if isinstance(exc, ConnectionError | socket.gaierror | TimeoutError):
                raise  # the database's
            if exc.filename not in (None, str(output)):
                raise  # another file: the message names it
            raise FileProblem("write", output, exc.strerror or first_line(exc)) from exc


def _summary(s: ReleaseSummary) -> str:
    parts = [f"{s.respondents} respondents who submitted (k={s.k})"]
    if s.started_only is not None:
        parts.append(f"{s.started_only} who only started, counted apart")
    parts.append(f"{s.hidden_small} counts hidden as below k, {s.hidden_protect} more to protect them")
    if s.withheld_questions:
        parts.append(f"{s.withheld_questions} questions withheld (too few people to show them safely)")
    parts.append(f"{s.released_texts} free texts released, {s.held_back_texts} held back")
    if s.microdata_rows is not None:
        parts.append(f"{s.microdata_rows} k-anonymous rows ({s.removed_rows} left out)")
    return ", ".join(parts)


@contextlib.contextmanager
def _stdout_closed_early() -> Iterator[None]:
    """A reader that stops early (`| head`) is no error; Python would report the broken pipe again at
    exit unless standard output goes nowhere from then on."""
    try:
        yield
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


async def review_list(settings: Settings, args: argparse.Namespace) -> int:
    from bot.usecases import reviews

    async with database(settings) as rt:
        listed = await reviews.listing(rt.sessions, rt.catalogue, args.field, args.status)
    for item in listed:
        print(f"[{item.answer_id}] {item.question} ({item.status}): {item.scrubbed}")
    print(f"{len(listed)} {args.status} free-text answers in {args.field}")
    return 0


async def review_decide(settings: Settings, args: argparse.Namespace) -> int:
    from bot.usecases import reviews

    verb = args.review_command
    status = "released" if verb == "release" else "withheld"
    if args.all_pending == bool(args.ids):
        return fail(f"give the numbers of the answers to {verb}, or --all (not both)", EXIT_CONFIG)
    if not args.all_pending and (args.field or args.yes):
        return fail("--field and --yes go with --all", EXIT_CONFIG)
    reviewer = f"cli:{getpass.getuser()}"
    async with database(settings) as rt:
        ids: list[int] = args.ids
        if args.all_pending:
            where = f"in {args.field}" if args.field else "in any field"
            ids = await reviews.pending(rt.sessions, rt.catalogue, [args.field] if args.field else FIELD_IDS)
            if not ids:
                print(f"no free-text answers waiting for a decision {where}")
                return 0
            where = f"in {args.field}" if args.field else "in all fields"
            question = f"{verb.capitalize()} all {len(ids)} pending free-text answers {where}?"
            if not args.yes:
                if not sys.stdin.isatty():
                    return fail(
                        f"{len(ids)} pending free-text answers {where} would be {status}; there is no "
                        "terminal to ask on, so add --yes to confirm",
                        EXIT_CONFIG,
                    )
                if not confirm(question):
                    print(f"nothing {status}")
                    return 1
        missing = await reviews.decide(rt.sessions, rt.catalogue, ids, status, reviewer)
    if missing:
        return fail(f"no free-text answer with number(s) {', '.join(map(str, missing))}")
    if args.all_pending:
        print(f"{status}: {len(ids)} free-text answers {where}")
    else:
        print(f"{status}: {', '.join(map(str, ids))}")
    return 0


async def show_audit(settings: Settings, args: argparse.Namespace) -> int:
    from storage import audit

    async with database(settings) as rt, rt.sessions() as session:
        rows = await audit.entries(session)
    print(f"{'when (UTC)':<20} {'who':<24} {'field':<14} {'format':<6} rows")
    for entry in rows:
        when = entry.at.strftime("%Y-%m-%d %H:%M")
        print(f"{when:<20} {entry.actor:<24} {entry.field:<14} {entry.format:<6} {entry.rows}")
    return 0


async def purge(settings: Settings, args: argparse.Namespace) -> int:
    from storage.conversations import ConversationRepository
    from storage.dialect import reclaim

    before = datetime.now(UTC) - timedelta(days=args.older_than)
    async with database(settings) as rt, rt.sessions() as session, session.begin():
        people = ConversationRepository(session)
        if args.dry_run:
            counted = await people.count_inactive(before)
            print(
                f"would delete {counted} people inactive since before {before:%Y-%m-%d}, with all their "
                "answers (dry run: nothing deleted)"
            )
            return 0
        removed = await people.purge_inactive(before, rt.key)
    async with database(settings) as rt:
        await reclaim(rt.engine)  # gone from the files too, not only from the tables
    print(f"deleted {removed} people inactive since before {before:%Y-%m-%d}, with all their answers")
    return 0

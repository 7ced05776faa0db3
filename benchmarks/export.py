"""How fast a field's release (protected tables, free-text list) is made and written, and how much memory
it needs, per format and backend.

A synthetic data set is written first, with bulk inserts (Core executemany in chunks on SQLite,
COPY through the asyncpg connection on PostgreSQL), into a temporary SQLite file and/or a fresh
PostgreSQL database that is dropped at the end. Its shape follows what the bot stores:

- participants with a random 64-hex pseudonym and one of the shipped locales (skewed, as the
  languages of the people are);
- their "about" answers (bezirk, alter, zeit_in_de, geschlecht, herkunft_region), drawn with
  skewed weights from the real catalogue's option ids, so that the k-suppression of rare
  combinations is as realistic as it gets without real data;
- one answer per person and question for every question of the field: an option id (single),
  a list of ids (multi), 1..5 (scale), ja/nein (yesno), sometimes "no_answer", and a short
  sentence for text questions, some with a phone number; answered_at spread over four months;
- text reviews: about half of the free texts released (with the matching hash), a tenth withheld;
  a released text carries its stored scrubbed form, as staff review leaves it (bot/usecases/reviews.py).

N (`--answers`) counts the field answers; the number of people is N divided by the number of
questions in the field. Several sizes (`--answers 100000,1000000`) are measured one after the other,
each on a data set of its own, and compared at the end: whether the CSV release keeps up with COPY
(the target: at least a quarter of its answers per second) and whether its peak RSS stays under
200 MB and flat when the number of people grows.

Nine in ten people sent the field (a FieldCompletion row); a release counts only them. Then
`storage.releases.build.make_release` runs, and its result goes through each writer of
`storage.releases.writers.WRITERS` (csv as a ZIP, xlsx, json, html) into a temporary file. A release
reads the scrubbed form stored with each text and never scrubs (the scrubber runs once per text, when
staff list or release it; benchmarks/scrubbing.py prints its cost per text); the stored form here is the
text itself, so the figures are the release's own cost. Measured per format: seconds, respondents and
answers per second, and the peak RSS. Every format runs in a fresh child process (this script, re-
invoked with a hidden `--one-format`) that reads its peak RSS at its end, so the formats do not
share a high-water mark; a baseline child that only imports the modules, loads the catalogue and
connects shows how much of that peak is the export's own growth. On Linux the peak is VmHWM from
/proc/self/status rather than `getrusage(RUSAGE_SELF).ru_maxrss`: Linux carries the parent's RSS
into a child's ru_maxrss across fork + exec, so after generating a large data set every child would
report the parent's size. Elsewhere ru_maxrss is used.

On PostgreSQL, PostgreSQL's own `COPY (SELECT pseudonym, field, question, value, answered_at
FROM answers WHERE field = ...) TO STDOUT` of the same rows into a temporary file is timed as
the reference, three times; the median counts (one run alone varies by half on a busy machine): no
export can read the rows faster than that. Each format's speed is also given as a share of COPY's
answers per second. A release reads with COPY as well (storage/dialect.read_columns), in four
statements.

The CSV child then runs the steps of `make_release` and the writer once more, one at a time, and
prints their seconds (after its peak RSS is taken): reading (storage/releases/tally.py), counting the
tables (tables.true_questions), protecting them (protection.protect_field), the free texts and who
answered, and writing the file.

    python benchmarks/export.py [--answers N[,N...]] [--field ID] [--backend sqlite|postgresql|both]
                                [--postgres-url URL] [--seed S]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine  # noqa: E402

from storage.releases.build import make_release, release_of  # noqa: E402
from storage.releases.protection import protect_field  # noqa: E402
from storage.releases.tables import DEMOGRAPHICS, true_questions, who  # noqa: E402
from storage.releases.tally import read_tally  # noqa: E402
from storage.releases.texts import free_texts  # noqa: E402
from storage.releases.thresholds import k_for  # noqa: E402
from storage.releases.writers import WRITERS  # noqa: E402
from storage.reviews import text_hash  # noqa: E402

FORMATS = tuple(WRITERS)
QUASI_IDENTIFIERS = tuple(question for question, _ in DEMOGRAPHICS)

from benchmarks.scratch_db import add_postgres_url, postgres_database, postgres_reachable  # noqa: E402
from dialogs.definitions import ABOUT_ID, NO, NO_ANSWER, YES, Catalogue, Question, load_catalogue  # noqa: E402
from storage.db import create_engine, session_factory  # noqa: E402
from storage.models import Answer, FieldCompletion, Participant, TextReview  # noqa: E402

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
CHUNK = 10_000  # rows per executemany / COPY
PROC_STATUS = Path("/proc/self/status")
URL_ENV = "MITSPRACHE_BENCH_EXPORT_URL"  # the child's database URL: not on the command line
RESULT_PREFIX = "RESULT "
BASELINE = "baseline"
SCRUBBED_COLUMNS = ("scrubbed", "scrubbed_hash", "scrubbed_by")
SCRUBBED_BY = "bench"  # the stored forms' scrubber: the identity
K = 5  # as the bot's default (MITSPRACHE_K_ANONYMITY); make_release raises it for sensitive fields
COPY_TARGET = 0.25  # the CSV release should manage at least this share of COPY's answers per second
# ... at this size (issue 13). Smaller releases pay fixed costs (the protection audit takes about a
# second at 10,000 people, more than reading their rows), which COPY does not.
COPY_TARGET_ANSWERS = 1_000_000
# COPY is timed this often, and its median is the reference: one run alone varies by half on a busy
# machine (the exports are one run each; their step-by-step second run shows how much they vary).
COPY_RUNS = 3
RSS_LIMIT_MB = 200
START = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
SPREAD = timedelta(days=120)
# Rough shares of the languages of the people the bot is for; others get 1.
LOCALE_WEIGHTS = {"uk": 30, "ar": 25, "fa": 12, "ru": 10, "tr": 8, "de": 5, "en": 4, "ku": 3, "ps": 3}
# Where people writing in a language mostly come from (herkunft_region option ids).
LOCALE_REGIONS = {
    "uk": ("osteuropa",),
    "ru": ("osteuropa", "balkan_kaukasus", "zentral_suedasien"),
    "ar": ("westasien", "nordafrika"),
    "fa": ("zentral_suedasien", "westasien"),
    "ps": ("zentral_suedasien",),
    "ku": ("westasien",),
    "tr": ("westasien",),
    "ti": ("ostafrika",),
    "ro": ("osteuropa", "balkan_kaukasus"),
    "vi": ("ost_suedostasien",),
    "en": ("west_zentralafrika", "ostafrika", "amerika", "andere"),
}
SENTENCES = (
    "Die Heizung in unserem Zimmer ist seit Wochen kaputt.",
    "Wir sind sechs Personen in einem Zimmer, es gibt keinen Platz zum Lernen.",
    "Ich suche seit einem Jahr eine Wohnung, aber niemand antwortet.",
    "Das Internet in der Unterkunft funktioniert fast nie.",
    "Die Briefe vom Amt verstehe ich nicht, niemand erklärt sie.",
    "We need more help with the Jobcenter, the letters are very difficult.",
    "Мы живём в хостеле уже восемь месяцев.",
    "المطبخ مشترك بين عشرين عائلة.",
    "Danke für die Umfrage.",
)
PHONE_SENTENCES = (
    "Bitte rufen Sie mich an: 0151 {n}",
    "Meine Nummer ist +49 176 {n}, ich kann mehr erzählen.",
    "Call me on 0157 {n} please.",
)


# -- the data set --------------------------------------------------------------------------------


@dataclass
class Block:
    """Rows for a group of people; answers carry the Python value (serialised per backend)."""

    participants: list[tuple[str, str, datetime]] = field(default_factory=list)
    answers: list[tuple[int, str, str, str, Any, datetime]] = field(default_factory=list)
    reviews: list[tuple[int, str, str, str, datetime]] = field(default_factory=list)
    completions: list[tuple[str, str, datetime]] = field(default_factory=list)
    scrubbed: dict[int, str] = field(default_factory=dict)  # answer id: stored scrubbed form (released)

    def scrubbed_columns(self, answer_id: int) -> tuple[str | None, str | None, str | None]:
        """(scrubbed, scrubbed_hash, scrubbed_by) of an answer."""
        form = self.scrubbed.get(answer_id)
        return (form, text_hash(form), SCRUBBED_BY) if form is not None else (None, None, None)


@dataclass
class Generated:
    people: int = 0
    field_answers: int = 0
    about_answers: int = 0
    reviews: int = 0
    submitted: int = 0
    seconds: float = 0.0
    draw_seconds: float = 0.0  # of `seconds`: drawing the values in Python

    @property
    def rows(self) -> int:
        return self.people + self.field_answers + self.about_answers + self.reviews


class DataSet:
    """Draws people and their answers; every value is valid for its question."""

    def __init__(self, catalogue: Catalogue, field_id: str, locales: Sequence[str], seed: int) -> None:
        questionnaire = catalogue.get(field_id)
        if questionnaire is None or field_id == ABOUT_ID:
            raise SystemExit(f"unknown field '{field_id}'; known: {', '.join(catalogue.field_ids)}")
        self.field_id = field_id
        self.questions = list(questionnaire.questions)
        self.about = [q for q in catalogue.about.questions if q.id in QUASI_IDENTIFIERS]
        self.rng = random.Random(seed)
        self.locales = list(locales)
        self.locale_weights = list(itertools.accumulate(LOCALE_WEIGHTS.get(loc, 1) for loc in self.locales))
        self.next_answer_id = 1
        # Drawn a million times: the option lists and weights are worked out once.
        self.cum_weights: dict[int, list[float]] = {}
        self.about_values = {q.id: q.answer_ids() for q in self.about}
        self.options = {q.id: [o.id for o in q.options or []] for q in self.questions}
        self.exclusive = {
            q.id: [o for o in self.options[q.id] if o in q.exclusive_ids()] for q in self.questions
        }
        self.plain = {
            q.id: [o for o in self.options[q.id] if o not in q.exclusive_ids()] for q in self.questions
        }

    def _skewed(self, values: Sequence[Any]) -> Any:
        """Earlier options are likelier (rank^-1.5), so common combinations exist next to rare ones.

        With the locale and region correlated, about half of 11,000 people and a fifth of 110,000
        fall into groups smaller than k = 5.
        """
        cum = self.cum_weights.get(len(values))
        if cum is None:
            cum = list(itertools.accumulate((rank + 1) ** -1.5 for rank in range(len(values))))
            self.cum_weights[len(values)] = cum
        return self.rng.choices(values, cum_weights=cum)[0]

    def value(self, question: Question) -> Any:
        rng = self.rng
        if question.type == "text":
            if rng.random() < 0.15:
                return rng.choice(PHONE_SENTENCES).format(n=rng.randint(1_000_000, 9_999_999))
            return rng.choice(SENTENCES)
        if question.offers_no_answer and rng.random() < 0.04:
            return [NO_ANSWER] if question.type == "multi" else NO_ANSWER
        if question.type == "scale":
            return rng.randint(1, 5)
        if question.type == "yesno":
            return YES if rng.random() < 0.6 else NO
        if question.type == "single":
            return self._skewed(self.options[question.id])
        exclusive, plain = self.exclusive[question.id], self.plain[question.id]
        if exclusive and rng.random() < 0.08:
            return [rng.choice(exclusive)]
        count = rng.randint(question.min_choices, min(question.max_choices, len(plain)))
        return rng.sample(plain, count)

    def block(self, people: int) -> Block:
        rng, out = self.rng, Block()
        for _ in range(people):
            person = f"{rng.getrandbits(256):064x}"
            locale = rng.choices(self.locales, cum_weights=self.locale_weights)[0]
            consented = START + SPREAD * rng.random()
            out.participants.append((person, locale, consented))
            at = consented
            for question in self.about:
                at += timedelta(seconds=rng.uniform(3, 40))
                value = self._skewed(self.about_values[question.id])
                if question.id == "herkunft_region" and locale in LOCALE_REGIONS and rng.random() < 0.9:
                    value = self._skewed(LOCALE_REGIONS[locale])  # language and origin go together
                out.answers.append((self._id(), person, ABOUT_ID, question.id, value, at))
            at += timedelta(minutes=rng.uniform(0, 60 * 24 * 14))  # the field, up to two weeks later
            for question in self.questions:
                at += timedelta(seconds=rng.uniform(5, 90))
                answer_id, value = self._id(), self.value(question)
                out.answers.append((answer_id, person, self.field_id, question.id, value, at))
                if question.type == "text":
                    draw = rng.random()
                    status = "released" if draw < 0.5 else "withheld" if draw < 0.6 else None
                    if status:
                        reviewed = at + timedelta(days=rng.uniform(1, 10))
                        out.reviews.append((answer_id, text_hash(value), status, "cli:bench", reviewed))
                    if status == "released":
                        out.scrubbed[answer_id] = value  # the identity: the release's own cost
            if rng.random() < 0.9:  # the others never pressed "Absenden"
                out.completions.append((person, self.field_id, at + timedelta(seconds=30)))
        return out

    def _id(self) -> int:
        self.next_answer_id += 1
        return self.next_answer_id - 1

    def blocks(self, people: int) -> Iterator[Block]:
        per_block = max(1, CHUNK // (len(self.questions) + len(self.about)))
        for start in range(0, people, per_block):
            yield self.block(min(per_block, people - start))


async def write_sqlite(conn: AsyncConnection, block: Block) -> None:
    """Core executemany; the JSON column serialises the values."""
    await conn.execute(
        insert(Participant),
        [{"pseudonym": p, "locale": loc, "consented_at": at} for p, loc, at in block.participants],
    )
    await conn.execute(
        insert(Answer),
        [
            {
                "id": i,
                "pseudonym": p,
                "field": f,
                "question": q,
                "value": v,
                "answered_at": at,
                **dict(zip(SCRUBBED_COLUMNS, block.scrubbed_columns(i), strict=True)),
            }
            for i, p, f, q, v, at in block.answers
        ],
    )
    if block.completions:
        await conn.execute(
            insert(FieldCompletion),
            [{"pseudonym": p, "field": f, "completed_at": at} for p, f, at in block.completions],
        )
    if block.reviews:
        await conn.execute(
            insert(TextReview),
            [
                {"answer_id": i, "text_hash": h, "status": s, "reviewer": r, "reviewed_at": at}
                for i, h, s, r, at in block.reviews
            ],
        )


async def write_postgres(raw: Any, block: Block) -> None:
    """Binary COPY through asyncpg; json values go in as text (SQLAlchemy's json codec)."""
    await raw.copy_records_to_table(
        "participants", records=block.participants, columns=["pseudonym", "locale", "consented_at"]
    )
    await raw.copy_records_to_table(
        "answers",
        records=[
            (i, p, f, q, json.dumps(v), at, *block.scrubbed_columns(i)) for i, p, f, q, v, at in block.answers
        ],
        columns=["id", "pseudonym", "field", "question", "value", "answered_at", *SCRUBBED_COLUMNS],
    )
    if block.completions:
        await raw.copy_records_to_table(
            "field_completions", records=block.completions, columns=["pseudonym", "field", "completed_at"]
        )
    if block.reviews:
        await raw.copy_records_to_table(
            "text_reviews",
            records=block.reviews,
            columns=["answer_id", "text_hash", "status", "reviewer", "reviewed_at"],
        )


async def generate(engine: AsyncEngine, data: DataSet, people: int, postgres: bool) -> Generated:
    done = Generated()
    started = time.perf_counter()
    async with engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection if postgres else None
        blocks = data.blocks(people)
        while True:
            drawing = time.perf_counter()
            block = next(blocks, None)
            done.draw_seconds += time.perf_counter() - drawing
            if block is None:
                break
            if raw is not None:
                await write_postgres(raw, block)
            else:
                await write_sqlite(conn, block)
            done.people += len(block.participants)
            done.about_answers += len(block.participants) * len(data.about)
            done.field_answers += len(block.answers) - len(block.participants) * len(data.about)
            done.reviews += len(block.reviews)
            done.submitted += len(block.completions)
            await conn.commit()  # a transaction per chunk keeps SQLite's WAL small
        if postgres:
            # Explicit ids bypassed the sequence; and autovacuum would analyse the new tables soon.
            await conn.execute(
                text("SELECT setval(pg_get_serial_sequence('answers', 'id'), max(id)) FROM answers")
            )
            await conn.commit()
    if postgres:
        async with engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("ANALYZE"))
    done.seconds = time.perf_counter() - started
    return done


# -- one export in a child process ---------------------------------------------------------------


def peak_rss_mb() -> float:
    """This process's peak RSS in MB.

    On Linux this is VmHWM, the high-water mark of the process's own memory: `ru_maxrss` of a
    child started with fork/vfork + exec starts at the parent's RSS (Linux carries it across
    execve), which would hide the child's figure under the parent's. Elsewhere: `ru_maxrss`.
    """
    with contextlib.suppress(OSError):
        for line in PROC_STATUS.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 2**10
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS, KiB on Linux


def rss_source() -> str:
    return "VmHWM" if PROC_STATUS.exists() else "ru_maxrss"


async def one_format(fmt: str, url: str, field_id: str, out_dir: Path, stages: bool) -> dict[str, Any]:
    """Runs in the child: connect, export once (or, for the baseline, stop after connecting); with
    `stages`, then once more step by step."""
    catalogue = load_catalogue()
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        if fmt == BASELINE:
            return {"format": fmt, "peak_rss_mb": peak_rss_mb()}
        path = out_dir / f"export-{field_id}.{fmt}"
        async with session_factory(engine)() as session:
            started = time.perf_counter()
            release = await make_release(session, catalogue, field_id, k=K)
            built = time.perf_counter() - started
            WRITERS[fmt](release, path)
            seconds = time.perf_counter() - started
        size = path.stat().st_size
        path.unlink()
        peak = peak_rss_mb()
        steps = await stage_seconds(engine, catalogue, field_id, fmt, path) if stages else {}
    finally:
        await engine.dispose()
    return {
        "format": fmt,
        "seconds": seconds,
        "respondents": release.respondents,
        "built_seconds": built,
        "hidden": sum(
            1
            for q in release.questions
            if q.submitted
            for cell in [*q.submitted.cells, *(c for b in q.breakdowns for row in b.cells for c in row)]
            if cell.hidden
        ),
        "released": len(release.texts),
        "held_back": release.held_back_texts,
        "bytes": size,
        "peak_rss_mb": peak,
        "stages": steps,
    }


async def stage_seconds(
    engine: AsyncEngine, catalogue: Catalogue, field_id: str, fmt: str, path: Path
) -> dict[str, float]:
    """The steps of make_release and the writer, one at a time: seconds each."""
    k = k_for(field_id, K)
    steps: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        steps[name] = now - clock
        clock = now

    async with session_factory(engine)() as session:
        tally = await read_tally(session, catalogue, field_id)
    lap("reading")
    truth = true_questions(tally, k)
    lap("tables")
    protect_field(truth, k)
    lap("protection")
    who(tally, k)
    free_texts(tally, k, rng=random.Random(1))
    lap("texts and who")
    release = release_of(tally, k=k)  # all of the above again: not timed
    clock = time.perf_counter()
    WRITERS[fmt](release, path)
    lap("writing")
    path.unlink()  # noqa: ASYNC240 – the figures are taken; nothing waits on this
    return steps


async def run_child(fmt: str, url: str, field_id: str, out_dir: Path) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(SCRIPT),
        "--one-format",
        fmt,
        "--field",
        field_id,
        "--out-dir",
        str(out_dir),
        *(["--stages"] if fmt == "csv" else []),
        env={**os.environ, URL_ENV: url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    for line in out.decode().splitlines():
        if line.startswith(RESULT_PREFIX):
            result: dict[str, Any] = json.loads(line.removeprefix(RESULT_PREFIX))
            return result
    tail = "\n".join(err.decode(errors="replace").strip().splitlines()[-15:])
    raise RuntimeError(f"the {fmt} child exited with {process.returncode}:\n{tail}")


# -- PostgreSQL's own COPY as the reference ------------------------------------------------------


async def postgres_copy(engine: AsyncEngine, field_id: str, out_dir: Path) -> tuple[list[float], int]:
    """Seconds for COPY of the field's answers to a file, COPY_RUNS times, and the file's size."""
    path = out_dir / "copy.txt"
    query = "SELECT pseudonym, field, question, value, answered_at FROM answers WHERE field = $1"
    runs: list[float] = []
    async with engine.connect() as conn:
        raw = (await conn.get_raw_connection()).driver_connection
        assert raw is not None
        for _ in range(COPY_RUNS):
            started = time.perf_counter()
            await raw.copy_from_query(query, field_id, output=path)
            runs.append(time.perf_counter() - started)
    size = path.stat().st_size
    path.unlink()
    return runs, size


# -- the run -------------------------------------------------------------------------------------


def mb(size: int) -> str:
    return f"{size / 2**20:.1f}"


@dataclass
class Measured:
    """One size on one backend: each format's figures, and COPY's seconds (PostgreSQL)."""

    backend: str
    answers: int
    people: int
    formats: dict[str, dict[str, Any]] = field(default_factory=dict)
    copy_seconds: float | None = None
    ok: bool = True


async def bench_backend(
    label: str, url: str, args: argparse.Namespace, data: DataSet, people: int, backend: str
) -> Measured:
    from storage import migrate  # alembic: only the parent needs it, the children stay lean

    postgres = make_url(url).get_backend_name() == "postgresql"
    print(f"\n== {label}")
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
        made = await generate(engine, data, people, postgres)
    finally:
        await engine.dispose()  # on SQLite this also checkpoints the WAL before the children read
    measured = Measured(backend, made.field_answers, made.people)
    how = "COPY via asyncpg" if postgres else f"Core insert, executemany of {CHUNK:,} rows"
    print(
        f"Generated in {made.seconds:.1f} s ({how}): {made.people:,} participants, "
        f"{made.about_answers:,} 'about' answers, {made.field_answers:,} '{args.field}' answers, "
        f"{made.reviews:,} text reviews – {made.rows / made.seconds:,.0f} rows/s "
        f"(of the time, drawing the values in Python: {made.draw_seconds:.1f} s)"
    )
    with tempfile.TemporaryDirectory(prefix="mitsprache-bench-export-") as folder:
        out_dir = Path(folder)
        baseline = (await run_child(BASELINE, url, args.field, out_dir))["peak_rss_mb"]
        print(f"Baseline child (imports, catalogue, connect): peak RSS {baseline:.1f} MB")
        for fmt in FORMATS:
            try:
                measured.formats[fmt] = await run_child(fmt, url, args.field, out_dir)
            except RuntimeError as exc:
                print(f"{fmt:<7} FAILED: {exc}")
                measured.ok = False
        if postgres:
            engine = create_engine(url)
            try:
                copy_runs, copy_size = await postgres_copy(engine, args.field, out_dir)
                measured.copy_seconds = statistics.median(copy_runs)
            finally:
                await engine.dispose()
    copy_rate = made.field_answers / measured.copy_seconds if measured.copy_seconds else None
    header = (
        f"{'format':<7} {'respondents':>11} {'answers':>10} {'seconds':>8} {'answers/s':>10} "
        f"{'resp./s':>8} {'of COPY':>7} {'peak RSS MB':>11} {'growth MB':>9} {'file MB':>8}"
    )
    print(header)
    print("-" * len(header))
    notes: list[str] = []
    for fmt, r in measured.formats.items():
        if r["respondents"] != made.submitted:
            measured.ok = False
            notes.append(f"{fmt}: {r['respondents']:,} respondents released, {made.submitted:,} sent")
        seconds = r["seconds"]
        share = f"{made.field_answers / seconds / copy_rate:.2f}×" if copy_rate else ""
        print(
            f"{fmt:<7} {r['respondents']:>11,} {made.field_answers:>10,} {seconds:>8.2f} "
            f"{made.field_answers / seconds:>10,.0f} {r['respondents'] / seconds:>8,.0f} {share:>7} "
            f"{r['peak_rss_mb']:>11.1f} {r['peak_rss_mb'] - baseline:>+9.1f} {mb(r['bytes']):>8}"
        )
        stats_note = (
            f"making the release took {r['built_seconds']:.2f} s of it; {r['hidden']:,} counts hidden; "
            f"{r['released']:,} texts released, {r['held_back']:,} held back"
        )
        if stats_note not in notes:
            notes.append(stats_note)
    if measured.copy_seconds is not None:
        print(
            f"{'COPY':<7} {'':>11} {made.field_answers:>10,} {measured.copy_seconds:>8.2f} "
            f"{copy_rate:>10,.0f} {'':>8} {'1.00×':>7} {'(server)':>11} {'':>9} {mb(copy_size):>8}"
        )
        notes.append(
            "COPY: PostgreSQL's own COPY (SELECT ... WHERE field = ...) TO STDOUT, the reference: the median "
            f"of {COPY_RUNS} runs ({', '.join(f'{s:.2f}' for s in copy_runs)} s)"
        )
    steps = measured.formats.get("csv", {}).get("stages")
    if steps:
        notes.append(
            "csv step by step (a second run): "
            + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in steps.items())
            + f" = {sum(steps.values()):.2f} s"
        )
    for note in notes:
        print(f"  {note}")
    return measured


def summary(results: list[Measured]) -> None:
    """The CSV release against the targets: its share of COPY's speed, its peak RSS per size, flat."""
    print("\n== The CSV release against the targets")
    for backend in dict.fromkeys(m.backend for m in results):
        measured = [m for m in results if m.backend == backend and "csv" in m.formats]
        for m in measured:
            peak = m.formats["csv"]["peak_rss_mb"]
            line = f"{backend:<10} {m.answers:>9,} answers ({m.people:,} people): peak RSS {peak:.1f} MB "
            line += f"({'within' if peak <= RSS_LIMIT_MB else 'OVER'} {RSS_LIMIT_MB} MB)"
            if m.copy_seconds:
                share = m.copy_seconds / m.formats["csv"]["seconds"]
                line += f"; {share:.2f}× COPY's answers/s"
                if m.answers >= COPY_TARGET_ANSWERS:
                    met = "met" if share >= COPY_TARGET else "NOT met"
                    line += f" (target at least {COPY_TARGET}×: {met})"
                else:
                    line += f" (the target is set for {COPY_TARGET_ANSWERS:,} answers)"
            print(line)
        for small, large in itertools.pairwise(measured):
            a, b = small.formats["csv"]["peak_rss_mb"], large.formats["csv"]["peak_rss_mb"]
            print(
                f"{backend:<10} {large.people / small.people:.0f}× the people "
                f"({small.answers:,} → {large.answers:,} answers): peak RSS {a:.1f} → {b:.1f} MB "
                f"({b - a:+.1f} MB, ×{b / a:.2f})"
            )


async def main(args: argparse.Namespace) -> int:
    from bot.catalogs import shipped_locales  # only the parent needs it; the children stay lean

    catalogue = load_catalogue()
    locales = shipped_locales()
    questionnaire = catalogue.get(args.field)
    if questionnaire is None or args.field == ABOUT_ID:
        print(f"unknown field '{args.field}'; known: {', '.join(catalogue.field_ids)}", file=sys.stderr)
        return 2
    questions = len(questionnaire.questions)
    print(
        f"Mitsprache export benchmark: field '{args.field}' ({questions} questions), "
        f"{', '.join(f'{max(1, n // questions) * questions:,}' for n in args.answers)} answers "
        f"(asked for {', '.join(f'{n:,}' for n in args.answers)}); {len(locales)} locales; seed {args.seed}; "
        f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs"
    )
    print(
        "Free texts: the release reads their stored scrubbed forms and scrubs nothing (here the form is "
        "the text itself) – this measures the export, not the PII scrubber (benchmarks/scrubbing.py). "
        "Each format runs in a fresh child process; peak RSS is that process's high-water mark "
        f"({rss_source()})."
    )
    results: list[Measured] = []
    reachable = True
    for answers in args.answers:
        people = max(1, answers // questions)
        if args.backend in ("sqlite", "both"):
            with tempfile.TemporaryDirectory(prefix="mitsprache-bench-export-") as folder:
                url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
                data = DataSet(catalogue, args.field, locales, args.seed)
                label = f"SQLite (temporary file), {people * questions:,} answers"
                results.append(await bench_backend(label, url, args, data, people, "SQLite"))
        if args.backend in ("postgresql", "both") and reachable:
            shown = make_url(args.postgres_url).render_as_string(hide_password=True)
            reason = await postgres_reachable(args.postgres_url)
            if reason is not None:
                print(f"\nPostgreSQL at {shown} is not reachable ({reason}); skipped.")
                reachable = False
                continue
            async with postgres_database(args.postgres_url, "mitsprache_bench_export") as url:
                label = (
                    f"PostgreSQL (fresh database {make_url(url).database} on {shown}), "
                    f"{people * questions:,} answers"
                )
                data = DataSet(catalogue, args.field, locales, args.seed)
                results.append(await bench_backend(label, url, args, data, people, "PostgreSQL"))
    if not results:
        print("\nNothing was measured.")
        return 2
    summary(results)
    return 0 if all(m.ok for m in results) else 1


def sizes(value: str) -> list[int]:
    try:
        found = [int(part.replace("_", "")) for part in value.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number or a list of numbers: {value!r}") from None
    if not found or min(found) < 1:
        raise argparse.ArgumentTypeError("every size must be at least 1")
    return found


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--answers",
        type=sizes,
        default=[1_000_000],
        help="field answers to generate, or several sizes one after the other: 100000,1000000 "
        "(default 1000000)",
    )
    parser.add_argument("--field", default="wohnen", help="the Handlungsfeld to export (default wohnen)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    add_postgres_url(parser)
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated data (default 1)")
    # Internal: run one format's export in this (child) process and print its figures.
    parser.add_argument("--one-format", choices=(*FORMATS, BASELINE), help=argparse.SUPPRESS)
    parser.add_argument("--out-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--stages", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def child_main(args: argparse.Namespace) -> int:
    url = os.environ.get(URL_ENV)
    if not url or args.out_dir is None:
        print(f"--one-format needs {URL_ENV} and --out-dir", file=sys.stderr)
        return 2
    result = asyncio.run(one_format(args.one_format, url, args.field, args.out_dir, args.stages))
    print(RESULT_PREFIX + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    arguments = parse_args()
    sys.exit(child_main(arguments) if arguments.one_format else asyncio.run(main(arguments)))

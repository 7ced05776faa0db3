"""How much memory the bot takes: idle, and after many distinct people (nothing kept per person grows).

The bot under test is the real `mitsprache run` in a process of its own, started as an operator starts
it (long polling, the health check server, the paced sender, the default settings: throttling on),
against the strict fake Bot API of the tests served over HTTP by this script (benchmarks/updates.py
starts it the same way), on a scratch database. Its memory is read from /proc/<pid>/status: VmRSS (of
it, RssFile: pages of shared libraries and files) and VmHWM, the peak so far.

Idle: once the bot polls and its start-up work is done; then again after one person went through
/start, their language, "Ja, einverstanden" and "16 Jahre oder älter" (what a first person needs is
built then: statements, models, a language's calendar data). Target: at most 120 MB idle. A second row
is a bot with MITSPRACHE_WEB_URL set, which serves the web chat too.

Many people: then N distinct people (default 15,000, see --people) each do the same four steps, C at a
time, so each of them is stored; this script forgets a person once they are through. The bot's RSS is
read after a warm-up of W other people (default 1,000) and after every tenth of N; the growth from the
warm-up to the end is compared with the target of at most 20 MB. The readings are taken without
forcing a garbage collection in the bot (it is another process), so they wobble by a few MB. What may
still grow, up to a bound, is no per-person table: SQLite's page cache (2 MB per pooled connection at
most), SQLAlchemy's cache of compiled statements (500), asyncpg's statement cache, the allocator's
arenas.

The default N is 15,000 because four steps for each of 100,000 people take about an hour on a shared
2-core machine; the rate is printed, so that a longer run can be planned. MB are 10^6 bytes. Other
processes on the machine change the speed, hardly the memory. Exit status 1 if a person did not get
through, the stored participants do not match, or the bot logged a warning; 3 if a target is missed
(the growth only with --people 10,000 or more: fewer say little); 2 if nothing could be measured.

    python benchmarks/memory.py [--people N] [--concurrency C] [--warm-up W] [--skip-web]
                                [--backend sqlite|postgresql] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for benchmarks.* and tests.support

import aiogram

from benchmarks.scratch_db import add_postgres_url
from benchmarks.updates import (
    Person,
    Walk,
    WatchedTelegram,
    bot_process,
    count_rows,
    database,
    logged_problems,
)
from bot import catalogs
from bot.settings import Settings
from dialogs.definitions import load_catalogue
from storage.db import create_engine
from tests.support.fake_telegram import Json

IDLE_TARGET_MB = 120.0
GROWTH_TARGET_MB = 20.0
DEFAULT_PEOPLE = 15_000
MEANINGFUL_PEOPLE = 10_000  # below this a growth within the target proves little: not held against a run
FIRST_USER_ID = 900_000_001
IDLE_USER_ID = 7_400_001  # and the next: the first person of each bot
SETTLE_SECONDS = 3.0  # after the first long poll: the command menus are set, the sender's first pass is over
CLEAR_LOGS_EVERY = 1_000  # people
OK, FAILED, NOT_MEASURED, MISSED = 0, 1, 2, 3
# As an operator runs it: throttling on (benchmarks/updates.py turns it off for its fast people).
DEFAULTS = {"MITSPRACHE_THROTTLE_RATE": str(Settings.model_fields["throttle_rate"].default)}
WEB_CHAT = {**DEFAULTS, "MITSPRACHE_WEB_URL": "http://127.0.0.1"}


def mb(kilobytes: int) -> float:
    return kilobytes * 1024 / 1e6


def memory_of(pid: int) -> dict[str, int]:
    """VmRSS, RssFile and VmHWM of a process in kB, from /proc (Linux)."""
    fields: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "RssFile", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def verdict(value: float, target: float) -> str:
    return f"within the target of {target:g} MB" if value <= target else f"OVER the target of {target:g} MB"


# ----- people who come and go -----------------------------------------------------------------------------


class ForgetfulTelegram(WatchedTelegram):
    """The fake Bot API of benchmarks/updates.py, which forgets a person who is through, with the times
    it kept for them, so that this script stays small however many people pass."""

    def __init__(self) -> None:
        super().__init__()
        self._presses: dict[int, list[str]] = {}

    def press(self, user_id: int, message_id: int, data: str) -> Json:
        update = super().press(user_id, message_id, data)
        self._presses.setdefault(user_id, []).append(str(update["callback_query"]["id"]))
        return update

    def forget(self, user_id: int) -> None:
        super().forget(user_id)
        self.event_times.pop(user_id, None)
        for query in self._presses.pop(user_id, []):
            self.answered_at.pop(query, None)


class NoLatencies(list[float]):
    """Where an actor puts its latencies: nowhere (a list that grows would only cost this script)."""

    def append(self, value: float, /) -> None:
        pass


class FirstSteps(Walk):
    """/start, the language button, "Ja, einverstanden", "16 Jahre oder älter": a stored person."""

    async def run(self) -> None:
        await self.say("/start")
        await self.press_action("lang", self.person.locale)
        await self.press_action("agree")
        await self.press_action("adult")
        self.person.finished = True


@dataclass
class Crowd:
    fake: ForgetfulTelegram
    locales: list[str] = field(default_factory=catalogs.shipped_locales)
    fields: list[str] = field(default_factory=lambda: load_catalogue().field_ids)
    finished: int = 0
    failed: int = 0
    first_error: str | None = None

    async def walk(self, user_id: int) -> None:
        locale = self.locales[user_id % len(self.locales)]
        self.fake.add_user(user_id, first_name="Bench", language_code=locale)
        person = Person(user_id, locale, self.fields[user_id % len(self.fields)])
        try:
            await FirstSteps(self.fake, person, NoLatencies(), echo=False).run()
            self.finished += 1
        except Exception as exc:
            self.failed += 1
            self.first_error = self.first_error or f"person {user_id}: {type(exc).__name__}: {exc}"
        finally:
            self.fake.forget(user_id)

    async def run(
        self, first: int, count: int, concurrency: int, checkpoint: Callable[[int], None] | None = None
    ) -> None:
        """People `first` … `first + count - 1`, `concurrency` at a time; `checkpoint(done)` after each
        person (the other places' people are under way meanwhile, as with a busy bot)."""
        ids = iter(range(first, first + count))
        done = 0

        async def place() -> None:
            nonlocal done
            for user_id in ids:
                await self.walk(user_id)
                done += 1
                if done % CLEAR_LOGS_EVERY == 0:
                    self.fake.clear_logs()
                if checkpoint is not None:
                    checkpoint(done)

        await asyncio.gather(*(place() for _ in range(concurrency)))


# ----- the measurements -----------------------------------------------------------------------------------


@dataclass
class Idle:
    label: str
    idle: dict[str, int]
    after: dict[str, int]

    def row(self) -> str:
        idle, after = self.idle, self.after
        return (
            f"  {self.label:<26}{mb(idle['VmRSS']):>8.1f}{mb(idle['RssFile']):>7.1f}{mb(idle['VmHWM']):>8.1f}"
            f"{mb(after['VmRSS']):>15.1f}{mb(after['VmHWM']):>8.1f}"
        )


IDLE_HEADER = f"  {'':<26}{'RSS':>8}{'libs':>7}{'peak':>8}{'after 1 person':>15}{'peak':>8}"


async def idle_then_one_person(label: str, crowd: Crowd, pid: int, user_id: int) -> Idle:
    await asyncio.sleep(SETTLE_SECONDS)
    await crowd.fake.wait_idle(1.0, 60)
    idle = memory_of(pid)
    await crowd.walk(user_id)
    await crowd.fake.wait_idle(1.0, 60)
    return Idle(label, idle, memory_of(pid))


def print_idle(rows: list[Idle]) -> bool:
    print("\nThe idle bot: `mitsprache run` polling the fake Bot API (MB)")
    print(IDLE_HEADER)
    for row in rows:
        print(row.row())
    default = mb(rows[0].idle["VmRSS"])
    print(f"  idle RSS of the default bot {default:.1f} MB: {verdict(default, IDLE_TARGET_MB)}")
    print("  (libs: shared libraries and files in RSS; peak: VmHWM; after 1 person: idle again after one")
    print("  person's /start, language, consent and age)")
    return default <= IDLE_TARGET_MB


async def many_people(crowd: Crowd, pid: int, args: argparse.Namespace) -> bool:
    """Print the run with many people; True if the growth is within the target (or N too small to tell)."""
    print(f"\n{args.people:,} distinct people, four steps each, {args.concurrency} at a time")
    started = time.perf_counter()
    await crowd.run(FIRST_USER_ID - args.warm_up, args.warm_up, args.concurrency)
    await crowd.fake.wait_idle(1.0, 60)
    base = memory_of(pid)["VmRSS"]
    print(f"  warm-up of {args.warm_up:,} other people: {time.perf_counter() - started:.1f} s; "
          f"the bot's RSS {mb(base):.1f} MB")  # fmt: skip
    print(f"  {'people':>9}{'steps':>10}{'seconds':>9}{'steps/s':>9}{'RSS MB':>9}{'growth MB':>11}")
    started = time.perf_counter()
    step = max(1, args.people // 10)

    def checkpoint(done: int) -> None:
        if done % step and done != args.people:
            return
        rss = memory_of(pid)["VmRSS"]
        seconds = time.perf_counter() - started
        rate = 4 * done / seconds if seconds else 0.0
        figures = f"{seconds:>9.1f}{rate:>9.1f}{mb(rss):>9.1f}{mb(rss - base):>+11.1f}"
        print(f"  {done:>9,}{4 * done:>10,}{figures}", flush=True)

    await crowd.run(FIRST_USER_ID, args.people, args.concurrency, checkpoint)
    await crowd.fake.wait_idle(1.0, 60)
    end = memory_of(pid)
    growth = mb(end["VmRSS"] - base)
    print(f"  growth from the warm-up to {args.people:,} people, idle again: {growth:+.1f} MB, "
          f"{verdict(growth, GROWTH_TARGET_MB)}")  # fmt: skip
    if args.people < MEANINGFUL_PEOPLE:
        print(f"  (fewer than {MEANINGFUL_PEOPLE:,} people: too few to tell)")
    print(f"  the bot's RSS at the end {mb(end['VmRSS']):.1f} MB, peak {mb(end['VmHWM']):.1f} MB")
    return args.people < MEANINGFUL_PEOPLE or growth <= GROWTH_TARGET_MB


async def measure(backend: str, url: str, logs: Path, args: argparse.Namespace) -> int:
    rows: list[Idle] = []
    people = 0
    if not args.skip_web:  # the same measurement of a bot that serves the web chat too: idle only
        async with ForgetfulTelegram() as fake, bot_process("mitsprache", fake, url, logs / "web.log", None,
                                                             WEB_CHAT) as pid:  # fmt: skip
            web = await idle_then_one_person("long polling + web chat", Crowd(fake), pid, IDLE_USER_ID + 1)
            people += 1
    async with ForgetfulTelegram() as fake, bot_process("mitsprache", fake, url, logs / "bot.log", None,
                                                         DEFAULTS) as pid:  # fmt: skip
        crowd = Crowd(fake)
        rows.append(await idle_then_one_person("long polling (default)", crowd, pid, IDLE_USER_ID))
        if not args.skip_web:
            rows.append(web)
        idle_ok = print_idle(rows)
        growth_ok = await many_people(crowd, pid, args)
        people += 1 + args.warm_up + args.people
    db = create_engine(url)
    try:
        participants, _, _ = await count_rows(db)
    finally:
        await db.dispose()
    logged = [logs / "bot.log"] + ([] if args.skip_web else [logs / "web.log"])
    problems = [line for log in logged for line in logged_problems(log)] + fake.internal_errors
    ok = crowd.failed == 0 and participants == people and not problems
    tried = crowd.finished + crowd.failed
    print(f"  check ({backend}): {crowd.finished:,} of {tried:,} people through, {participants:,} of "
          f"{people:,} participants stored (both bots), {len(problems)} warnings logged"
          f" – {'ok' if ok else 'FAILED'}")  # fmt: skip
    if crowd.first_error:
        print(f"    first failure: {crowd.first_error}")
    for line in problems[:5]:
        print(f"    {line[:300]}")
    print(f"\nCorrectness check: {'passed' if ok else 'FAILED'}; "
          f"targets: {'met' if idle_ok and growth_ok else 'MISSED'}")  # fmt: skip
    return FAILED if not ok else OK if idle_ok and growth_ok else MISSED


async def main(args: argparse.Namespace) -> int:
    print(
        f"Mitsprache memory benchmark; aiogram {aiogram.__version__}, Python {platform.python_version()}, "
        f"{platform.machine()}, {os.cpu_count()} cores. MB are 10^6 bytes."
    )
    backend = "SQLite" if args.backend == "sqlite" else "PostgreSQL"
    async with database(backend, args) as url:
        if url is None:
            print(f"\n{backend} is not reachable at {args.postgres_url}: nothing measured.")
            return NOT_MEASURED
        print(f"Database: {backend} (a scratch one, dropped afterwards)")
        with tempfile.TemporaryDirectory(prefix="mitsprache-memory-") as logs:
            try:
                return await measure(backend, url, Path(logs), args)
            except (RuntimeError, TimeoutError) as exc:
                print(f"\nThe bot could not be measured: {exc}")
                return NOT_MEASURED


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--people", type=int, default=DEFAULT_PEOPLE, help=f"distinct people (default {DEFAULT_PEOPLE:,})"
    )
    parser.add_argument("--concurrency", type=int, default=10, help="people at a time (default 10)")
    parser.add_argument("--warm-up", type=int, default=1_000, help="people before the first reading (1,000)")
    parser.add_argument("--skip-web", action="store_true", help="no second bot with the web chat")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    add_postgres_url(parser)
    args = parser.parse_args(argv)
    if args.people < 1 or args.concurrency < 1 or args.warm_up < 1:
        parser.error("--people, --concurrency and --warm-up must be at least 1")
    return args


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))

"""How many Telegram actions a second the whole bot answers, next to a bare aiogram echo bot, measured
from outside.

The bot under test runs as its own process, exactly as `mitsprache run` starts it (long polling, every
middleware and router, the paced sender, real database writes), against the strict fake Bot API of the
tests (tests/support/fake_telegram.py) served over HTTP on 127.0.0.1 by this script. Simulated people
live in this script: each taps as soon as the bot has answered (throttle off) and goes through the
conversation as a real person would: /start, the language button, "Ja, einverstanden", "16 Jahre oder
älter", the "about you" block answered with "Keine Angabe", one field opened and every question
answered (the first button; a text for text questions; the first option and "Fertig" for multiple
choice), "Absenden" at the review.

An action is answered when the person can go on: for the full stack, when the bot has shown a message
with buttons (a new one, or the same one edited) and, for a button, answered the button press; for the
echo, when its echo arrived or the press was answered. The latency of an action runs from the moment
the update is waiting for the bot's getUpdates to the moment the fake Bot API received that answer.
The echo bot is aiogram alone, in a process started the same way: it answers a text with the text and
one button, and a button press with answerCallbackQuery. It replays the full stack's people action by
action (texts and presses in the same order, per person), so both carry the same load shape.

Every run is done with C people at a time (`--concurrency`, default "50,100") and `--rounds` people
per place (default 2: when one person is through, the next one starts). For each C the echo runs once
and the full stack once per backend, each on a fresh database. After each full-stack run the stored
rows are counted, so a run cannot silently measure failing updates: the script exits with status 1 if
they do not match (2 if nothing could be measured). Printed per run: actions, seconds, actions/s, p50
and p99 of the latency, and the full stack's actions/s divided by the echo's; then the targets of
issue 13 (÷ echo ≥ 0.5 on both databases, p99 at 100 people ≤ 100 ms on PostgreSQL and ≤ 250 ms on
SQLite), each met or not.

    python benchmarks/updates.py [--concurrency 50,100] [--rounds R]
                                 [--backend sqlite|postgresql|both] [--postgres-url URL]
                                 [--paced RATE] [--profile DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import resource
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for benchmarks.* and tests.support

import aiogram
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from benchmarks.scratch_db import add_postgres_url, postgres_database, postgres_reachable
from bot import catalogs
from bot.telegram import callbacks
from dialogs.definitions import load_catalogue
from storage import migrate
from storage.db import create_engine
from storage.models import Answer, FieldCompletion, Participant
from tests.support.fake_telegram import BotMessage, FakeTelegram, Json

TOKEN = "123456789:" + "A" * 35
KEY = "k" * 40
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
FREE_TEXT = "Wir brauchen mehr Dolmetscher in der Praxis."
FIRST_USER_ID = 700_000_001
WAIT = 120.0  # seconds before an unanswered action counts as lost (only reached when the bot hangs)
ECHO_DATA = "echo"
TARGET_RATIO = 0.5
TARGET_P99_MS = {"SQLite": 250.0, "PostgreSQL": 100.0}
TARGET_AT = 100  # people at once for the p99 targets


# --- the fake Bot API, telling people at once when their chat changes --------------------------


class WatchedTelegram(FakeTelegram):
    """The tests' strict fake Bot API; a person waiting for the bot is woken by the bot's call itself
    (no polling), and the time the fake received it is kept, so the harness's own delays do not count."""

    def __init__(self) -> None:
        super().__init__(token=TOKEN, bot_username="mitsprache_bench_bot")
        self._changes: dict[int, asyncio.Event] = {}
        self.event_times: dict[int, list[float]] = {}
        self.answered_at: dict[str, float] = {}

    def _record_event(self, message: BotMessage) -> None:
        super()._record_event(message)
        self.event_times.setdefault(message.chat_id, []).append(time.perf_counter())
        self._signal(message.chat_id)

    async def _answer_callback_query(self, params: Json) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        user_id = self._open_queries.get(query_id)
        result = await super()._answer_callback_query(params)
        if user_id is not None:
            self.answered_at[query_id] = time.perf_counter()
            self._signal(user_id)
        return result

    def _signal(self, chat_id: int) -> None:
        if (changed := self._changes.pop(chat_id, None)) is not None:
            changed.set()

    async def changed(self, chat_id: int) -> None:
        """Return once the bot has sent, edited or answered something in `chat_id`."""
        waiting = self._changes.setdefault(chat_id, asyncio.Event())
        await asyncio.wait_for(waiting.wait(), WAIT)

    def events(self, chat_id: int) -> list[BotMessage]:
        """Every message the bot sent or edited in the chat, as it was at that moment."""
        return self._events.get(chat_id, [])


# --- simulated people ----------------------------------------------------------------------------

LOCALES = catalogs.shipped_locales()


def action(button: Json) -> tuple[str, str]:
    """(action, argument) of a button: an engine action, or "lang" and a language code."""
    parsed = callbacks.parse(str(button.get("callback_data", "")), LOCALES)
    return (parsed.action, parsed.arg) if parsed is not None else ("", "")


class WalkError(RuntimeError):
    """The bot's replies were not what a person needs to go on."""


@dataclass
class Person:
    user_id: int
    locale: str
    field_id: str
    steps: list[tuple[str, str]] = field(default_factory=list)  # ("text", words) or ("press", data)
    answered: int = 0
    finished: bool = False
    error: str | None = None


class Actor:
    """Sends one person's actions and times each until the bot has answered it."""

    def __init__(
        self,
        fake: WatchedTelegram,
        person: Person,
        latencies: list[float],
        *,
        echo: bool,
        pace: float | None = None,
    ) -> None:
        self.fake, self.person, self.latencies, self.echo = fake, person, latencies, echo
        self.chat = person.user_id
        # With `pace`, one action every `pace` seconds at most (a person reading before tapping), the
        # first one at a random moment within it; otherwise as soon as the bot has answered.
        self.pace = pace
        self.next_at = time.perf_counter() + random.uniform(0, pace) if pace else 0.0

    async def say(self, words: str) -> None:
        self.person.steps.append(("text", words))
        await self._act(lambda: self.fake.send_text(self.chat, words))

    async def press(self, message: BotMessage, data: str) -> None:
        self.person.steps.append(("press", data))
        await self._act(lambda: self.fake.press(self.chat, message.message_id, data))

    async def _act(self, push: Callable[[], Json]) -> None:
        if self.pace:
            # The load's definition, not a wait for the bot: a paced person taps on their schedule.
            await asyncio.sleep(max(0.0, self.next_at - time.perf_counter()))
            self.next_at = max(self.next_at + self.pace, time.perf_counter())
        seen = len(self.fake.events(self.chat))
        sent_at = time.perf_counter()
        update = push()
        query = str(update["callback_query"]["id"]) if "callback_query" in update else None
        while (answered_at := self._answered(seen, query)) is None:
            await self.fake.changed(self.chat)
        self.latencies.append(answered_at - sent_at)

    def _answered(self, seen: int, query: str | None) -> float | None:
        """When the person could go on, or None while they still wait."""
        moments: list[float] = []
        if query is not None:
            if query not in self.fake.answered_at:
                return None
            moments.append(self.fake.answered_at[query])
        if query is None or not self.echo:
            events = self.fake.events(self.chat)[seen:]
            times = self.fake.event_times.get(self.chat, [])[seen:]
            shown = [t for event, t in zip(events, times, strict=True) if self.echo or event.buttons]
            if not shown:
                return None
            moments.append(shown[0])
        return max(moments)

    def last_with_buttons(self) -> BotMessage:
        for message in reversed(self.fake.messages(self.chat)):
            if message.buttons:
                return message
        raise WalkError("no message with buttons")


class Walk(Actor):
    """One person going through consent, the about block and one field of the real bot."""

    def find(self, wanted: str, arg: str | None = None) -> tuple[BotMessage, str] | None:
        message = self.last_with_buttons()
        for button in message.buttons:
            name, value = action(button)
            if name == wanted and (arg is None or value == arg):
                return message, str(button["callback_data"])
        return None

    async def press_action(self, wanted: str, arg: str | None = None) -> None:
        found = self.find(wanted, arg)
        if found is None:
            raise WalkError(f"no button {wanted!r} {arg or ''} after {len(self.person.steps)} actions")
        await self.press(*found)

    async def run(self) -> None:
        await self.say("/start")
        await self.press_action("lang", self.person.locale)
        await self.press_action("agree")  # "Ja, einverstanden"
        await self.press_action("adult")  # "16 Jahre oder älter"
        for _ in range(20):  # the about block: "Keine Angabe" to every question, then send
            if self.find("send") is not None:
                await self.press_action("send")
                break
            await self.press_action("pick", "no_answer")
            self.person.answered += 1  # "Keine Angabe" is stored
        else:
            raise WalkError("the about block did not end")
        await self.press_action("open", self.person.field_id)
        for _ in range(60):
            if self.find("send") is not None:  # the review
                await self.press_action("send")
                break
            if self.find("tog") is not None:  # multiple choice: first option, then "Fertig"
                await self.press_action("tog")
                await self.press_action("done")
            elif self.find("pick") is not None:
                await self.press_action("pick")
            else:  # a text question: only navigation buttons
                await self.say(FREE_TEXT)
            self.person.answered += 1
        else:
            raise WalkError("the questionnaire did not end")
        if self.find("open") is None and self.find("menu") is None:
            raise WalkError("no 'continue' buttons after sending the field")
        self.person.finished = True


class Replay(Actor):
    """The same person's actions, in order, sent to the echo bot."""

    def __init__(
        self, fake: WatchedTelegram, person: Person, latencies: list[float], pace: float | None = None
    ) -> None:
        super().__init__(fake, person, latencies, echo=True, pace=pace)
        self.script = list(person.steps)

    async def run(self) -> None:
        for kind, value in self.script:
            if kind == "text":
                await self.say(value)
            else:
                await self.press(self.last_with_buttons(), value)
        self.person.finished = True


def make_people(count: int, first_user_id: int) -> list[Person]:
    fields = load_catalogue().field_ids
    return [
        Person(first_user_id + i, LOCALES[i % len(LOCALES)], fields[i % len(fields)]) for i in range(count)
    ]


async def run_people(
    people: list[Person], concurrency: int, go: Callable[[Person], Awaitable[None]]
) -> float:
    """Wall-clock seconds for everyone, `concurrency` people at a time."""
    gate = asyncio.Semaphore(concurrency)

    async def one(person: Person) -> None:
        async with gate:
            try:
                await go(person)
            except Exception as exc:
                person.error = f"{type(exc).__name__}: {exc}"

    start = time.perf_counter()
    await asyncio.gather(*(one(person) for person in people))
    return time.perf_counter() - start


# --- the processes under test -------------------------------------------------------------------

ECHO_BOT = """
import asyncio, sys
from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

router = Router()
again = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Nochmal", callback_data="echo")]])

@router.message()
async def echo(message: Message) -> None:
    await message.answer(message.text or "...", reply_markup=again)

@router.callback_query()
async def pressed(query: CallbackQuery) -> None:
    await query.answer()

async def main() -> None:
    bot = Bot(sys.argv[2], session=AiohttpSession(api=TelegramAPIServer.from_base(sys.argv[1])))
    dp = Dispatcher()
    dp.include_router(router)
    await dp.start_polling(bot, allowed_updates=["message", "callback_query"], handle_signals=True)

asyncio.run(main())
"""


def bot_command(stack: str, api_url: str) -> list[str]:
    if stack == "echo":
        return [sys.executable, "-c", ECHO_BOT, api_url, TOKEN]
    mitsprache = Path(sys.executable).with_name("mitsprache")
    return [str(mitsprache) if mitsprache.exists() else shutil.which("mitsprache") or "mitsprache", "run"]


def bot_environment(api_url: str, database_url: str, data_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MITSPRACHE_")}
    env.update(
        MITSPRACHE_BOT_TOKEN=TOKEN,
        MITSPRACHE_TELEGRAM_API_URL=api_url,
        MITSPRACHE_DATABASE_URL=database_url,
        MITSPRACHE_PSEUDONYM_KEY=KEY,
        MITSPRACHE_DATA_DIR=str(data_dir),
        MITSPRACHE_THROTTLE_RATE="0",  # the people are fast on purpose
        MITSPRACHE_LISTEN_HOST="127.0.0.1",
        MITSPRACHE_LISTEN_PORT=str(port),
    )
    return env


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def bot_process(
    stack: str,
    fake: WatchedTelegram,
    database_url: str,
    log: Path,
    profile: Path | None,
    settings: Mapping[str, str] | None = None,
) -> AsyncIterator[int]:
    """The bot under test (its pid), polling the fake; stopped with SIGINT as an operator would. With
    `profile`, py-spy samples it from the outside while it runs; `settings` are MITSPRACHE_* variables
    that replace the benchmark's own."""
    with tempfile.TemporaryDirectory(prefix="mitsprache-bench-data-") as data_dir:
        env = bot_environment(fake.base_url, database_url, Path(data_dir), free_port())
        env.update(settings or {})
        with log.open("wb") as errors:
            proc = await asyncio.create_subprocess_exec(
                *bot_command(stack, fake.base_url),
                env=env, stdin=asyncio.subprocess.DEVNULL, stdout=errors, stderr=errors,
            )  # fmt: skip
            spy: asyncio.subprocess.Process | None = None
            try:
                polls = len(fake.calls("getUpdates"))
                await fake.wait_for(
                    lambda: len(fake.calls("getUpdates")) > polls or proc.returncode is not None
                )
                if proc.returncode is not None:
                    raise RuntimeError(f"the {stack} bot stopped at once; its log is in {log}")
                if profile is not None:
                    spy = await _py_spy(proc.pid, profile / f"{log.stem}.txt")
                yield proc.pid
            finally:
                if spy is not None:
                    await _stop(spy)
                await _stop(proc)


async def _py_spy(pid: int, out: Path) -> asyncio.subprocess.Process:
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    # --gil: only the thread holding the GIL, i.e. where the bot's Python CPU goes.
    options = ["--format", "raw", "--rate", "250", "--gil", "--nonblocking"]
    return await asyncio.create_subprocess_exec(
        spy, "record", "--pid", str(pid), *options, "-o", str(out),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


def cpu_seconds(pid: int | None = None) -> float | None:
    """User + system CPU seconds of a process so far (this one: None); None where /proc is missing."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime


async def _stop(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(proc.wait(), 60)
        except TimeoutError:
            proc.kill()
            await proc.wait()


# --- where the bot's CPU goes (with --profile) ------------------------------------------------------

# A sample counts for the part of its innermost frame that has a marker (py-spy raw format: "frame;
# frame;... count", outermost first; a frame reads "function (path/file.py:line)"). So pydantic work
# under aiogram's response check is a Bot API call, and under our repository it is storage.
PARTS = (
    ("Bot API calls (aiogram session, aiohttp client, response models)",
     ("aiohttp/", "aiogram/client/", "aiogram/methods/")),
    ("database driver and SQLAlchemy", ("sqlalchemy/", "asyncpg/", "aiosqlite/", "sqlite3/")),
    ("storage: our repositories, the state to and from JSON (storage/)", ("(storage/",)),
    ("conversation engine and views (dialogs/)", ("(dialogs/",)),
    ("rendering replies and buttons", ("(bot/telegram/render.py", "(bot/telegram/buttons.py",
                                       "(bot/telegram/callbacks.py")),
    ("our turn, middlewares and routers (bot/)", ("(bot/",)),
    ("aiogram dispatching and update types", ("aiogram/",)),
    ("logging", ("logging/",)),
    ("event loop (asyncio)", ("asyncio/", "selectors.py")),
)  # fmt: skip
REST = "the rest"


def part_of(frames: list[str]) -> str:
    for frame in reversed(frames):
        for name, marks in PARTS:
            if any(mark in frame for mark in marks):
                return name
    return REST


def cpu_parts(raw: Path) -> list[tuple[str, float]]:
    """Shares of the sampled CPU by part of the bot, largest first."""
    counts: dict[str, int] = {}
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, number = line.rpartition(" ")
        if stack and number.isdigit():
            part = part_of(stack.split(";"))
            counts[part] = counts.get(part, 0) + int(number)
    total = sum(counts.values())
    return (
        sorted(((name, n / total) for name, n in counts.items()), key=lambda item: -item[1]) if total else []
    )


# --- figures -------------------------------------------------------------------------------------


@dataclass
class Figures:
    label: str
    actions: int
    seconds: float
    latencies: list[float]
    bot_cpu: float | None = None  # CPU seconds of the bot process during the measured part
    harness_cpu: float | None = None  # and of this process (fake Bot API and people)

    def cpu_ms(self, seconds: float | None) -> str:
        return f"{seconds / self.actions * 1000:.1f}" if seconds is not None and self.actions else "n/a"

    @property
    def per_second(self) -> float:
        return self.actions / self.seconds if self.seconds else 0.0

    def percentile(self, p: int) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] * 1000 if self.latencies else 0.0
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1] * 1000


@dataclass
class Run:
    stack: str  # "echo", "SQLite", "PostgreSQL"
    concurrency: int
    rate: float | None  # actions/s the people offered together; None: each taps as soon as answered
    figures: Figures
    ok: bool
    check: str
    problems: list[str]
    profile: Path | None = None  # py-spy's samples of the bot process


async def count_rows(db: AsyncEngine) -> tuple[int, int, int]:
    async with db.connect() as conn:
        participants = (await conn.execute(select(func.count()).select_from(Participant))).scalar_one()
        answers = (await conn.execute(select(func.count()).select_from(Answer))).scalar_one()
        done = (await conn.execute(select(func.count()).select_from(FieldCompletion))).scalar_one()
    return int(participants), int(answers), int(done)


def logged_problems(log: Path) -> list[str]:
    """Warnings and errors the bot process logged (one JSON object a line; anything else counts)."""
    found = []
    for line in log.read_text(errors="replace").splitlines():
        try:
            record = json.loads(line)
        except ValueError:  # the echo bot logs plain text
            if "Received SIGINT" not in line:
                found.append(line)
            continue
        level = str(record.get("level", "")).upper()
        # aiogram logs the operator's stop (the SIGINT that ends every run) as a warning.
        if level in ("WARNING", "ERROR", "CRITICAL") and "Received SIGINT" not in str(record.get("message")):
            found.append(line)
    return found


async def run_stack(
    stack: str,
    database_url: str | None,
    concurrency: int,
    rounds: int,
    first_user_id: int,
    scripts: list[Person] | None,
    logs: Path,
    profile: Path | None,
    rate: float | None = None,
) -> tuple[Run, list[Person]]:
    """One measured run of the full stack (people walk) or the echo (people replay `scripts`); with
    `rate`, the people together offer that many actions a second instead of tapping at once."""
    pace = concurrency / rate if rate else None
    async with WatchedTelegram() as fake:
        if scripts is None:
            warm = make_people(1, first_user_id - 1)
            people = make_people(concurrency * rounds, first_user_id)
        else:
            warm, people = scripts[:1], scripts[1:]
        for person in warm + people:
            fake.add_user(person.user_id, first_name="Bench", language_code=person.locale)
        latencies: list[float] = []

        def go(person: Person, pace: float | None = pace) -> Awaitable[None]:
            if scripts is None:
                return Walk(fake, person, latencies, echo=False, pace=pace).run()
            return Replay(fake, person, latencies, pace).run()

        log = logs / f"{stack.lower()}-{concurrency}{f'-at-{rate:g}' if rate else ''}.log"
        url = database_url or "sqlite+aiosqlite://"
        stack_name = "echo" if scripts is not None else "mitsprache"
        async with bot_process(stack_name, fake, url, log, profile) as pid:
            # Warm-up, not measured: the first person compiles SQL and loads the catalogs.
            await run_people(warm, 1, lambda person: go(person, None))
            latencies.clear()
            bot_before, harness_before = cpu_seconds(pid), cpu_seconds()
            seconds = await run_people(people, concurrency, go)
            bot_after, harness_after = cpu_seconds(pid), cpu_seconds()
        figures = Figures(stack, len(latencies), seconds, latencies)
        if bot_before is not None and bot_after is not None:
            figures.bot_cpu = bot_after - bot_before
        if harness_before is not None and harness_after is not None:
            figures.harness_cpu = harness_after - harness_before
        everyone = warm + people
        finished = sum(p.finished for p in everyone)
        problems = logged_problems(log) + fake.internal_errors
        check = f"{finished} of {len(everyone)} people through"
        ok = finished == len(everyone) and not fake.internal_errors
        if scripts is None and database_url is not None:
            db = create_engine(database_url)
            try:
                participants, answers, done = await count_rows(db)
            finally:
                await db.dispose()
            expected = sum(p.answered for p in everyone)
            ok = ok and participants == len(everyone) and answers == expected and done == 2 * len(everyone)
            check += (
                f", {participants} participants, {answers} of {expected} answers and {done} of "
                f"{2 * len(everyone)} completed questionnaires stored"
            )
        for person in everyone:
            if person.error:
                problems.append(
                    f"person {person.user_id} ({person.locale}, {person.field_id}): {person.error}"
                )
        sampled = profile / f"{log.stem}.txt" if profile is not None else None
        return Run(stack, concurrency, rate, figures, ok, check, problems, sampled), warm + people


@contextlib.asynccontextmanager
async def database(backend: str, args: argparse.Namespace) -> AsyncIterator[str | None]:
    """A fresh, migrated database for one run (None: PostgreSQL is not reachable)."""
    if backend == "SQLite":
        with tempfile.TemporaryDirectory(prefix="mitsprache-bench-") as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
            await migrate_database(url)
            yield url
        return
    if await postgres_reachable(args.postgres_url) is not None:
        yield None
        return
    async with postgres_database(args.postgres_url) as url:
        await migrate_database(url)
        yield url


async def migrate_database(url: str) -> None:
    db = create_engine(url)
    try:
        await migrate.upgrade(db)
    finally:
        await db.dispose()


def print_run(run: Run, echo: Run | None) -> None:
    f = run.figures
    ratio = f"{f.per_second / echo.figures.per_second:>8.2f}" if echo and echo.figures.per_second else " " * 8
    label = "bare aiogram echo" if run.stack == "echo" else f"Mitsprache, {run.stack}"
    print(
        f"  {label:<24}{run.concurrency:>7}{f.actions:>9}{f.seconds:>9.2f}{f.per_second:>11.1f}"
        f"{f.percentile(50):>9.1f}{f.percentile(99):>9.1f}{ratio}{f.cpu_ms(f.bot_cpu):>10}"
        f"{f.cpu_ms(f.harness_cpu):>10}"
    )


HEADER = (
    f"  {'':<24}{'people':>7}{'actions':>9}{'seconds':>9}{'actions/s':>11}{'p50 ms':>9}{'p99 ms':>9}"
    f"{'÷ echo':>8}{'bot CPU':>10}{'harness':>10}\n  {'':<86}{'ms/action':>10}{'ms/action':>10}"
)


def print_targets(runs: list[Run]) -> None:
    closed = [run for run in runs if run.rate is None]
    echo = {r.concurrency: r for r in closed if r.stack == "echo"}
    print("\nTargets (issue 13), people tapping as soon as the bot answers:")
    for run in closed:
        if run.stack == "echo" or run.concurrency not in echo:
            continue
        ratio = run.figures.per_second / echo[run.concurrency].figures.per_second
        mark = "met" if ratio >= TARGET_RATIO else "NOT met"
        print(f"  {run.stack}, {run.concurrency} people: ÷ echo {ratio:.2f} (≥ {TARGET_RATIO}) – {mark}")
        if run.concurrency == TARGET_AT:
            p99, limit = run.figures.percentile(99), TARGET_P99_MS[run.stack]
            mark = "met" if p99 <= limit else "NOT met"
            print(f"  {run.stack}, {run.concurrency} people: p99 {p99:.0f} ms (≤ {limit:.0f} ms) – {mark}")
    if TARGET_AT in echo:
        needed = TARGET_AT / (min(TARGET_P99_MS.values()) / 1000)
        print(
            f"  Note: people who tap as soon as they are answered wait on average people ÷ actions/s "
            f"(Little's law). A mean under {min(TARGET_P99_MS.values()):.0f} ms at {TARGET_AT} people "
            f"needs {needed:.0f} actions/s; the bare echo did {echo[TARGET_AT].figures.per_second:.0f}."
        )


async def measure_load(
    args: argparse.Namespace, concurrency: int, rate: float | None, first_user_id: int, logs: Path
) -> tuple[list[Run], int]:
    """The full stack on each backend, then the echo replaying the same actions; the next free user id."""
    backends = {"sqlite": ["SQLite"], "postgresql": ["PostgreSQL"], "both": ["SQLite", "PostgreSQL"]}
    walked: list[Person] | None = None
    level: list[Run] = []
    for backend in backends[args.backend]:
        async with database(backend, args) as url:
            if url is None:
                shown = make_url(args.postgres_url).render_as_string(hide_password=True)
                print(f"\nPostgreSQL at {shown} is not reachable; skipped.")
                continue
            run, people = await run_stack(
                backend, url, concurrency, args.rounds, first_user_id, None, logs, args.profile, rate
            )
        first_user_id += len(people) + 10
        walked = walked or people
        level.append(run)
    if walked is None:
        return [], first_user_id
    scripts = [Person(p.user_id, p.locale, p.field_id, list(p.steps)) for p in walked]
    echo, _ = await run_stack("echo", None, concurrency, args.rounds, 0, scripts, logs, args.profile, rate)
    offered = f", together offering {rate:g} actions/s" if rate else ""
    print(f"\n{concurrency} people at a time{offered}")
    print(HEADER)
    for run in [echo, *level]:
        print_run(run, echo if run.stack != "echo" else None)
    for run in [echo, *level]:
        print(f"    {run.stack}: {run.check} – {'ok' if run.ok else 'FAILED'}")
        if run.profile is not None and run.profile.exists() and run.figures.bot_cpu is not None:
            per_action = run.figures.bot_cpu / max(run.figures.actions, 1) * 1000
            print(f"      where the bot's CPU went (py-spy, {per_action:.1f} ms per action in all):")
            for name, share in cpu_parts(run.profile):
                print(f"        {share * 100:5.1f} %  {per_action * share:5.2f} ms  {name}")
        for line in run.problems[:5]:
            print(f"      {line[:300]}")
        if len(run.problems) > 5:
            print(f"      … and {len(run.problems) - 5} more warnings or errors")
    return [echo, *level], first_user_id


async def main(args: argparse.Namespace) -> int:
    print(
        f"Mitsprache updates benchmark: {', '.join(map(str, args.concurrency))} people at a time, "
        f"{args.rounds} people per place; aiogram {aiogram.__version__}, Python "
        f"{platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs"
    )
    print(
        "Two processes: the bot (`mitsprache run`, or a bare aiogram echo) polls the strict fake Bot API\n"
        "over HTTP; latency runs from an update waiting for getUpdates to the answer reaching the fake."
    )
    loads: list[tuple[int, float | None]] = [(c, None) for c in args.concurrency]
    if args.paced:
        loads.append((max(args.concurrency), args.paced))
    runs: list[Run] = []
    first_user_id = FIRST_USER_ID
    with tempfile.TemporaryDirectory(prefix="mitsprache-bench-logs-") as folder:
        for concurrency, rate in loads:
            measured, first_user_id = await measure_load(args, concurrency, rate, first_user_id, Path(folder))
            runs += measured
    if not runs:
        print("\nNothing was measured.")
        return 2
    print_targets(runs)
    passed = all(run.ok for run in runs)
    print(f"\nCorrectness check: {'passed' if passed else 'FAILED'}")
    return 0 if passed else 1


def concurrency_list(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a list of numbers like 50,100") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("every number of people must be at least 1")
    return values


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--concurrency",
        type=concurrency_list,
        default=[50, 100],
        help="people at a time, one run per number (default 50,100)",
    )
    parser.add_argument(
        "--rounds", type=int, default=2, help="people per place: concurrency × rounds people walk (default 2)"
    )
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--paced",
        type=float,
        default=None,
        metavar="RATE",
        help="one more run: the most people at a time, each tapping on a schedule so that together they "
        "offer RATE actions/s (e.g. 50, the Berlin-wide peak after an invitation), not as fast as answered",
    )
    add_postgres_url(parser)
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="record each bot process with py-spy (raw collapsed stacks, one file per run) into DIR",
    )
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.profile is not None:
        args.profile.mkdir(parents=True, exist_ok=True)
    return args


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))

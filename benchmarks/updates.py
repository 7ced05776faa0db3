"""How many Telegram updates a second the whole bot handles, next to a bare aiogram echo bot.

Simulated people each go through the conversation as a real person would: /start, the language
button, "Ja, einverstanden", "16 Jahre oder älter", the "about you" block declined, one field
opened and every question answered (the first button; a text for text questions; the first option
and "Fertig" for multiple choice), "Absenden" at the review. Their updates go through the full stack: the real
Dispatcher from `bot.telegram.app.build_dispatcher` (every middleware and router), the engine,
real database writes on SQLite and/or PostgreSQL, and the replies. Only HTTP is missing: updates
are handed to `Dispatcher.feed_update`, and the Bot's session is an in-process fake Bot API that
records what the bot sends, so that the simulated people can read the buttons and press them.

Measured per backend: the time of every `feed_update` call (p50, p99) and the throughput of the
whole run, with C people at a time and each person's updates in order (as the bot handles a real
person). The same updates, built beforehand, then go through a Dispatcher with one echo handler
(it answers a text with the text and a button press with answerCallbackQuery) on the same kind
of session; "full stack ÷ echo" is the share of aiogram's own speed that is left once the bot
does its work. Building the simulated updates during the full-stack run is on its clock (the
people need the bot's replies first); the share it takes is printed. Finally the stored rows are
counted, so a run cannot silently measure failing updates: the script exits with status 1 if
they do not match (2 if no backend could be measured).

    python benchmarks/updates.py [--people N] [--concurrency C]
                                 [--backend sqlite|postgresql|both] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import html
import itertools
import json
import logging
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for benchmarks.scratch_db

import aiogram
from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.base import BaseSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import (
    CallbackQuery,
    Chat,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    Update,
    User,
)
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from benchmarks.scratch_db import postgres_database, postgres_reachable
from bot import catalogs
from bot.locales import translator
from bot.settings import Settings
from bot.telegram import app as telegram_app
from bot.telegram import callbacks
from bot.usecases.turns import Conversations
from dialogs.definitions import load_catalogue
from dialogs.engine import Engine
from storage import migrate
from storage.db import create_engine, session_factory
from storage.models import Answer, FieldCompletion, Participant

TOKEN = "123456789:" + "A" * 35
BOT_ID = 123456789
KEY = "k" * 40
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
FREE_TEXT = "Wir brauchen mehr Dolmetscher in der Praxis."
FIRST_USER_ID = 700_000_001
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
BOT_USER = User(id=BOT_ID, is_bot=True, first_name="Mitsprache", username="mitsprache_bench_bot")

_update_ids = itertools.count(1)
_query_ids = itertools.count(1)


# --- the in-process Bot API ------------------------------------------------------------------


@dataclass
class Sent:
    """A message the bot sent, as Telegram keeps it (edits change it in place)."""

    message_id: int
    date: int
    chat_id: int
    text: str
    markup: dict[str, Any] | None

    def result(self) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": self.message_id,
            "date": self.date,
            "chat": {"id": self.chat_id, "type": "private"},
            "from": BOT_USER.model_dump(exclude_none=True),
            "text": self.text,
        }
        if self.markup:
            message["reply_markup"] = self.markup
        return message

    def buttons(self) -> list[dict[str, Any]]:
        rows = (self.markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]


class InProcessSession(BaseSession):
    """A Bot API without HTTP, after aiogram's tests/mocked_bot.py, but answering by itself.

    Requests are serialised as the aiohttp session would send them and the answers are parsed by
    `check_response`, so only the network is left out. Sent and edited messages are kept per chat.
    """

    def __init__(self) -> None:
        super().__init__()
        self.chats: dict[int, list[Sent]] = defaultdict(list)
        self.messages: dict[tuple[int, int], Sent] = {}
        self.calls: Counter[str] = Counter()
        self.unexpected: Counter[str] = Counter()
        self._message_ids = itertools.count(1)

    def new_message_id(self) -> int:
        return next(self._message_ids)

    async def close(self) -> None:
        pass

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,  # noqa: ASYNC109 - the signature is BaseSession's
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        yield b""

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 - the signature is BaseSession's
    ) -> TelegramType:
        files: dict[str, Any] = {}
        params: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files)
            if prepared:
                params[key] = prepared
        name = method.__api_method__
        self.calls[name] += 1
        status, payload = self._answer(name, params)
        response = self.check_response(bot, method, status, self.json_dumps(payload))
        return cast(TelegramType, response.result)

    def _answer(self, name: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if name == "sendMessage":
            chat_id = int(params["chat_id"])
            sent = Sent(self.new_message_id(), int(time.time()), chat_id, _visible(params), _markup(params))
            self.chats[chat_id].append(sent)
            self.messages[chat_id, sent.message_id] = sent
            return 200, {"ok": True, "result": sent.result()}
        if name in ("editMessageText", "editMessageReplyMarkup"):
            found = self.messages.get((int(params.get("chat_id", 0)), int(params.get("message_id", 0))))
            if found is None:
                return _refused("Bad Request: message to edit not found")
            new_text = _visible(params) if name == "editMessageText" else found.text
            new_markup = _markup(params)
            if new_text == found.text and new_markup == found.markup:
                return _refused(NOT_MODIFIED)
            found.text, found.markup = new_text, new_markup
            return 200, {"ok": True, "result": found.result()}
        if name in ("answerCallbackQuery", "setMyCommands"):
            return 200, {"ok": True, "result": True}
        if name == "getMe":
            return 200, {"ok": True, "result": BOT_USER.model_dump(exclude_none=True)}
        self.unexpected[name] += 1
        return _refused(f"Bad Request: {name} is not simulated by the benchmark")


def _refused(description: str) -> tuple[int, dict[str, Any]]:
    return 400, {"ok": False, "error_code": 400, "description": description}


def _visible(params: dict[str, Any]) -> str:
    """What the person sees: plain text (an HTML parse mode would need unescaping)."""
    raw = str(params.get("text", ""))
    return html.unescape(raw) if params.get("parse_mode") == "HTML" else raw


def _markup(params: dict[str, Any]) -> dict[str, Any] | None:
    raw = params.get("reply_markup")
    return json.loads(raw) if raw else None


def make_bot() -> tuple[Bot, InProcessSession]:
    """The Bot exactly as `mitsprache run` builds it (same defaults), with the in-process session."""
    bot = telegram_app.build_bot(TOKEN, "http://127.0.0.1:9")  # its aiohttp session is never opened
    session = InProcessSession()
    bot.session = session
    return bot, session


# --- updates from simulated people -----------------------------------------------------------


def text_update(session: InProcessSession, user: User, words: str) -> Update:
    entities = None
    if words.startswith("/"):
        entities = [MessageEntity(type="bot_command", offset=0, length=len(words.split()[0]))]
    message = Message(
        message_id=session.new_message_id(),
        date=datetime.now(UTC),
        chat=Chat(id=user.id, type="private", first_name=user.first_name),
        from_user=user,
        text=words,
        entities=entities,
    )
    return Update(update_id=next(_update_ids), message=message)


def press_update(user: User, sent: Sent, callback_data: str) -> Update:
    message = Message(
        message_id=sent.message_id,
        date=datetime.fromtimestamp(sent.date, UTC),
        chat=Chat(id=sent.chat_id, type="private", first_name=user.first_name),
        from_user=BOT_USER,
        text=sent.text,
        reply_markup=InlineKeyboardMarkup.model_validate(sent.markup) if sent.markup else None,
    )
    query = CallbackQuery(
        id=str(next(_query_ids)),
        from_user=user,
        chat_instance=f"bench-{user.id}",
        message=message,
        data=callback_data,
    )
    return Update(update_id=next(_update_ids), callback_query=query)


def mount(update: Update, bot: Bot) -> Update:
    """Bind the update to the bot with a fresh id, as aiogram does when it parses one.

    Outside the latency timing: in the real bot this happens while reading the update, before
    `feed_update`.
    """
    data = update.model_dump()
    data["update_id"] = next(_update_ids)
    return Update.model_validate(data, context={"bot": bot})


def action(button: dict[str, Any]) -> tuple[str, str]:
    """(action, argument) of a button: an engine action, or "lang" and a language code."""
    parsed = callbacks.parse(str(button.get("callback_data", "")), catalogs.shipped_locales())
    return (parsed.action, parsed.arg) if parsed is not None else ("", "")


class WalkError(RuntimeError):
    """The bot's replies were not what a person needs to go on."""


@dataclass
class Person:
    user: User
    locale: str
    field_id: str
    updates: list[Update] = field(default_factory=list)  # as fed, for the echo replay
    answered: int = 0
    finished: bool = False
    error: str | None = None


class Feeder:
    """Hands updates to a dispatcher one at a time per person and times each `feed_update`."""

    def __init__(self, dp: Dispatcher, bot: Bot, session: InProcessSession) -> None:
        self.dp, self.bot, self.session = dp, bot, session
        self.latencies: list[float] = []
        self.harness_seconds = 0.0  # building simulated updates while the clock runs

    async def feed(self, mounted: Update) -> None:
        start = time.perf_counter()
        await self.dp.feed_update(self.bot, mounted)
        self.latencies.append(time.perf_counter() - start)


class Walk:
    """One person going through consent, the about block and one field."""

    def __init__(self, feeder: Feeder, person: Person) -> None:
        self.feeder, self.person = feeder, person
        self.session = feeder.session

    async def say(self, words: str) -> None:
        started = time.perf_counter()
        await self._feed(text_update(self.session, self.person.user, words), started)

    async def press(self, sent: Sent, button: dict[str, Any]) -> None:
        started = time.perf_counter()
        await self._feed(press_update(self.person.user, sent, str(button["callback_data"])), started)

    async def _feed(self, update: Update, started: float) -> None:
        self.person.updates.append(update)
        mounted = mount(update, self.feeder.bot)
        self.feeder.harness_seconds += time.perf_counter() - started
        await self.feeder.feed(mounted)

    def last_with_buttons(self) -> Sent:
        for sent in reversed(self.session.chats[self.person.user.id]):
            if sent.markup:
                return sent
        raise WalkError("no message with buttons")

    def find(self, wanted: str, arg: str | None = None) -> tuple[Sent, dict[str, Any]] | None:
        sent = self.last_with_buttons()
        for button in sent.buttons():
            name, value = action(button)
            if name == wanted and (arg is None or value == arg):
                return sent, button
        return None

    async def press_action(self, wanted: str, arg: str | None = None) -> None:
        found = self.find(wanted, arg)
        if found is None:
            raise WalkError(f"no button {wanted!r} {arg or ''} after {len(self.person.updates)} updates")
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


# --- the two stacks --------------------------------------------------------------------------


def full_stack(db: AsyncEngine) -> Dispatcher:
    """The Dispatcher as `mitsprache run` builds it, without throttling (the people are fast)."""
    settings = Settings(bot_token=TOKEN, pseudonym_key=KEY, throttle_rate=0)
    conversations = Conversations(Engine(load_catalogue()), session_factory(db), KEY.encode(), translator)
    return telegram_app.build_dispatcher(
        conversations, session_factory(db), catalogs.shipped_locales(), settings
    )


def echo_stack() -> Dispatcher:
    router = Router(name="echo")

    @router.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "…")

    @router.callback_query()
    async def pressed(query: CallbackQuery) -> None:
        await query.answer()

    dp = Dispatcher()
    dp.include_router(router)
    return dp


def make_people(count: int, first_user_id: int) -> list[Person]:
    locales = catalogs.shipped_locales()
    fields = load_catalogue().field_ids
    people = []
    for index in range(count):
        locale = locales[index % len(locales)]
        user = User(
            id=first_user_id + index,
            is_bot=False,
            first_name=f"Person {index}",
            language_code=locale,
        )
        people.append(Person(user, locale, fields[index % len(fields)]))
    return people


# --- figures ---------------------------------------------------------------------------------


@dataclass
class Figures:
    label: str
    updates: int
    seconds: float
    latencies: list[float]

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    def percentile(self, p: int) -> float:
        if len(self.latencies) < 2:
            return self.latencies[0] * 1000 if self.latencies else 0.0
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[p - 1] * 1000

    def row(self) -> str:
        return (
            f"  {self.label:<11}{self.updates:>9}{self.seconds:>10.2f}{self.per_second:>12.1f}"
            f"{self.percentile(50):>10.2f}{self.percentile(99):>10.2f}"
        )


HEADER = f"  {'':<11}{'updates':>9}{'seconds':>10}{'updates/s':>12}{'p50 ms':>10}{'p99 ms':>10}"


class LoggedProblems(logging.Handler):
    """Warnings and errors from the bot or aiogram: a failed update is logged as "update failed"."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        extra = " ".join(f"{k}={getattr(record, k)}" for k in ("error", "where") if hasattr(record, k))
        self.lines.append(f"{record.name}: {record.getMessage()} {extra}".rstrip())


async def count_rows(db: AsyncEngine) -> tuple[int, int, int]:
    async with db.connect() as conn:
        participants = (await conn.execute(select(func.count()).select_from(Participant))).scalar_one()
        answers = (await conn.execute(select(func.count()).select_from(Answer))).scalar_one()
        done = (await conn.execute(select(func.count()).select_from(FieldCompletion))).scalar_one()
    return int(participants), int(answers), int(done)


@dataclass
class Measured:
    """One backend's run: whether the check held, the two figures, and the people who did not finish."""

    ok: bool
    full: Figures
    echo: Figures
    failed: int


async def bench_backend(label: str, url: str, args: argparse.Namespace) -> Measured:
    """Run the full stack and the echo on one database; print the table and the check.

    `args` needs `people` and `concurrency`; benchmarks/web.py calls this for its Telegram column.
    """
    db = create_engine(url)
    try:
        await migrate.upgrade(db)
        dp = full_stack(db)
        bot, session = make_bot()
        await dp.emit_startup(bot=bot, dispatcher=dp)  # registers the command menus (setMyCommands)
        feeder = Feeder(dp, bot, session)

        # Warm-up, not measured: the first update compiles SQL and loads the catalogs.
        warm = make_people(1, FIRST_USER_ID - 1)
        await run_people(warm, 1, lambda p: Walk(feeder, p).run())
        feeder.latencies.clear()
        feeder.harness_seconds = 0.0

        people = make_people(args.people, FIRST_USER_ID)
        seconds = await run_people(people, args.concurrency, lambda p: Walk(feeder, p).run())
        full = Figures("full stack", len(feeder.latencies), seconds, feeder.latencies)
        await dp.emit_shutdown(bot=bot, dispatcher=dp)

        echo_dp = echo_stack()
        echo_bot, echo_session = make_bot()
        echo_feeder = Feeder(echo_dp, echo_bot, echo_session)
        everyone = warm + people
        # The same updates, built before the clock starts: the echo measures aiogram alone.
        prepared = {p.user.id: [mount(u, echo_bot) for u in p.updates] for p in everyone}

        async def replay(person: Person) -> None:
            for update in prepared[person.user.id]:
                await echo_feeder.feed(update)

        await run_people(warm, 1, replay)
        echo_feeder.latencies.clear()
        echo_seconds = await run_people(people, args.concurrency, replay)
        echo = Figures("echo", len(echo_feeder.latencies), echo_seconds, echo_feeder.latencies)

        participants, answers, done = await count_rows(db)
    finally:
        await db.dispose()

    expected_answers = sum(p.answered for p in everyone)
    finished = sum(p.finished for p in everyone)
    ok = (
        finished == len(everyone)
        and participants == len(everyone)
        and answers == expected_answers
        and done == 2 * len(everyone)  # the about block and one field each
        and not session.unexpected
    )
    print(f"\n{label}")
    print(HEADER)
    print(full.row())
    print(echo.row())
    ratio = full.per_second / echo.per_second if echo.per_second else 0.0
    print(f"  full stack ÷ echo: {ratio:.4f} (echo is {1 / ratio if ratio else 0:.0f}× as fast)")
    share = feeder.harness_seconds / seconds * 100 if seconds else 0.0
    print(f"  building the simulated updates took {share:.1f} % of the full-stack seconds")
    calls = ", ".join(f"{name} {count}" for name, count in session.calls.most_common())
    print(f"  Bot API calls (full stack, incl. warm-up and start-up): {calls}")
    print(
        f"  check (incl. warm-up person): {finished} of {len(everyone)} people finished, "
        f"{participants} participants stored, {answers} of {expected_answers} answers stored, "
        f"{done} of {2 * len(everyone)} completed questionnaires – {'ok' if ok else 'FAILED'}"
    )
    for person in everyone:
        if person.error:
            print(f"    person {person.user.id} ({person.locale}, {person.field_id}): {person.error}")
    if session.unexpected:
        print(f"    methods the fake Bot API does not answer: {dict(session.unexpected)}")
    return Measured(ok, full, echo, sum(not p.finished for p in everyone))


async def main(args: argparse.Namespace) -> int:
    problems = LoggedProblems()
    logging.getLogger().addHandler(problems)
    print(
        f"Mitsprache updates benchmark: {args.people} people, {args.concurrency} at a time; "
        f"aiogram {aiogram.__version__}, Python {platform.python_version()}, {platform.machine()}"
    )
    print("Latency is the time of one Dispatcher.feed_update call; updates/s is for the whole run.")
    results: list[bool] = []
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="mitsprache-bench-") as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
            results.append((await bench_backend("SQLite (temporary file)", url, args)).ok)
    if args.backend in ("postgresql", "both"):
        shown = make_url(args.postgres_url).render_as_string(hide_password=True)
        reason = await postgres_reachable(args.postgres_url)
        if reason is not None:
            print(f"\nPostgreSQL at {shown} is not reachable ({reason}); skipped.")
        else:
            async with postgres_database(args.postgres_url) as url:
                label = f"PostgreSQL (fresh database {make_url(url).database} on {shown})"
                results.append((await bench_backend(label, url, args)).ok)
    if problems.lines:
        print(f"\nWarnings and errors logged: {len(problems.lines)}, e.g.:")
        for line in problems.lines[:5]:
            print(f"  {line}")
    if not results:
        print("\nNothing was measured.")
        return 2
    passed = all(results) and not any("update failed" in line for line in problems.lines)
    print(f"\nCorrectness check: {'passed' if passed else 'FAILED'}")
    return 0 if passed else 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--people", type=int, default=50, help="simulated people (default 50)")
    parser.add_argument("--concurrency", type=int, default=10, help="people at a time (default 10)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_URL,
        help=f"admin URL; a fresh database is made there and dropped (default {DEFAULT_POSTGRES_URL})",
    )
    args = parser.parse_args(argv)
    if args.people < 1 or args.concurrency < 1:
        parser.error("--people and --concurrency must be at least 1")
    return args


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))

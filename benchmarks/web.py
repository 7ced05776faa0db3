"""How fast the web chat answers 100 people at once, beside the Telegram figure.

The server is the real `mitsprache web` in a process of its own, as in production: the same
command, settings, rate limit, access log and templates, on a scratch database (a temporary SQLite
file, or a fresh PostgreSQL database that is dropped afterwards). This script is the crowd: every
simulated person has a browser of their own (an aiohttp session with its own cookie jar and
connection) and reads each page the way a person does, pressing the buttons the page shows:

  the language page, the link of their language, "Ja, einverstanden", "16 Jahre oder älter", the
  "about you" block declined question by question ("Keine Angabe") and sent, one field opened and
  every question answered (the first option; the first box and "Fertig" for multiple choice; a
  free text where a text box appears), "Absenden" at the review.

That is the walk of benchmarks/updates.py, so its Telegram figure can stand beside this one.

A step is one tap: a button (a POST, its 303 redirect, and the GET of the page it leads to) or a
link (one GET). With the page's script a tap is the same two requests (fetch follows the redirect),
and its static files are cached after the first page, so they are left out. A step's latency runs
from sending the request until the page has arrived; reading the page afterwards is off the clock.
steps/s is for the whole run, all people at once. An error is an answer other than 303 to a tap or
200 to a page, or a page that does not show the expected progress (the language chosen, the cookie
after consent, a conversation that moved on, the buttons the walk needs); a person stops at their
first error. At the end the stored rows are counted: a run whose rows differ from what its people
answered, or whose server logged a warning or an error, fails (exit status 1; 2 if nothing was
measured).

The rate limit stays as in production. Each simulated person connects from a loopback address of
their own (127.1.x.y: Linux routes all of 127.0.0.0/8 to the loopback device), as people on their
own phones do, so the per-address limit before consent sees one person per address and the
per-browser limit sees one person's taps. With --one-address everybody comes from 127.0.0.1, as
from behind one NAT or a proxy that hides addresses: that shows the limit at work (429 answers
count as errors) and is not a speed figure.

The Telegram figure comes from benchmarks/updates.py (its `run_stack`, same people, all at once,
its own scratch database): `mitsprache run` as a second process polling the strict fake Bot API over
HTTP on loopback. Both figures pay for HTTP and for a crowd that shares the machine's cores with the
server; the CPU seconds of both processes are printed.

    python benchmarks/web.py [--people N] [--db sqlite|postgres|both] [--quick]
                             [--one-address] [--postgres-url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import json
import logging
import os
import platform
import re
import signal
import socket
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for benchmarks.*

import aiohttp
from sqlalchemy.engine import make_url

from benchmarks import updates
from benchmarks.scratch_db import add_postgres_url, postgres_database, postgres_reachable
from bot import catalogs
from bot.web import identity
from bot.web.app import RateLimit
from dialogs.definitions import load_catalogue
from storage import migrate
from storage.db import create_engine

DEFAULT_POSTGRES_URL = updates.DEFAULT_POSTGRES_URL
FREE_TEXT = updates.FREE_TEXT
KEY = "w" * 40
STARTUP_SECONDS = 60.0  # bounds the wait for the server's "runs at" line; it normally takes a second or two
FIRST_ADDRESS = ipaddress.IPv4Address("127.1.0.1")
RUNS_AT = re.compile(r"The web chat runs at (http://[^\s/]+)")


# --- what a person sees on a page ------------------------------------------------------------


@dataclass
class Form:
    action: str
    fields: dict[str, str]
    text_box: bool = False
    reply: int = -1  # which reply on the page it belongs to (-1: the command bar)


@dataclass
class Page:
    lang: str = ""
    links: list[str] = field(default_factory=list)
    forms: list[Form] = field(default_factory=list)

    @property
    def seq(self) -> int | None:
        """The conversation's turn counter, carried by every button (it grows with every turn)."""
        for form in self.forms:
            if form.action == "/press" and form.fields.get("seq", "").isdigit():
                return int(form.fields["seq"])
        return None

    def button(self, action: str, arg: str | None = None) -> Form | None:
        """The first button with this action (and argument) in the last reply that has buttons, as
        benchmarks/updates.py picks them in the last Telegram message with buttons."""
        buttons = [form for form in self.forms if form.action == "/press"]
        last = max((form.reply for form in buttons), default=-1)
        for form in buttons:
            fields = form.fields
            if form.reply == last and fields.get("action") == action and arg in (None, fields.get("arg")):
                return form
        return None

    def text_form(self) -> Form | None:
        return next((form for form in self.forms if form.text_box), None)


class _Reader(HTMLParser):
    """Links, and forms with their fields, the reply they belong to and text boxes; nothing else."""

    def __init__(self) -> None:
        super().__init__()
        self.page = Page()
        self.form: Form | None = None
        self.reply = -1
        self.in_reply = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.page.lang = a.get("lang", "")
        elif tag == "a" and a.get("href"):
            self.page.links.append(a["href"])
        elif tag == "section" and "reply" in a.get("class", "").split():
            self.reply += 1
            self.in_reply = True
        elif tag == "form":
            self.form = Form(a.get("action", ""), {}, reply=self.reply if self.in_reply else -1)
            self.page.forms.append(self.form)
        elif self.form is not None and tag in ("input", "button") and a.get("name"):
            self.form.fields[a["name"]] = a.get("value", "")
        elif self.form is not None and tag == "textarea":
            self.form.text_box = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None
        elif tag == "section":
            self.in_reply = False


def parse(html: str) -> Page:
    reader = _Reader()
    reader.feed(html)
    return reader.page


# --- the server: `mitsprache web` in a process of its own ------------------------------------


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU time of a running process (Linux /proc); None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    """`python -m bot.cli web --port 0` (a free port, printed) on a migrated database; its log is read
    as it comes."""

    def __init__(self, url: str, data_dir: Path) -> None:
        self.url, self.data_dir = url, data_dir
        self.base = ""  # from the line "The web chat runs at http://127.0.0.1:PORT/"
        self.proc: asyncio.subprocess.Process | None = None
        self.ready = asyncio.Event()
        self.requests = 0  # access log lines
        self.problems: list[str] = []  # log lines at WARNING or above
        self.said: list[str] = []  # lines that are not log entries: what the command prints for people
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Server:
        env = dict(os.environ)
        env.update(
            MITSPRACHE_DATABASE_URL=self.url,
            MITSPRACHE_DATA_DIR=str(self.data_dir),
            MITSPRACHE_PSEUDONYM_KEY=KEY,
            MITSPRACHE_WEB_URL="",
            PYTHONUNBUFFERED="1",
        )
        env.pop("MITSPRACHE_LOG_LEVEL", None)  # production's default (INFO: one access line a request)
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "web", "--host", "127.0.0.1", "--port", "0",
            env=env, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        self._reader = asyncio.create_task(self._read_log())
        started = asyncio.create_task(self.ready.wait())
        try:
            await asyncio.wait(
                {started, self._reader}, timeout=STARTUP_SECONDS, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            started.cancel()
        if not self.ready.is_set():
            await self.__aexit__()
            shown = "\n    ".join((self.said + self.problems)[-10:])
            raise RuntimeError(f"mitsprache web did not start:\n    {shown}")
        return self

    async def _read_log(self) -> None:
        assert self.proc is not None and self.proc.stderr is not None
        async for raw in self.proc.stderr:
            line = raw.decode(errors="replace").rstrip()
            if (runs := RUNS_AT.search(line)) is not None:
                self.base = runs[1]
                self.ready.set()
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                self.said.append(line)
                continue
            if entry.get("logger") == "aiohttp.access":
                self.requests += 1
            elif logging.getLevelName(str(entry.get("level"))) >= logging.WARNING:
                where = str(entry.get("stack", "")).strip().rpartition("\n")[2].strip()  # the last frame
                error = f" {entry['error']} at {where}" if "error" in entry else ""
                self.problems.append(
                    f"{entry.get('level')} {entry.get('logger')}: {entry.get('message')}{error}"
                )

    def cpu(self) -> float | None:
        return cpu_seconds(self.proc.pid) if self.proc is not None else None

    async def __aexit__(self, *exc: object) -> None:
        if self.proc is None:
            return
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGINT)  # Ctrl-C: the runner cleans up, the engine is disposed
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        if self._reader is not None:
            await self._reader


# --- the crowd --------------------------------------------------------------------------------


class WalkError(RuntimeError):
    """A page that is not what a person needs to go on."""


@dataclass
class Person:
    index: int
    locale: str
    field_id: str
    address: str | None
    latencies: list[float] = field(default_factory=list)
    answered: int = 0
    finished: bool = False
    error: str | None = None


class Browser:
    """One person's browser: its own connection, cookie jar and source address."""

    def __init__(self, server: Server, person: Person) -> None:
        self.server, self.person = server, person
        local = (person.address, 0) if person.address else None
        # unsafe=True: the server's address is an IP, and aiohttp keeps no cookies of IPs otherwise.
        self.session = aiohttp.ClientSession(
            server.base,
            connector=aiohttp.TCPConnector(local_addr=local, limit=1),
            cookie_jar=aiohttp.CookieJar(unsafe=True),
            headers={"Accept-Language": person.locale.replace("_", "-")},
        )
        self.seq = 0

    async def close(self) -> None:
        await self.session.close()

    async def open(self, path: str) -> Page:
        """A link: one GET."""
        started = time.perf_counter()
        async with self.session.get(path, allow_redirects=False) as response:
            html = await response.text()
            status = response.status
        return self._arrived(started, status, html, path)

    async def tap(self, form: Form, *, moves: bool = True, **typed: str) -> Page:
        """A button (or "Senden" under a text box): the POST, then the page it redirects to. `moves`:
        the conversation's counter must grow (not so for a tap before consent, which stores nothing)."""
        started = time.perf_counter()
        async with self.session.post(
            form.action, data={**form.fields, **typed}, allow_redirects=False
        ) as sent:
            await sent.read()
            location = sent.headers.get("Location", "")
            if sent.status != 303 or not location.startswith("/"):
                raise WalkError(f"{form.action} {form.fields.get('action', '')}: {sent.status} {location!r}")
        async with self.session.get(location, allow_redirects=False) as response:
            html = await response.text()
            status = response.status
        page = self._arrived(started, status, html, location)
        if moves and (page.seq is None or page.seq <= self.seq):
            raise WalkError(f"the conversation did not move on (seq {self.seq} → {page.seq})")
        self.seq = page.seq if page.seq is not None else self.seq
        return page

    def _arrived(self, started: float, status: int, html: str, path: str) -> Page:
        elapsed = time.perf_counter() - started
        if status != 200:
            raise WalkError(f"GET {path.split('?')[0]}: {status}")
        self.person.latencies.append(elapsed)
        return parse(html)

    @property
    def has_cookie(self) -> bool:
        return any(cookie.key == identity.COOKIE for cookie in self.session.cookie_jar)


def need(form: Form | None, what: str) -> Form:
    if form is None:
        raise WalkError(f"no button {what!r}")
    return form


async def walk(browser: Browser) -> None:
    person = browser.person
    page = await browser.open("/")
    wanted = f"/?lang={person.locale}"
    if wanted not in page.links:
        raise WalkError(f"the language page has no link {wanted}")
    page = await browser.open(wanted)
    if page.lang != person.locale.replace("_", "-"):
        raise WalkError(f"the consent page is in {page.lang!r}, not {person.locale}")
    page = await browser.tap(need(page.button("agree"), "agree"), moves=False)  # "Ja, einverstanden"
    page = await browser.tap(need(page.button("adult"), "adult"))  # "16 Jahre oder älter"
    if not browser.has_cookie:
        raise WalkError("no cookie after consent")
    for _ in range(20):  # the about block: "Keine Angabe" to every question, then send
        if (send := page.button("send")) is not None:
            page = await browser.tap(send)
            break
        page = await browser.tap(need(page.button("pick", "no_answer"), "no_answer"))
        person.answered += 1  # "Keine Angabe" is stored
    else:
        raise WalkError("the about block did not end")
    page = await browser.tap(need(page.button("open", person.field_id), f"open {person.field_id}"))
    for _ in range(60):
        if (send := page.button("send")) is not None:  # the review
            page = await browser.tap(send)
            break
        if (toggle := page.button("tog")) is not None:  # multiple choice: first option, then "Fertig"
            page = await browser.tap(toggle)
            page = await browser.tap(need(page.button("done"), "done"))
        elif (pick := page.button("pick")) is not None:
            page = await browser.tap(pick)
        elif (box := page.text_form()) is not None:
            page = await browser.tap(box, text=FREE_TEXT)
        else:
            raise WalkError("a question with neither options nor a text box")
        person.answered += 1
    else:
        raise WalkError("the questionnaire did not end")
    if page.button("open") is None and page.button("menu") is None:
        raise WalkError("no 'continue' buttons after sending the field")
    person.finished = True


def make_people(count: int, first: int, one_address: bool) -> list[Person]:
    """Languages and fields in turn, as in benchmarks/updates.py."""
    locales = catalogs.shipped_locales()
    fields = load_catalogue().field_ids
    return [
        Person(
            first + i,
            locales[(first + i) % len(locales)],
            fields[(first + i) % len(fields)],
            None if one_address else str(FIRST_ADDRESS + first + i),
        )
        for i in range(count)
    ]


async def run_people(server: Server, people: list[Person]) -> float:
    """Wall-clock seconds for everyone at once."""

    async def one(person: Person) -> None:
        browser = Browser(server, person)
        try:
            await walk(browser)
        except Exception as exc:
            person.error = f"{type(exc).__name__}: {exc}"
        finally:
            await browser.close()

    start = time.perf_counter()
    await asyncio.gather(*(one(person) for person in people))
    return time.perf_counter() - start


# --- one backend ------------------------------------------------------------------------------


@dataclass
class Row:
    """One line of the table."""

    label: str
    people: int
    figures: updates.Figures
    errors: int
    note: str = ""


async def bench_web(label: str, url: str, data_dir: Path, args: argparse.Namespace) -> tuple[Row, bool]:
    """The crowd against `mitsprache web` on one database; prints the check; the row and whether it held."""
    db = create_engine(url)
    try:
        await migrate.upgrade(db)  # as `mitsprache db upgrade` would; the server refuses an empty schema
    finally:
        await db.dispose()
    async with Server(url, data_dir) as server:
        warm: list[Person] = []
        if not args.quick:  # not measured: the first requests compile SQL and templates, load catalogs
            warm = make_people(1, 0, args.one_address)
            await run_people(server, warm)
        people = make_people(args.people, len(warm), args.one_address)
        cpu_before, client_before = server.cpu(), time.process_time()
        seconds = await run_people(server, people)
        cpu_after, client_cpu = server.cpu(), time.process_time() - client_before
    db = create_engine(url)
    try:
        participants, answers, done = await updates.count_rows(db)
    finally:
        await db.dispose()

    everyone = warm + people
    latencies = [s for p in people for s in p.latencies]
    figures = updates.Figures("web", len(latencies), seconds, latencies)
    errors = sum(p.error is not None for p in everyone)  # a person stops at their first error
    expected_answers = sum(p.answered for p in everyone)
    finished = sum(p.finished for p in everyone)
    ok = (
        finished == len(everyone)
        and participants == len(everyone)
        and answers == expected_answers
        and done == 2 * len(everyone)  # the about block and one field each
        and not server.problems
    )
    print(f"\nweb chat, {label}")
    print(f"  {len(people)} people at once, {len(latencies)} steps in {seconds:.2f} s", end="")
    print(f"; the server answered {server.requests} requests in all")
    if cpu_before is not None and cpu_after is not None:
        print(
            f"  CPU during the run: server {cpu_after - cpu_before:.2f} s, the simulated people "
            f"{client_cpu:.2f} s ({os.cpu_count()} cores, {seconds:.2f} s of wall time)"
        )
    print(
        f"  check{' (incl. warm-up person)' if warm else ''}: {finished} of {len(everyone)} people finished, "
        f"{participants} participants stored, {answers} of {expected_answers} answers stored, "
        f"{done} of {2 * len(everyone)} completed questionnaires – {'ok' if ok else 'FAILED'}"
    )
    failures = [p for p in everyone if p.error]
    for person in failures[:10]:
        print(f"    person {person.index} ({person.locale}, {person.field_id}): {person.error}")
    if len(failures) > 10:
        print(f"    … and {len(failures) - 10} more")
    if server.problems:
        print(f"  the server logged {len(server.problems)} warnings or errors, e.g.:")
        for line in server.problems[:5]:
            print(f"    {line[:300]}")
    return Row(f"web chat, {label}", len(people), figures, errors, "two processes, HTTP"), ok


async def bench_telegram(label: str, url: str, args: argparse.Namespace) -> tuple[Row, bool]:
    """benchmarks/updates.py on its own scratch database, with the same people all at once."""
    await updates.migrate_database(url)
    with tempfile.TemporaryDirectory(prefix="mitsprache-bench-logs-") as logs:
        run, people = await updates.run_stack(
            label, url, args.people, 1, updates.FIRST_USER_ID, None, Path(logs), None
        )
    print(f"  Telegram, {label} (benchmarks/updates.py): {run.check} – {'ok' if run.ok else 'FAILED'}")
    for line in run.problems[:5]:
        print(f"    {line[:300]}")
    errors = sum(not person.finished for person in people)
    row = Row(f"Telegram, {label}", args.people, run.figures, errors, "two processes, HTTP")
    return row, run.ok


# --- the table --------------------------------------------------------------------------------


def table(rows: list[Row]) -> None:
    width = max(len(row.label) for row in rows) + 2
    print(
        f"\n  {'':<{width}}{'people':>7}{'steps':>8}{'seconds':>9}{'steps/s':>9}"
        f"{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
    )
    for row in rows:
        f = row.figures
        print(
            f"  {row.label:<{width}}{row.people:>7}{f.actions:>8}{f.seconds:>9.2f}{f.per_second:>9.1f}"
            f"{f.percentile(50):>9.1f}{f.percentile(99):>9.1f}{row.errors:>8}  {row.note}".rstrip()
        )


@contextlib.asynccontextmanager
async def scratch(kind: str, args: argparse.Namespace) -> AsyncIterator[str]:
    """The URL of a fresh database of this kind, gone afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="mitsprache-bench-") as folder:
            yield f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
    else:
        async with postgres_database(args.postgres_url) as url:
            yield url


def loopback_addresses_work() -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((str(FIRST_ADDRESS), 0))
        except OSError:
            return False
    return True


async def main(args: argparse.Namespace) -> int:
    limit = RateLimit()
    print(
        f"Mitsprache web chat benchmark: {args.people} people at once{' (quick run)' if args.quick else ''}; "
        f"aiohttp {aiohttp.__version__}, Python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} cores (the server and the simulated people share them)"
    )
    print(
        "A step is one tap: a button (POST, 303, GET of the page) or a link (GET); its latency ends when "
        "the page has arrived."
    )
    if not args.one_address and not loopback_addresses_work():
        print(f"This system cannot send from {FIRST_ADDRESS}; everybody comes from 127.0.0.1 instead.")
        args.one_address = True
    if args.one_address:
        print(
            f"Rate limit as in production ({limit.rate:g}/s, burst {limit.burst}, per browser and per "
            "address), everybody from 127.0.0.1: consent is limited for all together; 429 answers count "
            "as errors. This shows the limit, it is no speed figure."
        )
    else:
        print(
            f"Rate limit as in production ({limit.rate:g}/s, burst {limit.burst}, per browser and per "
            "address); each person comes from a loopback address of their own, as from their own phone, "
            "so the limit sees one person per address and does not slow the crowd (a 429 would count as "
            "an error)."
        )
    kinds = {"sqlite": ["sqlite"], "postgres": ["postgres"], "both": ["sqlite", "postgres"]}[args.db]
    if "postgres" in kinds:
        reason = await postgres_reachable(args.postgres_url)
        if reason is not None:
            shown = make_url(args.postgres_url).render_as_string(hide_password=True)
            print(f"\nPostgreSQL at {shown} is not reachable ({reason}); skipped.")
            kinds.remove("postgres")
    rows: list[Row] = []
    failed: list[str] = []
    for kind in kinds:
        label = {"sqlite": "SQLite", "postgres": "PostgreSQL"}[kind]
        with tempfile.TemporaryDirectory(prefix="mitsprache-web-") as data_dir:
            async with scratch(kind, args) as url:
                row, ok = await bench_web(label, url, Path(data_dir), args)
            rows.append(row)
            failed += [] if ok else [row.label]
        async with scratch(kind, args) as url:  # its own database: the web run's rows would be counted
            row, ok = await bench_telegram(label, url, args)
        rows.append(row)
        failed += [] if ok else [row.label]
    if not rows:
        print("\nNothing was measured.")
        return 2
    table(rows)
    print(
        "  errors: failed steps (web: a person stops at their first; Telegram: updates that failed, at "
        "least one per person who did not finish; incl. a warm-up person). Telegram: a step is one "
        "update; both: the server and the people are two processes."
    )
    print(f"\nCorrectness check: {'FAILED for ' + '; '.join(failed) if failed else 'passed'}")
    return 1 if failed else 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        epilog="Each person: the language page, their language, consent, the 'about you' block and "
        "one field, by the buttons on the pages. A step is one tap (POST + redirect + page, or a "
        "link). Printed per database: steps/s, p50 and p99 latency, errors, a check of the stored "
        "rows, and the Telegram figure of benchmarks/updates.py for the same people beside it. The "
        "rate limit stays as in production; every person has a loopback address of their own "
        "(see --one-address). Exit status: 0 ok, 1 a failed check, 2 nothing measured.",
    )
    parser.add_argument(
        "--people", type=int, help="simulated people, all at once (default 100; 10 with --quick)"
    )
    parser.add_argument(
        "--db",
        choices=("sqlite", "postgres", "both"),
        default="both",
        help="database(s) to measure on (default both; PostgreSQL is skipped when not reachable)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a short run to see that it works: 10 people unless --people says otherwise, no warm-up",
    )
    parser.add_argument(
        "--one-address",
        action="store_true",
        help="everybody from 127.0.0.1 (like people behind one NAT): shows the rate limit at work",
    )
    add_postgres_url(parser)
    args = parser.parse_args(argv)
    if args.people is None:
        args.people = 10 if args.quick else 100
    if args.people < 1:
        parser.error("--people must be at least 1")
    return args


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))

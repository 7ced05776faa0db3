"""What every command group shares: the exit code for a wrong setup, the database runtime, the shape of
a help page, and the one line that tells what failed and what to do.

Nothing heavy is imported at module level (SQLAlchemy, pydantic, aiogram): the group modules register
their parsers from this, and `mitsprache --help` must answer at once. Handlers import what they need.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import textwrap
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from bot.runtime import Runtime
    from bot.settings import Settings

    Handler: TypeAlias = Callable[[Settings, argparse.Namespace], int]  # what a command runs: its exit code
    AsyncHandler: TypeAlias = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]
    Subparsers: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]

EXIT_CONFIG = 2  # a wrong setting, file or database: the user has to fix something first
HELP_WIDTH = 100


def in_loop(command: AsyncHandler) -> Handler:
    """A handler that runs an async command in its own event loop."""
    return lambda settings, args: asyncio.run(command(settings, args))


def serving(command: AsyncHandler) -> Handler:
    """A handler for a command that serves people until stopped (`run`, `web`): see `run_serving`."""
    return lambda settings, args: run_serving(command(settings, args))


def run_serving(main: Coroutine[Any, Any, int]) -> int:
    """Runs a serving command on uvloop where it is installed (not on Windows): a tap costs the bot
    about a tenth less CPU than on asyncio's own loop, and at 100 people at once the slowest answers
    come sooner (benchmarks/updates.py; figures in pyproject.toml). Ctrl-C stops it as before."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Descriptions and examples as written (their lines are short already); options wrapped."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=32, width=HELP_WIDTH)


def command(
    sub: Subparsers,
    name: str,
    *,
    summary: str,
    description: str,
    examples: Sequence[tuple[str, str]],
    **kwargs: Any,
) -> argparse.ArgumentParser:
    """A (sub)command whose help page says what it does and shows how it is called: `summary` for the
    list of commands, `description` on its own page, then `examples` as (command line, what it does)."""
    lines = ["examples:"]
    for line, meaning in examples:
        lines += [f"  {line}", *textwrap.wrap(meaning, HELP_WIDTH - 6, initial_indent="      ",
                                              subsequent_indent="      ")]  # fmt: skip
    return sub.add_parser(
        name,
        help=summary,
        description=textwrap.dedent(description).strip(),
        epilog="\n".join(lines),
        formatter_class=HelpFormatter,
        **kwargs,
    )


class Version(argparse.Action):
    """--version, looked up only when asked (reading the installed metadata takes a moment)."""

    def __init__(self, option_strings: Sequence[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("mitsprache")
        except PackageNotFoundError:  # run from a source tree that was never installed
            found = "unknown (not installed)"
        print(f"mitsprache {found}")
        parser.exit()


def actions(parser: argparse.ArgumentParser, dest: str) -> Subparsers:
    """The ACTIONs of a command group (`mitsprache event add`, `… list`)."""
    return parser.add_subparsers(dest=dest, required=True, metavar="ACTION", title="actions")


class Problem(Exception):
    """Something the user has to fix first; str() says what is wrong and what to do, in one line."""


class FileProblem(Problem):
    """A file the command reads or writes; str() says which and why."""

    def __init__(self, action: str, path: object, reason: str) -> None:
        super().__init__(f"cannot {action} {path}: {reason}")


class DatabaseUnavailable(Exception):
    """An OSError while opening the database (its folder, a connection); the OSError is the cause."""


@contextlib.contextmanager
def connecting() -> Iterator[None]:
    """OSErrors in here (the SQLite folder, a socket to PostgreSQL) are the database's."""
    try:
        yield
    except OSError as exc:
        raise DatabaseUnavailable(first_line(exc)) from exc


@contextlib.asynccontextmanager
async def database(settings: Settings, *, check_schema: bool = True) -> AsyncIterator[Runtime]:
    """`bot.runtime.runtime`, with an OSError while opening it reported as a database error."""
    from bot.runtime import runtime

    async with contextlib.AsyncExitStack() as stack:
        with connecting():
            opened = await stack.enter_async_context(runtime(settings, check_schema=check_schema))
        yield opened


def fail(message: str, code: int = 1) -> int:
    """Print `mitsprache: message` on stderr and return the exit code."""
    print(f"mitsprache: {message}", file=sys.stderr)
    return code


def confirm(question: str) -> bool:
    """Ask on the terminal (y/N); False when there is no terminal to ask on (use --yes there)."""
    if not sys.stdin.isatty():
        return False
    try:
        return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")
    except (EOFError, KeyboardInterrupt):  # Ctrl-D or Ctrl-C: no
        print()
        return False


# ----- one line for each failure the user can fix --------------------------------------------------------


def failure(settings: Settings, exc: BaseException) -> str | None:
    """The line to print for an error the user has to fix; None for a bug (shown as a traceback)."""
    if isinstance(exc, Problem):
        return f"mitsprache: {exc}"
    if _raised(exc, "dialogs.definitions.DefinitionError", "dialogs.events.EventFileError",
               "storage.migrate.SchemaOutdated"):  # fmt: skip
        return f"mitsprache: {exc}"
    if _raised(exc, "bot.delivery.transport.Unauthorized"):
        return f"mitsprache: {TOKEN_REJECTED}"
    if isinstance(exc, DatabaseUnavailable) or _raised(
        exc, "sqlalchemy.exc.OperationalError", "sqlalchemy.exc.InterfaceError"
    ):
        return database_message(settings, exc)
    if _raised(exc, "sqlalchemy.exc.DBAPIError"):
        from storage.db import sqlstate

        if sqlstate(exc)[:2] in _CONNECTION_STATES:
            return database_message(settings, exc)
    if isinstance(exc, OSError):
        # A dropped connection has no file name; a file the command reads or writes always has one.
        return database_message(settings, exc) if exc.filename is None else file_message(exc)
    return None


def _raised(exc: BaseException, *qualified_names: str) -> bool:
    """isinstance against classes named by module, without importing a module that is not loaded: an
    exception of a module nobody imported cannot have been raised."""
    for qualified in qualified_names:
        module, _, name = qualified.rpartition(".")
        loaded = sys.modules.get(module)
        if loaded is not None and isinstance(exc, getattr(loaded, name)):
            return True
    return False


TOKEN_REJECTED = (
    "Telegram rejects the bot token (401 Unauthorized): copy it again from @BotFather "
    "(/mybots, your bot, API Token) into MITSPRACHE_BOT_TOKEN"
)
# SQLSTATE classes that mean "cannot connect as configured": connection exception, invalid
# authorization, invalid catalog name (no such database), insufficient resources, operator intervention.
_CONNECTION_STATES = ("08", "28", "3D", "53", "57")


def database_message(settings: Settings, exc: BaseException) -> str:
    """One line: what is wrong with the database, and how to fix it."""
    from sqlalchemy.engine import make_url

    from storage.db import sqlstate

    url = make_url(settings.effective_database_url)
    shown = url.render_as_string(hide_password=True)
    cause = exc.__cause__ if isinstance(exc, DatabaseUnavailable) and exc.__cause__ else exc
    state, reason = sqlstate(cause), first_line(cause)
    server = f"{url.host or 'localhost'}:{url.port or 5432}"
    if state == "3D000":
        return (
            f'mitsprache: the database "{url.database}" does not exist on {server}: create it with '
            "`mitsprache db upgrade` (or check the database name in MITSPRACHE_DATABASE_URL)"
        )
    if state == "28000" and "does not exist" in reason:
        return (
            f'mitsprache: PostgreSQL on {server} has no role "{url.username}": check the user name in '
            f"MITSPRACHE_DATABASE_URL, or have an administrator create it (createuser --login "
            f'--createdb --pwprompt {url.username}, or CREATE ROLE "{url.username}" LOGIN CREATEDB '
            "PASSWORD '…';)"
        )
    if state == "28P01":
        return (
            f'mitsprache: PostgreSQL on {server} rejects the password of "{url.username}": '
            "check the password in MITSPRACHE_DATABASE_URL"
        )
    return (
        f"mitsprache: cannot use the database {shown}: {reason}. "
        "Check MITSPRACHE_DATABASE_URL and that the database server is running."
    )


def file_message(exc: OSError) -> str:
    reason = exc.strerror or first_line(exc)
    return f"mitsprache: cannot use {exc.filename}: {reason}" if exc.filename else f"mitsprache: {reason}"


def first_line(exc: BaseException) -> str:
    cause = getattr(exc, "orig", None) or exc  # a DBAPIError: the driver's own message
    return one_line(str(cause)) or type(cause).__name__


def one_line(text: str) -> str:
    """The first line of a message (the rest of a driver's or a library's message is detail)."""
    stripped = text.strip()
    return stripped.splitlines()[0] if stripped else ""

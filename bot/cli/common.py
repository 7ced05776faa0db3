"""What every command group shares: the exit code for a wrong setup, the database runtime, and
error messages that name what failed (the database, or a file)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import TYPE_CHECKING, Any, TypeAlias

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.runtime import Runtime, runtime
from bot.settings import Settings

EXIT_CONFIG = 2  # a wrong setting, file or database: the user has to fix something first

Handler = Callable[[Settings, argparse.Namespace], int]  # what a (sub)command runs: its exit code
AsyncHandler = Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, int]]
if TYPE_CHECKING:
    Subparsers: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]


def in_loop(command: AsyncHandler) -> Handler:
    """A handler that runs an async command in its own event loop."""
    return lambda settings, args: asyncio.run(command(settings, args))


class DatabaseUnavailable(Exception):
    """An OSError while opening the database (its folder, a connection); the OSError is the cause."""


class FileProblem(Exception):
    """A file the command reads or writes; str() says which and why."""

    def __init__(self, action: str, path: object, reason: str) -> None:
        super().__init__(f"cannot {action} {path}: {reason}")


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
    async with contextlib.AsyncExitStack() as stack:
        with connecting():
            opened = await stack.enter_async_context(runtime(settings, check_schema=check_schema))
        yield opened


def database_message(settings: Settings, exc: BaseException) -> str:
    url = make_url(settings.effective_database_url).render_as_string(hide_password=True)
    cause = exc.__cause__ if isinstance(exc, DatabaseUnavailable) and exc.__cause__ else exc
    return (
        f"mitsprache: cannot use the database {url}: {first_line(cause)}\n"
        "Check MITSPRACHE_DATABASE_URL and that the database server is running."
    )


def file_message(exc: OSError) -> str:
    reason = exc.strerror or first_line(exc)
    return f"mitsprache: cannot use {exc.filename}: {reason}" if exc.filename else f"mitsprache: {reason}"


def first_line(exc: BaseException) -> str:
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    return str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__


def fail(message: str, code: int = 1) -> int:
    """Print `mitsprache: message` on stderr and return the exit code."""
    print(f"mitsprache: {message}", file=sys.stderr)
    return code

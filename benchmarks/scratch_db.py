"""A throwaway PostgreSQL database for one benchmark run, and a check that the server answers."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine


@contextlib.asynccontextmanager
async def postgres_database(admin_url: str, prefix: str = "mitsprache_bench") -> AsyncIterator[str]:
    """The URL of a fresh database for this run, dropped at the end (also on errors)."""
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"timeout": 5})
    name = f"{prefix}_{secrets.token_hex(6)}"
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


async def postgres_reachable(admin_url: str) -> str | None:
    """None if PostgreSQL answers, else why not."""
    admin = create_async_engine(admin_url, connect_args={"timeout": 5})
    try:
        async with asyncio.timeout(10), admin.connect() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    finally:
        await admin.dispose()
    return None


DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def add_postgres_url(parser: argparse.ArgumentParser) -> None:
    """The `--postgres-url` option every benchmark with a PostgreSQL run takes."""
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_URL,
        help=f"admin URL; a fresh database is made there and dropped (default {DEFAULT_POSTGRES_URL})",
    )

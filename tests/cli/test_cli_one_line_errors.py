"""A failure the operator can fix ends in one line on stderr that says what is wrong and what to do, with
exit code 2 and no traceback (unless MITSPRACHE_LOG_LEVEL=DEBUG): a PostgreSQL database or role that
does not exist, a token Telegram rejects, a Telegram that cannot be reached, wrong settings.

The PostgreSQL tests make a database name or a role of their own on the test server and drop what they
created."""

from __future__ import annotations

import asyncio
import secrets
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.cli.common import Problem
from bot.cli.sending import check_telegram
from bot.settings import Settings
from tests.support.chat_driver import chat_env, run_cli_apart
from tests.support.fake_telegram import FakeTelegram
from tests.support.telegram_harness import TOKEN

WRONG_TOKEN = "987654321:" + "B" * 35  # well-formed, but not the fake's


def one_line(err: str) -> str:
    """The single line a failure prints."""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith("mitsprache: "), err
    return lines[0]


async def admin(url: str, *statements: str) -> None:
    """Run statements on the test server outside a transaction (CREATE DATABASE needs that)."""
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()


def on_server(postgres_url: str, database: str, user: str = "postgres") -> str:
    """A URL to `database` as `user` on the test run's PostgreSQL server."""
    return make_url(postgres_url).set(database=database, username=user).render_as_string(hide_password=False)


@pytest.fixture
def new_name() -> str:
    return f"mitsprache_cli_{secrets.token_hex(5)}"


@pytest.fixture
async def role(postgres_url: str) -> AsyncIterator[str]:
    """A login role that may not create databases; dropped afterwards with whatever it owns."""
    name = f"mitsprache_role_{secrets.token_hex(5)}"
    await admin(postgres_url, f'CREATE ROLE "{name}" LOGIN NOCREATEDB')
    yield name
    await admin(postgres_url, f'DROP OWNED BY "{name}"', f'DROP ROLE "{name}"')


async def databases(postgres_url: str, name: str) -> list[str]:
    """The databases called `name` on the test server: [name] or []."""
    engine = create_async_engine(postgres_url)
    try:
        async with engine.connect() as conn:
            found = await conn.execute(
                text("SELECT datname FROM pg_database WHERE datname = :n"), {"n": name}
            )
            return [str(row) for row in found.scalars()]
    finally:
        await engine.dispose()


async def test_a_missing_postgresql_database_is_named_and_created_by_db_upgrade(
    postgres_url: str, new_name: str, tmp_path: Path
) -> None:
    env = chat_env(on_server(postgres_url, new_name), tmp_path / "data")
    try:
        for args in (("db", "current"), ("event", "list")):
            code, out, err = await run_cli_apart(env, *args)
            line = one_line(err)
            assert code == 2 and out == "", err
            assert f'the database "{new_name}" does not exist' in line and "`mitsprache db upgrade`" in line
        code, out, err = await run_cli_apart({**env, "MITSPRACHE_LOG_LEVEL": "DEBUG"}, "db", "current")
        assert code == 2 and "Traceback" in err  # the whole story when asked for it, then the line
        assert f'the database "{new_name}" does not exist' in err.strip().splitlines()[-1]

        code, out, err = await run_cli_apart(env, "db", "upgrade")
        assert code == 0, err
        assert f'Created the database "{new_name}"' in out and "Database is up to date" in out
        assert await databases(postgres_url, new_name) == [new_name]
        code, out, err = await run_cli_apart(env, "db", "upgrade")
        assert code == 0 and "Created" not in out and "Database is up to date" in out, err
        code, out, err = await run_cli_apart(env, "event", "list")
        assert code == 0 and "no events yet" in out, err
    finally:
        await admin(postgres_url, f'DROP DATABASE IF EXISTS "{new_name}" WITH (FORCE)')


async def test_a_role_that_may_not_create_the_database_is_told_what_to_ask_for(
    postgres_url: str, new_name: str, role: str, tmp_path: Path
) -> None:
    env = chat_env(on_server(postgres_url, new_name, role), tmp_path / "data")
    try:
        code, out, err = await run_cli_apart(env, "db", "upgrade")
        line = one_line(err)
        assert code == 2, err
        assert f'the role "{role}" may not create databases' in line
        assert f"createdb --owner={role} {new_name}" in line
        assert f'CREATE DATABASE "{new_name}" OWNER "{role}";' in line
        assert await databases(postgres_url, new_name) == []
        # What the line says to do is enough:
        await admin(postgres_url, f'CREATE DATABASE "{new_name}" OWNER "{role}"')
        code, out, err = await run_cli_apart(env, "db", "upgrade")
        assert code == 0 and "Database is up to date" in out and "Created" not in out, err
    finally:
        await admin(postgres_url, f'DROP DATABASE IF EXISTS "{new_name}" WITH (FORCE)')


async def test_a_missing_role_is_named(postgres_url: str, tmp_path: Path) -> None:
    nobody = f"mitsprache_nobody_{secrets.token_hex(5)}"
    env = chat_env(on_server(postgres_url, make_url(postgres_url).database or "", nobody), tmp_path / "d")
    for args in (("db", "upgrade"), ("db", "current"), ("event", "list")):
        code, out, err = await run_cli_apart(env, *args)
        line = one_line(err)
        assert code == 2 and out == "", err
        assert f'has no role "{nobody}"' in line and "MITSPRACHE_DATABASE_URL" in line
        assert f'CREATE ROLE "{nobody}" LOGIN' in line


def telegram_env(tmp_path: Path, api_url: str, token: str) -> dict[str, str]:
    """Telegram is asked before the database is opened: no database needed."""
    env = chat_env(f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}", tmp_path / "data")
    return {**env, "MITSPRACHE_BOT_TOKEN": token, "MITSPRACHE_TELEGRAM_API_URL": api_url}


async def test_a_token_telegram_rejects_is_one_line(tmp_path: Path) -> None:
    async with FakeTelegram(token=TOKEN) as fake:
        env = telegram_env(tmp_path, fake.base_url, WRONG_TOKEN)
        for args in (("run",), ("broadcast", "--event", "1")):
            code, out, err = await run_cli_apart(env, *args)
            line = one_line(err)
            assert code == 2 and out == "", err
            assert "Telegram rejects the bot token" in line and "@BotFather" in line
            assert "MITSPRACHE_BOT_TOKEN" in line
        # Asked before the database is opened (it has no tables here: that would be the message).
        assert not fake.internal_errors


def closed_port() -> int:
    """A loopback port nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_an_unreachable_telegram_is_one_line_that_says_what_to_check(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    env = telegram_env(tmp_path, url, TOKEN)
    for args in (("run",), ("broadcast", "--event", "1")):
        code, out, err = await run_cli_apart(env, *args)
        line = one_line(err)
        assert code == 2 and out == "", err
        assert f"cannot reach Telegram at {url} (Connection refused)" in line
        assert "internet connection" in line and "MITSPRACHE_TELEGRAM_API_URL" in line


async def test_a_telegram_that_does_not_answer_is_given_up_on(tmp_path: Path) -> None:
    """A blackholed address or a silent proxy: the first request gives up after its wait."""
    held: list[asyncio.StreamWriter] = []

    async def accept_and_say_nothing(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(accept_and_say_nothing, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    settings = Settings(
        data_dir=tmp_path, bot_token=SecretStr(TOKEN), telegram_api_url=f"http://127.0.0.1:{port}"
    )
    try:
        with pytest.raises(Problem) as info:
            await check_telegram(settings, wait=1)
        assert "no answer within 1 s" in str(info.value) and "MITSPRACHE_TELEGRAM_API_URL" in str(info.value)
    finally:
        for writer in held:
            writer.close()
        server.close()
        await server.wait_closed()


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("MITSPRACHE_DEFAULT_LOCALE", "zz", "MITSPRACHE_DEFAULT_LOCALE is 'zz', which Mitsprache has no "
         "translation for; use one of ar, de, en"),
        ("MITSPRACHE_STAFF", "@anna:admin", "sends any message to @userinfobot"),
        ("MITSPRACHE_STAFF", "111:boss", "ROLE is admin, events or one of ankommen"),
    ],
)  # fmt: skip
async def test_a_wrong_setting_is_one_line(tmp_path: Path, variable: str, value: str, expected: str) -> None:
    env = {**chat_env(f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}", tmp_path / "data"), variable: value}
    code, out, err = await run_cli_apart(env, "event", "list")
    line = one_line(err)
    assert code == 2 and out == "", err
    assert line.startswith(f"mitsprache: {variable} ") and expected in line, line

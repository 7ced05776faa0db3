"""Errors are named for what failed: a file the command writes or reads, or the database."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from bot.cli import failure
from bot.cli.common import DatabaseUnavailable
from bot.settings import load_settings
from tests.support.chat_driver import chat_env, run_cli

UNREACHABLE = "postgresql+asyncpg://postgres@127.0.0.1:1/mitsprache"  # nothing listens on port 1


async def test_an_export_to_a_missing_folder_names_the_file_before_exporting(
    env: dict[str, str], tmp_path: Path
) -> None:
    for fmt, suffix in (("xlsx", "xlsx"), ("csv", "zip")):  # was a 29-line traceback, CSV blamed the DB
        target = f"/nonexistent/dir/x.{suffix}"
        code, out = await run_cli(env, "export", "--field", "wohnen", "--format", fmt, "-o", target)
        assert code == 2
        assert out.strip() == f"mitsprache: cannot write {target}: No such file or directory"
    code, out = await run_cli(env, "audit")
    assert code == 0 and "wohnen" not in out  # the export did not run
    # Checked before the database is even opened:
    broken = {**env, "MITSPRACHE_DATABASE_URL": UNREACHABLE}
    code, out = await run_cli(broken, "export", "--field", "wohnen", "--format", "csv", "-o", target)
    assert code == 2 and out.strip() == f"mitsprache: cannot write {target}: No such file or directory"
    code, out = await run_cli(env, "export", "--field", "wohnen", "--format", "csv", "-o", str(tmp_path))
    assert code == 2 and out.strip() == f"mitsprache: cannot write {tmp_path}: Is a directory"


async def test_a_missing_event_file_is_named(env: dict[str, str], tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.yaml"
    for args in (("event", "add", str(missing)), ("event", "change", "1", str(missing))):
        code, out = await run_cli(env, *args)
        assert code == 2 and str(missing) in out and "No such file or directory" in out, out
        assert "MITSPRACHE_DATABASE_URL" not in out


async def test_an_unreachable_database_is_named(tmp_path: Path) -> None:
    env = chat_env(UNREACHABLE, tmp_path / "data")
    for args in (("event", "list"), ("db", "current"), ("broadcast", "status")):
        code, out = await run_cli(env, *args)
        assert code == 2, out
        assert out.startswith(
            "mitsprache: cannot use the database postgresql+asyncpg://postgres@127.0.0.1:1/"
        )
        assert "Check MITSPRACHE_DATABASE_URL" in out
    # An SQLite file whose folder cannot be made is the database's problem too, not a file's.
    (tmp_path / "plain-file").write_text("", encoding="utf-8")
    env = chat_env(f"sqlite+aiosqlite:///{tmp_path / 'plain-file' / 'db.sqlite3'}", tmp_path / "data")
    code, out = await run_cli(env, "event", "list")
    assert code == 2 and "cannot use the database sqlite" in out and "Check MITSPRACHE_DATABASE_URL" in out


def test_errors_are_told_apart(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MITSPRACHE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MITSPRACHE_DATABASE_URL", UNREACHABLE)
    settings = load_settings()
    disk_full = OSError(errno.ENOSPC, "No space left on device", "/tmp/out.xlsx")
    assert failure(settings, disk_full) == "mitsprache: cannot use /tmp/out.xlsx: No space left on device"
    for exc in (
        ConnectionRefusedError(errno.ECONNREFUSED, "Connect call failed"),
        DatabaseUnavailable("[Errno 20] Not a directory"),
    ):
        message = failure(settings, exc)
        assert message is not None and message.startswith("mitsprache: cannot use the database postgresql")
    assert failure(settings, ValueError("a bug")) is None  # shown as a traceback

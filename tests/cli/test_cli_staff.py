"""The staff command line: export, review, audit, purge; and the key that webhook mode requires."""

from __future__ import annotations

import asyncio
import json
import os
import pty
import re
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.messages import AnswerSet, ConsentGiven, FieldCompleted
from storage.conversations import ConversationRepository
from storage.db import create_engine, session_factory
from storage.pseudonym import pseudonym
from storage.scrubbing import VERSION
from tests.support.chat_driver import MITSPRACHE, chat_env, run_cli, run_cli_apart
from tests.support.database import rows


@pytest.fixture
async def env(env: dict[str, str], db: AsyncEngine) -> dict[str, str]:
    """Three people who answered about housing, one phone number among their words."""
    async with session_factory(db)() as session, session.begin():
        for i in range(3):
            person = pseudonym(b"c" * 32, "telegram", i)
            await ConversationRepository(session).apply(person, [
                ConsentGiven("de"), AnswerSet("wohnen", "wohnform", "wg"),
                AnswerSet("wohnen", "sonstiges", f"Bitte anrufen: 0151 234567{i}"), FieldCompleted("wohnen"),
            ])  # fmt: skip
    return env


async def scrubbed_forms(db: AsyncEngine) -> list[tuple[str, str]]:
    """The stored scrubbed forms of the free texts, with the scrubber that made them."""
    async with db.connect() as conn:
        found = await conn.execute(
            text("SELECT scrubbed, scrubbed_by FROM answers WHERE scrubbed IS NOT NULL ORDER BY id")
        )
        return [(form, by) for form, by in found.all()]


async def test_review_export_and_audit(env: dict[str, str], tmp_path: Path, db: AsyncEngine) -> None:
    code, out = await run_cli(env, "review", "list", "--field", "wohnen")
    assert code == 0, out
    assert "3 pending" in out and "[TELEFON]" in out and "0151" not in out
    # Listing scrubbed each text once and kept its form, made by the scrubber of this version.
    assert await scrubbed_forms(db) == [("Bitte anrufen: [TELEFON]", VERSION)] * 3
    first = re.findall(r"^\[(\d+)\]", out, re.MULTILINE)[0]
    code, out = await run_cli(env, "review", "release", first)
    assert code == 0, out
    code, out = await run_cli(env, "review", "release", "999999")
    assert code == 1 and "999999" in out
    target = tmp_path / "wohnen.zip"
    code, out = await run_cli(env, "export", "--field", "wohnen", "--format", "csv", "-o", str(target))
    assert code == 0, out
    assert "3 respondents who submitted" in out and "1 free texts released, 2 held back" in out
    with zipfile.ZipFile(target) as release:
        texts = release.read("freitexte.csv").decode("utf-8-sig")
        assert "LIESMICH.txt" in release.namelist()
    # Only the released text, scrubbed; three people share no language with k-1 others here.
    assert "Bitte anrufen: [TELEFON]" in texts and "0151" not in texts and texts.count("[TELEFON]") == 1
    assert "andere Sprache" in texts and "Deutsch" not in texts
    code, out = await run_cli(env, "audit")
    assert code == 0 and "wohnen" in out and "csv" in out and out.strip().endswith("3")
    assert await scrubbed_forms(db) == [("Bitte anrufen: [TELEFON]", VERSION)] * 3


async def test_review_and_export_print_no_library_chatter(env: dict[str, str], tmp_path: Path) -> None:
    """Presidio, which scrubs the texts, reports every analysis at INFO; an operator reads none of it."""
    code, out, err = await run_cli_apart(env, "review", "list", "--field", "wohnen")
    assert code == 0 and err == "" and out.count("\n") == 4, out + err
    code, out, err = await run_cli_apart(env, "export", "--field", "wohnen", "-o", str(tmp_path / "w.json"))
    assert code == 0 and err == "" and out.count("\n") == 1, out + err


async def on_a_terminal(env: dict[str, str], answer: str, *args: str) -> tuple[int, str]:
    """Run with a terminal as standard input, answer the question, and return (code, output)."""
    terminal, its_end = pty.openpty()
    try:
        proc = await asyncio.create_subprocess_exec(
            MITSPRACHE, *args, env=env, stdin=its_end,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        os.close(its_end)
        assert proc.stdout is not None
        asked = await asyncio.wait_for(proc.stdout.readuntil(b"[y/N] "), 60)
        os.write(terminal, answer.encode() + b"\n")
        rest = await asyncio.wait_for(proc.stdout.read(), 60)
        await proc.wait()
        return proc.returncode or 0, (asked + rest).decode()
    finally:
        os.close(terminal)


async def test_release_all_shows_the_count_and_asks(env: dict[str, str]) -> None:
    code, out, err = await run_cli_apart(env, "review", "release", "--all", "--field", "wohnen")
    assert code == 2 and out == ""
    assert err.strip() == (
        "mitsprache: 3 pending free-text answers in wohnen would be released; there is no terminal to ask "
        "on, so add --yes to confirm"
    )
    code, out = await on_a_terminal(env, "n", "review", "release", "--all", "--field", "wohnen")
    assert code == 1 and "Release all 3 pending free-text answers in wohnen? [y/N]" in out, out
    assert "nothing released" in out
    code, out = await run_cli(env, "review", "list", "--field", "wohnen")
    assert "3 pending" in out
    code, out = await on_a_terminal(env, "y", "review", "release", "--all")
    assert code == 0 and "Release all 3 pending free-text answers in all fields?" in out, out
    assert "released: 3 free-text answers in all fields" in out
    code, out = await run_cli(env, "review", "list", "--field", "wohnen", "--status", "released")
    assert "3 released" in out
    code, out = await run_cli(env, "review", "withhold", "--all", "--yes")
    assert code == 0 and "no free-text answers waiting for a decision in any field" in out
    code, out, err = await run_cli_apart(env, "review", "release", "--all", "4")
    assert code == 2 and "not both" in err


async def test_export_format_follows_the_file_name(env: dict[str, str], tmp_path: Path) -> None:
    workbook = tmp_path / "wohnen.xlsx"
    code, out = await run_cli(env, "export", "--field", "wohnen", "-o", str(workbook))
    assert code == 0 and workbook.read_bytes()[:2] == b"PK", out  # a zip: XLSX
    refused = {
        ("--format", "xlsx", "-o", str(tmp_path / "x.zip")): "x.zip ends in .zip but --format is xlsx: "
        "name it x.xlsx, or leave out --format",
        (
            "-o",
            str(tmp_path / "x.csv"),
        ): "a CSV release is a ZIP of tables with a LIESMICH.txt: name it x.zip",
        ("-o", str(tmp_path / "x.txt")): "cannot tell the format from the name",
        ("-o", "-"): "writing to standard output (-o -) needs --format",
    }
    for args, reason in refused.items():
        code, out, err = await run_cli_apart(env, "export", "--field", "wohnen", *args)
        assert code == 2 and out == "" and reason in err and err.count("\n") == 1, err
    assert not any((tmp_path / f"x.{suffix}").exists() for suffix in ("zip", "csv", "txt", "xlsx"))
    code, out = await run_cli(env, "audit")
    assert out.count("wohnen") == 1  # the refused ones did not run


async def test_export_to_standard_output(env: dict[str, str], tmp_path: Path) -> None:
    code, out, err = await run_cli_apart(env, "export", "--field", "wohnen", "--format", "json", "-o", "-")
    assert code == 0, err
    assert json.loads(out)  # the whole of standard output is the release
    assert err.startswith("standard output: 3 respondents")  # the summary is not in the data


async def test_purge(env: dict[str, str]) -> None:
    code, out = await run_cli(env, "purge", "--older-than", "365d")
    assert code == 0 and "deleted 0 people" in out
    code, out = await run_cli(env, "purge", "--older-than", "soon")
    assert code == 2 and "365d" in out


async def test_purge_dry_run_counts_and_deletes_nothing(env: dict[str, str], db: AsyncEngine) -> None:
    from sqlalchemy import update

    from storage.models import ConversationStateRow, Participant

    old = datetime.now(UTC) - timedelta(days=400)
    quiet = [pseudonym(b"c" * 32, "telegram", i) for i in (0, 1)]
    async with session_factory(db)() as session, session.begin():  # two of the three went quiet long ago
        for table, column in ((Participant, "consented_at"), (ConversationStateRow, "updated_at")):
            await session.execute(update(table).where(table.pseudonym.in_(quiet)).values({column: old}))
    code, out = await run_cli(env, "purge", "--older-than", "365d", "--dry-run")
    assert code == 0 and "would delete 2 people" in out and "nothing deleted" in out, out
    assert await rows(db, "participants") == 3
    code, out = await run_cli(env, "purge", "--older-than", "365d")
    assert code == 0 and "deleted 2 people" in out
    assert await rows(db, "participants") == 1


async def test_webhook_mode_requires_a_configured_key(tmp_path: Path) -> None:
    env = chat_env(f"sqlite+aiosqlite:///{tmp_path / 'w.sqlite3'}", tmp_path / "data")
    del env["MITSPRACHE_PSEUDONYM_KEY"]
    env.update(MITSPRACHE_BOT_TOKEN="123456789:" + "A" * 35, MITSPRACHE_WEBHOOK_URL="https://bot.example")
    code, out = await run_cli(env, "run")
    assert code == 2 and "MITSPRACHE_PSEUDONYM_KEY" in out


EVENT_YAML = """
title: {{de: Dialog in Lichtenberg}}
starts_at: {start}
ends_at: {end}
place: Rathaus Lichtenberg
district: lichtenberg
status: {status}
"""


async def test_event_publish_change_and_cancel_queue_notices(
    env: dict[str, str], db_url: str, tmp_path: Path
) -> None:
    from datetime import UTC, datetime, timedelta

    from storage import events, outbox

    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=9)
    draft = tmp_path / "draft.yaml"
    draft.write_text(EVENT_YAML.format(start=start.isoformat(), end=(start + timedelta(hours=2)).isoformat(),
                                       status="draft"), encoding="utf-8")  # fmt: skip
    code, out = await run_cli(env, "event", "add", str(draft))
    assert code == 0, out
    event_id = int(re.findall(r"event (\d+) \(draft\)", out)[0])
    code, out = await run_cli(env, "event", "publish", str(event_id))
    assert code == 0 and "published" in out, out
    code, out = await run_cli(env, "event", "publish", str(event_id))
    assert code == 1 and "not a draft" in out
    engine = create_engine(db_url)
    try:
        async with session_factory(engine)() as session, session.begin():
            for user, reply in ((1, "yes"), (2, "no")):
                found = await events.subscribe(session, "telegram", user, "de", [], [])
                await events.answer(session, event_id, found.id, reply)  # type: ignore[arg-type]
            await events.subscribe(session, "telegram", 3, "de", [], [])  # did not answer
        moved = tmp_path / "moved.yaml"
        later = start + timedelta(days=1)
        end = (later + timedelta(hours=2)).isoformat()
        moved.write_text(
            EVENT_YAML.format(start=later.isoformat(), end=end, status="published"), encoding="utf-8"
        )
        code, out = await run_cli(env, "event", "change", str(event_id), str(moved))
        assert code == 0 and "notice to 2 people who answered" in out and "running bot sends it" in out, out
        code, out = await run_cli(env, "event", "cancel", str(event_id))
        assert code == 0 and "cancelled" in out and "notice to 2 people" in out, out
        code, out = await run_cli(env, "event", "cancel", str(event_id))
        assert code == 1 and "already cancelled" in out
        code, out = await run_cli(env, "event", "change", "999", str(moved))
        assert code == 1 and "does not exist" in out
        async with session_factory(engine)() as session:
            queued = await outbox.recent(session)
            assert [(b.kind, b.status) for b in queued] == [("cancel", "pending"), ("change", "pending")]
            assert [sum((await outbox.counts(session, b.id)).values()) for b in queued] == [2, 2]
            view = await events.view(session, event_id)
            assert view is not None and view.starts_at == later and view.status == "cancelled"
    finally:
        await engine.dispose()

"""The staff command line: export, review, audit, purge; and the key that webhook mode requires."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from dialogs.messages import AnswerSet, ConsentGiven
from storage.conversations import ConversationRepository
from storage.db import create_engine, session_factory
from storage.pseudonym import pseudonym
from tests.support.chat_driver import chat_env, run_cli


@pytest.fixture
async def env(env: dict[str, str], db: AsyncEngine) -> dict[str, str]:
    """Three people who answered about housing, one phone number among their words."""
    async with session_factory(db)() as session, session.begin():
        for i in range(3):
            person = pseudonym(b"c" * 32, "telegram", i)
            await ConversationRepository(session).apply(person, [
                ConsentGiven("de"), AnswerSet("wohnen", "wohnform", "wg"),
                AnswerSet("wohnen", "sonstiges", f"Bitte anrufen: 0151 234567{i}"),
            ])  # fmt: skip
    return env


async def test_review_export_and_audit(env: dict[str, str], tmp_path: Path) -> None:
    code, out = await run_cli(env, "review", "list", "--field", "wohnen")
    assert code == 0, out
    assert "3 pending" in out and "[TELEFON]" in out and "0151" not in out
    first = re.findall(r"^\[(\d+)\]", out, re.MULTILINE)[0]
    code, out = await run_cli(env, "review", "release", first)
    assert code == 0, out
    code, out = await run_cli(env, "review", "release", "999999")
    assert code == 1 and "999999" in out
    target = tmp_path / "wohnen.csv"
    code, out = await run_cli(env, "export", "--field", "wohnen", "--format", "csv", "-o", str(target))
    assert code == 0, out
    assert "3 respondents" in out and "2 free texts held back" in out
    with target.open(encoding="utf-8-sig", newline="") as handle:
        texts = sorted(r["sonstiges"] for r in csv.DictReader(handle, delimiter=";"))
    assert texts[0].startswith("Bitte anrufen: [TELEFON]") and texts[1:] == ["[nicht freigegeben]"] * 2
    code, out = await run_cli(env, "audit")
    assert code == 0 and "wohnen" in out and "csv" in out and out.strip().endswith("3")


async def test_purge(env: dict[str, str]) -> None:
    code, out = await run_cli(env, "purge", "--older-than", "365d")
    assert code == 0 and "deleted 0 people" in out
    code, out = await run_cli(env, "purge", "--older-than", "soon")
    assert code == 2 and "365d" in out


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
                found = await events.subscribe(session, f"person-{user}", "telegram", user, "de", [], [])
                await events.answer(session, event_id, found.id, reply)  # type: ignore[arg-type]
            await events.subscribe(session, "person-3", "telegram", 3, "de", [], [])  # did not answer
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

"""Events on the command line: the commented template is a valid event to start from, a draft can be
deleted (nothing else), demo-data adds its examples once, and the output is in one language."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.support.chat_driver import run_cli, run_cli_apart

DAY_NAMES = re.compile(r"Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag| um ")


async def test_the_template_explains_every_key_and_can_be_added_then_deleted(
    env: dict[str, str], tmp_path: Path
) -> None:
    code, template, err = await run_cli_apart(env, "event", "template")
    assert code == 0, err
    for key in ("title:", "description:", "starts_at:", "ends_at:", "place:", "district:", "online_url:",
                "fields:", "interpreted:", "accessibility:", "capacity:", "status:"):  # fmt: skip
        assert key in template, key
    assert "neukoelln" in template and "gesundheit" in template  # the allowed values are listed
    start = datetime.fromisoformat(re.findall(r"^starts_at: (\S+)", template, re.MULTILINE)[0])
    assert start > datetime.now(UTC) + timedelta(days=13)  # ready to be tried: in the future

    event_file = tmp_path / "treffen.yaml"
    event_file.write_text(template, encoding="utf-8")
    code, out = await run_cli(env, "event", "add", str(event_file))
    assert code == 0, out
    event_id = re.findall(r"^event (\d+) \(draft\): Mitsprache vor Ort", out, re.MULTILINE)[0]
    code, out = await run_cli(env, "event", "list")
    assert code == 0 and f"[{event_id}] draft" in out and f"{start:%Y-%m-%d} 18:00" in out, out

    code, out = await run_cli(env, "event", "delete", event_id)
    assert code == 0 and out.strip() == f"event {event_id} deleted"
    code, out = await run_cli(env, "event", "list")
    assert "no events yet" in out
    code, out, err = await run_cli_apart(env, "event", "delete", event_id)
    assert code == 1 and err.strip() == f"mitsprache: event {event_id} does not exist"


async def test_only_a_draft_is_deleted(env: dict[str, str], tmp_path: Path) -> None:
    code, out = await run_cli(env, "demo-data")
    assert code == 0, out
    published = re.findall(r"^event (\d+) \(published\)", out, re.MULTILINE)
    first, second = published[0], published[1]
    code, out, err = await run_cli_apart(env, "event", "delete", first)
    assert code == 1 and err.count("\n") == 1 and "Traceback" not in err
    assert f"event {first} is published, not a draft: cancel it with `mitsprache event cancel {first}`" in err
    code, out = await run_cli(env, "event", "cancel", second)
    assert code == 0, out
    code, out, err = await run_cli_apart(env, "event", "delete", second)
    assert code == 1 and f"event {second} is cancelled, not a draft" in err and err.count("\n") == 1
    code, out = await run_cli(env, "event", "list")
    assert f"[{first}] published" in out and f"[{second}] cancelled" in out


async def test_demo_data_adds_its_examples_once(env: dict[str, str]) -> None:
    code, first = await run_cli(env, "demo-data")
    assert code == 0, first
    added = re.findall(r"^event \d+ \(published\)", first, re.MULTILINE)
    assert len(added) == 9 and "9 example events added, 0 were already there" in first
    code, listed = await run_cli(env, "event", "list")
    assert len(re.findall(r"^\[\d+\] ", listed, re.MULTILINE)) == 9

    code, second = await run_cli(env, "demo-data")
    assert code == 0 and "0 example events added, 9 were already there" in second, second
    code, again = await run_cli(env, "event", "list")
    assert again == listed  # nothing doubled
    assert "PRODUCT.md" not in (await run_cli(env, "demo-data", "--help"))[1]


async def test_event_output_is_english_with_plain_dates(env: dict[str, str]) -> None:
    code, added = await run_cli(env, "demo-data")
    code, listed = await run_cli(env, "event", "list")
    assert code == 0
    for out in (added, listed):
        assert not DAY_NAMES.search(out), out  # German weekdays and "um" were mixed into English lines
    assert "[1] published 2017-11-09 17:00  Partizipation und Teilhabe" in listed
    assert "yes 0, maybe 0, no 0, waitlist 0" in listed

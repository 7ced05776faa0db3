"""The benchmarks still run: a quick run of each, as a process, as someone measuring would start it.
Not a speed test: the figures depend on the machine; what must hold is that every simulated person
gets through and the stored rows match (the script's exit status says so)."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


async def run(*args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, *args, cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 300)  # bounds a hang; a run takes seconds
    return proc.returncode or 0, out.decode()


async def test_web_benchmark_walks_three_people_through_the_web_chat_beside_telegram() -> None:
    code, out = await run("benchmarks/web.py", "--quick", "--people", "3", "--db", "sqlite")
    assert code == 0, out
    assert "3 of 3 people finished" in out and "Correctness check: passed" in out
    rows = {
        m["label"]: m
        for m in re.finditer(
            r"^  (?P<label>web chat|Telegram), SQLite +(?P<people>\d+) +(?P<steps>\d+) +[\d.]+ +"
            r"(?P<rate>[\d.]+) +[\d.]+ +[\d.]+ +(?P<errors>\d+)",
            out,
            re.MULTILINE,
        )
    }
    assert set(rows) == {"web chat", "Telegram"}, out
    for row in rows.values():
        assert row["people"] == "3" and row["errors"] == "0"
        assert int(row["steps"]) > 3 * 3 and float(row["rate"]) > 0  # more than the way to consent


def test_web_benchmark_explains_itself(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import web

    with pytest.raises(SystemExit) as exit_:
        web.parse_args(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for option in ("--people", "--db", "--quick", "--one-address", "--postgres-url"):
        assert option in out
    assert "rate limit" in out and "Telegram" in out


async def test_updates_benchmark_measures_the_bot_and_the_echo_from_outside() -> None:
    code, out = await run(
        "benchmarks/updates.py", "--concurrency", "2", "--rounds", "1", "--backend", "sqlite"
    )
    assert code == 0, out
    assert "Correctness check: passed" in out
    assert "3 participants, " in out and "6 of 6 completed questionnaires stored – ok" in out
    rows = re.findall(
        r"^  (bare aiogram echo|Mitsprache, SQLite) +2 +(\d+) +[\d.]+ +([\d.]+) +[\d.]+ +[\d.]+",
        out,
        re.MULTILINE,
    )
    assert [label for label, _, _ in rows] == ["bare aiogram echo", "Mitsprache, SQLite"], out
    echo, full = rows
    assert echo[1] == full[1] and int(full[1]) > 2 * 20  # the echo replays the same actions
    assert "SQLite, 2 people: ÷ echo" in out  # the target's line, met or not


def test_updates_benchmark_explains_itself(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import updates

    with pytest.raises(SystemExit) as exit_:
        updates.parse_args(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for option in ("--concurrency", "--rounds", "--backend", "--postgres-url", "--profile"):
        assert option in out


async def test_memory_benchmark_measures_the_idle_bot_and_a_crowd() -> None:
    code, out = await run("benchmarks/memory.py", "--people", "30", "--warm-up", "10", "--concurrency", "3")
    # 3: a target missed, which says nothing about whether the benchmark works.
    assert code in (0, 3), out
    assert "41 of 41 people through, 42 of 42 participants stored (both bots), 0 warnings logged – ok" in out
    assert "Correctness check: passed" in out
    rows = re.findall(r"^  long polling.*? ([\d.]+) +[\d.]+ +[\d.]+ +([\d.]+) +[\d.]+$", out, re.MULTILINE)
    assert len(rows) == 2 and all(float(idle) > 10 and float(after) > 10 for idle, after in rows), out
    assert re.search(r"^ +30 +120 ", out, re.MULTILINE), out  # the last reading: 30 people, 120 steps


def test_memory_benchmark_explains_itself(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import memory

    with pytest.raises(SystemExit) as exit_:
        memory.parse_args(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    for option in ("--people", "--concurrency", "--warm-up", "--skip-web", "--backend", "--postgres-url"):
        assert option in out

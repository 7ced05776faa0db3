"""A person can learn the command line from --help: every command and option is described, every
command's page shows examples, --version answers, and `mitsprache --help` is quick because it loads
neither aiogram nor SQLAlchemy nor pydantic."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

from bot.cli import build_parser
from tests.support.chat_driver import chat_env, run_cli_apart

HEAVY = ("aiogram", "sqlalchemy", "pydantic", "pydantic_settings", "alembic", "babel", "yaml", "aiohttp")


def pages(
    parser: argparse.ArgumentParser, path: str = "mitsprache"
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every help page: the program's and each (sub)command's, by how it is called."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from pages(child, f"{path} {name}")


def test_every_command_and_option_is_described_with_examples() -> None:
    found = dict(pages(build_parser()))
    assert {"mitsprache event template", "mitsprache event delete", "mitsprache review release"} <= set(found)
    for path, page in found.items():
        assert page.description and len(page.description) > 40, f"{path}: no description"
        assert page.epilog and page.epilog.startswith("examples:"), f"{path}: no examples"
        shown = [line.strip() for line in page.epilog.splitlines()[1:] if line.startswith("  ") and not
                 line.startswith("      ")]  # fmt: skip
        assert shown and all("mitsprache" in line for line in shown), f"{path}: {page.epilog}"
        for action in page._actions:
            if isinstance(action, argparse._SubParsersAction):
                assert all(choice.help for choice in action._choices_actions), (
                    f"{path}: an undescribed action"
                )
            elif not isinstance(action, argparse._HelpAction):
                assert action.help, f"{path}: {action.option_strings or action.dest} is not described"


SCRIPT = """
import json, sys, time
started = time.perf_counter()
from bot.cli import main
try:
    main(["--help"])
except SystemExit as done:
    code = done.code
print(json.dumps({"code": code, "seconds": time.perf_counter() - started,
                  "loaded": sorted({name.split(".")[0] for name in sys.modules})}))
"""


async def test_help_loads_nothing_heavy(tmp_path: Path) -> None:
    env = chat_env(f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}", tmp_path / "data")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SCRIPT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    result = json.loads(out.decode().splitlines()[-1])
    assert result["code"] == 0
    # What made it take seconds (aiogram alone took three); the time itself depends on the machine.
    assert not set(HEAVY) & set(result["loaded"]), f"{result['seconds']:.2f} s, loaded {result['loaded']}"


async def test_version_and_help_through_the_real_command(tmp_path: Path) -> None:
    env = chat_env(f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}", tmp_path / "data")
    code, out, err = await run_cli_apart(env, "--version")
    assert code == 0 and out == f"mitsprache {version('mitsprache')}\n", err
    code, out, err = await run_cli_apart(env, "export", "--help")
    assert code == 0 and "examples:" in out and "--format json -o -" in out, err

"""The serving commands (`mitsprache run`, `mitsprache web`) run on uvloop where it is installed, and on
asyncio's own loop where it is not (Windows). Their processes stop on Ctrl-C with exit code 0 either way:
tests/cli/test_run_health.py and test_run_web.py send the signal to the real commands."""

from __future__ import annotations

import asyncio
import sys

import pytest

from bot.cli.common import run_serving


async def _loop_name() -> int:
    print(type(asyncio.get_running_loop()).__module__)
    return 3


def test_a_serving_command_runs_on_uvloop_and_returns_its_exit_code(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run_serving(_loop_name()) == 3
    assert capsys.readouterr().out.strip() == "uvloop"


def test_without_uvloop_asyncios_own_loop_serves(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop now fails, as where it is not built
    assert run_serving(_loop_name()) == 3
    assert capsys.readouterr().out.strip().startswith("asyncio")

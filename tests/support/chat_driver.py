"""Drives the real `mitsprache chat` process over its stdin/stdout, the way a person types."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

PROMPT = b"\n> "
BUTTON = re.compile(r"\[([0-9a-z]+)\] ([^\[\n]+?)(?=\s{3}\[|\n|$)")
MITSPRACHE = str(Path(sys.executable).with_name("mitsprache"))


def chat_env(db_url: str, data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        MITSPRACHE_DATABASE_URL=db_url,
        MITSPRACHE_DATA_DIR=str(data_dir),
        MITSPRACHE_PSEUDONYM_KEY="t" * 40,
        PYTHONUNBUFFERED="1",
    )
    return env


async def run_cli(env: dict[str, str], *args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        MITSPRACHE, *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode()


class Chat:
    """One running chat process; `send` returns what the bot printed until the next prompt."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.transcript = ""

    @classmethod
    async def start(
        cls, env: dict[str, str], person: str = "tester", lang: str | None = "de"
    ) -> tuple[Chat, str]:
        """`lang`: passed as --lang (a new person then gets no language picker); None: not passed."""
        args = ["chat", "--person", person, *(["--lang", lang] if lang else [])]
        proc = await asyncio.create_subprocess_exec(
            MITSPRACHE, *args, env=env,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        chat = cls(proc)
        return chat, await chat._until_prompt()

    async def _until_prompt(self) -> str:
        assert self.proc.stdout is not None
        try:
            data = await asyncio.wait_for(self.proc.stdout.readuntil(PROMPT), 30)
        except asyncio.IncompleteReadError as exc:
            data = exc.partial
        text = data.decode()
        self.transcript += text
        return text

    async def send(self, line: str) -> str:
        assert self.proc.stdin is not None
        self.transcript += line + "\n"
        self.proc.stdin.write(line.encode() + b"\n")
        await self.proc.stdin.drain()
        return await self._until_prompt()

    async def close_input(self) -> tuple[int, str]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.close()
        rest = (await asyncio.wait_for(self.proc.stdout.read(), 30)).decode()
        self.transcript += rest
        return await asyncio.wait_for(self.proc.wait(), 30), rest

    async def kill(self) -> None:
        self.proc.kill()  # SIGKILL: no chance to clean up
        await self.proc.wait()


def buttons(screen: str) -> dict[str, str]:
    """{label: key} of the buttons on the last screen: an option's number, or a move's letter."""
    return {label.strip(): key for key, label in BUTTON.findall(screen)}


def number_of(screen: str, label: str) -> str:
    found = buttons(screen)
    assert label in found, f"no button {label!r} in:\n{screen}"
    return found[label]


async def run_cli_apart(env: dict[str, str], *args: str, stdin: int | None = None) -> tuple[int, str, str]:
    """`run_cli` with standard output and standard error apart: (exit code, stdout, stderr). `stdin` is
    a file descriptor to read from (e.g. a pseudo-terminal); by default there is no input at all."""
    proc = await asyncio.create_subprocess_exec(
        MITSPRACHE, *args, env=env, stdin=asyncio.subprocess.DEVNULL if stdin is None else stdin,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode(), err.decode()

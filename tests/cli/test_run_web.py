"""`mitsprache run` without a token: the README's first command ends with a web page a newcomer opens."""

from __future__ import annotations

import asyncio
import re

import aiohttp

from tests.support.chat_driver import MITSPRACHE


async def test_run_without_a_token_serves_the_web_chat_until_input_ends(env: dict[str, str]) -> None:
    env = dict(env)
    env.pop("MITSPRACHE_BOT_TOKEN", None)
    proc = await asyncio.create_subprocess_exec(
        MITSPRACHE, "run", "--port", "0", env=env, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stdin is not None
    printed = ""
    while (found := re.search(r"http://127\.0\.0\.1:(\d+)/", printed)) is None:
        line = await asyncio.wait_for(proc.stdout.readline(), 60)
        assert line, printed
        printed += line.decode()
    assert found.group(1) != "8080"  # --port 0: a free port, so that runs side by side do not collide
    assert "@BotFather" in printed  # how to get to Telegram, too
    async with (
        aiohttp.ClientSession() as http,
        http.get(found.group(0), headers={"Accept-Language": "uk"}) as page,
    ):
        assert page.status == 200
        html = await page.text()
    assert 'lang="uk"' in html and "العربية" in html  # the language choice, suggested by the browser
    proc.stdin.write(b"1\n")  # a newcomer types as in the terminal chat: a hint, nothing breaks
    proc.stdin.close()  # Ctrl-D
    rest, _ = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, printed + rest.decode()
    assert "answers go in the browser" in rest.decode() and "Input ended" in rest.decode()

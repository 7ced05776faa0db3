"""Telegram shell pieces without a server: callback data size, message splitting, throttling."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.types import User

from bot.catalogs import language_name
from bot.telegram.callbacks import Act
from bot.telegram.middlewares import Throttle
from bot.telegram.render import MAX_TEXT, chunks, keyboard
from dialogs.definitions import Catalogue
from dialogs.messages import Button, Reply


def test_longest_possible_callback_fits_in_64_bytes(real_catalogue: Catalogue) -> None:
    longest_arg = max(
        [q.id for questionnaire in real_catalogue.all() for q in questionnaire.questions]
        + [str(v) for questionnaire in real_catalogue.all() for q in questionnaire.questions
           for v in q.answer_ids()]
        + [questionnaire.id for questionnaire in real_catalogue.all()],
        key=len,
    )  # fmt: skip
    packed = Act(s=10**9, a="resume", v=longest_arg, l="ti").pack()
    assert len(packed.encode()) <= 64


def test_keyboard_packs_state_version_and_action() -> None:
    reply = Reply("Frage", ((Button("Ja", "pick", "ja"), Button("Nein", "pick", "nein")),))
    markup = keyboard(reply, seq=42)
    assert markup is not None
    data = markup.inline_keyboard[0][1].callback_data
    assert data is not None
    assert Act.unpack(data) == Act(s=42, a="pick", v="nein", l="")


def test_long_text_is_split_at_line_breaks_within_the_limit() -> None:
    text = "\n".join(f"Zeile {i} " + "x" * 90 for i in range(200))
    parts = chunks(text)
    assert len(parts) > 1
    assert all(len(part) <= MAX_TEXT for part in parts)
    assert "\n".join(parts) == text


def test_text_is_html_escaped() -> None:
    assert chunks("a < b & <b>c</b>") == ["a &lt; b &amp; &lt;b&gt;c&lt;/b&gt;"]


@pytest.mark.parametrize(
    ("code", "name"), [("ar", "العربية"), ("uk", "Українська"), ("de", "Deutsch"), ("fa", "فارسی")]
)
def test_languages_are_named_in_their_own_script(code: str, name: str) -> None:
    assert language_name(code) == name


async def test_throttle_drops_a_flood_and_warns_once() -> None:
    now = [0.0]
    warnings: list[int] = []

    async def warn(user: User, data: dict[str, Any]) -> None:
        warnings.append(user.id)

    async def handler(event: Any, data: dict[str, Any]) -> str:
        return "handled"

    throttle = Throttle(rate=2, burst=3, warn=warn, clock=lambda: now[0])
    user = User(id=1, is_bot=False, first_name="A")
    results = [await throttle(handler, object(), {"event_from_user": user}) for _ in range(10)]  # type: ignore[arg-type]
    assert results.count("handled") == 3
    assert warnings == [1]
    now[0] += 1.0  # two tokens come back after a second
    assert await throttle(handler, object(), {"event_from_user": user}) == "handled"  # type: ignore[arg-type]
    other = User(id=2, is_bot=False, first_name="B")
    assert await throttle(handler, object(), {"event_from_user": other}) == "handled"  # type: ignore[arg-type]

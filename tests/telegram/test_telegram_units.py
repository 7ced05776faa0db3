"""Telegram shell pieces without a server: callback data size, message splitting, throttling."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.types import User

from bot.catalogs import language_name
from bot.telegram import callbacks
from bot.telegram.callbacks import ButtonData
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
    packed = callbacks.pack(Button("x", "resume", longest_arg), seq=10**9 - 1, locale="fa_AF")
    assert len(packed.encode()) <= 64
    assert callbacks.parse(packed, {"fa_AF"}) == ButtonData(10**9 - 1, "resume", longest_arg, "fa_AF")


def test_keyboard_packs_state_version_and_action() -> None:
    reply = Reply("Frage", ((Button("Ja", "pick", "ja"), Button("Nein", "pick", "nein")),))
    markup = keyboard(reply, seq=42)
    assert markup is not None
    data = markup.inline_keyboard[0][1].callback_data
    assert data is not None
    assert callbacks.parse(data, {"de"}) == ButtonData(42, "pick", "nein", "")


@pytest.mark.parametrize(
    "data",
    [
        "b|³|pick|x|",  # a digit to isdigit(), not to int()
        "b|1|pick|x|ar/../ar",  # a forged language
        "b|1|pick|x|xx",  # an unknown language
        "b|1|explode|x|",  # an unknown action
        "b|1|pick|x",  # a field missing
        "b|1|pick|a b|",  # a character no argument has
        "a:1:pick:x:",  # an older version's format
        "b|" + "9" * 70 + "|pick||",  # longer than Telegram allows
        "",
        None,
    ],
)
def test_forged_or_stale_button_data_is_refused_whole(data: str | None) -> None:
    assert callbacks.parse(data, {"de", "ar"}) is None


def test_long_text_is_split_at_line_breaks_within_the_limit() -> None:
    text = "\n".join(f"Zeile {i} " + "x" * 90 for i in range(200))
    parts = chunks(text)
    assert len(parts) > 1
    assert all(len(part) <= MAX_TEXT for part in parts)
    assert "\n".join(parts) == text


def test_text_is_sent_as_it_is_written() -> None:
    # Plain text, no parse mode: what a translator or staff member writes needs no escaping.
    assert chunks("a < b & <b>c</b>") == ["a < b & <b>c</b>"]


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


@pytest.mark.parametrize("locale", ["de", "ar", "uk", "fa"])
def test_core_texts_name_no_channel_and_telegram_adds_its_notice(locale: str) -> None:
    from bot.locales import translator
    from bot.telegram.render import with_channel_notice
    from dialogs import subscription, views

    t = translator(locale)
    core = [views.consent_request(t), views.privacy_details(t, consented=True), subscription.ask(t)]
    assert not any("Telegram" in reply.text for reply in core)
    consent = with_channel_notice(core[0], t)
    paragraphs = consent.text.split("\n\n")
    notice = t._("Achtung: Telegram schützt diese Nachrichten nicht ganz. Telegram kann sie lesen.")
    assert paragraphs[-2] == notice and "Telegram" in notice
    assert paragraphs[-1] == core[0].text.split("\n\n")[-1]  # the question stays last
    assert consent.buttons == core[0].buttons
    assert with_channel_notice(core[2], t) == core[2]  # other texts stay as they are

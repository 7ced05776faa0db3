"""Button data: one format for every button, validated whole on the way back.

A button carries its action and argument (dialogs.messages.Button), the version `s` of what it was drawn
for (the conversation's state, a staff dialog's step; 0 otherwise), and before consent the chosen
language `l`, since nothing may be stored yet. Packed, it stays within Telegram's 64 bytes.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from dialogs.messages import OTHER_ACTIONS, QUESTIONNAIRE_ACTIONS, Button

PREFIX = "b"
SEP = "|"
MAX_DATA = 64
ACTIONS = QUESTIONNAIRE_ACTIONS | OTHER_ACTIONS
_SEQ = re.compile(r"[0-9]{1,9}")  # ASCII digits only: "³".isdigit() is True, int("³") fails
_ARG = re.compile(r"[A-Za-z0-9_:.\-]{0,40}")


@dataclass(frozen=True)
class ButtonData:
    seq: int
    action: str
    arg: str = ""
    locale: str = ""


def pack(button: Button, seq: int, locale: str = "") -> str:
    data = SEP.join((PREFIX, str(seq), button.action, button.arg, locale))
    if len(data.encode()) > MAX_DATA or SEP in button.arg:
        raise ValueError(f"button data too long or malformed: {data!r}")
    return data


def parse(data: str | None, locales: Collection[str]) -> ButtonData | None:
    """The button's data, or None when anything about it is off (forged, or from an old version)."""
    if not data or len(data.encode()) > MAX_DATA:
        return None
    parts = data.split(SEP)
    if len(parts) != 5 or parts[0] != PREFIX:
        return None
    _, seq, action, arg, locale = parts
    if not _SEQ.fullmatch(seq) or action not in ACTIONS or not _ARG.fullmatch(arg):
        return None
    if locale and locale not in locales:
        return None
    return ButtonData(int(seq), action, arg, locale)

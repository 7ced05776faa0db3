"""Staff forms' shared vocabulary: what staff type or press. Forms answer with the same `Reply` and
`Button` as the questionnaire engine; a form's buttons have the action "form"."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from dialogs.i18n import BERLIN, Translator
from dialogs.messages import Button

# Written the way German staff write a moment; Berlin time is assumed.
_MOMENT_FORMATS = (
    "%d.%m.%Y %H:%M", "%d.%m.%y %H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H.%M", "%d.%m.%Y %H", "%d.%m.%y %H",
)  # fmt: skip


def choice(label: str, value: str) -> Button:
    """A form's button: its label and the value the form gets back when it is pressed."""
    return Button(label, "form", value)


@dataclass(frozen=True)
class Typed:
    text: str


@dataclass(frozen=True)
class Pressed:
    value: str


FormInput = Typed | Pressed


def toggled(chosen: Sequence[str], value: str) -> list[str]:
    return [c for c in chosen if c != value] if value in chosen else [*chosen, value]


def toggles(
    options: Sequence[tuple[str, str]], chosen: Sequence[str], prefix: str, per_row: int = 2
) -> tuple[tuple[Button, ...], ...]:
    """Toggle buttons ☑/☐ for (value, label) options; pressing one sends "prefix:value"."""
    buttons = [
        choice(("☑ " if value in chosen else "☐ ") + label, f"{prefix}:{value}") for value, label in options
    ]
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))


def parse_moment(text: str, day_of: datetime | None = None) -> datetime | None:
    """ "24.12.2026 17:00" (or ISO) in Berlin time; with `day_of`, a bare "19:00" is that day."""
    cleaned = " ".join(text.replace(",", " ").replace("Uhr", " ").replace("uhr", " ").split())
    if day_of is not None and len(cleaned) <= 5:
        cleaned = f"{day_of.astimezone(BERLIN):%d.%m.%Y} {cleaned}"
    for fmt in _MOMENT_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt).replace(tzinfo=BERLIN)
        except ValueError:
            continue
    return None


def navigation(t: Translator, *, back: bool = True) -> tuple[Button, ...]:
    row = [choice(t._("Zurück"), "back")] if back else []
    return (*row, choice(t._("Abbrechen"), "cancel"))

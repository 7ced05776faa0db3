"""Translation interface for the engine: gettext lookups and placeholder formatting, no file access.

Strings are written in German (the source language). Extraction keywords: `_`, `n_:1,2`, `p_:1c,2`.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_datetime_format

from dialogs import bidi

SOURCE_LOCALE = "de"
BERLIN = ZoneInfo("Europe/Berlin")


class Catalog(Protocol):
    def gettext(self, message: str, /) -> str: ...
    def ngettext(self, singular: str, plural: str, n: int, /) -> str: ...
    def pgettext(self, context: str, message: str, /) -> object: ...


@dataclass(frozen=True)
class Translator:
    """Everything the engine needs to speak one person's language."""

    locale: str = SOURCE_LOCALE
    catalog: Catalog = field(default_factory=gettext.NullTranslations)
    rtl: bool = False
    language_name: str = "Deutsch"

    def isolate(self, value: object) -> str:
        """A value placed inside a sentence, isolated from the surrounding direction where needed: every
        value in a right-to-left language, a value with right-to-left letters in any (dialogs/bidi.py)."""
        return bidi.isolate(str(value), self.rtl)

    def block(self, text: str) -> str:
        """A whole text someone else wrote (an event description, a free message), shown as lines of
        their own: isolated line by line like a value, each line marked like our own lines."""
        return self.mark(self.isolate(text))

    def mark(self, text: str) -> str:
        """In a right-to-left language every line starts with a right-to-left mark, so that a line made
        only of isolated values ("3/8", a German name) is still laid out right to left."""
        return bidi.mark_lines(text) if self.rtl else text

    def lines(self, lines: Iterable[str]) -> str:
        """Lines put together in code, as one message text (each line marked, see `mark`)."""
        return self.mark("\n".join(lines))

    def join(self, items: Iterable[str]) -> str:
        """A list inside a sentence ("Arabisch, Persisch"), with the comma of the reading direction."""
        return ("، " if self.rtl else ", ").join(items)

    @property
    def arrow(self) -> str:
        """The arrow that points from a question to its answer, in the reading direction."""
        return "←" if self.rtl else "→"

    def _(self, message: str, **params: object) -> str:
        return self._format(self.catalog.gettext(message), params)

    def n_(self, singular: str, plural: str, n: int, **params: object) -> str:
        return self._format(self.catalog.ngettext(singular, plural, n), {"n": n, **params})

    def p_(self, context: str, message: str) -> str:
        """Questionnaire content: the context is the stable id, the message the German text."""
        return self._format(str(self.catalog.pgettext(context, message)), {})

    def date(self, value: date | datetime, fmt: str = "full") -> str:
        """A date the way this language writes it (Berlin time for moments)."""
        if isinstance(value, datetime):
            value = value.astimezone(BERLIN).date()
        return self.isolate(format_date(value, format=fmt, locale=self.locale))

    def datetime(self, value: datetime) -> str:
        """A moment in Berlin time with weekday, date and hour, in this language's own pattern."""
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware one (UTC or Europe/Berlin)")
        local = value.astimezone(BERLIN)
        day = format_date(local.date(), format="full", locale=self.locale)
        hour = format_time(local, format="short", tzinfo=BERLIN, locale=self.locale)
        # The language's own way of joining date and time ("{1} 'um' {0}" in German).
        joined = str(get_datetime_format("long", locale=self.locale)).replace("'", "")
        return self.isolate(joined.replace("{1}", day).replace("{0}", hour))

    def _format(self, text: str, params: dict[str, object]) -> str:
        if params:
            text = text.format(**{k: self.isolate(v) for k, v in params.items()})
        return self.mark(bidi.isolate_ltr(text)) if self.rtl else text

"""Translation interface for the engine: gettext lookups and placeholder formatting, no file access.

Strings are written in German (the source language). Extraction keywords: `_`, `n_:1,2`, `p_:1c,2`.
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass, field
from typing import Protocol

SOURCE_LOCALE = "de"
# First Strong Isolate ... Pop Directional Isolate: keeps a German name, a date or "3/8"
# from being reordered inside a right-to-left sentence.
FSI, PDI = "\u2068", "\u2069"


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

    def isolate(self, value: object) -> str:
        """A value placed inside a sentence, isolated from the surrounding direction where needed."""
        text = str(value)
        return f"{FSI}{text}{PDI}" if self.rtl else text

    def _(self, message: str, **params: object) -> str:
        return self._format(self.catalog.gettext(message), params)

    def n_(self, singular: str, plural: str, n: int, **params: object) -> str:
        return self._format(self.catalog.ngettext(singular, plural, n), {"n": n, **params})

    def p_(self, context: str, message: str) -> str:
        """Questionnaire content: the context is the stable id, the message the German text."""
        return str(self.catalog.pgettext(context, message))

    def _format(self, text: str, params: dict[str, object]) -> str:
        if not params:
            return text
        return text.format(**{k: self.isolate(v) for k, v in params.items()})

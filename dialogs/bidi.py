"""Right-to-left text: isolate left-to-right fragments so that they are not reordered.

A German place name, a date, "3/8", a URL or "/fields" inside an Arabic, Farsi or Pashto sentence
is wrapped in LEFT-TO-RIGHT ISOLATE ... POP DIRECTIONAL ISOLATE (U+2066 ... U+2069); values put
into a sentence are wrapped in FIRST STRONG ISOLATE ... PDI (U+2068 ... U+2069).
"""

from __future__ import annotations

import re

LRI, FSI, PDI = "\u2066", "\u2068", "\u2069"
_ISOLATED = re.compile(f"[{LRI}{FSI}][^{PDI}]*{PDI}")
# Latin words (with umlauts and accents), digits, and what joins them inside names, dates,
# fractions, URLs and commands; several such words separated by single spaces form one run.
_WORD = r"[A-Za-z0-9À-ɏ/][A-Za-z0-9À-ɏ/.:@_+\-–&?=#%]*"
_LTR_RUN = re.compile(rf"{_WORD}(?: {_WORD})*")


def isolate_ltr(text: str) -> str:
    """Wrap every left-to-right run outside existing isolates in LRI ... PDI."""
    out: list[str] = []
    position = 0
    for match in _ISOLATED.finditer(text):
        out.append(_wrap(text[position : match.start()]))
        out.append(match.group())
        position = match.end()
    out.append(_wrap(text[position:]))
    return "".join(out)


def _wrap(segment: str) -> str:
    return _LTR_RUN.sub(lambda m: f"{LRI}{_trim(m.group())}{PDI}{_tail(m.group())}", segment)


def _trim(run: str) -> str:
    # Sentence punctuation after a word belongs to the surrounding right-to-left sentence.
    return run.rstrip(".:")


def _tail(run: str) -> str:
    return run[len(run.rstrip(".:")) :]

"""Right-to-left text: one mechanism for everything a person reads, whoever wrote it.

- Left-to-right fragments in a right-to-left sentence (a German place name, a date, "3/8", a URL,
  "/fields", "+49 30 1234", "1,5") are wrapped in LEFT-TO-RIGHT ISOLATE ... POP DIRECTIONAL ISOLATE
  (U+2066 ... U+2069), with a sign in front of them ("+", "@", ".", "-", "#") and the separators
  inside a number, so that nothing is torn off or reordered: :func:`isolate_ltr`.
- A value put into a sentence (a title, a count, a person's answer) and every line of a text that
  staff wrote (an event description, a free message) is wrapped in FIRST STRONG ISOLATE ... PDI
  (U+2068 ... U+2069), which takes the direction of its own first letter; inside a right-to-left
  line, its left-to-right fragments are isolated as above: :func:`isolate`.
- Every line of a right-to-left message starts with RIGHT-TO-LEFT MARK (U+200F), so that a line
  whose letters all sit inside isolates ("3/8", "→ Friedrichshain-Kreuzberg") is still laid out
  right to left: :func:`mark_lines`.

Text from outside (what staff or a person typed) may carry direction controls of its own; before it
is isolated they are balanced (:func:`balance`), so that a stray PDI cannot close our isolate early.
Where marks must not count (a typed answer compared with a label) or cannot be shown (a terminal),
:func:`strip_marks` removes them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
LRM, RLM, ALM = "\u200e", "\u200f", "\u061c"
_OPENERS = frozenset((LRI, RLI, FSI))
# Embeddings and overrides (LRE, RLE, PDF, LRO, RLO): older controls that reach past an isolate's
# end and can reorder text on purpose; nothing here writes them, and text from outside loses them.
_EMBEDDINGS = "\u202a\u202b\u202c\u202d\u202e"
MARKS = frozenset((LRI, RLI, FSI, PDI, LRM, RLM, ALM, *_EMBEDDINGS))
_STRIP = str.maketrans(dict.fromkeys(MARKS))

_LETTER = r"A-Za-z0-9À-ɏ"
# A sign that belongs to the word right after it: "+49", "@name", ".ics", "-5", "#tag". Only at the
# start of a word (not after a letter or digit), and only before a Latin letter or digit.
_SIGN = rf"(?:(?<!\w)[+@.#\-−](?=[{_LETTER}]))?"
# Latin words (with umlauts and accents), digits, and what joins them inside names, dates, fractions,
# URLs and commands; a comma, an apostrophe or a narrow space between two digits keeps a number whole
# ("1,5", "10,000", "10 000").
_WORD = rf"{_SIGN}[{_LETTER}/](?:[{_LETTER}/.:@_+\-–&?=#%]|(?<=\d)[,'\u00a0\u202f](?=\d))*"
# Several such words separated by single spaces form one run.
_LTR_RUN = re.compile(rf"{_WORD}(?: {_WORD})*")


def strip_marks(text: str) -> str:
    """The text without any direction control: what a person sees, to compare or to print raw."""
    return text.translate(_STRIP)


def balance(text: str) -> str:
    """Direction controls from outside made harmless: embeddings and overrides removed, a PDI without
    its isolate dropped, an isolate left open closed at the end of its line."""
    out: list[str] = []
    for line in text.split("\n"):
        depth = 0
        kept: list[str] = []
        for char in line:
            if char in _EMBEDDINGS:
                continue
            if char in _OPENERS:
                depth += 1
            elif char == PDI:
                if depth == 0:
                    continue
                depth -= 1
            kept.append(char)
        out.append("".join(kept) + PDI * depth)
    return "\n".join(out)


def _segments(line: str) -> Iterator[tuple[bool, str]]:
    """(inside an isolate, text) for a balanced line, outermost isolates whole."""
    depth, start = 0, 0
    for index, char in enumerate(line):
        if char in _OPENERS:
            if depth == 0 and index > start:
                yield False, line[start:index]
                start = index
            depth += 1
        elif char == PDI and depth > 0:
            depth -= 1
            if depth == 0:
                yield True, line[start : index + 1]
                start = index + 1
    if start < len(line):
        yield depth > 0, line[start:]


def first_strong(line: str) -> str | None:
    """The direction ("rtl" or "ltr") of the first letter outside isolates, as FSI and a paragraph
    decide it; None when there is none (only digits, signs and isolates)."""
    for inside, segment in _segments(line):
        if inside:
            continue
        for char in segment:
            kind = unicodedata.bidirectional(char)
            if kind == "L":
                return "ltr"
            if kind in ("R", "AL"):
                return "rtl"
    return None


def has_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(char) in ("R", "AL") for char in text)


def isolate_ltr(text: str) -> str:
    """Wrap every left-to-right run outside existing isolates in LRI ... PDI."""
    out: list[str] = []
    for line in text.split("\n"):
        out.append("".join(s if inside else _wrap(s) for inside, s in _segments(line)))
    return "\n".join(out)


def isolate(text: str, rtl: bool) -> str:
    """A value or a text put into a message, each line isolated by its own first letter (FSI); inside a
    right-to-left line its left-to-right fragments are isolated too. `rtl`: the message is right to
    left; in a left-to-right message only text that contains right-to-left letters needs isolating."""
    out: list[str] = []
    for line in balance(text).split("\n"):
        if not line or not (rtl or has_rtl(line)):
            out.append(line)
            continue
        inner = isolate_ltr(line) if first_strong(line) == "rtl" else line
        out.append(f"{FSI}{inner}{PDI}")
    return "\n".join(out)


def mark_lines(text: str) -> str:
    """Every line that has something on it starts with a RIGHT-TO-LEFT MARK."""
    return "\n".join(line if not line or line.startswith(RLM) else RLM + line for line in text.split("\n"))


def _wrap(segment: str) -> str:
    return _LTR_RUN.sub(lambda m: f"{LRI}{_trim(m.group())}{PDI}{_tail(m.group())}", segment)


def _trim(run: str) -> str:
    # Sentence punctuation after a word belongs to the surrounding right-to-left sentence.
    return run.rstrip(".:")


def _tail(run: str) -> str:
    return run[len(run.rstrip(".:")) :]

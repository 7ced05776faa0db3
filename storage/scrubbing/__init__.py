"""Offline PII scrubbing of free-text answers before they leave for a working group.

Every finding is replaced by a typed placeholder: ``[TELEFON]``, ``[EMAIL]``, ``[URL]``, ``[IBAN]``,
``[TELEGRAM]`` (an @handle), ``[ADRESSE]`` (a street address with a house number, in Latin, Cyrillic
or Arabic script), ``[PLZ]`` (a German postcode), ``[NAME]`` (a person's name where the text
introduces it, or after a family word or a form of address), ``[DOKUMENT]`` (a passport, residence
permit, ID or BAMF file number) and ``[GEBURTSDATUM]`` (a date of birth). No language model is
loaded, so a name that nothing announces ("Ahmad hat mir geholfen") is not found.

The patterns of our own recognizers live beside this module: ``addresses.py`` (addresses and
postcodes), ``names.py``, ``documents.py`` (document numbers and dates of birth) and ``text.py``
(the letters of each script, house numbers). What each finds and leaves is described there.

How it works
- Pattern recognizers only (storage/recognizers.py: Presidio's patterns and rules without Presidio,
  whose import pulls in spaCy): e-mail, URL, IBAN and phone (regions of the people we serve,
  leniency VALID), plus our ``PatternRecognizer``s for @handles, street addresses, postcodes,
  names, document numbers and dates of birth: one mechanism for all. Every text is analysed the
  same way, whatever language it is written in.
- A second phone pass with ``phonenumbers.PhoneNumberMatcher`` at leniency POSSIBLE, for each region,
  because VALID misses numbers people really write (``0151 2345678`` is one digit short of a valid
  German mobile number, but it is still somebody's number). POSSIBLE alone would also flag years,
  amounts and dates, so a candidate must have at least seven digits and look like a dialled number
  (``+``, ``00``, a leading ``0`` or ``(``, a Russian ``8 …`` trunk prefix), or be valid for a region.
- Before analysis, Arabic-Indic (U+0660–0669) and Persian (U+06F0–06F9) digits become ASCII digits
  and dates, times and year ranges are blanked out (``9.11.2017``, ``18:00``, ``2019-2021``), so
  that no recognizer can take them for a phone number; the date-of-birth patterns look for the
  blanked-out runs after a word for birth. Both steps replace one character by one character, so
  every span found in the analysed text is a span of the original text.
- Overlapping findings: the longest span wins (ties: the order of :data:`KINDS`); the survivors are
  replaced right to left so that the offsets stay valid.

Offline: e-mail domains are validated with our own ``TLDExtract(suffix_list_urls=(), cache_dir=None)``,
which reads the suffix list bundled with tldextract and writes no cache; tldextract's module-level
extractor (which fetches the list from the internet on first use) is never touched, so nothing in
this module opens a socket.

Build one :class:`Scrubber` and reuse it: construction compiles the patterns and loads the suffix
list (a fraction of a second after import); :meth:`Scrubber.scrub` costs milliseconds per text
(benchmarks/scrubbing.py prints the cost per text), so a text is scrubbed once per version and the
result stored (storage/reviews.py); :data:`VERSION` tells a stored result of an older scrubber.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import phonenumbers
import tldextract

from storage.recognizers import (
    Pattern,
    PatternRecognizer,
    PhoneRecognizer,
    Recognizer,
    analyze,
    email_recognizer,
    iban_recognizer,
    url_recognizer,
)
from storage.scrubbing.addresses import ADDRESS_PATTERNS, POSTCODE_PATTERNS
from storage.scrubbing.documents import BIRTH_DATE_PATTERNS, DOCUMENT_PATTERNS
from storage.scrubbing.names import NAME_PATTERNS
from storage.scrubbing.text import FLAGS

__all__ = ["KINDS", "PHONE_REGIONS", "VERSION", "Finding", "Scrubbed", "Scrubber"]

#: Placeholder kinds; on overlapping spans of equal length the earlier kind wins.
KINDS: tuple[str, ...] = (
    "EMAIL",
    "URL",
    "IBAN",
    # before TELEFON: a passport number after "Passnummer" may also pass for a phone number
    "DOKUMENT",
    "GEBURTSDATUM",
    "TELEFON",
    "ADRESSE",
    "PLZ",
    "TELEGRAM",
    "NAME",
)

#: Germany and the main countries of origin (see PRODUCT.md, "Languages").
PHONE_REGIONS: tuple[str, ...] = ("DE", "SY", "AF", "IR", "IQ", "TR", "UA", "RU", "ER", "MD", "GE", "VN")


def _version() -> str:
    """What the scrubber is made of: this package's source, storage/recognizers.py, and the versions of
    phonenumbers and tldextract, whose data decide what is found. Computed, not a number to raise by
    hand: any change to the scrubber makes the stored results of the old one be made again, once."""
    storage = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(f"{phonenumbers.__version__} {tldextract.__version__}".encode())
    for source in sorted([*(storage / "scrubbing").glob("*.py"), storage / "recognizers.py"]):
        digest.update(b"\0" + source.relative_to(storage).as_posix().encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()[:16]


#: The version of this scrubber, stored with every scrubbed text it makes (16 hex digits).
VERSION: str = _version()

# Arabic-Indic and Persian (extended Arabic-Indic) digits to ASCII, one character for one.
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)

# ---------------------------------------------------------------------------------------------
# Dates, times and year ranges: blanked out before analysis so they never look like phone numbers.
_DATE_TIME = re.compile(
    r"""
    (?<![\d./:\-])
    (?:
        \d{1,2}\.\s?\d{1,2}\.\s?(?:\d{4}|\d{2})          # 9.11.2017, 09. 11. 17
      | \d{1,2}/\d{1,2}/(?:\d{4}|\d{2})                  # 12/10/2023
      | \d{1,2}-\d{1,2}-(?:19|20)\d{2}                    # 12-03-1990
      | \d{4}[-/.]\d{1,2}[-/.]\d{1,2}                    # 2022-10-12, 1398/05/12
      | \d{1,2}:\d{2}(?:\s?[-–]\s?\d{1,2}:\d{2})?        # 18:00, 8:30-12:00
      | \d{1,2}\.\d{2}(?=\s?(?:Uhr|h\b))                 # 12.30 Uhr
      | (?:1[34]|19|20)\d{2}\s?[-–/]\s?(?:(?:1[34]|19|20)\d{2}|\d{2})  # 2019-2021, 2023/24, 1398-1400
    )
    (?![\d]|[./:\-]\d)
    """,
    re.VERBOSE,
)
_MASK = "_"

# ---------------------------------------------------------------------------------------------
# @handles (Telegram, Instagram with dots, …); an @ inside a word is part of an e-mail address.
_HANDLE_PATTERNS = [
    Pattern("handle", r"(?<![\w@./])@[A-Za-z][A-Za-z0-9_]{2,31}(?:\.[A-Za-z0-9_]+)*(?![\w@])", 0.6)
]


_URL_TRAILING = frozenset(".,;:!?)]}\"'»«“”„’،؛؟")


@dataclass(frozen=True, slots=True)
class Finding:
    """One piece of personal data: ``text[start:end]`` is to be replaced by ``[kind]``."""

    start: int
    end: int
    kind: str


@dataclass(frozen=True, slots=True)
class Scrubbed:
    """A scrubbed text and the kinds of the placeholders put into it, in reading order."""

    text: str
    found: tuple[str, ...]


# "12 345 678", "1.250.000": an amount with thousands separators, never a dialled number.
_THOUSANDS = re.compile(r"[1-9]\d{0,2}(?:[ .,'’\u00a0\u202f]\d{3})+")


def _trim_url(analysed: str, finding: Finding) -> Finding:
    """The URL pattern swallows the punctuation after a URL ("www.berlin.de/laf, bitte")."""
    end = finding.end
    while end > finding.start + 1 and analysed[end - 1] in _URL_TRAILING:
        end -= 1
    return Finding(finding.start, end, finding.kind)


def _digit_count(candidate: str) -> int:
    return sum(ch.isdigit() for ch in candidate)


class Scrubber:
    """Finds and replaces personal data in free text, in any language, without network access.

    Construction is the expensive part (patterns, suffix list, a warm-up run); build one and reuse it.
    """

    def __init__(self, phone_regions: Sequence[str] = PHONE_REGIONS) -> None:
        self._regions = tuple(phone_regions)
        # The bundled public suffix list, no download, no disk cache.
        self._tld = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)
        self._tld("example.de")  # parses the bundled list now, not on the first e-mail address
        self._recognizers: list[Recognizer] = [
            email_recognizer(self._tld, "EMAIL"),
            url_recognizer("URL"),
            iban_recognizer("IBAN"),
            PhoneRecognizer(self._regions, phonenumbers.Leniency.VALID, "TELEFON"),
            PatternRecognizer("ADRESSE", ADDRESS_PATTERNS, flags=FLAGS),
            PatternRecognizer("PLZ", POSTCODE_PATTERNS, flags=FLAGS),
            PatternRecognizer("TELEGRAM", _HANDLE_PATTERNS, flags=FLAGS),
            PatternRecognizer("NAME", NAME_PATTERNS, flags=FLAGS),
            PatternRecognizer("DOKUMENT", DOCUMENT_PATTERNS, flags=FLAGS),
            PatternRecognizer("GEBURTSDATUM", BIRTH_DATE_PATTERNS, flags=FLAGS),
        ]
        self._all_kinds = list(KINDS)
        self._kinds_without_phone = [kind for kind in KINDS if kind != "TELEFON"]
        # A warm-up run: phonenumbers loads its region metadata lazily, on first use.
        self.scrub(
            "Tel. 0151 2345678, a@b.de, www.berlin.de, Müllerstr. 147, 13353 Berlin, @name_1, "
            "ich heiße Ahmad, Aktenzeichen 1234567-439, geboren am 12.03.1990"
        )

    def find(self, text: str) -> list[Finding]:
        """The findings in ``text`` after overlap resolution, in reading order."""
        analysed = self._prepare(text)
        few_digits = _digit_count(analysed) < 7
        candidates: list[Finding] = []
        kinds = self._kinds_without_phone if few_digits else self._all_kinds
        for result in analyze(self._recognizers, analysed, kinds):
            finding = Finding(result.start, result.end, result.kind)
            if finding.kind == "URL":
                finding = _trim_url(analysed, finding)
            if self._plausible(analysed, finding):
                candidates.append(finding)
        if not few_digits:
            candidates.extend(self._possible_phone_numbers(analysed))
        return self._resolve(candidates)

    def scrub(self, text: str) -> Scrubbed:
        """``text`` with every finding replaced by its placeholder, e.g. ``[TELEFON]``."""
        findings = self.find(text)
        scrubbed = text
        for finding in reversed(findings):
            scrubbed = f"{scrubbed[: finding.start]}[{finding.kind}]{scrubbed[finding.end :]}"
        return Scrubbed(scrubbed, tuple(finding.kind for finding in findings))

    # -----------------------------------------------------------------------------------------

    @staticmethod
    def _prepare(text: str) -> str:
        """ASCII digits, dates and times blanked out; same length as ``text``."""
        normalised = text.translate(_DIGITS)
        return _DATE_TIME.sub(lambda match: _MASK * len(match.group()), normalised)

    @staticmethod
    def _plausible(analysed: str, finding: Finding) -> bool:
        candidate = analysed[finding.start : finding.end]
        if finding.kind == "TELEFON":
            return _digit_count(candidate) >= 7 and not _THOUSANDS.fullmatch(candidate.strip())
        if finding.kind == "URL":
            # The URL pattern has no word boundary at the end: "Kita.Der" is not kita.de,
            # and "Jobcenter.Es ist" is a missing space, not a Spanish domain.
            if finding.end < len(analysed) and analysed[finding.end].isalnum():
                return False
            lowered = candidate.lower()
            if not lowered.startswith(("http://", "https://", "www.")) and "/" not in candidate:
                top_level = candidate.rsplit(".", 1)[-1]
                return top_level.islower() or candidate.isupper()
        return True

    def _possible_phone_numbers(self, analysed: str) -> Iterable[Finding]:
        """PhoneNumberMatcher at leniency POSSIBLE, for numbers that are dialled but not quite valid."""
        for region in self._regions:
            matcher = phonenumbers.PhoneNumberMatcher(
                analysed, region, leniency=phonenumbers.Leniency.POSSIBLE
            )
            for match in matcher:
                finding = Finding(match.start, match.end, "TELEFON")
                if not self._plausible(analysed, finding):
                    continue
                if self._looks_dialled(match.raw_string) or phonenumbers.is_valid_number(match.number):
                    yield finding

    @staticmethod
    def _looks_dialled(candidate: str) -> bool:
        stripped = candidate.lstrip()
        if stripped.startswith(("+", "0", "(")):
            return True
        # Russian and Ukrainian trunk prefix: 8 (916) 123-45-67
        return stripped.startswith("8") and _digit_count(stripped) == 11

    @staticmethod
    def _resolve(candidates: list[Finding]) -> list[Finding]:
        """Longest span first (ties by the order of KINDS); drop whatever overlaps a kept one."""
        rank = {kind: index for index, kind in enumerate(KINDS)}
        ordered = sorted(
            set(candidates),
            key=lambda f: (-(f.end - f.start), rank.get(f.kind, len(rank)), f.start),
        )
        kept: list[Finding] = []
        for finding in ordered:
            if all(finding.end <= other.start or finding.start >= other.end for other in kept):
                kept.append(finding)
        return sorted(kept, key=lambda f: f.start)

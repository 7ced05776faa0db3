"""Pattern recognizers for personal data in free text: e-mail and web addresses, IBANs, phone numbers, and
any list of regular expressions. What the scrubber (storage/scrubbing/) needs from Presidio, without
Presidio.

Why not Presidio: presidio-analyzer imports spaCy at import time (its NLP engines), so installing it
brings spaCy, thinc, blis and numpy (about 250 MB of the container image) although no language model is
ever loaded: the scrubber uses only pattern recognizers. Those are small: a regular expression with an
optional check of what it found (the e-mail's domain, the IBAN's checksum) and phonenumbers' matcher.
This module does the same on `regex` (``\\p{…}``, ``\\K``, variable-length lookbehinds, as in
Presidio), `phonenumbers` and `tldextract`, with the same patterns and the same rules
(presidio-analyzer 2.2.366):

- a pattern's match counts unless it is empty or its check (if any) fails; a match that passes the
  check gets the score 1.0, any other keeps its pattern's score;
- patterns ignore case unless a recognizer is given other flags (Presidio's default flags); the IBAN
  pattern does not;
- an IBAN candidate is tried longest first (the pattern's three groups), and the first one whose
  check digits and country format are right is kept;
- phone numbers: `phonenumbers.PhoneNumberMatcher` for each region at the given leniency, score 0.4;
- among the findings of one kind, one that lies within another (or on the same span) whose score is
  at least as high is dropped: the same span is reported once, and "www.berlin.de" inside
  "https://www.berlin.de" (0.5 inside 0.6) is not reported at all. Findings of different kinds may
  overlap: the caller decides between them;
- a pattern that runs longer than 60 seconds on a text is abandoned with a warning (what it found so
  far counts), as a guard against catastrophic backtracking.

The e-mail and URL patterns and the IBAN country formats are Presidio's (MIT License, Copyright (c)
Microsoft Corporation; the URL pattern from CommonRegex, MIT License, Copyright (c) 2014 Madison May).
"""

from __future__ import annotations

import logging
import string
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import Protocol

import phonenumbers
import regex
import tldextract

__all__ = [
    "Match",
    "Pattern",
    "PatternRecognizer",
    "PhoneRecognizer",
    "Recognizer",
    "analyze",
    "email_recognizer",
    "iban_recognizer",
    "url_recognizer",
    "valid_iban",
]

log = logging.getLogger(__name__)

#: Presidio's default flags for pattern recognizers.
DEFAULT_FLAGS = regex.DOTALL | regex.MULTILINE | regex.IGNORECASE
#: Presidio's default limit for one pattern on one text (its REGEX_TIMEOUT_SECONDS).
TIMEOUT_SECONDS = 60
#: The score of a finding whose check passed.
CHECKED_SCORE = 1.0


@dataclass(frozen=True, slots=True)
class Match:
    """``text[start:end]`` is personal data of this ``kind``; ``score`` decides between findings of
    one kind that lie within each other."""

    start: int
    end: int
    kind: str
    score: float


@dataclass(frozen=True, slots=True)
class Pattern:
    """A named regular expression; ``score`` is the confidence of its matches (Presidio's meaning)."""

    name: str
    regex: str
    score: float = 0.5


class Recognizer(Protocol):
    kind: str

    def find(self, text: str) -> list[Match]: ...


def remove_contained(found: Iterable[Match]) -> list[Match]:
    """Presidio's rule for findings of one kind: drop one that lies within another (or on the same
    span) whose score is at least as high. Findings of different kinds are left alone."""
    ordered = sorted(set(found), key=lambda m: (m.kind, m.start, -(m.end - m.start), -m.score))
    kept: list[Match] = []
    for _, of_kind in groupby(ordered, key=lambda m: m.kind):
        # Sorted by start, longest and highest score first: whatever contains a finding came before
        # it, and only the kept ones that reach its start can contain it.
        active: list[Match] = []
        for match in of_kind:
            active = [other for other in active if other.end >= match.start]
            if not any(
                other.start <= match.start and match.end <= other.end and match.score <= other.score
                for other in active
            ):
                kept.append(match)
                active.append(match)
    return kept


class PatternRecognizer:
    """Every non-empty match of the patterns that passes ``validate`` (when given), at its pattern's
    score, or at 1.0 when ``validate`` passed it."""

    def __init__(
        self,
        kind: str,
        patterns: Sequence[Pattern],
        *,
        flags: int = DEFAULT_FLAGS,
        validate: Callable[[str], bool] | None = None,
    ) -> None:
        self.kind = kind
        self._compiled = [(p, regex.compile(p.regex, flags)) for p in patterns]
        self._validate = validate

    def find(self, text: str) -> list[Match]:
        found: list[Match] = []
        for pattern, compiled in self._compiled:
            try:
                for match in compiled.finditer(text, timeout=TIMEOUT_SECONDS):
                    start, end = match.span()
                    if start == end:
                        continue
                    score = pattern.score
                    if self._validate is not None:
                        if not self._validate(text[start:end]):
                            continue
                        score = CHECKED_SCORE
                    found.append(Match(start, end, self.kind, score))
            except TimeoutError:
                log.warning(
                    "pattern %r (%s) timed out after %s seconds, skipped",
                    pattern.name,
                    self.kind,
                    TIMEOUT_SECONDS,
                )
        return remove_contained(found)


# ----- e-mail addresses ------------------------------------------------------------------------------
_EMAIL = (
    r"\b((([!#$%&'*+\-/=?^_`{|}~\w])|([!#$%&'*+\-/=?^_`{|}~\w][!#$%&'*+\-/=?^_`{|}~\.\w]{0,}"
    r"[!#$%&'*+\-/=?^_`{|}~\w]))[@]\w+(?:-+\w+)*(?:\.\w+(?:-+\w+)*)+)\b"
)


def email_recognizer(extractor: tldextract.TLDExtract, kind: str = "EMAIL") -> PatternRecognizer:
    """E-mail addresses whose domain ends in a public suffix. Pass an extractor that reads the bundled
    suffix list (``TLDExtract(suffix_list_urls=(), cache_dir=None)``): tldextract's module-level one
    downloads the list on first use."""
    return PatternRecognizer(
        kind, [Pattern("Email (Medium)", _EMAIL, 0.5)], validate=lambda found: extractor(found).fqdn != ""
    )


# ----- web addresses -----------------------------------------------------------------------------------
_TLDS = (
    "com|edu|gov|int|mil|net|onl|org|pro|red|tel|uno|xxx|academy|accountant|accountants|actor|adult|africa"
    "|agency|airforce|apartments|app|archi|army|art|asia|associates|attorney|auction|audio|auto|autos|baby"
    "|band|bar|bargains|beer|berlin|best|bet|bid|bike|bio|black|blackfriday|blog|blue|boats|bond|boo"
    "|boston|bot|boutique|build|builders|business|buzz|cab|cafe|cam|camera|camp|capital|car|cards|care"
    "|careers|cars|casa|cash|casino|catering|center|ceo|cfd|charity|chat|cheap|christmas|church|city"
    "|claims|cleaning|click|clinic|clothing|cloud|club|codes|coffee|college|com|community|company"
    "|computer|condos|construction|consulting|contact|contractors|cooking|cool|coupons|courses|credit"
    "|creditcard|cricket|cruises|cyou|dad|dance|date|dating|day|degree|delivery|democrat|dental|dentist"
    "|desi|design|dev|diamonds|diet|digital|direct|directory|discount|doctor|dog|domains|download|earth"
    "|eco|education|email|energy|engineer|engineering|enterprises|equipment|esq|estate|events|exchange"
    "|expert|exposed|express|fail|faith|family|fans|farm|fashion|feedback|film|finance|financial|fish"
    "|fishing|fit|fitness|flights|florist|flowers|football|forsale|foundation|fun|fund|furniture|futbol"
    "|fyi|gallery|game|games|garden|gay|gdn|gifts|gives|giving|glass|global|gmbh|gold|golf|graphics"
    "|gratis|green|gripe|group|guide|guitars|guru|hair|hamburg|haus|health|healthcare|help|hiphop|hockey"
    "|holdings|holiday|homes|horse|hospital|host|hosting|house|how|icu|info|ink|institute|insure"
    "|international|investments|irish|jewelry|jetzt|juegos|kaufen|kids|kitchen|kiwi|krd|kyoto|land|lat"
    "|law|lawyer|lease|legal|lgbt|life|lighting|limited|limo|link|live|loan|loans|lol|london|love|ltd"
    "|ltda|luxury|maison|management|market|marketing|markets|mba|media|melbourne|meme|memorial|men|miami"
    "|mobi|moda|moe|mom|money|monster|mortgage|motorcycles|mov|movie|nagoya|name|navy|network|new|news"
    "|ngo|ninja|now|nyc|observer|okinawa|one|ong|onl|online|organic|osaka|page|paris|partners|parts"
    "|party|pet|phd|photo|photography|photos|pics|pictures|pink|pizza|place|plumbing|plus|poker|porn"
    "|press|pro|productions|prof|promo|properties|property|protection|pub|quest|racing|recipes|red|rehab"
    "|reise|reisen|rent|rentals|repair|report|republican|rest|restaurant|review|reviews|rip|rocks|rodeo"
    "|rsvp|run|saarland|sale|salon|sarl|sbs|school|schule|science|services|sex|sexy|sh|shoes|shop"
    "|shopping|show|singles|site|skin|soccer|social|software|solar|solutions|soy|space|spiegel|study"
    "|style|sucks|supply|support|surf|surgery|systems|tax|taxi|team|tech|technology|tel|theater|tips"
    "|tires|today|tools|top|tours|town|toys|trade|training|tube|uk|university|uno|vacations|ventures|vet"
    "|video|villas|vin|vip|vision|vlaanderen|vodka|vote|voting|voyage|wales|wang|watch|webcam|website"
    "|wedding|wiki|wine|work|works|world|wtf|xyz|yoga|yokohama|you|zone|ac|ad|ae|af|ag|ai|al|am|an|ao|aq"
    "|ar|as|at|au|aw|ax|az|ba|bb|bd|be|bf|bg|bh|bi|bj|bm|bn|bo|br|bs|bt|bv|bw|by|bz|ca|cc|cd|cf|cg|ch|ci"
    "|ck|cl|cm|cn|co|cr|cu|cv|cw|cx|cy|cz|de|dj|dk|dm|do|dz|ec|ee|eg|er|es|et|eu|fi|fj|fk|fm|fo|fr|ga|gb"
    "|gd|ge|gf|gg|gh|gi|gl|gm|gn|gp|gq|gr|gs|gt|gu|gw|gy|hk|hm|hn|hr|ht|hu|id|ie|il|im|in|io|iq|ir|is|it"
    "|je|jm|jo|jp|ke|kg|kh|ki|km|kn|kp|kr|kw|ky|kz|la|lb|lc|li|lk|lr|ls|lt|lu|lv|ly|ma|mc|md|me|mg|mh|mk"
    "|ml|mm|mn|mo|mp|mq|mr|ms|mt|mu|mv|mw|mx|my|mz|na|nc|ne|nf|ng|ni|nl|no|np|nr|nu|nz|om|pa|pe|pf|pg|ph"
    "|pk|pl|pm|pn|pr|ps|pt|pw|py|qa|re|ro|rs|ru|rw|sa|sb|sc|sd|se|sg|sh|si|sj|sk|sl|sm|sn|so|sr|st|su|sv"
    "|sx|sy|sz|tc|td|tf|tg|th|tj|tk|tl|tm|tn|to|tp|tr|tt|tv|tw|tz|ua|ug|uk|us|uy|uz|va|vc|ve|vg|vi|vn|vu"
    "|wf|ws|ye|yt|za|zm|zw"
)
# Each alternative in its own group, as in CommonRegex: the first one that lets the rest match wins.
_BASE_URL = (
    r"((www\d{0,3}[.])?[a-z0-9.\-]{1,253}[.](?:"
    + "|".join(f"(?:{tld})" for tld in _TLDS.split("|"))
    + r")(?:/[^\s()<>\"']*)?)"
)
_URL_PATTERNS = [
    Pattern("Standard Url", r"(?:https?://)" + _BASE_URL, 0.6),
    Pattern("Non schema URL", _BASE_URL, 0.5),
    Pattern("Quoted URL", r"[\"'](https?://" + _BASE_URL + r")[\"']", 0.6),
    Pattern("Quoted Non-schema URL", r"[\"'](" + _BASE_URL + r")[\"']", 0.5),
]


def url_recognizer(kind: str = "URL") -> PatternRecognizer:
    """Web addresses with or without a scheme, on a list of known top-level domains."""
    return PatternRecognizer(kind, _URL_PATTERNS)


# ----- IBANs ------------------------------------------------------------------------------------------
_IBAN = regex.compile(
    r"(?<![A-Z0-9])([A-Z]{2}[0-9]{2}(?:[ -]?[A-Z0-9]{4}){2,6})"
    r"((?:[ -]?[A-Z0-9]{4})?)((?:[ -]?[A-Z0-9]{1,3})?)(?![A-Z0-9])",
    regex.DOTALL | regex.MULTILINE,
)

# The format of the account part (BBAN) per country, as Presidio writes it: n digits, a capital letters,
# c letters or digits ("4n" four digits); "0" a literal zero. A space may follow any character.
_BBAN_FORMATS = {
    "AD": "4n 4n 4c 4c 4c", "AE": "4n 4n 4n 4n 3n", "AL": "4n 4n 4c 4c 4c 4c", "AT": "4n 4n 4n 4n",
    "AZ": "4c 4n 4n 4n 4n 4n", "BA": "4n 4n 4n 4n", "BE": "4n 4n 4n", "BG": "4a 4n 1n 1n 2c 4c 2c",
    "BH": "4a 4c 4c 4c 2c", "BR": "4n 4n 4n 4n 4n 3n 1a 1c", "BY": "4c 4n 4c 4c 4c 4c",
    "CH": "4n 1n 3c 4c 4c 1c", "CR": "0 3n 4n 4n 4n 2n", "CY": "4n 4n 4c 4c 4c 4c", "CZ": "4n 4n 4n 4n 4n",
    "DE": "4n 4n 4n 4n 2n", "DK": "4n 4n 4n 2n", "DO": "4a 4n 4n 4n 4n 4n", "EE": "4n 4n 4n 4n",
    "EG": "4n 4n 4n 4n 4n 4n 1n", "ES": "4n 4n 4n 4n 4n", "FI": "4n 4n 4n 2n", "FO": "4n 4n 4n 2n",
    "FR": "4n 4n 2n 2c 4c 4c 1c 2n", "GB": "4a 4n 4n 4n 2n", "GE": "2c 2n 4n 4n 4n 2n",
    "GI": "4a 4c 4c 4c 3c", "GL": "4n 4n 4n 2n", "GR": "4n 3n 1c 4c 4c 4c 3c", "GT": "4c 4c 4c 4c 4c 4c",
    "HR": "4n 4n 4n 4n 1n", "HU": "4n 4n 4n 4n 4n 4n", "IE": "4c 4n 4n 4n 2n", "IL": "4n 4n 4n 4n 3n",
    "IQ": "4a 4n 4n 4n 3n", "IS": "4n 4n 4n 4n 4n 2n", "IT": "1a 3n 4n 3n 1c 3c 1c 4c 3c",
    "JO": "4a 4n 4n 4n 4n 4n 2n", "KW": "4a 4c 4c 4c 4c 4c 2c", "KZ": "3n 1c 4c 4c 4c",
    "LB": "4n 4c 4c 4c 4c 4c", "LC": "4a 4c 4c 4c 4c 4c 4c", "LI": "4n 1n 3c 4c 4c 1c", "LT": "4n 4n 4n 4n",
    "LU": "3n 1c 4c 4c 4c", "LV": "4a 4c 4c 4c 1c", "LY": "4n 4n 4n 4n 4n 1n",
    "MC": "4n 4n 2n 2c 4c 4c 1c 2n", "MD": "4c 4c 4c 4c 4c", "ME": "4n 4n 4n 4n 2n",
    "MK": "3n 1c 4c 4c 1c 2n", "MR": "4n 4n 4n 4n 4n 3n", "MT": "4a 4n 1n 3c 4c 4c 4c 3c",
    "MU": "4a 4n 4n 4n 4n 3n 1a", "NL": "4a 4n 4n 2n", "NO": "4n 4n 3n", "PK": "4c 4n 4n 4n 4n",
    "PL": "4n 4n 4n 4n 4n 4n", "PS": "4c 4n 4n 4n 4n 1n", "PT": "4n 4n 4n 4n 1n", "QA": "4a 4c 4c 4c 4c 1c",
    "RO": "4a 4c 4c 4c 4c", "RS": "4n 4n 4n 4n 2n", "SA": "2n 2c 4c 4c 4c 4c", "SC": "4a 4n 4n 4n 4n 4n 3a",
    "SE": "4n 4n 4n 4n 4n", "SI": "4n 4n 4n 3n", "SK": "4n 4n 4n 4n 4n", "SM": "1a 3n 4n 3n 1c 4c 4c 3c",
    "TL": "4n 4n 4n 4n 3n", "TN": "4n 4n 4n 4n 4n", "TR": "4n 1n 3c 4c 4c 4c 2c",
    "UA": "4n 2n 4c 4c 4c 4c 3c", "VA": "4n 4n 4n 4n 2n", "VG": "4c 4n 4n 4n 4n", "XK": "4n 4n 4n 4n",
}  # fmt: skip
_CHARACTER = {"n": "[0-9][ ]?", "a": "[A-Z][ ]?", "c": "[a-zA-Z0-9][ ]?"}


def _format_regex(country: str, bban: str) -> str:
    parts = [f"({country})", "[0-9]{2}[ ]?"]
    for token in bban.split():
        if token == "0":
            parts.append("[0]")
        elif token[0] == "1":
            parts.append(_CHARACTER[token[1]])
        else:
            parts.append(f"({_CHARACTER[token[1]]}){{{token[0]}}}")
    return "".join(parts)


# Matched at the start of the IBAN only, not to its end (Presidio's rule): the check digits decide
# whether a longer candidate is one.
IBAN_FORMATS: dict[str, regex.Pattern[str]] = {
    country: regex.compile(_format_regex(country, bban), regex.DOTALL | regex.MULTILINE)
    for country, bban in _BBAN_FORMATS.items()
}
_LETTERS = {ord(ch): str(value) for value, ch in enumerate(string.digits + string.ascii_uppercase)}


def valid_iban(candidate: str) -> bool:
    """The check digits (ISO 7064 MOD 97-10, as two digits from 02 to 98) and the country's format,
    ignoring spaces and dashes. For a candidate of the IBAN pattern (capital letters and digits)."""
    iban = candidate.replace("-", "").replace(" ", "")
    rearranged = (iban[4:] + iban[:2] + "00").upper().translate(_LETTERS)
    try:
        check_digits = f"{98 - int(rearranged) % 97:0>2}"
    except ValueError:  # a character that is neither a digit nor a letter of A-Z
        return False
    country_format = IBAN_FORMATS.get(iban[:2])
    return check_digits == iban[2:4] and country_format is not None and country_format.match(iban) is not None


class IbanRecognizer:
    """IBANs in running text; a longer candidate is tried first ("DE89… 2 Tage": the "2" is not part)."""

    def __init__(self, kind: str = "IBAN") -> None:
        self.kind = kind

    def find(self, text: str) -> list[Match]:
        found: list[Match] = []
        try:
            for match in _IBAN.finditer(text, timeout=TIMEOUT_SECONDS):
                start = match.start()
                for group in (3, 2, 1):
                    end = match.end(group) if match.end(group) > 0 else match.end()
                    if end > start and valid_iban(text[start:end]):
                        found.append(Match(start, end, self.kind, CHECKED_SCORE))
                        break
        except TimeoutError:
            log.warning("the IBAN pattern timed out after %s seconds, skipped", TIMEOUT_SECONDS)
        return found


def iban_recognizer(kind: str = "IBAN") -> IbanRecognizer:
    return IbanRecognizer(kind)


# ----- phone numbers ------------------------------------------------------------------------------------
_PHONE_SCORE = 0.4


class PhoneRecognizer:
    """``phonenumbers.PhoneNumberMatcher`` for each region, at the given leniency."""

    def __init__(self, regions: Sequence[str], leniency: int, kind: str = "TELEFON") -> None:
        self.kind = kind
        self.regions = tuple(regions)
        self.leniency = leniency

    def find(self, text: str) -> list[Match]:
        return remove_contained(
            Match(match.start, match.end, self.kind, _PHONE_SCORE)
            for region in self.regions
            for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=self.leniency)
        )


def analyze(recognizers: Iterable[Recognizer], text: str, kinds: Iterable[str] | None = None) -> list[Match]:
    """The findings of the recognizers of the wanted kinds (all when None) in reading order, without
    those that lie within a finding of the same kind with at least their score."""
    wanted = None if kinds is None else set(kinds)
    found = [m for r in recognizers if wanted is None or r.kind in wanted for m in r.find(text)]
    return sorted(remove_contained(found), key=lambda m: (m.start, -m.end, m.kind))

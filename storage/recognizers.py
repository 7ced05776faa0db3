"""Pattern recognizers for personal data in free text: e-mail and web addresses, IBANs, phone numbers, and
any list of regular expressions. What storage/scrubbing.py needs from Presidio, without Presidio.

Why not Presidio: presidio-analyzer imports spaCy at import time (its NLP engines), so installing it
brings spaCy, thinc, blis and numpy (about 250 MB of the container image) although no language model is
ever loaded: the scrubber uses only pattern recognizers. Those are small: a regular expression with an
optional check of what it found (the e-mail's domain, the IBAN's checksum) and phonenumbers' matcher.
This module does the same on `regex` (variable-length lookbehinds, as in Presidio), `phonenumbers` and
`tldextract`, with the same patterns and the same rules:

- a pattern's match counts only if its check (if any) passes;
- e-mail and URL patterns ignore case (Presidio's default flags), the IBAN pattern does not;
- an IBAN candidate is tried longest first (the pattern's three groups), and the first one whose
  MOD-97 checksum and length for its country are right is kept;
- phone numbers: `phonenumbers.PhoneNumberMatcher` for each region at the given leniency;
- identical findings are reported once.

The e-mail and URL patterns are Presidio's (MIT License, Copyright (c) Microsoft Corporation; the URL
pattern from CommonRegex, MIT License, Copyright (c) 2014 Madison May).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
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
]

#: Presidio's default flags for pattern recognizers.
DEFAULT_FLAGS = regex.DOTALL | regex.MULTILINE | regex.IGNORECASE


@dataclass(frozen=True, slots=True)
class Match:
    """``text[start:end]`` is personal data of this ``kind``."""

    start: int
    end: int
    kind: str


@dataclass(frozen=True, slots=True)
class Pattern:
    """A named regular expression. ``score`` is Presidio's confidence, kept so that definitions move over
    unchanged; nothing here filters on it."""

    name: str
    regex: str
    score: float = 0.5


class Recognizer(Protocol):
    kind: str

    def find(self, text: str) -> list[Match]: ...


class PatternRecognizer:
    """Every match of the patterns that passes ``validate`` (when given)."""

    def __init__(
        self,
        kind: str,
        patterns: Sequence[Pattern],
        *,
        flags: int = DEFAULT_FLAGS,
        validate: Callable[[str], bool] | None = None,
    ) -> None:
        self.kind = kind
        self._compiled = [regex.compile(p.regex, flags) for p in patterns]
        self._validate = validate

    def find(self, text: str) -> list[Match]:
        found: dict[tuple[int, int], Match] = {}
        for compiled in self._compiled:
            for match in compiled.finditer(text):
                start, end = match.span()
                if start == end or (self._validate is not None and not self._validate(text[start:end])):
                    continue
                found.setdefault((start, end), Match(start, end, self.kind))
        return list(found.values())


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
# Lengths from the SWIFT IBAN registry.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21,
    "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28,
    "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
    "RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25,
    "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip


def valid_iban(candidate: str) -> bool:
    """The country's length and the MOD-97 checksum (ISO 13616), ignoring spaces and dashes."""
    iban = candidate.replace(" ", "").replace("-", "")
    if IBAN_LENGTHS.get(iban[:2]) != len(iban) or not iban.isalnum() or not iban.isascii():
        return False
    return int("".join(str(int(ch, 36)) for ch in iban[4:] + iban[:4])) % 97 == 1


class IbanRecognizer:
    """IBANs in running text; a longer candidate is tried first ("DE89… 2 Tage": the "2" is not part)."""

    def __init__(self, kind: str = "IBAN") -> None:
        self.kind = kind

    def find(self, text: str) -> list[Match]:
        found: list[Match] = []
        for match in _IBAN.finditer(text):
            start = match.start()
            for group in (3, 2, 1):
                end = match.end(group) if match.end(group) > 0 else match.end()
                if end > start and valid_iban(text[start:end]):
                    found.append(Match(start, end, self.kind))
                    break
        return found


def iban_recognizer(kind: str = "IBAN") -> IbanRecognizer:
    return IbanRecognizer(kind)


# ----- phone numbers ------------------------------------------------------------------------------------
class PhoneRecognizer:
    """``phonenumbers.PhoneNumberMatcher`` for each region, at the given leniency."""

    def __init__(self, regions: Sequence[str], leniency: int, kind: str = "TELEFON") -> None:
        self.kind = kind
        self.regions = tuple(regions)
        self.leniency = leniency

    def find(self, text: str) -> list[Match]:
        found: dict[tuple[int, int], Match] = {}
        for region in self.regions:
            for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=self.leniency):
                found.setdefault((match.start, match.end), Match(match.start, match.end, self.kind))
        return list(found.values())


def analyze(recognizers: Iterable[Recognizer], text: str, kinds: Iterable[str] | None = None) -> list[Match]:
    """Every finding of the recognizers of the wanted kinds (all when None), once, in reading order."""
    wanted = None if kinds is None else set(kinds)
    found = {m for r in recognizers if wanted is None or r.kind in wanted for m in r.find(text)}
    return sorted(found, key=lambda m: (m.start, -m.end, m.kind))

"""Which shipped locale fits a messenger's language code (regions, macrolanguages, old codes), and what
a language is called. Shipped locales are written like their catalog folders: "fa", "fa_AF"."""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache

# Codes a phone may report that are not simply "<shipped locale>[-REGION]". A target with a region
# ("fa_AF") falls back to its language ("fa") when that region is not shipped.
ALIASES: dict[str, str] = {
    "prs": "fa_AF",  # Dari, the Persian of Afghanistan (most Persian speakers who fled to Berlin)
    "pes": "fa",  # Iranian Persian
    "per": "fa",
    "fas": "fa",
    "pbt": "ps",  # Southern Pashto
    "pbu": "ps",  # Northern Pashto
    "pst": "ps",  # Central Pashto
    "pus": "ps",
    "kmr": "ku",  # Kurmanji, the Kurdish we ship
    "kur": "ku",
    "mo": "ro",  # Moldovan, the old code for Romanian in Moldova
    "mol": "ro",
    "ron": "ro",
    "rum": "ro",
    "tir": "ti",
    "ukr": "uk",
    "rus": "ru",
    "tur": "tr",
    "vie": "vi",
    "ara": "ar",
    "arb": "ar",  # Standard Arabic
    "apc": "ar",  # Levantine Arabic (Syria)
    "acm": "ar",  # Mesopotamian Arabic (Iraq)
    "eng": "en",
    "deu": "de",
    "ger": "de",
}


def _key(code: str) -> str:
    """One spelling for comparing codes: "fa-AF", "fa_af" and "FA_AF" are the same."""
    return code.strip().replace("_", "-").lower()


def shipped_code(code: str | None, shipped: Collection[str]) -> str | None:
    """The shipped locale spelt `code` in any case or with "-" for "_" ("fa-AF" -> "fa_AF"), else None.
    For codes a person or operator typed (a URL's ?lang=, --lang), where only an exact language counts."""
    if not code:
        return None
    wanted = _key(code)
    return next((locale for locale in shipped if _key(locale) == wanted), None)


def match_locale(code: str | None, shipped: Collection[str], default: str = "de") -> str:
    """Map e.g. 'fa-IR', 'fa-AF', 'prs', 'uk_UA', 'kmr' onto a shipped locale: the language with its
    region if that is shipped (fa-AF -> fa_AF), else the language (fa-IR -> fa); unknown codes get
    `default`."""
    if not code:
        return default
    parts = _key(code).split("-")
    language = parts[0]
    # A region is two letters or three digits; a script ("Arab", "Latn") may stand before it.
    regions = [p for p in parts[1:] if (len(p) == 2 and p.isalpha()) or (len(p) == 3 and p.isdigit())]
    with_region = f"{language}-{regions[0]}" if regions else None
    alias = ALIASES.get(language)
    candidates = (with_region, language, alias, alias.split("_")[0] if alias else None)
    for candidate in candidates:
        found = shipped_code(candidate, shipped)
        if found is not None:
            return found
    return default


@lru_cache(maxsize=1024)  # event views and staff menus name languages on every view; few pairs
def display_name(locale: str, reader: str) -> str:
    """What `reader` calls the language of `locale`: CLDR's own name for a regional language where it has
    one ("fa_AF" is "دری" in Dari, "Dari" in German and English), else the language with its region
    ("Deutsch (Österreich)"); the code itself for a code CLDR does not know."""
    # Imported here: the command line's --lang options match codes with this module, and its --help
    # must not wait for Babel's data.
    from babel import Locale, UnknownLocaleError

    try:
        names = Locale.parse(reader)
        language = Locale.parse(locale)
    except (ValueError, UnknownLocaleError):
        return locale
    own = names.languages.get(str(language))
    return own or language.get_display_name(names) or locale

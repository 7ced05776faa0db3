"""Which shipped locale fits a messenger's language code (regions, macrolanguages, old codes)."""

from __future__ import annotations

from collections.abc import Collection

# Codes a phone may report that are not simply "<shipped locale>[-REGION]".
ALIASES: dict[str, str] = {
    "prs": "fa",  # Dari, spoken in Afghanistan: Farsi script and mostly mutually intelligible
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


def match_locale(code: str | None, shipped: Collection[str], default: str = "de") -> str:
    """Map e.g. 'fa-IR', 'prs', 'uk_UA', 'kmr' onto a shipped locale; unknown codes get `default`."""
    if not code:
        return default
    normalised = code.strip().replace("_", "-").lower()
    language = normalised.split("-")[0]
    for candidate in (normalised, language, ALIASES.get(normalised), ALIASES.get(language)):
        if candidate and candidate in shipped:
            return candidate
    return default

"""One scheme for where a link or a poster's QR code starts a person: the language, maybe a field.

The web chat's `/?start=<payload>` and Telegram's deep link `t.me/<bot>?start=<payload>` carry the same
payload: "<locale>" or "<locale>-<field>", e.g. "ar", "fa_AF" or "ar-gesundheit". Telegram allows 1-64
characters of [A-Za-z0-9_-] in a start parameter. Our locale codes are written with "_" and never
contain "-", so the first "-" separates the field. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

MAX_PAYLOAD = 64  # Telegram's limit for a start parameter
_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}")
_LOCALE = re.compile(r"[A-Za-z]{2,3}(?:_[A-Za-z0-9]{2,8})?")  # ar, fa_AF, sr_Latn
_FIELD = re.compile(r"[a-z][a-z0-9_]*")  # gesundheit


@dataclass(frozen=True)
class StartLink:
    locale: str
    field: str | None = None


def encode(link: StartLink) -> str:
    """The payload for `link`; ValueError when it cannot be one (a bug or a typo of the caller's)."""
    if not _LOCALE.fullmatch(link.locale):
        raise ValueError(f"not a language code for a start link: {link.locale!r}")
    if link.field is not None and not _FIELD.fullmatch(link.field):
        raise ValueError(f"not a field id for a start link: {link.field!r}")
    payload = link.locale if link.field is None else f"{link.locale}-{link.field}"
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"start link longer than {MAX_PAYLOAD} characters: {payload!r}")
    return payload


def parse(payload: str | None, locales: Collection[str], field_ids: Collection[str]) -> StartLink | None:
    """The start link in `payload`, or None when there is none we know (no payload, garbage, an unknown
    language). An unknown field is dropped: the language alone still helps the person. Never raises."""
    if not payload or len(payload) > MAX_PAYLOAD or not _PAYLOAD.fullmatch(payload):
        return None
    locale, _, field = payload.partition("-")
    if locale not in locales:
        return None
    return StartLink(locale, field if field in field_ids else None)

"""Who a browser is, without an account: a random "Fortsetzungs-Code" in a cookie, set only at consent.

The code is the credential: 12 characters of Crockford's base32 (60 random bits), shown to the person so
that they can continue on another device. The pseudonym is the HMAC of channel "web" and the code, like
every other channel's; the code itself is stored nowhere. Forms carry a CSRF token: an HMAC of the
code (or "anonymous" before consent) and the hour, valid for two hours, so it needs no server state.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
CODE_LENGTH = 12
COOKIE = "mitsprache"
CHANNEL = "web"
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V", "-": None, " ": None})


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise(typed: str) -> str | None:
    """A code as people type it ("abcd-efgh-jkmn", with O for 0) -> its canonical form, or None."""
    code = typed.strip().upper().translate(_CONFUSABLE)
    if len(code) != CODE_LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code


def shown(code: str) -> str:
    """In groups of four, easier to read aloud and to copy: ABCD-EFGH-JKMN."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def csrf_token(key: bytes, code: str | None, now: float | None = None) -> str:
    hour = int((now if now is not None else time.time()) // 3600)
    return _csrf(key, code, hour)


def csrf_ok(key: bytes, code: str | None, token: str, now: float | None = None) -> bool:
    hour = int((now if now is not None else time.time()) // 3600)
    return any(hmac.compare_digest(_csrf(key, code, h), token) for h in (hour, hour - 1))


def _csrf(key: bytes, code: str | None, hour: int) -> str:
    message = f"web-csrf:{code or 'anonymous'}:{hour}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]

"""Pseudonyms: HMAC-SHA256 of channel and messenger id under a secret key kept outside the code.

Also what links a subscription to its person without the database saying so: the subscribers table
keeps only a channel and a chat id, and the link to the answers is computed under the key when it is
needed (`subscriber_pseudonym`, `web_chat_id`). Whoever holds the database alone cannot join them.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_FILE_NAME = "pseudonym.key"
MIN_KEY_LENGTH = 32


def pseudonym(key: bytes, channel: str, user_id: str | int) -> str:
    """Stable per person and channel; without the key it cannot be reversed by trying all ids."""
    message = f"{channel}:{user_id}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


WEB_CHANNEL = "web"  # bot/web/identity.CHANNEL; storage cannot import the shell
WEB_CHAT_ID_BITS = 52  # unique among any realistic number of people, and fits a BIGINT


def _web_chat_key(key: bytes) -> bytes:
    """A key of its own for web chat ids, derived from the pseudonym key under a label: a web chat id
    shares nothing with the pseudonym computed from the same key, not even a prefix."""
    return hmac.new(key, b"mitsprache:web-chat-id", hashlib.sha256).digest()


def web_chat_id(key: bytes, person: str) -> int:
    """The chat id the web chat's subscriber rows and inbox go by: a keyed hash of the person's
    pseudonym. A browser has no id of its own to offer; this one is computed from what the web identity
    holds (its code gives the pseudonym) and, without the key, cannot be matched to the pseudonym in
    the answers."""
    digest = hmac.new(_web_chat_key(key), person.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> (64 - WEB_CHAT_ID_BITS)


def subscriber_pseudonym(key: bytes, channel: str, chat_id: int) -> str | None:
    """The pseudonym of the person a subscription belongs to, from its address: in a private chat the
    chat id is the person's messenger id. None for the web chat, whose chat id is derived from the
    pseudonym (`web_chat_id`), not the other way round."""
    if channel == WEB_CHANNEL:
        return None
    return pseudonym(key, channel, chat_id)


def load_or_create_key(data_dir: Path) -> bytes:
    """For the embedded default: a random key made once and kept in the data directory (0600)."""
    path = data_dir / KEY_FILE_NAME
    if path.exists():
        key = path.read_bytes().strip()
        if len(key) < MIN_KEY_LENGTH:
            raise ValueError(f"{path} holds a key shorter than {MIN_KEY_LENGTH} bytes")
        return key
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it a moment ago
        return load_or_create_key(data_dir)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key

"""Pseudonyms: HMAC-SHA256 of channel and messenger id under a secret key kept outside the code."""

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

"""Structured logging (one JSON object per line) that never carries a person's ids, name or text."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

# Telegram user and chat ids are long integers; bot tokens start with one. Update ids are also
# long integers and are redacted too: a log does not need them.
_LONG_NUMBER = re.compile(r"(?<!\w)-?\d{6,}(?!\w)")
_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]{20,}")
# SQLAlchemy appends the bound values of a failed statement, which may be a free-text answer.
_SQL_PARAMETERS = re.compile(r"\[parameters: .*?\](?=\n|$)", re.DOTALL)
# Client addresses (aiohttp's own "Error handling request from 203.0.113.7"): IPv4 and IPv6.
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def redact(text: str) -> str:
    text = _SQL_PARAMETERS.sub("[parameters: redacted]", text)
    text = _TOKEN.sub("<token>", text)
    text = _IPV4.sub("<address>", text)
    text = _IPV6.sub(_address_or_time, text)
    return _LONG_NUMBER.sub("<id>", text)


def _address_or_time(match: re.Match[str]) -> str:
    """An IPv6 address has "::" or a hex letter; "12:30:45" is a time and stays."""
    found = match.group(0)
    is_address = "::" in found or any(c in "abcdefABCDEF" for c in found)
    return "<address>" if is_address else found


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = redact(str(value)) if isinstance(value, str) else value
        if record.exc_info and record.exc_info[0] is not None:
            # The exception's type and stack, but not its message: that may quote input or ids.
            entry["error"] = record.exc_info[0].__name__
            entry["stack"] = redact(self.formatStack(self.formatException(record.exc_info)))
        return json.dumps(entry, ensure_ascii=False, default=str)

    def formatStack(self, stack_info: str) -> str:
        lines = stack_info.splitlines()
        return "\n".join(line for line in lines if line.startswith(("  File", "Traceback")))


def configure(level: str, stream: Any = None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # At DEBUG aiosqlite logs every statement with its parameters: answers and chat ids.
    logging.getLogger("aiosqlite").setLevel(logging.INFO)

"""Log records are JSON and carry no ids, tokens or SQL parameters (which may hold free text)."""

from __future__ import annotations

import io
import json
import logging

from bot.logs import JsonFormatter, configure, redact


def test_ids_tokens_and_sql_parameters_are_redacted() -> None:
    text = (
        "Flood control exceeded on method 'SendMessage' in chat 987654321. Retry in 3 seconds.\n"
        "token 123456789:AAEabcdefghijklmnopqrstuvwxyz012 "
        "[parameters: ('Meine Nummer ist 0151 2345678', 'abc')]"
    )
    cleaned = redact(text)
    assert "987654321" not in cleaned
    assert "AAEabcdefghij" not in cleaned
    assert "0151" not in cleaned and "Meine Nummer" not in cleaned
    assert "Retry in 3 seconds" in cleaned


def test_client_addresses_are_redacted_and_times_kept() -> None:
    cleaned = redact("Error handling request from 203.0.113.7 and 2001:db8::7 at 12:30:45 (version 1.2.3)")
    assert "203.0.113.7" not in cleaned and "2001:db8::7" not in cleaned
    assert "12:30:45" in cleaned and "1.2.3" in cleaned


def test_records_are_json_without_exception_messages() -> None:
    stream = io.StringIO()
    configure("INFO", stream)
    log = logging.getLogger("mitsprache.test")
    try:
        raise ValueError("secret answer text from chat 5550001234")
    except ValueError:
        log.exception("update failed", extra={"where": "engine.py:1"})
    line = stream.getvalue().strip().splitlines()[-1]
    entry = json.loads(line)
    assert entry["message"] == "update failed"
    assert entry["error"] == "ValueError"
    assert entry["where"] == "engine.py:1"
    assert "secret answer" not in line and "5550001234" not in line
    logging.getLogger().handlers[:] = []


def test_formatter_keeps_short_numbers() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "took %d ms", (250,), None)
    assert json.loads(JsonFormatter().format(record))["message"] == "took 250 ms"

"""docker-compose.yml and .env.example agree with each other and with the settings: an operator who fills
in .env.example is asked for everything the compose file reads, and nothing in it is misspelt."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.settings import ENV_PREFIX, Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]


def _example() -> dict[str, str]:
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    pairs = (line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))
    return {key.strip(): value for key, value in pairs}


def test_the_example_names_every_variable_the_compose_file_reads() -> None:
    compose = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    wanted = set(re.findall(r"\$\{([A-Z_]+)", compose))
    assert wanted and wanted <= set(_example())


def test_every_setting_in_the_example_exists() -> None:
    fields = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    ours = {key for key in _example() if key.startswith(ENV_PREFIX)}
    assert ours and ours <= fields, ours - fields


def test_the_filled_in_example_starts_a_polling_bot(monkeypatch: pytest.MonkeyPatch) -> None:
    """Optional values left empty are valid: no webhook (long polling), no web chat, no staff."""
    filled = {"MITSPRACHE_BOT_TOKEN": "123456789:" + "A" * 35, "MITSPRACHE_PSEUDONYM_KEY": "k" * 40}
    for key, value in _example().items():
        if key.startswith(ENV_PREFIX):
            monkeypatch.setenv(key, filled.get(key, value))
    settings = load_settings()
    assert settings.webhook_url == "" and settings.web_url == "" and settings.staff_roles == {}

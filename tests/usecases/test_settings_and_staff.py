"""Configuration errors say what to fix; export rights follow the staff roles."""

from __future__ import annotations

import pytest

from bot.settings import ConfigError, load_settings
from bot.staff import exportable_fields, may_export
from dialogs.definitions import FIELD_IDS

ROLES = {1: "admin", 2: "gesundheit"}


@pytest.mark.parametrize(
    ("user", "field", "allowed"),
    [(1, "wohnen", True), (1, "gesundheit", True), (2, "gesundheit", True), (2, "wohnen", False),
     (3, "gesundheit", False)],
)  # fmt: skip
def test_who_may_export(user: int, field: str, allowed: bool) -> None:
    assert may_export(ROLES, user, field) is allowed


def test_exportable_fields() -> None:
    assert exportable_fields(ROLES, 1, FIELD_IDS) == FIELD_IDS
    assert exportable_fields(ROLES, 2, FIELD_IDS) == ("gesundheit",)
    assert exportable_fields(ROLES, 3, FIELD_IDS) == ()


@pytest.mark.parametrize(
    ("variable", "value", "fragment"),
    [
        ("MITSPRACHE_STAFF", "12:boss", "TELEGRAM_USER_ID:ROLE"),
        ("MITSPRACHE_STAFF", "abc:admin", "TELEGRAM_USER_ID:ROLE"),
        ("MITSPRACHE_K_ANONYMITY", "1", "MITSPRACHE_K_ANONYMITY"),
        ("MITSPRACHE_BOT_TOKEN", "nonsense", "@BotFather"),
        ("MITSPRACHE_BOT_USERNAME", "t.me/MitspracheBot", "5-32 letters, digits or _"),
        ("MITSPRACHE_WEBHOOK_URL", "ftp://x", "http:// or https://"),
        ("MITSPRACHE_PSEUDONYM_KEY", "short", "at least 32"),
        ("MITSPRACHE_DATABASE_URL", "mysql://x/y", "postgresql+asyncpg://"),
    ],
)
def test_wrong_values_are_explained(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, fragment: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert variable in str(info.value) and fragment in str(info.value)


def test_staff_roles_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MITSPRACHE_STAFF", " 111:admin, 222:gesundheit ")
    assert load_settings().staff_roles == {111: "admin", 222: "gesundheit"}


def test_postgres_url_gets_the_async_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MITSPRACHE_DATABASE_URL", "postgresql://u:p@h:5432/db")
    assert load_settings().database_url == "postgresql+asyncpg://u:p@h:5432/db"


def test_the_bot_username_may_be_written_with_its_at(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MITSPRACHE_BOT_USERNAME", " @MitspracheBot")
    assert load_settings().bot_username == "MitspracheBot"

"""Configuration from MITSPRACHE_* environment variables, with messages that say how to fix a value."""

from __future__ import annotations

import re
from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot import start_links
from dialogs.definitions import FIELD_IDS
from dialogs.privacy import DEFAULT_RETENTION_MONTHS, PLACEHOLDER_CONTROLLER, PrivacyFacts
from storage.pseudonym import MIN_KEY_LENGTH, load_or_create_key

ENV_PREFIX = "MITSPRACHE_"
_SUPPORTED_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgres": "postgresql+asyncpg",
    "postgresql": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
FREE_BROADCAST_RATE = 30
# Telegram's apps do not show a person's numeric id (only with developer options); @userinfobot, a
# widely used bot, answers any message with the sender's id.
FIND_USER_ID = (
    "A Telegram user id is a number such as 123456789: the staff member sends any message to "
    "@userinfobot in Telegram, which answers with their id"
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=None, extra="ignore")

    data_dir: Path = Field(
        default_factory=lambda: Path(user_data_dir("mitsprache", appauthor=False)),
        description="Folder for the embedded SQLite file and the generated pseudonym key.",
    )
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL. Empty: a SQLite file in the data folder.",
    )
    database_pool_size: int = Field(
        default=20,
        ge=1,
        le=200,
        description="PostgreSQL connections each process keeps open (10 more at peaks); keep the sum over "
        "all replicas below the server's max_connections.",
    )
    pseudonym_key: SecretStr | None = Field(
        default=None,
        description="Secret for the HMAC pseudonyms (at least 32 characters).",
    )
    default_locale: str = Field(default="de", description="Language before a person picks one.")
    bot_token: SecretStr | None = Field(default=None, description="Token from @BotFather.")
    bot_username: str = Field(
        default="", description="The bot's username (e.g. MitspracheBot), for t.me links on QR posters."
    )
    telegram_api_url: str = Field(
        default="https://api.telegram.org",
        description="Bot API server, e.g. a self-hosted telegram-bot-api.",
    )
    webhook_url: str = Field(
        default="",
        description="Public HTTPS base URL; when set, the bot runs as a webhook instead of polling.",
    )
    webhook_secret: SecretStr | None = Field(
        default=None,
        description="Secret for the webhook path and header (default: derived from the key).",
    )
    listen_host: str = Field(default="0.0.0.0", description="Webhook server address.")
    listen_port: int = Field(default=8080, ge=1, le=65535, description="Webhook server port.")
    web_url: str = Field(
        default="",
        description="Public base URL of the web chat (e.g. https://mitsprache.example.berlin); "
        "https:// marks its cookie Secure.",
    )
    webhook_max_connections: int = Field(
        default=40,
        ge=1,
        le=100,
        description="Connections Telegram may open to the webhook at once (Telegram's default: 40).",
    )
    throttle_rate: float = Field(
        default=2.0, ge=0, description="Updates per second one person may send (0: no limit)."
    )
    throttle_burst: int = Field(default=8, ge=1, description="Updates one person may send at once.")
    staff: str = Field(
        default="",
        description=(
            "Staff by Telegram user id: '111:admin,222:events,333:gesundheit' (admin: everything; "
            "events: events and broadcasts; a field id: that field's exports)."
        ),
    )
    allow_paid_broadcast: bool = Field(
        default=False,
        description="Send broadcasts with allow_paid_broadcast (costs Telegram Stars) for up to 1000/s.",
    )
    broadcast_rate: float = Field(
        default=25.0,
        gt=0,
        le=1000,
        description="Messages a second for broadcasts (Telegram allows about 30; up to 1000 when paid).",
    )
    k_anonymity: int = Field(
        default=5, ge=2, le=100, description="Smallest group shown in exports (health: at least 10)."
    )
    # Neither the product brief nor the documentation says who is responsible for the data or how long
    # it is kept; the consent states both, so the operator sets them. The defaults are placeholders.
    data_controller: str = Field(
        default=PLACEHOLDER_CONTROLLER,
        min_length=1,
        max_length=300,
        description="Who is responsible for the data, as people read it in the consent (name and address).",
    )
    retention_months: int = Field(
        default=DEFAULT_RETENTION_MONTHS,
        ge=1,
        le=120,
        description="Months without activity after which the consent says everything is deleted; "
        "schedule `mitsprache purge --older-than` with the same period.",
    )

    @field_validator("staff")
    @classmethod
    def _check_staff(cls, value: str) -> str:
        for entry in filter(None, (part.strip() for part in value.split(","))):
            user, _, role = entry.partition(":")
            if not user.strip().isdigit() or role.strip() not in ("admin", "events", *FIELD_IDS):
                raise ValueError(
                    f"has the entry '{entry}'; write 'TELEGRAM_USER_ID:ROLE' where ROLE is admin, events "
                    f"or one of {', '.join(FIELD_IDS)}, separated by commas. {FIND_USER_ID}"
                )
        return value

    @property
    def staff_roles(self) -> dict[int, str]:
        roles: dict[int, str] = {}
        for entry in filter(None, (part.strip() for part in self.staff.split(","))):
            user, _, role = entry.partition(":")
            roles[int(user)] = role.strip()
        return roles

    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR.")

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        if not value:
            return value
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(
                "is not a database URL. Use e.g. sqlite+aiosqlite:////var/lib/mitsprache/db.sqlite3 "
                "or postgresql+asyncpg://user:password@host:5432/mitsprache"
            ) from None
        driver = _SUPPORTED_DRIVERS.get(url.drivername)
        if driver is None:
            raise ValueError(
                f"uses the driver '{url.drivername}', which Mitsprache does not support. "
                "Use sqlite+aiosqlite://... or postgresql+asyncpg://..."
            )
        return url.set(drivername=driver).render_as_string(hide_password=False)

    @field_validator("bot_token")
    @classmethod
    def _check_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if not re.fullmatch(r"\d+:[A-Za-z0-9_-]{20,}", value.get_secret_value()):
            raise ValueError(
                "does not look like a bot token (digits, a colon, then letters). "
                "Copy it again from @BotFather."
            )
        return value

    @field_validator("bot_username")
    @classmethod
    def _check_bot_username(cls, value: str) -> str:
        return start_links.bot_username(value) if value.strip() else ""

    @field_validator("telegram_api_url", "webhook_url", "web_url")
    @classmethod
    def _check_http_url(cls, value: str) -> str:
        if value and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("pseudonym_key")
    @classmethod
    def _check_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_KEY_LENGTH:
            raise ValueError(
                f"must be at least {MIN_KEY_LENGTH} characters long. "
                'Generate one with: python3 -c "import secrets; print(secrets.token_hex(32))"'
            )
        return value

    @field_validator("broadcast_rate")
    @classmethod
    def _check_rate(cls, value: float, info: ValidationInfo) -> float:
        if value > FREE_BROADCAST_RATE and not info.data.get("allow_paid_broadcast"):
            raise ValueError(
                f"is {value:g}, but Telegram allows about {FREE_BROADCAST_RATE} messages a second without "
                "paying; lower it, or set MITSPRACHE_ALLOW_PAID_BROADCAST=true (costs Telegram Stars)"
            )
        return value

    @field_validator("log_level")
    @classmethod
    def _check_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(f"must be one of {', '.join(LOG_LEVELS)}")
        return value.upper()

    @field_validator("default_locale")
    @classmethod
    def _check_locale(cls, value: str) -> str:
        from bot.catalogs import shipped_locales
        from dialogs.languages import shipped_code

        shipped = shipped_locales()
        found = shipped_code(value, shipped)  # fa-AF is the catalog fa_AF
        if found is None:
            raise ValueError(
                f"is '{value}', which Mitsprache has no translation for; use one of {', '.join(shipped)}"
            )
        return found

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'mitsprache.sqlite3'}"

    @property
    def privacy_facts(self) -> PrivacyFacts:
        return PrivacyFacts(controller=self.data_controller.strip(), retention_months=self.retention_months)

    def key(self) -> bytes:
        if self.pseudonym_key is not None:
            return self.pseudonym_key.get_secret_value().encode()
        return load_or_create_key(self.data_dir)


class ConfigError(Exception):
    """Settings are wrong; str() explains each on a line of its own: the variable, what is wrong, what
    to write instead."""


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        lines = []  # one line per wrong setting
        for err in exc.errors():
            name = ENV_PREFIX + "_".join(str(p) for p in err["loc"]).upper()
            message = err["msg"].removeprefix("Value error, ")
            lines.append(f"{name} {message}")
        raise ConfigError("\n".join(lines)) from None

"""Configuration from MITSPRACHE_* environment variables, with messages that say how to fix a value."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

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
    pseudonym_key: SecretStr | None = Field(
        default=None,
        description="Secret for the HMAC pseudonyms (at least 32 characters).",
    )
    default_locale: str = Field(default="de", description="Language before a person picks one.")
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

    @field_validator("pseudonym_key")
    @classmethod
    def _check_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_KEY_LENGTH:
            raise ValueError(
                f"must be at least {MIN_KEY_LENGTH} characters long. "
                'Generate one with: python3 -c "import secrets; print(secrets.token_hex(32))"'
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
        if not value.replace("_", "").isalpha():
            raise ValueError("must be a language code such as de, en or ar")
        return value

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'mitsprache.sqlite3'}"

    def key(self) -> bytes:
        if self.pseudonym_key is not None:
            return self.pseudonym_key.get_secret_value().encode()
        return load_or_create_key(self.data_dir)


class ConfigError(Exception):
    """A setting is wrong; str() is a ready-to-print explanation."""


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        lines = ["Configuration error:"]
        for err in exc.errors():
            name = ENV_PREFIX + "_".join(str(p) for p in err["loc"]).upper()
            message = err["msg"].removeprefix("Value error, ")
            lines.append(f"  {name} {message}")
        raise ConfigError("\n".join(lines)) from None

"""Configuration from the environment (prefix `CAREFUND_`), read with pydantic-settings."""

from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob carefund reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="CAREFUND_", extra="ignore")

    database_url: str = "sqlite:///./carefund.db"
    """Where the books live: an SQLite file (default) or `postgresql+psycopg://…`."""
    read_database_url: str = ""
    """A PostgreSQL read replica (a hot standby of `database_url`): statements, documents,
    exports and `verify` read from it. Empty: everything reads from `database_url`."""
    read_replica_wait_ms: int = 2_000
    """How long a read that must see the latest writes waits for the replica to replay
    them before it reads from the primary instead."""
    secret_key: str = ""
    """Signs the web pages' session cookies; generated and kept in the database when empty."""
    lock_timeout_ms: int = 10_000
    """How long a write waits for a lock (SQLite's writer lock, a fund's row on PostgreSQL)
    before giving up, so that a stuck database answers 503 instead of hanging."""
    pool_size: int = 0
    """Connections each process keeps to PostgreSQL at most. 0: this process's share of
    the server's `max_connections` (`carefund.storage.engines.postgres_pool_size`)."""
    workers: int = 1
    """Processes sharing the database's connections (`carefund serve --workers` sets it
    for its workers)."""
    data_key: str = ""
    """The key(s) that seal personal data at rest (base64, 32 bytes; several separated by
    commas while a rotation runs, the sealing one first). Empty: the key file is used."""
    data_key_file: str = ""
    """The key file (`carefund init` creates it, mode 0600); empty: beside the SQLite file
    (`carefund.db.key`), or `carefund.key` in the working directory for PostgreSQL."""
    font_path: str = ""
    """A TrueType CJK font to embed in PDFs; empty means look in the usual places."""
    timezone: str = "Asia/Shanghai"
    """The business time zone (an IANA name): it decides what day it is — default dates,
    which dates are in the future, whether a month is over — and the times pages and
    documents print (`carefund.clock`)."""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        zone_named(name)
        return name


def zone_named(name: str) -> ZoneInfo:
    """The time zone called `name`, or a `ValueError` that says what to set instead."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(
            f"CAREFUND_TIMEZONE：未知的时区 {name!r}（应为 IANA 时区名，如 Asia/Shanghai）"
        ) from None


@lru_cache
def get_settings() -> Settings:
    return Settings()

"""Configuration from the environment (prefix `CAREFUND_`), read with pydantic-settings."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob carefund reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="CAREFUND_", extra="ignore")

    database_url: str = "sqlite:///./carefund.db"
    """Where the books live: an SQLite file (default) or `postgresql+psycopg://…`."""
    secret_key: str = ""
    """Signs the web pages' session cookies; generated and kept in the database when empty."""
    lock_timeout_ms: int = 10_000
    """How long a write waits for a lock (SQLite's writer lock, a fund's row on PostgreSQL)
    before giving up, so that a stuck database answers 503 instead of hanging."""
    font_path: str = ""
    """A TrueType CJK font to embed in PDFs; empty means look in the usual places."""


@lru_cache
def get_settings() -> Settings:
    return Settings()

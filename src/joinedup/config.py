"""One validated settings object, read from ``JOINEDUP_*`` environment variables only.

Nothing else is needed for the embedded default: a SQLite file under ``JOINEDUP_DATA_DIR``
(``./data`` when unset). Secrets (the session key, the audit signing key) come only from the
environment; where they are unset a development key is derived and a warning is shown once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"JOINEDUP_{name}")
    return value if value not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    secret_key: str | None = None
    audit_signing_key: str | None = None
    audit_checkpoint_every: int = 1000
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = Path(_env("DATA_DIR", "data") or "data").expanduser()
        url = _env("DATABASE_URL") or f"sqlite:///{(data_dir / 'joinedup.db').resolve()}"
        return cls(
            data_dir=data_dir,
            database_url=url,
            secret_key=_env("SECRET_KEY"),
            audit_signing_key=_env("AUDIT_SIGNING_KEY"),
            audit_checkpoint_every=int(_env("AUDIT_CHECKPOINT_EVERY", "1000") or 1000),
        )


def get_settings() -> Settings:
    """Settings as the environment says now (read afresh, so tests can set variables)."""
    return Settings.from_env()

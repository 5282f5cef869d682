"""Whether the hub can serve: the process runs (``/health``), its database answers (``/ready``)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout


def database_answers(engine: Engine) -> bool:
    """Whether ``engine``'s database answers a trivial query now (no data is read)."""
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except (OperationalError, PoolTimeout):
        return False
    return True

"""The dialect's own ``INSERT`` (with ``ON CONFLICT``), for the two databases the registry runs on.

``INSERT ... ON CONFLICT`` lets one statement decide between concurrent writers of one
key, where a portable insert would fail on the constraint and abort a PostgreSQL
transaction. SQLite (3.35+, for RETURNING) and PostgreSQL spell it alike, as does SQLAlchemy.
"""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.core.errors import ConfigurationError

from .schema import Base

__all__ = ["insert"]


def insert(session: Session, table: type[Base]) -> postgresql.Insert | sqlite.Insert:
    """An ``INSERT`` into ``table`` (a mapped class) for the session's database."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise ConfigurationError(f"the registry runs on SQLite or PostgreSQL, not {name}")

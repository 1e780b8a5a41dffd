"""Bring the registry's schema to the newest revision (Alembic), once per open.

The revisions live in ``migrations/`` inside the package, so no ``alembic.ini`` is read at
run time. ``upgrade`` runs in one transaction: on PostgreSQL it first takes an advisory
lock, so workers opening one database together upgrade it one after the other (the second
finds it at head and does nothing), and DDL is transactional, so a failed upgrade leaves
the previous revision whole. On SQLite the transaction begins ``IMMEDIATE`` (``_db``),
which serializes processes on the file the same way. Within one process a lock keeps
Alembic, whose ``context`` is global, to one migration at a time.

A database made before migrations (tables, no ``alembic_version``) is adopted by the
first revision without touching its rows: see ``migrations/versions/0001_initial.py``.
"""

from __future__ import annotations

import functools
import logging
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text

from engine.core.errors import ConfigurationError

__all__ = ["BASELINE", "MIGRATIONS", "current_revision", "head_revision", "upgrade"]

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
# The revision that is the schema ``create_all`` made before migrations.
BASELINE = "0001"
# Any constant will do: it only has to be the same in every process opening the registry.
_SCHEMA_LOCK_ID = 7_240_311
# Alembic's ``context`` and ``op`` are module-level proxies: two migrations running in one
# process at once (two databases opened by two threads) would swap connections. Held only
# while Alembic runs; a thread waiting for it has changed nothing yet, so holds no table.
_ONE_AT_A_TIME = threading.Lock()


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@functools.cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def head_revision() -> str:
    """The newest revision shipped with this code."""
    head = _scripts().get_current_head()
    assert head is not None, f"no revisions in {MIGRATIONS}"
    return head


@functools.cache
def _known_revisions() -> frozenset[str]:
    return frozenset(script.revision for script in _scripts().walk_revisions())


def current_revision(connection: Connection) -> str | None:
    """The database's revision; None before migrations (empty, or made by ``create_all``)."""
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Migrate the database to head; a no-op when it is there already.

    Raises ``ConfigurationError`` for a database at a revision this code does not ship
    (migrated by a newer engine): running old code on it could corrupt it.
    """
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Held until the commit: concurrent openers wait here, then see the new head.
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _SCHEMA_LOCK_ID})
        before = current_revision(connection)
        head = head_revision()
        if before == head:
            return
        if before is not None and before not in _known_revisions():
            raise ConfigurationError(
                f"the registry's schema is at revision {before!r}, which this engine does "
                f"not know (its newest is {head!r}): run a newer engine"
            )
        if before is None and inspect(connection).has_table("tenants"):
            logger.info("registry made before migrations: adopting it at revision %s", BASELINE)
        with _ONE_AT_A_TIME:
            command.upgrade(_config(connection), "head")
        logger.info("registry schema upgraded from %s to %s", before or "nothing", head)

"""Engine and transactions for the registry: SQLite (default) or PostgreSQL by URL.

SQLite is tuned for the way activities use it: many threads of one worker, sometimes a
second process (the API, the CLI). WAL lets readers run beside a writer; every
transaction starts with ``BEGIN IMMEDIATE`` so a read-then-write (upsert, status change)
takes the write lock up front and waits ``busy_timeout`` instead of failing with
"database is locked" when two writers interleave. PostgreSQL gets row locks
(``SELECT ... FOR UPDATE``) from the callers instead.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from engine.core.errors import RegistryUnavailableError

from . import _migrate

__all__ = ["Database"]

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_S = 30.0


def _sqlite_engine(database_url: str) -> Engine:
    url = make_url(database_url)
    in_memory = url.database in (None, "", ":memory:")
    if not in_memory and url.database:
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_S},
        # An in-memory database lives in one connection, shared by every caller: fine for
        # single-threaded tests, not for concurrent use.
        **({"poolclass": StaticPool} if in_memory else {}),
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from pysqlite so the "begin" hook below decides.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _is_outage(exc: DBAPIError) -> bool:
    """Whether the database is away (down, restarting, connection lost), not refusing us.

    OperationalError covers refused connections, server shutdowns and lost connections on
    both drivers; SQLite's "database is locked" past the busy timeout is one too, and as
    transient. Integrity and programming errors are bugs or conflicts, never outages.
    """
    return exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError)


def _first_line(exc: DBAPIError) -> str:
    # The driver's message without SQLAlchemy's statement and background link.
    return (str(exc.orig) if exc.orig is not None else str(exc)).strip().splitlines()[0][:300]


class Database:
    """One engine and its session factory; migrates the schema to head on construction."""

    def __init__(self, database_url: str) -> None:
        backend = make_url(database_url).get_backend_name()
        if backend == "sqlite":
            self.engine = _sqlite_engine(database_url)
        else:
            self.engine = create_engine(database_url, pool_pre_ping=True)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        try:
            self._upgrade(backend)
        except Exception as exc:
            self.engine.dispose()
            if isinstance(exc, DBAPIError) and _is_outage(exc):
                raise RegistryUnavailableError(
                    f"tenant registry unavailable: {_first_line(exc)}"
                ) from exc
            raise
        logger.info("registry ready on %s", self.engine.url.render_as_string(hide_password=True))

    def _upgrade(self, backend: str) -> None:
        """The schema migrated to head. Processes opening a new SQLite file together can
        meet "database is locked" where SQLite does not wait (its busy handler is skipped
        when waiting could deadlock): the whole upgrade is then tried again, in its own
        transaction, until ``BUSY_TIMEOUT_S``."""
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                _migrate.upgrade(self.engine)
                return
            except OperationalError as exc:
                locked = backend == "sqlite" and "database is locked" in str(exc)
                if not locked or time.monotonic() > deadline:
                    raise
                logger.info("registry locked by another opener; trying again")
                time.sleep(random.uniform(0.05, 0.25))

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        try:
            with self._sessions.begin() as session:
                yield session
        except DBAPIError as exc:
            if _is_outage(exc):
                raise RegistryUnavailableError(
                    f"tenant registry unavailable: {_first_line(exc)}"
                ) from exc
            raise

    def close(self) -> None:
        self.engine.dispose()

"""The registry's schema migrations (Alembic) on SQLite and a real PostgreSQL cluster.

The models (``engine.registry.schema``) and the revisions must describe one schema: an
empty database migrated to head compares equal to the models. A database made before
migrations keeps its rows, and workers opening one database together all succeed.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.orm import Session

from engine.core.errors import ConfigurationError
from engine.core.models import TenantStatus
from engine.registry import NotificationState, TenantRegistry, _migrate
from engine.registry._migrate import BASELINE, head_revision, upgrade
from engine.registry.schema import (
    Base,
    LeaseRow,
    NotificationRow,
    RetainedResourceRow,
    TenantRow,
    utcnow,
)


@contextmanager
def _engine(url: str) -> Iterator[Engine]:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def _schema_diff(url: str) -> list[Any]:
    with _engine(url) as engine, engine.connect() as connection:
        return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


def _revision(url: str) -> str | None:
    with _engine(url) as engine, engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _legacy_database(url: str, *, without: tuple[type[Base], ...] = ()) -> None:
    """A registry as the code before migrations left it: ``create_all`` and one tenant."""
    skipped = {model.__table__ for model in without}
    tables = [table for table in Base.metadata.sorted_tables if table not in skipped]
    now = utcnow()
    with _engine(url) as engine:
        Base.metadata.create_all(engine, tables=tables)
        with Session(engine) as session, session.begin():
            session.add(
                TenantRow(
                    tenant_id="id-old",
                    key="old",
                    name="Old",
                    tier="silo",
                    status=TenantStatus.ACTIVE.value,
                    domains=["old.example.com"],
                    contacts=[],
                    plan_id=None,
                    app_version="1.0.0",
                    idp_provider=None,
                    idp_display_name=None,
                    parameters={},
                    created_at=now,
                    updated_at=now,
                )
            )
            session.add(
                NotificationRow(
                    idempotency_key="wf-old:welcome",
                    tenant_id="id-old",
                    kind="welcome",
                    state=NotificationState.SENT.value,
                    recipients=["ada@old.example.com"],
                    message_id="msg-old",
                    created_at=now,
                    sent_at=now,
                )
            )


def test_an_empty_database_migrates_to_exactly_the_models(database_url: str) -> None:
    with TenantRegistry(database_url):
        pass
    assert _schema_diff(database_url) == []
    assert _revision(database_url) == head_revision()


def test_a_database_made_before_migrations_is_adopted_with_its_rows(database_url: str) -> None:
    _legacy_database(database_url)

    with TenantRegistry(database_url) as registry:
        assert registry.get("id-old").status is TenantStatus.ACTIVE
        reserved, row = registry.outbox.reserve(
            "wf-old:welcome", tenant_id="id-old", kind="welcome", recipients=[]
        )
        assert (reserved, row.message_id) == (False, "msg-old")
        # and it works as a registry from here on
        registry.set_status("id-old", TenantStatus.DEPROVISIONING, reason="test")

    assert _revision(database_url) == BASELINE == head_revision()
    assert _schema_diff(database_url) == []


def test_a_database_from_before_leases_gets_the_missing_tables(database_url: str) -> None:
    # Registries made before leases and retained resources existed lack those two tables.
    _legacy_database(database_url, without=(LeaseRow, RetainedResourceRow))

    with TenantRegistry(database_url) as registry:
        assert registry.get("id-old").app_version == "1.0.0"
        assert registry.lease("id-old") is None

    assert _schema_diff(database_url) == []


def test_opening_again_changes_nothing(database_url: str) -> None:
    with TenantRegistry(database_url):
        pass
    statements: list[str] = []
    with _engine(database_url) as engine:
        event.listen(
            engine,
            "before_cursor_execute",
            lambda _conn, _cursor, statement, *_: statements.append(statement),
        )
        upgrade(engine)
    writes = [s for s in statements if s.lstrip().split()[0].upper() in _WRITES]
    assert writes == []
    assert any("alembic_version" in s for s in statements)  # it did look
    assert _revision(database_url) == head_revision()


_WRITES = {"CREATE", "ALTER", "DROP", "INSERT", "UPDATE", "DELETE"}


def _open_together(urls: list[str]) -> None:
    """Open a registry on each URL, each from its own thread, all at once."""
    barrier = threading.Barrier(len(urls))

    def open_registry(url: str) -> None:
        barrier.wait()
        # An exception here fails the test (pytest reports exceptions of threads).
        with TenantRegistry(url) as registry:
            assert registry.list_tenants() == ([], None)

    # Daemon threads joined with a deadline: a wedged migration fails the test, not the run.
    threads = [threading.Thread(target=open_registry, args=(url,), daemon=True) for url in urls]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not [thread for thread in threads if thread.is_alive()], "a migration hung"


def test_workers_opening_a_new_database_together_all_succeed(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As separate worker processes would: without the in-process lock, only the database's
    # own (PostgreSQL's advisory lock, SQLite's BEGIN IMMEDIATE) stands between them.
    monkeypatch.setattr(_migrate, "_ONE_AT_A_TIME", contextlib.nullcontext())
    _open_together([database_url] * 6)

    with _engine(database_url) as engine, engine.connect() as connection:
        versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    assert [v for (v,) in versions] == [head_revision()]
    assert _schema_diff(database_url) == []


def test_databases_migrated_by_threads_of_one_process_each_get_their_schema(
    tmp_path: Path,
) -> None:
    # Alembic's context is process-global: the registry runs one migration at a time.
    urls = [f"sqlite:///{tmp_path / f'registry-{n}.db'}" for n in range(4)]
    _open_together(urls)

    for url in urls:
        assert _revision(url) == head_revision()
        assert _schema_diff(url) == []


def test_a_schema_newer_than_the_code_is_refused_untouched(database_url: str) -> None:
    with TenantRegistry(database_url) as registry:
        registry.outbox.reserve("k", tenant_id="t", kind="welcome", recipients=[])
    with _engine(database_url) as engine, engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))

    with pytest.raises(ConfigurationError, match="9999"):
        TenantRegistry(database_url)

    with _engine(database_url) as engine:
        assert "notification_outbox" in inspect(engine).get_table_names()
        with engine.connect() as connection:
            count = connection.execute(text("SELECT count(*) FROM notification_outbox")).scalar()
    assert count == 1

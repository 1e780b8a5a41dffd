"""Alembic's entry point for the registry: runs the revisions on one connection.

The registry (``engine.registry._migrate``) hands in its own connection, already in a
transaction that holds the schema lock, as ``config.attributes["connection"]``. From the
command line (README, "Registry schema and migrations") it opens ``-x url=...`` itself.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine

from engine.registry.schema import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things: batch operations copy the table instead.
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        raise SystemExit("name the database: alembic -x url=sqlite:///.state/registry.db ...")
    return url


def _main() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    elif context.is_offline_mode():
        context.configure(url=_url(), target_metadata=Base.metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
    else:
        engine = create_engine(_url())
        try:
            with engine.begin() as own:
                _run(own)
        finally:
            engine.dispose()


_main()

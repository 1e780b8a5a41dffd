"""A private PostgreSQL cluster for tests, from the Debian packages (`make setup`).

``running_postgres()`` initdb's a cluster in a temp dir, starts it on 127.0.0.1 with a
free port, and stops and removes it afterwards. PostgreSQL refuses to run as root, and
the suite runs as root in CI, so the server commands run as the ``postgres`` system user.
Each test gets its own schema (``create_schema``, milliseconds) or database
(``create_database``, a few hundred ms), so tests stay independent without restarting
the cluster.

The suite shares one cluster: the ``postgres`` fixture in ``tests/conftest.py``.
"""

from __future__ import annotations

import glob
import logging
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from .ports import free_port

logger = logging.getLogger(__name__)

SETUP_HINT = "PostgreSQL server binaries not found; `make setup` installs them (apt postgresql)"
SERVICE_USER = "postgres"


class PostgresUnavailableError(RuntimeError):
    pass


@dataclass
class PostgresServer:
    host: str
    port: int
    user: str
    startup_seconds: float
    # The pg_ctl command line of a throwaway cluster: ``stop()``/``start()`` an outage.
    control: list[str] = field(default_factory=list)
    start_options: list[str] = field(default_factory=list)
    root: Path | None = None

    def stop(self) -> None:
        """Stop the cluster (fast shutdown: open connections are closed), as an outage."""
        assert self.root is not None, "not a throwaway cluster"
        _run([*self.control, "-m", "fast", "-w", "stop"], cwd=self.root)

    def start(self) -> None:
        """Start it again on the same port, after ``stop()``."""
        assert self.root is not None, "not a throwaway cluster"
        _run([*self.control, *self.start_options, "-w", "start"], cwd=self.root)

    def url(self, database: str = "postgres", *, schema: str | None = None) -> str:
        url = f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{database}"
        # libpq's options=-csearch_path=<schema> makes the schema the default for DDL too.
        return f"{url}?options=-csearch_path%3D{schema}" if schema else url

    def _execute(self, statement: sql.Composed) -> None:
        with psycopg.connect(
            host=self.host, port=self.port, user=self.user, dbname="postgres", autocommit=True
        ) as conn:
            conn.execute(statement)

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database and return its SQLAlchemy URL (~0.1-0.3 s)."""
        name = name or f"t_{uuid.uuid4().hex[:12]}"
        self._execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url(name)

    def create_schema(self, name: str | None = None) -> str:
        """Create an empty schema in ``postgres`` and return a URL that uses it (~ms).

        Much cheaper than a database per test, and as isolated for code that does not
        name schemas itself.
        """
        name = name or f"t_{uuid.uuid4().hex[:12]}"
        self._execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(name)))
        return self.url(schema=name)


def find_bin_dir() -> Path:
    """The newest /usr/lib/postgresql/<major>/bin holding initdb and pg_ctl."""
    candidates = sorted(
        (Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    for candidate in candidates:
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    raise PostgresUnavailableError(f"{SETUP_HINT}: nothing in /usr/lib/postgresql/*/bin")


def _as_service_user(args: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return args
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError as exc:
        raise PostgresUnavailableError(f"{SETUP_HINT}: no {SERVICE_USER!r} system user") from exc
    return ["runuser", "-u", SERVICE_USER, "--", *args]


def _run(args: list[str], cwd: Path) -> None:
    done = subprocess.run(
        _as_service_user(args), cwd=cwd, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise PostgresUnavailableError(
            f"{Path(args[0]).name} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
        )


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """Start a throwaway cluster; yield it; stop it (``-m fast``) and delete its files."""
    bin_dir = find_bin_dir()
    started = time.monotonic()
    # /tmp, not pytest's tmp_path: the postgres user must be able to reach the directory.
    root = Path(tempfile.mkdtemp(prefix="pg-test-", dir="/tmp"))
    data, sockets, log = root / "data", root / "sock", root / "server.log"
    sockets.mkdir()
    if os.geteuid() == 0:
        for path in (root, sockets):
            shutil.chown(path, user=SERVICE_USER)
    port = free_port()
    pg_ctl = str(bin_dir / "pg_ctl")
    try:
        _run(
            [str(bin_dir / "initdb"), "-D", str(data), "-U", SERVICE_USER, "-A", "trust",
             "-E", "UTF8", "--no-sync", "--no-instructions"],
            cwd=root,
        )  # fmt: skip
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} "
            # Durability is worthless for a throwaway cluster; speed is not.
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        try:
            _run([pg_ctl, "-D", str(data), "-l", str(log), "-o", options, "-w", "start"], cwd=root)
        except PostgresUnavailableError as exc:
            server_log = log.read_text(errors="replace") if log.exists() else ""
            raise PostgresUnavailableError(f"{exc}\nserver log:\n{server_log}") from exc
        server = PostgresServer(
            "127.0.0.1",
            port,
            SERVICE_USER,
            time.monotonic() - started,
            control=[pg_ctl, "-D", str(data)],
            start_options=["-l", str(log), "-o", options],
            root=root,
        )
        logger.info("PostgreSQL on port %s started in %.2fs", port, server.startup_seconds)
        try:
            yield server
        finally:
            _run([pg_ctl, "-D", str(data), "-m", "fast", "-w", "stop"], cwd=root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def postgres_or_fail() -> Iterator[PostgresServer]:
    """``running_postgres`` for fixtures: a missing PostgreSQL fails the test, never skips it."""
    try:
        with running_postgres() as server:
            yield server
    except PostgresUnavailableError as exc:
        pytest.fail(str(exc), pytrace=False)

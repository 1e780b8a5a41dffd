"""Run a real Keycloak server (dev mode, H2 file database): ``tenantctl dev --keycloak``
and the tests' Keycloak.

The distribution comes from ``tools/keycloak/fetch.sh DEST`` (Maven Central,
cached per version under ``.tools/keycloak/<version>/``). Usage::

    install_dir = fetch_keycloak(Path(".tools/keycloak"))
    with running_keycloak(install_dir, tmp_path / "kc") as kc:
        token = kc.admin_token()
        status, realms = kc.admin_request("GET", "/admin/realms")

Only the standard library is used (no httpx). The server listens on free
ports on 127.0.0.1 only; every file it writes at run time (database,
transaction logs, JVM temp files, its console log) goes to ``data_dir``,
except the one-off build ("augmentation") that ``kc.sh start-dev`` does on the
first start of a fresh install, which updates ``install_dir/lib/quarkus``.
Starts are serialised with a lock file in ``install_dir`` so that two servers
never run that build at the same time.

Measured on the 2-core machine (Keycloak 26.7.3, Temurin 25): 30-35 s to a
usable admin token on the very first start of a fresh install (about 15 s of
it the build), 14-21 s on later starts; the JVM's RSS is about 450-570 MB
(kc.sh's default -Xmx512m); stopping takes about 1-2 s.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "DEFAULT_JAVA_HOMES",
    "FETCH_SCRIPT",
    "KeycloakServer",
    "KeycloakStartError",
    "fetch_keycloak",
    "find_java_home",
    "running_keycloak",
]

# Keycloak 26.x needs a JDK 21+; the machine's default java is 17.
DEFAULT_JAVA_HOMES = (
    "/usr/lib/jvm/temurin-25-jdk-amd64",
    "/usr/lib/jvm/temurin-21-jdk-amd64",
    "/usr/lib/jvm/java-21-openjdk-amd64",
)

_LOOPBACK = "127.0.0.1"

# The distribution comes from Maven Central through this script of the checkout.
FETCH_SCRIPT = Path(__file__).resolve().parents[2] / "tools" / "keycloak" / "fetch.sh"
_PORT_IN_USE_MARKERS = ("Address already in use", "Port already bound", "BindException")


class KeycloakStartError(RuntimeError):
    """Keycloak exited or did not become ready; the message ends with its log tail."""


@dataclass(frozen=True)
class KeycloakServer:
    base_url: str
    management_url: str
    admin_username: str
    admin_password: str = field(repr=False)
    log_path: Path
    pid: int = field(repr=False)

    def admin_token(self, timeout: float = 10.0) -> str:
        """An access token for the bootstrap admin (master realm, admin-cli, password grant)."""
        form = urllib.parse.urlencode(
            {
                "grant_type": "password",
                "client_id": "admin-cli",
                "username": self.admin_username,
                "password": self.admin_password,
            }
        ).encode()
        req = urllib.request.Request(
            f"{self.base_url}/realms/master/protocol/openid-connect/token",
            data=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = json.load(resp)
        return str(body["access_token"])

    def admin_request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        timeout: float = 30.0,
    ) -> tuple[int, Any]:
        """Call the admin REST API (``path`` like ``/admin/realms/foo``).

        Returns ``(status, parsed JSON or None)``; HTTP error statuses are
        returned, not raised.
        """
        data = None if body is None else json.dumps(body).encode()
        headers = {"Authorization": f"Bearer {self.admin_token()}", "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(
            f"{self.base_url}{path}", data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                status, raw = resp.status, resp.read()
        except urllib.error.HTTPError as err:
            status, raw = err.code, err.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode(errors="replace")
        return status, parsed


def fetch_keycloak(dest: Path) -> Path:
    """The unpacked distribution under ``dest`` (fetched from Maven Central once)."""
    if not FETCH_SCRIPT.is_file():
        raise KeycloakStartError(
            f"{FETCH_SCRIPT} not found (run from a checkout, or point TENANT_KEYCLOAK__URL "
            "at a Keycloak of your own)"
        )
    try:
        done = subprocess.run(
            [str(FETCH_SCRIPT), str(dest)], capture_output=True, text=True, check=True
        )
    except subprocess.CalledProcessError as exc:
        raise KeycloakStartError(
            f"fetching Keycloak failed ({exc.returncode}): {exc.stderr.strip()[-2000:]}"
        ) from None
    return Path(done.stdout.strip())


def find_java_home() -> Path:
    """``KEYCLOAK_JAVA_HOME``, else the first JDK 21+ in DEFAULT_JAVA_HOMES, else ``JAVA_HOME``."""
    candidates = [os.environ.get("KEYCLOAK_JAVA_HOME"), *DEFAULT_JAVA_HOMES]
    candidates.append(os.environ.get("JAVA_HOME"))
    for cand in candidates:
        if cand and (Path(cand) / "bin" / "java").is_file():
            return Path(cand)
    raise KeycloakStartError(
        "no JDK 21+ found: set KEYCLOAK_JAVA_HOME (tried "
        + ", ".join(c for c in candidates if c)
        + ")"
    )


def _free_ports(count: int) -> list[int]:
    socks = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((_LOOPBACK, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stop(proc: subprocess.Popen[bytes], timeout: float) -> None:
    """SIGTERM the whole process group (kc.sh and its java), SIGKILL after ``timeout``."""
    pgid = proc.pid  # start_new_session=True: the group id is the leader's pid
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        proc.poll()
        if proc.returncode is not None and not _group_alive(pgid):
            return
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)
    proc.wait(timeout=10)
    deadline = time.monotonic() + 10
    while _group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)


def _clean_env(
    java_home: Path, admin_username: str, admin_password: str, data_dir: Path
) -> dict[str, str]:
    # Hermetic: drop any KC_*/QUARKUS_*/JAVA_OPTS* the caller's shell may carry.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("KC_", "QUARKUS_", "JAVA_OPTS", "KEYCLOAK_"))
    }
    env.update(
        JAVA_HOME=str(java_home),
        PATH=f"{java_home / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        KC_BOOTSTRAP_ADMIN_USERNAME=admin_username,
        KC_BOOTSTRAP_ADMIN_PASSWORD=admin_password,
        KC_HEALTH_ENABLED="true",
        # Keep run-time files out of the (shared) install dir.
        JAVA_OPTS_APPEND=" ".join(
            [
                f"-Djava.io.tmpdir={data_dir / 'tmp'}",
                "-Dquarkus.transaction-manager.object-store.directory="
                f"{data_dir / 'transaction-logs'}",
            ]
        ),
    )
    return env


def _token_ready(server: KeycloakServer) -> bool:
    try:
        server.admin_token(timeout=5.0)
    except (urllib.error.URLError, OSError, ValueError, KeyError):
        return False
    return True


@contextlib.contextmanager
def running_keycloak(
    install_dir: Path,
    data_dir: Path,
    *,
    admin_username: str = "admin",
    admin_password: str | None = None,
    java_home: Path | None = None,
    startup_timeout: float = 240.0,
    stop_timeout: float = 30.0,
    extra_args: tuple[str, ...] = (),
) -> Iterator[KeycloakServer]:
    """Start ``kc.sh start-dev`` and yield once the admin REST API hands out tokens.

    ``data_dir`` is created if needed and holds the H2 database
    (``data_dir/h2``), transaction logs, JVM temp files and ``keycloak.log``.
    Reusing a ``data_dir`` keeps its realms; the bootstrap admin is created
    only with a fresh database, so reuse it with the same credentials.
    """
    install_dir = Path(install_dir).resolve()
    data_dir = Path(data_dir).resolve()
    kc_sh = install_dir / "bin" / "kc.sh"
    if not kc_sh.is_file():
        raise KeycloakStartError(f"{kc_sh} not found; run tools/keycloak/fetch.sh first")
    java_home = java_home or find_java_home()
    admin_password = admin_password or secrets.token_urlsafe(16)
    (data_dir / "tmp").mkdir(parents=True, exist_ok=True)
    log_path = data_dir / "keycloak.log"
    env = _clean_env(java_home, admin_username, admin_password, data_dir)
    db_url = f"jdbc:h2:file:{data_dir / 'h2' / 'keycloakdb'};NON_KEYWORDS=VALUE"

    proc: subprocess.Popen[bytes] | None = None
    server: KeycloakServer | None = None
    try:
        with open(install_dir / ".start.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            for attempt in range(3):
                http_port, mgmt_port = _free_ports(2)
                argv = [
                    str(kc_sh),
                    "start-dev",
                    f"--http-host={_LOOPBACK}",
                    f"--http-port={http_port}",
                    f"--http-management-port={mgmt_port}",
                    "--db=dev-file",
                    f"--db-url={db_url}",
                    *extra_args,
                ]
                with open(log_path, "ab") as log:
                    log.write(f"\n=== start attempt {attempt + 1}: {' '.join(argv)}\n".encode())
                    log.flush()
                    proc = subprocess.Popen(
                        argv,
                        cwd=data_dir,
                        env=env,
                        stdin=subprocess.DEVNULL,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                server = KeycloakServer(
                    base_url=f"http://{_LOOPBACK}:{http_port}",
                    management_url=f"http://{_LOOPBACK}:{mgmt_port}",
                    admin_username=admin_username,
                    admin_password=admin_password,
                    log_path=log_path,
                    pid=proc.pid,
                )
                deadline = time.monotonic() + startup_timeout
                while proc.poll() is None and time.monotonic() < deadline:
                    if _token_ready(server):
                        break
                    time.sleep(0.25)
                else:
                    tail = _log_tail(log_path)
                    rc = proc.returncode
                    if rc is not None:
                        _stop(proc, stop_timeout)
                        proc = None
                        if any(m in tail for m in _PORT_IN_USE_MARKERS) and attempt < 2:
                            continue  # lost a race for the port: try fresh ones
                        raise KeycloakStartError(
                            f"Keycloak exited with status {rc}; log {log_path}:\n{tail}"
                        )
                    raise KeycloakStartError(
                        f"Keycloak not ready after {startup_timeout:.0f}s; log {log_path}:\n{tail}"
                    )
                break
        assert server is not None
        yield server
    finally:
        if proc is not None:
            _stop(proc, stop_timeout)

"""The API server: TenantService, health and reflection on one grpc.aio server.

Health (``grpc.health.v1``, no credentials needed; see ``engine.serving._health``):
``"liveness"`` and ``""`` are SERVING while the process serves; ``"readiness"`` (and
``tenant.engine.v1.TenantService``, its older name) only while Temporal and the tenant
registry answer. Prometheus metrics on ``api.metrics_listen`` when set. TLS when
``api.tls_cert`` is set, client certificates required when ``api.tls_client_ca`` is set
too (mTLS), bearer token when ``api.token`` is set (see ``engine.api.auth``).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from pathlib import Path

import grpc
from grpc_health.v1 import health, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from engine.core.errors import ConfigurationError
from engine.core.settings import ApiSettings, Settings
from engine.serving import Health, RegistryProbe, RequestMetrics
from engine.telemetry.temporal import ServiceTelemetry

from ._gen import tenant_engine_pb2_grpc as pb_grpc
from .auth import BearerTokenInterceptor
from .operations import TenantOperations
from .protocol import SERVICE_NAME
from .service import TenantServicer

__all__ = ["ApiServer", "run_api"]

log = logging.getLogger(__name__)


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"cannot read {what} {path}: {exc.strerror}") from None


def _credentials(api: ApiSettings) -> grpc.ServerCredentials | None:
    if api.tls_cert is None:
        if api.tls_client_ca is not None:
            raise ConfigurationError("api.tls_client_ca (mTLS) needs api.tls_cert and tls_key")
        return None
    if api.tls_key is None:
        raise ConfigurationError("api.tls_cert is set without api.tls_key")
    client_ca = _read(api.tls_client_ca, "client CA") if api.tls_client_ca else None
    return grpc.ssl_server_credentials(
        [(_read(api.tls_key, "TLS key"), _read(api.tls_cert, "TLS certificate"))],
        root_certificates=client_ca,
        require_client_auth=client_ca is not None,
    )


class ApiServer:
    """Start, serve, stop. ``port`` is the bound port (useful with ``listen=...:0``)."""

    def __init__(
        self,
        settings: Settings,
        *,
        operations: TenantOperations | None = None,
        health_interval: timedelta = timedelta(seconds=5),
    ) -> None:
        self.settings = settings
        self.operations = operations or TenantOperations(settings)
        self._health_interval = health_interval
        self._health = Health(readiness_aliases=(SERVICE_NAME,))
        self._registry = RegistryProbe(settings.registry.database_url)
        self._server: grpc.aio.Server | None = None
        self._telemetry: ServiceTelemetry | None = None
        self.port = 0

    @property
    def address(self) -> str:
        host = self.settings.api.listen.rsplit(":", 1)[0]
        return f"{host}:{self.port}"

    async def start(self) -> None:
        api = self.settings.api
        telemetry = ServiceTelemetry.start(
            self.settings, role="api", metrics_listen=api.metrics_listen
        )
        try:
            await self._start(telemetry)
        except BaseException:
            telemetry.close()
            raise
        self._telemetry = telemetry

    async def _start(self, telemetry: ServiceTelemetry) -> None:
        api = self.settings.api
        # Metrics first: calls the token check refuses are counted too.
        interceptors: list[grpc.aio.ServerInterceptor] = [RequestMetrics(telemetry.api_metrics())]
        authenticated = api.token is not None and bool(api.token.get_secret_value())
        if api.token is not None and authenticated:
            interceptors.append(BearerTokenInterceptor(api.token.get_secret_value()))
        else:
            log.warning("API authentication is off (no api.token): for local development only")
        credentials = _credentials(api)
        server = grpc.aio.server(interceptors=interceptors)
        pb_grpc.add_TenantServiceServicer_to_server(  # type: ignore[no-untyped-call]
            TenantServicer(self.operations), server
        )
        health_pb2_grpc.add_HealthServicer_to_server(self._health.servicer, server)
        reflection.enable_server_reflection(
            (SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME), server
        )
        try:
            if credentials is None:
                self.port = server.add_insecure_port(api.listen)
            else:
                self.port = server.add_secure_port(api.listen, credentials)
        except RuntimeError as exc:  # grpc: "Failed to bind to address ..."
            raise ConfigurationError(f"API cannot listen on {api.listen}: {exc}") from None
        await server.start()
        self._server = server
        # Live at once; ready once Temporal and the registry answer (checked at once, then
        # every health_interval, off the start path).
        await self._health.start()
        self._health.follow(
            {"temporal": self.operations.temporal_reachable, "registry": self._registry},
            self._health_interval.total_seconds(),
        )
        log.info(
            "API on %s (%s, auth %s)",
            self.address,
            "mTLS" if api.tls_client_ca else "TLS" if credentials else "plaintext",
            "on" if authenticated else "off",
        )

    async def not_ready(self) -> None:
        """A stop is coming: readiness NOT_SERVING (load balancers stop sending calls)."""
        await self._health.not_ready()

    async def stop(self, grace: float = 5.0) -> None:
        if self._server is not None:
            await self._health.stop()
            await self._server.stop(grace)
            self._server = None
        await asyncio.to_thread(self._registry.close)
        await self.operations.close()
        if self._telemetry is not None:
            self._telemetry.close()
            self._telemetry = None


async def run_api(
    settings: Settings, *, stop: asyncio.Event, ready: asyncio.Event | None = None
) -> None:
    """Serve until ``stop`` is set; in-flight calls get a few seconds to finish."""
    server = ApiServer(settings)
    await server.start()
    try:
        if ready is not None:
            ready.set()
        await stop.wait()
        await server.not_ready()
    finally:
        await server.stop()

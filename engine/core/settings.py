"""Settings, read from the environment (prefix ``TENANT_``, nested with ``__``) and ``.env``.

Built once at an entry point (``Settings()``) and passed down; nothing reads the
environment at import time. ``.env.example`` lists every variable.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = [
    "ActivityPolicy",
    "ApiSettings",
    "Auth0Settings",
    "AwsSettings",
    "KeycloakSettings",
    "NotificationSettings",
    "PulumiSettings",
    "RegistrySettings",
    "Settings",
    "TelemetrySettings",
    "TemporalSettings",
    "WorkerSettings",
]


def _seconds(value: Any) -> Any:
    # Environment variables arrive as strings: "1800" means seconds, like "PT30M" does.
    if isinstance(value, str):
        try:
            return timedelta(seconds=float(value))
        except ValueError:
            return value
    return value


Duration = Annotated[timedelta, BeforeValidator(_seconds)]


class TemporalSettings(BaseModel):
    address: str = "127.0.0.1:7233"
    namespace: str = "default"
    task_queue: str = "tenant-provisioning"
    # Temporal Cloud: an API key implies TLS.
    api_key: SecretStr | None = None
    tls: bool = False


class ActivityPolicy(BaseModel):
    """Timeouts and retries for one group of activities (defaults from the seed plan)."""

    start_to_close: Duration = timedelta(seconds=30)
    heartbeat: Duration | None = None
    initial_interval: Duration = timedelta(seconds=1)
    backoff: float = Field(default=2.0, ge=1.0)
    # 0: retry until it works (or ``schedule_to_close`` ends it); permanent errors never retry.
    maximum_attempts: int = Field(default=3, ge=0)
    # Longest wait between two attempts (default: ten times the first, at least 1 s).
    maximum_interval: Duration | None = None
    # Give up after this long, attempts included (None: no limit but the attempts).
    schedule_to_close: Duration | None = None


# One subclass per group so that one variable (TENANT_WORKER__INFRA__MAXIMUM_ATTEMPTS)
# overrides one value and the group's other defaults stay.
class IdpPolicy(ActivityPolicy):
    start_to_close: Duration = timedelta(minutes=5)
    # Not in the seed: the IdP step is a Pulumi run that heartbeats every second, so a
    # lost worker is noticed after a minute instead of the 5-minute timeout.
    heartbeat: Duration | None = timedelta(minutes=1)
    initial_interval: Duration = timedelta(seconds=10)


class InfraPolicy(ActivityPolicy):
    start_to_close: Duration = timedelta(minutes=30)
    heartbeat: Duration | None = timedelta(minutes=2)
    initial_interval: Duration = timedelta(seconds=30)


class DeployPolicy(ActivityPolicy):
    start_to_close: Duration = timedelta(minutes=15)
    heartbeat: Duration | None = timedelta(minutes=1)
    initial_interval: Duration = timedelta(seconds=15)
    maximum_attempts: int = Field(default=5, ge=1)


class StatusPolicy(ActivityPolicy):
    # Not the seed's 5 attempts: registry writes are idempotent and the registry is a
    # dependency that comes back. Giving up after ~15 s turned a database restart into
    # the compensation of a working tenant; retrying (at most a minute apart) waits it out.
    maximum_attempts: int = Field(default=0, ge=0)
    maximum_interval: Duration | None = timedelta(minutes=1)


class NotificationPolicy(ActivityPolicy):
    # The welcome notice is sent after the tenant is ACTIVE, by a workflow of its own:
    # an SES or SMTP outage delays it (retried for a day, at most 10 minutes apart),
    # it never undoes the tenant.
    initial_interval: Duration = timedelta(seconds=10)
    maximum_attempts: int = Field(default=0, ge=0)
    maximum_interval: Duration | None = timedelta(minutes=10)
    schedule_to_close: Duration | None = timedelta(hours=24)


class WorkerSettings(BaseModel):
    max_concurrent_activities: int = Field(default=10, ge=1)
    max_concurrent_workflows: int = Field(default=50, ge=1)
    # Each Pulumi activity runs a CLI process and a program: bound them separately.
    max_concurrent_pulumi: int = Field(default=4, ge=1)
    # gRPC health service of the worker; empty to disable.
    health_listen: str = "127.0.0.1:50052"
    # Prometheus /metrics over HTTP ("0.0.0.0:9464"); empty: no metrics listener.
    metrics_listen: str = ""
    graceful_shutdown: Duration = timedelta(seconds=30)
    idp: IdpPolicy = Field(default_factory=IdpPolicy)
    infra: InfraPolicy = Field(default_factory=InfraPolicy)
    deploy: DeployPolicy = Field(default_factory=DeployPolicy)
    status: StatusPolicy = Field(default_factory=StatusPolicy)
    notification: NotificationPolicy = Field(default_factory=NotificationPolicy)


class PulumiSettings(BaseModel):
    # Must match `name:` in the repository's root Pulumi.yaml so `pulumi stack ls` there
    # lists the tenants' stacks.
    project_name: str = "tenants"
    # Where the engine keeps local state (Pulumi workspaces, the file backend, ...).
    state_dir: Path = Path(".state")
    # file:// (default: <state_dir>/pulumi), s3://bucket?endpoint=...&s3ForcePathStyle=true
    backend_url: str | None = None
    # "passphrase" or a Pulumi secrets provider URL such as awskms://alias/tenants
    secrets_provider: str = "passphrase"
    passphrase: SecretStr | None = None
    # Directory holding the `pulumi` binary; empty means PATH.
    cli_dir: Path | None = None
    # "module:attribute" of the ProgramCatalog to run.
    catalog: str = "stacks.catalog:build_catalog"
    # PULUMI_HOME for the CLI (plugins, credentials); empty means the user's ~/.pulumi.
    home: Path | None = None

    @property
    def resolved_backend_url(self) -> str:
        if self.backend_url:
            return self.backend_url
        return (self.state_dir.resolve() / "pulumi").as_uri()


class AwsSettings(BaseModel):
    region: str = "us-east-1"
    # LocalStack or moto; empty means the real AWS endpoints.
    endpoint_url: str | None = None
    access_key_id: str | None = None
    secret_access_key: SecretStr | None = None


class RegistrySettings(BaseModel):
    # SQLite by default; postgresql+psycopg://user:pass@host/db for PostgreSQL.
    database_url: str = "sqlite:///.state/registry.db"


class NotificationSettings(BaseModel):
    backend: Literal["ses", "smtp", "log"] = "log"
    from_email: str = "noreply@example.com"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False


class Auth0Settings(BaseModel):
    domain: str | None = None
    client_id: str | None = None
    client_secret: SecretStr | None = None


class KeycloakSettings(BaseModel):
    url: str | None = None
    realm: str = "master"
    client_id: str = "admin-cli"
    client_secret: SecretStr | None = None
    username: str | None = None
    password: SecretStr | None = None
    # Seconds the provider waits for one admin API call. Its own default (5 s) is too short
    # for realm creation on a small machine (`context deadline exceeded` on POST
    # /admin/realms with Keycloak 26 on 2 cores).
    client_timeout: int = Field(default=60, ge=1, le=3600)


class ApiSettings(BaseModel):
    listen: str = "127.0.0.1:50051"
    # Bearer token required on every call except health; empty disables auth (dev only).
    token: SecretStr | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None
    # Client CA: when set, clients must present a certificate signed by it (mTLS).
    tls_client_ca: Path | None = None
    # Prometheus /metrics over HTTP ("0.0.0.0:9465"); empty: no metrics listener.
    metrics_listen: str = ""


class TelemetrySettings(BaseModel):
    # OTLP/gRPC collector for traces ("http://otel-collector:4317"); empty: no tracing.
    otlp_endpoint: str = ""
    service_name: str = "tenant-engine"


class Settings(BaseSettings):
    """All settings; ``TENANT_TEMPORAL__ADDRESS`` sets ``temporal.address`` and so on."""

    model_config = SettingsConfigDict(
        env_prefix="TENANT_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    temporal: TemporalSettings = Field(default_factory=TemporalSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    pulumi: PulumiSettings = Field(default_factory=PulumiSettings)
    aws: AwsSettings = Field(default_factory=AwsSettings)
    registry: RegistrySettings = Field(default_factory=RegistrySettings)
    notifications: NotificationSettings = Field(default_factory=NotificationSettings)
    auth0: Auth0Settings = Field(default_factory=Auth0Settings)
    keycloak: KeycloakSettings = Field(default_factory=KeycloakSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    telemetry: TelemetrySettings = Field(default_factory=TelemetrySettings)
    # "text" (human-readable lines) or "json" (one JSON object per line).
    log_format: Literal["text", "json"] = "text"

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.api.tls_key and not self.api.tls_cert:
            raise ValueError("api.tls_key is set without api.tls_cert")
        return self

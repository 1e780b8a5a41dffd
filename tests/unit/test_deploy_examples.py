"""The deployment examples (deploy/, Dockerfile) match the engine's settings and probes.

Settings are environment variables, and pydantic-settings ignores a name it does not know
(``extra="ignore"``): a misspelt ``TENANT_*`` in a manifest would be dropped without a word
and the process would run on a default. These tests read the compose file, the Kubernetes
manifests, the env file examples and the Dockerfile as a user's tools would (YAML, env
lines), check every name against ``Settings``, build ``Settings`` from what each container
gets, and check that each probe asks the port and health services the process serves.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

import pydantic
import pytest
import yaml

from engine.core.settings import Settings

# The health services the worker and the API serve: a probe asking for another name gets
# NOT_FOUND, which Kubernetes counts as a failure.
from engine.serving import LIVENESS, READINESS

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
K8S = DEPLOY / "k8s"


def setting_names(model: type[pydantic.BaseModel] = Settings, prefix: str = "") -> set[str]:
    """Every variable Settings reads: its env prefix, fields upper-cased, nested with ``__``."""
    if not prefix:
        prefix = str(Settings.model_config.get("env_prefix", ""))
    delimiter = str(Settings.model_config.get("env_nested_delimiter", "__"))
    names: set[str] = set()
    for field, info in model.model_fields.items():
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, pydantic.BaseModel):
            names |= setting_names(ann, f"{prefix}{field.upper()}{delimiter}")
        else:
            names.add(f"{prefix}{field.upper()}")
    return names


def secret_settings(
    model: type[pydantic.BaseModel] = Settings, prefix: str = "TENANT_"
) -> set[str]:
    """The variables of the settings declared ``SecretStr`` (optional or not)."""
    names: set[str] = set()
    for field, info in model.model_fields.items():
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, pydantic.BaseModel):
            names |= secret_settings(ann, f"{prefix}{field.upper()}__")
        elif ann is pydantic.SecretStr or pydantic.SecretStr in get_args(ann):
            names.add(f"{prefix}{field.upper()}")
    return names


def env_file(path: Path) -> dict[str, str]:
    """``NAME=value`` lines of an env file; commented ``# TENANT_X=`` lines count as names."""
    out: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        commented = line.startswith("#")
        line = line.lstrip("# ")
        match = re.fullmatch(r"([A-Z][A-Z0-9_]*)=(.*)", line)
        if match and (not commented or match[1].startswith("TENANT_")):
            out[match[1]] = "" if commented else match[2]
    return out


def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(data, dict)
    return data


def compose_env(service: dict[str, Any]) -> dict[str, str]:
    """What compose gives a service: its env files (from their .example), then environment."""
    env: dict[str, str] = {}
    files = service.get("env_file", [])
    for name in [files] if isinstance(files, str) else files:
        env.update(env_file(DEPLOY / f"{name}.example"))
    environment = service.get("environment", {})
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    env.update({key: str(value) for key, value in environment.items()})
    return env


def k8s_documents() -> Iterator[dict[str, Any]]:
    """The resources of deploy/k8s (what `kubectl apply -k deploy/k8s` applies)."""
    for name in kustomization()["resources"]:
        for doc in yaml.safe_load_all((K8S / name).read_text()):
            if doc:
                yield doc


def kustomization() -> dict[str, Any]:
    data = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert isinstance(data, dict)
    return data


def k8s_kind(kind: str) -> list[dict[str, Any]]:
    return [doc for doc in k8s_documents() if doc.get("kind") == kind]


def deployment(name: str) -> dict[str, Any]:
    (found,) = [d for d in k8s_kind("Deployment") if d["metadata"]["name"] == name]
    return found


def container_env(container: dict[str, Any]) -> dict[str, str]:
    """What a container gets: envFrom (ConfigMaps; Secrets from deploy/engine.env.example),
    then env, later entries winning, as the kubelet does."""
    config_maps = {cm["metadata"]["name"]: cm.get("data", {}) for cm in k8s_kind("ConfigMap")}
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(config_maps[source["configMapRef"]["name"]])
        elif "secretRef" in source:
            env.update(env_file(DEPLOY / "engine.env.example"))
    for item in container.get("env", []):
        env[item["name"]] = str(item.get("value", ""))
    return env


def settings_from(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings as the process builds them from exactly ``env`` (no .env, no host TENANT_*)."""
    for name in [n for n in os.environ if n.startswith("TENANT_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        if name.startswith("TENANT_") and value:
            monkeypatch.setenv(name, value)
    return Settings(_env_file=None)  # type: ignore[call-arg]


def port(listen: str) -> int:
    return int(listen.rsplit(":", 1)[1])


def dockerfile_env() -> dict[str, str]:
    text = (REPO / "Dockerfile").read_text().replace("\\\n", " ")
    env: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            env.update(re.findall(r"([A-Z][A-Z0-9_]*)=(\S+)", line))
    return env


def used_names() -> dict[str, set[str]]:
    """Every TENANT_* name each example sets, by file."""
    used: dict[str, set[str]] = {}

    def add(where: str, names: Any) -> None:
        used.setdefault(where, set()).update(n for n in names if n.startswith("TENANT_"))

    for name, service in compose()["services"].items():
        add(f"compose.yaml ({name})", compose_env(service))
    for path in sorted(DEPLOY.glob("*.env.example")):
        add(path.name, env_file(path))
    for doc in k8s_documents():
        where = f"k8s {doc['kind']} {doc['metadata']['name']}"
        if doc["kind"] in ("ConfigMap", "Secret"):
            add(where, {**doc.get("data", {}), **doc.get("stringData", {})})
        for container in (
            doc.get("spec", {}).get("template", {}).get("spec", {}).get("containers", [])
        ):
            add(where, {item["name"] for item in container.get("env", [])})
    add("Dockerfile", dockerfile_env())
    return used


def test_every_tenant_variable_in_the_examples_is_a_setting() -> None:
    known = setting_names()
    used = used_names()
    unknown = {where: sorted(names - known) for where, names in used.items() if names - known}
    assert not unknown, f"not settings of engine.core.settings.Settings: {unknown}"
    # The examples do set the settings an operator must think about.
    everything = set().union(*used.values())
    for name in (
        "TENANT_TEMPORAL__ADDRESS",
        "TENANT_API__LISTEN",
        "TENANT_WORKER__HEALTH_LISTEN",
        "TENANT_WORKER__METRICS_LISTEN",
        "TENANT_API__METRICS_LISTEN",
        "TENANT_TELEMETRY__OTLP_ENDPOINT",
        "TENANT_LOG_FORMAT",
        "TENANT_REGISTRY__DATABASE_URL",
        "TENANT_PULUMI__BACKEND_URL",
        "TENANT_PULUMI__PASSPHRASE",
    ):
        assert name in everything, f"{name} is set by no example"


def test_secrets_come_from_env_files_and_secrets_never_inline() -> None:
    # The settings the code keeps as SecretStr, and the database URL (it holds a password).
    secret_names = secret_settings() | {"TENANT_REGISTRY__DATABASE_URL"}
    assert {"TENANT_PULUMI__PASSPHRASE", "TENANT_API__TOKEN"} <= secret_names
    for name, service in compose()["services"].items():
        inline = set(service.get("environment", {})) & secret_names
        assert not inline, f"compose service {name} sets {inline} inline"
        assert "POSTGRES_PASSWORD" not in service.get("environment", {})
    for doc in k8s_documents():
        assert doc["kind"] != "Secret", "a Secret with values belongs in no repository"
        if doc["kind"] == "ConfigMap":
            assert not set(doc.get("data", {})) & secret_names, doc["metadata"]["name"]
        pod = doc.get("spec", {}).get("template", {}).get("spec", {})
        for container in pod.get("containers", []):
            inline = {item["name"] for item in container.get("env", [])} & secret_names
            assert not inline, f"{doc['metadata']['name']} sets {inline} inline"
            refs = [s["secretRef"]["name"] for s in container["envFrom"] if "secretRef" in s]
            assert refs == ["tenant-engine-secrets"], "the secrets come from the Secret"
    # The compose secrets files are git-ignored; only their examples are in the repository.
    ignored = (REPO / ".gitignore").read_text().splitlines()
    for service in compose()["services"].values():
        for name in service.get("env_file", []):
            assert f"deploy/{name}" in ignored
            assert (DEPLOY / f"{name}.example").exists()


@pytest.mark.parametrize(
    ("name", "listen"),
    [("tenant-engine-worker", "worker.health_listen"), ("tenant-engine-api", "api.listen")],
)
def test_kubernetes_probes_ask_the_health_service_the_process_serves(
    name: str, listen: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (container,) = deployment(name)["spec"]["template"]["spec"]["containers"]
    settings = settings_from(container_env(container), monkeypatch)
    section, field = listen.split(".")
    address = getattr(getattr(settings, section), field)
    # The kubelet probes the pod's IP: a loopback listener would fail every probe.
    assert address.rsplit(":", 1)[0] in ("0.0.0.0", "[::]"), address
    probes = {
        kind: container[kind]["grpc"]
        for kind in ("startupProbe", "livenessProbe", "readinessProbe")
        if kind in container
    }
    assert probes["livenessProbe"] == {"port": port(address), "service": LIVENESS}
    assert probes["readinessProbe"] == {"port": port(address), "service": READINESS}
    if "startupProbe" in probes:
        assert probes["startupProbe"] == {"port": port(address), "service": LIVENESS}
    assert port(address) in {p["containerPort"] for p in container["ports"]}


@pytest.mark.parametrize(
    ("name", "section"), [("tenant-engine-worker", "worker"), ("tenant-engine-api", "api")]
)
def test_prometheus_scrapes_the_metrics_listen_port(
    name: str, section: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pod = deployment(name)["spec"]["template"]
    (container,) = pod["spec"]["containers"]
    metrics = getattr(settings_from(container_env(container), monkeypatch), section)
    assert metrics.metrics_listen, f"{section}.metrics_listen is not set"
    assert pod["metadata"]["annotations"]["prometheus.io/port"] == str(port(metrics.metrics_listen))
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports["metrics"] == port(metrics.metrics_listen)


def test_the_api_service_reaches_the_api_port(monkeypatch: pytest.MonkeyPatch) -> None:
    api = deployment("tenant-engine-api")
    (container,) = api["spec"]["template"]["spec"]["containers"]
    settings = settings_from(container_env(container), monkeypatch)
    (service,) = [s for s in k8s_kind("Service") if s["metadata"]["name"] == "tenant-engine-api"]
    labels = api["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    (svc_port,) = service["spec"]["ports"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    target = svc_port["targetPort"]
    assert ports.get(target, target) == port(settings.api.listen)


def test_worker_stops_within_its_grace_period(monkeypatch: pytest.MonkeyPatch) -> None:
    pod = deployment("tenant-engine-worker")["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    settings = settings_from(container_env(container), monkeypatch)
    assert settings.worker.graceful_shutdown.total_seconds() < pod["terminationGracePeriodSeconds"]


@pytest.mark.parametrize("service", ["worker", "api"])
def test_compose_services_run_on_valid_settings(
    service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = compose()["services"][service]
    settings = settings_from(compose_env(spec), monkeypatch)
    assert spec["command"] == ["tenantctl", service]
    assert settings.temporal.address.split(":")[0] in compose()["services"]
    assert settings.registry.database_url.split("@")[1].split(":")[0] in compose()["services"]
    assert settings.pulumi.passphrase is not None
    listen = settings.worker.health_listen if service == "worker" else settings.api.listen
    health = "\n".join(spec["healthcheck"]["test"])
    assert f'"127.0.0.1:{port(listen)}"' in health and f'service="{LIVENESS}"' in health
    metrics = getattr(settings, service).metrics_listen
    published = {p.rsplit(":", 1)[1] for p in spec["ports"]}
    assert str(port(metrics)) in published


def test_kustomization_applies_every_manifest_and_names_the_image() -> None:
    listed = set(kustomization()["resources"])
    assert listed == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    images = {image["name"] for image in kustomization()["images"]}
    for doc in k8s_kind("Deployment"):
        for container in doc["spec"]["template"]["spec"]["containers"]:
            assert container["image"] in images, "the image is set in one place"

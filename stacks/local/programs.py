"""Local programs: every tenant component as files on disk, through the real Pulumi engine.

Parameters (``TenantSpec.parameters``), all optional:

``<component>_resources``  how many file resources the component has (idp 1, infra 3, app 1)
``delay``                  seconds each create/update/delete waits (``<component>_delay`` too)
``fail``                   comma-separated ``component:op`` to fail, e.g. ``app:create``
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pulumi
from pulumi.automation import PulumiFn

from engine.core.models import Component, TenantSpec
from engine.pulumi import ProgramCatalog, ProgramFactory

from .provider import LocalFile

__all__ = ["PLATFORM_DIR", "build_local_catalog"]

_DEFAULT_COUNTS = {Component.IDP: 1, Component.INFRA: 3, Component.APP: 1}


def _knobs(spec: TenantSpec, component: Component) -> tuple[int, float, list[str]]:
    params = spec.parameters
    count = int(params.get(f"{component.value}_resources", _DEFAULT_COUNTS[component]))
    delay = float(params.get(f"{component.value}_delay", params.get("delay", "0")))
    fail = [
        item.partition(":")[2]
        for item in params.get("fail", "").split(",")
        if item.partition(":")[0] == component.value
    ]
    return count, delay, fail


def _files(
    root: Path, spec: TenantSpec, component: Component, content: dict[str, object]
) -> list[LocalFile]:
    count, delay, fail = _knobs(spec, component)
    tags = {"tenant_id": spec.tenant_id, "tier": spec.tier.value, "managed_by": "tenant-engine"}
    files = []
    for i in range(count):
        # Data resources are the stateful ones a retention deprovision keeps.
        stateful = component is Component.INFRA and i == 0
        files.append(
            LocalFile(
                f"{spec.tenant_key}-{component.value}-{i}",
                root=str(root),
                path=f"{spec.tenant_key}/{component.value}/{i}.json",
                content={**content, "index": i, "tags": tags},
                delay=delay,
                fail=fail,
                opts=pulumi.ResourceOptions(retain_on_delete=stateful and spec.retain_data),
            )
        )
    return files


def _resource_records(files: list[LocalFile], kind: str) -> pulumi.Output[list[dict[str, str]]]:
    return pulumi.Output.all(*[f.path for f in files]).apply(
        lambda paths: [{"type": kind, "id": p} for p in paths]
    )


# Under a name no tenant key can take (keys have no underscore).
PLATFORM_DIR = "_platform"


def _platform(root: Path) -> Callable[[], PulumiFn]:
    """The shared platform of the pooled and bridge tiers: one file all of them share."""

    def build() -> PulumiFn:
        def program() -> None:
            shared = LocalFile(
                "platform-shared-0",
                root=str(root),
                path=f"{PLATFORM_DIR}/shared.json",
                content={"kind": "shared platform", "tags": {"managed_by": "tenant-engine"}},
            )
            pulumi.export("shared_path", shared.path)
            pulumi.export("resources", _resource_records([shared], "local:platform"))

        return program

    return build


def _idp(root: Path) -> ProgramFactory:
    def build(spec: TenantSpec) -> PulumiFn:
        def program() -> None:
            provider = spec.idp.provider.value if spec.idp else "none"
            files = _files(
                root,
                spec,
                Component.IDP,
                {"provider": provider, "display_name": spec.tenant_name},
            )
            pulumi.export("organization_id", f"org-{spec.tenant_key}")
            pulumi.export("client_id", f"client-{spec.tenant_key}")
            # Stands for an IdP client secret: derived, stable across runs, and a secret.
            digest = hashlib.sha256(f"local-client:{spec.tenant_id}".encode()).hexdigest()
            pulumi.export("client_secret", pulumi.Output.secret(digest[:32]))
            pulumi.export("provider", provider)
            pulumi.export("resources", _resource_records(files, "local:idp"))

        return program

    return build


def _infra(root: Path) -> ProgramFactory:
    def build(spec: TenantSpec) -> PulumiFn:
        def program() -> None:
            files = _files(root, spec, Component.INFRA, {"tier": spec.tier.value})
            pulumi.export("storage_path", files[0].path if files else "")
            pulumi.export("resources", _resource_records(files, "local:infra"))
            pulumi.export("retained", [files[0].path] if files and spec.retain_data else [])

        return program

    return build


def _app(root: Path) -> ProgramFactory:
    def build(spec: TenantSpec) -> PulumiFn:
        def program() -> None:
            files = _files(
                root,
                spec,
                Component.APP,
                {"version": spec.app_version, "storage": spec.inputs.get("storage_path", "")},
            )
            pulumi.export("app_url", f"http://{spec.tenant_key}.localhost/")
            pulumi.export("app_version", spec.app_version)
            pulumi.export("resources", _resource_records(files, "local:app"))

        return program

    return build


def build_local_catalog(root: Path) -> ProgramCatalog:
    """A catalog whose programs write JSON files under ``root`` (created if missing).

    ``root`` is made absolute here: the provider runs in the stack's workspace directory,
    where a relative root (the default ``.state``) would name another place.
    """
    root.mkdir(parents=True, exist_ok=True)
    root = root.resolve()
    catalog = ProgramCatalog(name=f"local:{root}")
    catalog.register(Component.IDP, None, _idp(root))
    catalog.register(Component.INFRA, None, _infra(root))
    catalog.register(Component.APP, None, _app(root))
    catalog.platform = _platform(root)
    return catalog

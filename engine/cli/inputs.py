"""The provision/preview request from command-line options and an optional spec file.

The result is the same mapping the API validates (``engine.api.validation``), so a bad
value is refused here with the message the server would give, before any call.
Defaults keep the first run short: the tenant id and name default to the key, the first
``--email`` is the primary contact; the subscription's defaults (plan ``standard`` from
today for a year) and a preview's placeholder contact are the API's own
(``validation.provision_defaults``), so the CLI and the API agree.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from engine.core.errors import FieldViolation, InvalidRequest

__all__ = ["ProvisionOptions", "provision_fields"]


@dataclass(frozen=True)
class ProvisionOptions:
    """What the user typed; None (or empty) means "not given"."""

    key: str | None
    tenant_id: str | None = None
    name: str | None = None
    tier: str | None = None
    emails: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)
    plan: str | None = None
    subscription_id: str | None = None
    start: str | None = None
    end: str | None = None
    idp: str | None = None
    app_version: str | None = None
    params: list[str] = field(default_factory=list)
    file: Path | None = None


def _load(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text()
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise InvalidRequest([FieldViolation("--file", f"cannot read {path}: {exc}")]) from None
    if not isinstance(data, Mapping):
        raise InvalidRequest([FieldViolation("--file", f"{path} must hold a mapping")])
    return dict(data)


def _parameters(items: list[str]) -> dict[str, str]:
    params = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InvalidRequest(
                [FieldViolation("parameters", f"expected KEY=VALUE, got {item!r}")]
            )
        params[key] = value
    return params


def provision_fields(opts: ProvisionOptions) -> dict[str, Any]:
    """The request mapping: the file (if any), then the options given, then defaults."""
    fields = _load(opts.file) if opts.file else {}
    if opts.key is not None:
        fields["tenant_key"] = opts.key
    key = fields.get("tenant_key")
    for name, value in (
        ("tenant_id", opts.tenant_id),
        ("tenant_name", opts.name),
        ("app_version", opts.app_version),
    ):
        if value is not None:
            fields[name] = value
    if isinstance(key, str) and key:
        # Derived within their own limits: a key too long is reported on the key alone.
        fields.setdefault("tenant_id", key[:64])
        fields.setdefault("tenant_name", key[:200])
    if opts.domains:
        fields["domains"] = list(opts.domains)
    if opts.emails:
        fields["contacts"] = [
            {"email": email, "is_primary": index == 0} for index, email in enumerate(opts.emails)
        ]
    if opts.params:
        fields["parameters"] = {**fields.get("parameters", {}), **_parameters(opts.params)}
    if opts.idp is not None:
        fields["idp"] = {"provider": opts.idp} if opts.idp != "none" else None
    fields["subscription"] = _subscription(opts, fields.get("subscription"))
    return fields


def _subscription(opts: ProvisionOptions, given: object) -> Any:
    """The file's subscription with the options given; validation adds the defaults."""
    if given is not None and not isinstance(given, Mapping):
        return given  # validation reports it
    sub: dict[str, Any] = dict(given or {})
    for name, value in (
        ("tier", opts.tier),
        ("plan_id", opts.plan),
        ("id", opts.subscription_id),
        ("start_date", opts.start),
        ("end_date", opts.end),
    ):
        if value is not None:
            sub[name] = value
    return sub

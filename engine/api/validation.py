"""Request validation shared by the gRPC API and the CLI: the same rules, the same messages.

A request is a plain mapping whose keys are the proto field names, which are the names of
the engine's pydantic models (``tenant_key``, ``contacts``, ``subscription.end_date``).
It comes out as the workflow input, or as ``InvalidRequest`` naming every bad field by
its path (``contacts[0].email``). Nothing here talks to Temporal: a refused request has
started nothing.

Defaults are the same for the API and the CLI (``provision_defaults``): a subscription
without an id, plan or dates gets ``sub-<key>``, plan ``standard``, today and a year from
its start; a preview without contacts plans with a placeholder (``PREVIEW_CONTACT``),
because a dry run contacts no one.

Besides the models' own rules, requests are bounded (how many domains and parameters,
how long a parameter may be) so that no request can outgrow a Temporal payload.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from engine.core.contracts import (
    DeployTenantInput,
    DeprovisionTenantInput,
    ProvisionTenantInput,
    ReconcileTenantInput,
    WorkflowKind,
)
from engine.core.errors import FieldViolation, InvalidRequest
from engine.core.models import TenantId, TenantStatus, Tier

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_PLAN",
    "DEFAULT_TERM",
    "MAX_DOMAINS",
    "MAX_PAGE_SIZE",
    "MAX_PARAMETERS",
    "PREVIEW_CONTACT",
    "ListQuery",
    "TenantRef",
    "deploy_input",
    "deprovision_input",
    "field_path",
    "list_query",
    "provision_defaults",
    "provision_input",
    "reconcile_input",
    "tenant_ref",
    "violations",
]

DEFAULT_PAGE_SIZE = 50
# The registry's own limit (engine.registry.registry.MAX_PAGE_SIZE; a test keeps them equal).
MAX_PAGE_SIZE = 500
MAX_DOMAINS = 100
MAX_PARAMETERS = 50
MAX_PARAMETER_KEY = 64
MAX_PARAMETER_VALUE = 1024
DEFAULT_PLAN = "standard"
DEFAULT_TERM = timedelta(days=365)
# Who a preview "contacts" when the request names no one (reserved domain, RFC 2606).
PREVIEW_CONTACT = {"email": "preview@example.com", "first_name": "Preview", "is_primary": True}
_DEFAULTED = ("id", "plan_id", "start_date", "end_date")  # subscription fields

M = TypeVar("M", bound=BaseModel)

# Model-level rules report the model's location; name the field a user has to change.
_REPEATED_DOMAINS = "domains must not repeat"  # engine.models / engine.contracts wording
_MODEL_RULE_FIELDS: dict[tuple[int | str, ...], str] = {("subscription",): "subscription.end_date"}


class TenantRef(BaseModel):
    """One of a tenant's workflows: status, watch and cancel requests."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    tenant_id: TenantId
    kind: WorkflowKind = WorkflowKind.PROVISION


class ListQuery(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    status: TenantStatus | None = None
    tier: Tier | None = None
    page_size: int = Field(default=DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    page_token: str | None = Field(default=None, max_length=1000)


def field_path(loc: Sequence[int | str]) -> str:
    """``("contacts", 0, "email")`` -> ``"contacts[0].email"``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def violations(exc: PydanticValidationError) -> list[FieldViolation]:
    """One FieldViolation per pydantic error, with a message fit for a user."""
    found = []
    errors = exc.errors(include_url=False, include_context=False)
    for error in errors:
        loc = tuple(error["loc"])
        if error["type"] == "too_short" and any(
            tuple(other["loc"])[: len(loc)] == loc and len(other["loc"]) > len(loc)
            for other in errors
        ):
            continue  # "contacts: too short" only because contacts[0] was refused
        message = str(error["msg"])
        if error["type"] == "value_error":
            message = message.removeprefix("Value error, ")
            field = _MODEL_RULE_FIELDS.get(loc) or field_path(loc)
        elif error["type"] == "missing":
            message, field = "is required", field_path(loc)
        else:
            field = field_path(loc)
        found.append(FieldViolation(field, message))
    return found


def provision_defaults(fields: Mapping[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
    """``fields`` with the defaults of what they leave out (absent or empty).

    The subscription's id (``sub-<key>``, within its limit: a key too long is the key's
    error only), plan and dates; for a dry run, a placeholder contact. A subscription that
    is absent stays absent (its tier has no default), and so is anything not a mapping.
    """
    fields = dict(fields)
    key = fields.get("tenant_key")
    if dry_run and not fields.get("contacts"):
        fields["contacts"] = [dict(PREVIEW_CONTACT)]
    given = fields.get("subscription")
    if isinstance(given, Mapping):
        sub = {k: v for k, v in given.items() if k not in _DEFAULTED or v not in ("", None)}
        sub.setdefault("plan_id", DEFAULT_PLAN)
        sub.setdefault("id", (f"sub-{key}" if isinstance(key, str) and key else "sub")[:100])
        sub.setdefault("start_date", date.today().isoformat())
        if "end_date" not in sub:
            try:
                start = date.fromisoformat(str(sub["start_date"]))
                sub["end_date"] = (start + DEFAULT_TERM).isoformat()
            except ValueError:
                pass  # the start date is reported; no end to derive
        fields["subscription"] = sub
    return fields


def provision_input(fields: Mapping[str, Any], *, dry_run: bool = False) -> ProvisionTenantInput:
    """The ProvisionTenant (or, with ``dry_run``, PreviewTenant) request, validated."""
    fields = provision_defaults(fields, dry_run=dry_run)
    limits = _limits(fields)
    try:
        model = ProvisionTenantInput.model_validate({**fields, "dry_run": dry_run})
    except PydanticValidationError as exc:
        found = violations(exc)
        if any(v.field.startswith("domains[") for v in limits):
            # The model's own repeated-domain rule, already reported per domain above.
            found = [v for v in found if v.description != _REPEATED_DOMAINS]
        raise InvalidRequest([*found, *limits]) from None
    if limits:
        raise InvalidRequest(limits)
    try:
        # The stack programs' spec has rules of its own; a request breaking them would
        # start a workflow that can only fail.
        model.spec()
    except PydanticValidationError as exc:
        raise InvalidRequest(violations(exc)) from None
    return model


def deprovision_input(fields: Mapping[str, Any]) -> DeprovisionTenantInput:
    return _validate(DeprovisionTenantInput, fields)


def deploy_input(fields: Mapping[str, Any]) -> DeployTenantInput:
    return _validate(DeployTenantInput, fields)


def reconcile_input(fields: Mapping[str, Any]) -> ReconcileTenantInput:
    return _validate(ReconcileTenantInput, fields)


def tenant_ref(tenant_id: object, kind: object = "") -> TenantRef:
    """``kind`` empty means provision."""
    fields: dict[str, object] = {"tenant_id": tenant_id}
    if kind:
        fields["kind"] = kind
    return _validate(TenantRef, fields)


def list_query(fields: Mapping[str, Any]) -> ListQuery:
    """Empty filters and token mean none; a page size of 0 means the default."""
    cleaned = {k: v for k, v in fields.items() if v not in ("", None)}
    if cleaned.get("page_size") == 0:
        del cleaned["page_size"]
    return _validate(ListQuery, cleaned)


def _validate(model: type[M], fields: Mapping[str, Any]) -> M:
    try:
        return model.model_validate(dict(fields))
    except PydanticValidationError as exc:
        raise InvalidRequest(violations(exc)) from None


def _limits(fields: Mapping[str, Any]) -> list[FieldViolation]:
    found = []
    domains = fields.get("domains")
    if isinstance(domains, Sequence) and not isinstance(domains, str):
        if len(domains) > MAX_DOMAINS:
            found.append(FieldViolation("domains", f"at most {MAX_DOMAINS} domains"))
        found += _duplicate_domains(domains)
    params = fields.get("parameters")
    if isinstance(params, Mapping):
        if len(params) > MAX_PARAMETERS:
            found.append(FieldViolation("parameters", f"at most {MAX_PARAMETERS} parameters"))
        for key, value in params.items():
            if not isinstance(key, str) or not 1 <= len(key) <= MAX_PARAMETER_KEY:
                found.append(
                    FieldViolation("parameters", f"keys must be 1-{MAX_PARAMETER_KEY} characters")
                )
            elif isinstance(value, str) and len(value) > MAX_PARAMETER_VALUE:
                found.append(
                    FieldViolation(f"parameters.{key}", f"at most {MAX_PARAMETER_VALUE} characters")
                )
    return found


def _duplicate_domains(domains: Sequence[object]) -> list[FieldViolation]:
    # Compared as the model normalizes them, so "Acme.com" repeats "acme.com".
    first: dict[str, int] = {}
    found = []
    for index, raw in enumerate(domains):
        if not isinstance(raw, str):
            continue
        domain = raw.strip().lower()
        if domain in first:
            found.append(
                FieldViolation(f"domains[{index}]", f"{domain!r} repeats domains[{first[domain]}]")
            )
        else:
            first[domain] = index
    return found

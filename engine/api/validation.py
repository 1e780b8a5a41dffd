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

A provision request is ``ProvisionRequest``: the workflow input (``ProvisionTenantInput``)
with the bounds of the edge declared on its fields (how many domains and parameters, how
long a parameter's key and value may be, no domain twice), so that no request can outgrow
a Temporal payload. The bounds live here, not on the workflow input, because that model
also decodes recorded histories, which must never be refused for a limit added later
(``engine.core.lenient``). Every violation, of a bound or of the models' own rules, comes
out of one pydantic ``ValidationError`` (``violations``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Sized
from datetime import date, timedelta
from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import ErrorDetails, InitErrorDetails, PydanticCustomError

from engine.core.contracts import (
    DeployTenantInput,
    DeprovisionTenantInput,
    ProvisionTenantInput,
    ReconcileTenantInput,
    WorkflowKind,
)
from engine.core.errors import FieldViolation, InvalidRequest
from engine.core.models import Domain, TenantId, TenantStatus, Tier, normalize_domain

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_PLAN",
    "DEFAULT_TERM",
    "MAX_DOMAINS",
    "MAX_PAGE_SIZE",
    "MAX_PARAMETERS",
    "MAX_PARAMETER_KEY",
    "MAX_PARAMETER_VALUE",
    "PREVIEW_CONTACT",
    "ListQuery",
    "ProvisionRequest",
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
_DICT_KEY = "[key]"  # the last part of a pydantic location that is about a mapping's key
_SHOWN_KEY = 20  # characters of a refused key that a message repeats
_COUNTS = {"too_long": "max_length", "too_short": "min_length"}  # pydantic's error context

M = TypeVar("M", bound=BaseModel)

# Model-level rules report the model's location; name the field a user has to change.
_MODEL_RULE_FIELDS: dict[tuple[int | str, ...], str] = {("subscription",): "subscription.end_date"}


def _unique_domains(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """Each repeated domain reported at its own index (``domains[1]``), next to the
    errors of the domains themselves, so that one answer names every bad domain."""
    repeats: list[InitErrorDetails] = []
    if isinstance(value, Sequence) and not isinstance(value, str):
        first: dict[str, int] = {}
        for index, raw in enumerate(value):
            if not isinstance(raw, str):
                continue
            # Compared as ``Domain`` normalizes them, so "Acme.com" repeats "acme.com".
            domain = normalize_domain(raw)
            if domain in first:
                error = PydanticCustomError(
                    "repeated_domain",
                    "{domain} repeats domains[{first}]",
                    {"domain": repr(domain), "first": first[domain]},
                )
                repeats.append({"type": error, "loc": (index,), "input": raw})
            else:
                first[domain] = index
    try:
        validated = handler(value)
    except PydanticValidationError as exc:
        if not repeats:
            raise
        # Rebuilt with their messages as they are. Only a count's context goes along:
        # a message quoting the input (a domain) must not be formatted again.
        found: list[InitErrorDetails] = [
            {
                "type": PydanticCustomError(
                    e["type"], e["msg"], e.get("ctx") if e["type"] in _COUNTS else None
                ),
                "loc": e["loc"],
                "input": e["input"],
            }
            for e in exc.errors(include_url=False)
        ]
        raise PydanticValidationError.from_exception_data(exc.title, found + repeats) from None
    if repeats:
        raise PydanticValidationError.from_exception_data("domains", repeats)
    return validated


ParameterKey = Annotated[str, StringConstraints(min_length=1, max_length=MAX_PARAMETER_KEY)]
ParameterValue = Annotated[str, StringConstraints(max_length=MAX_PARAMETER_VALUE)]


class ProvisionRequest(ProvisionTenantInput):
    """A provision (or preview) request: the workflow input within the edge's bounds."""

    domains: Annotated[
        tuple[Domain, ...], Field(max_length=MAX_DOMAINS), WrapValidator(_unique_domains)
    ] = ()
    parameters: dict[ParameterKey, ParameterValue] = Field(
        default_factory=dict, max_length=MAX_PARAMETERS
    )

    def workflow_input(self) -> ProvisionTenantInput:
        """The same values as the workflow input the client starts (and tests compare)."""
        return ProvisionTenantInput.model_validate(
            {name: getattr(self, name) for name in self.model_fields_set}
        )


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
    errors = exc.errors(include_url=False)
    return [
        _violation(error)
        for error in errors
        # "contacts: too short" only because contacts[0] was refused: that one is enough.
        if not (
            error["type"] == "too_short"
            and any(
                tuple(other["loc"])[: len(error["loc"])] == tuple(error["loc"])
                and len(other["loc"]) > len(error["loc"])
                for other in errors
            )
        )
    ]


def _violation(error: ErrorDetails) -> FieldViolation:
    """The field a user has to change, and pydantic's message in a user's words."""
    kind, loc, message = error["type"], tuple(error["loc"]), str(error["msg"])
    ctx = error.get("ctx") or {}
    if kind == "value_error":
        return FieldViolation(
            _MODEL_RULE_FIELDS.get(loc) or field_path(loc), message.removeprefix("Value error, ")
        )
    if kind == "missing":
        return FieldViolation(field_path(loc), "is required")
    if kind in _COUNTS and _COUNTS[kind] in ctx:  # a list or mapping's "Tuple should have ..."
        bound = ctx[_COUNTS[kind]]
        message = f"{'at most' if kind == 'too_long' else 'at least'} {bound} item"
        message += "" if bound == 1 else "s"
        # A mapping's count is left out of the context; its input has it.
        actual = ctx.get("actual_length")
        if actual is None and isinstance(error["input"], Sized):
            actual = len(error["input"])
        message += f", got {actual}" if actual is not None else ""
    if len(loc) >= 2 and loc[-1] == _DICT_KEY:
        # ("parameters", "<key>", "[key]"): the key itself is wrong; name the mapping.
        key = str(loc[-2])
        shown = key if len(key) <= _SHOWN_KEY else key[:_SHOWN_KEY] + "…"
        return FieldViolation(field_path(loc[:-2]), f"key {shown!r}: {message}")
    return FieldViolation(field_path(loc), message)


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
    request = _validate(ProvisionRequest, {**fields, "dry_run": dry_run})
    try:
        # The stack programs' spec has rules of its own; a request breaking them would
        # start a workflow that can only fail.
        request.spec()
    except PydanticValidationError as exc:
        raise InvalidRequest(violations(exc)) from None
    return request.workflow_input()


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

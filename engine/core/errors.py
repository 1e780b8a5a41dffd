"""The engine's one error hierarchy: every failure it raises on purpose is one of these.

::

    EngineError
    ├── ValidationError                 bad input, refused before anything runs     permanent
    │   ├── InvalidTenantKeyError
    │   └── InvalidRequest              every offending field of a request
    ├── NotFoundError                   no such thing                               permanent
    │   ├── TenantNotFoundError         no tenant with that id or key
    │   └── WorkflowNotFoundError       no such workflow for the tenant
    ├── ConflictError                   the request clashes with the current state  permanent
    │   ├── AlreadyRunningError         that workflow is running already
    │   ├── TenantConflictError         key or id taken by another tenant
    │   ├── TenantBusyError             another operation owns the tenant now
    │   └── InvalidStatusTransitionError the lifecycle graph forbids the change
    ├── PreconditionError               not possible in the current state           permanent
    │   └── TenantStateError            the tenant's status does not allow the operation
    ├── UnavailableError                a dependency does not answer                retryable
    │   └── RegistryUnavailableError    the tenant registry's database
    ├── UnauthenticatedError            missing or wrong credentials (API)          permanent
    ├── PermissionDeniedError           credentials without the right (API)         permanent
    ├── CatalogError                    no program for (component, tier)            permanent
    ├── ConfigurationError              settings that cannot work                   permanent
    ├── StackError                      a Pulumi operation on one stack failed
    │   ├── ConcurrentUpdateError       another operation holds the stack           retryable
    │   ├── StackNotFoundError          the stack does not exist                    permanent
    │   ├── ProgramError                the Pulumi program raised or is invalid     permanent
    │   ├── ProviderError               a resource provider or its credentials      retryable
    │   ├── OperationCancelledError     the operation was cancelled                 permanent
    │   └── PulumiCommandError          any other CLI failure                       retryable
    └── NotificationError               a notice could not be delivered
        ├── NotificationRejectedError   refused: sender, recipient, auth            permanent
        └── NotificationDeliveryError   network, throttling, timeouts               retryable

``retryable`` is the one classification: Temporal failures (``engine.temporal``), gRPC
statuses (``engine.api``) and ``tenantctl`` exit codes (``engine.cli``) are each derived
from the class in one table, never from a list of names. ``type_name`` is the stable name
used as the Temporal ``ApplicationError`` type.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "INVALID_PAYLOAD",
    "AlreadyRunningError",
    "CatalogError",
    "ConcurrentUpdateError",
    "ConfigurationError",
    "ConflictError",
    "EngineError",
    "FieldViolation",
    "InvalidRequest",
    "InvalidStatusTransitionError",
    "InvalidTenantKeyError",
    "NotFoundError",
    "NotificationDeliveryError",
    "NotificationError",
    "NotificationRejectedError",
    "OperationCancelledError",
    "PermissionDeniedError",
    "PreconditionError",
    "ProgramError",
    "ProviderError",
    "PulumiCommandError",
    "RegistryUnavailableError",
    "StackError",
    "StackNotFoundError",
    "TenantBusyError",
    "TenantConflictError",
    "TenantNotFoundError",
    "TenantStateError",
    "UnauthenticatedError",
    "UnavailableError",
    "ValidationError",
    "WorkflowNotFoundError",
]


# The Temporal failure type of a workflow started with input that does not validate.
INVALID_PAYLOAD = "InvalidPayloadError"


class EngineError(Exception):
    """Base of every error the engine raises on purpose."""

    retryable: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def type_name(self) -> str:
        """Stable name used as the Temporal ``ApplicationError`` type and in API errors."""
        return type(self).__name__


# -- bad input --------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldViolation:
    """One bad field: ``field`` is a path such as ``contacts[0].email``."""

    field: str
    description: str

    def __str__(self) -> str:
        return f"{self.field}: {self.description}" if self.field else self.description


class ValidationError(EngineError):
    """Input that can never succeed; names the offending field when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field


class InvalidTenantKeyError(ValidationError):
    def __init__(self, message: str) -> None:
        super().__init__(message, field="tenant_key")


class InvalidRequest(ValidationError):
    """A request refused before anything started; ``violations`` names every bad field."""

    def __init__(self, violations: Sequence[FieldViolation]) -> None:
        if not violations:
            raise ValueError("InvalidRequest needs at least one violation")
        self.violations = tuple(violations)
        first = self.violations[0]
        more = len(self.violations) - 1
        suffix = f" (and {more} more)" if more else ""
        super().__init__(f"{first.description}{suffix}", field=first.field or None)


# -- state ------------------------------------------------------------------------------


class NotFoundError(EngineError):
    """No such tenant, workflow or stack; ``resource_type``/``resource_name`` say which."""

    def __init__(self, message: str, *, resource_type: str = "", resource_name: str = "") -> None:
        super().__init__(message)
        self.resource_type = resource_type
        self.resource_name = resource_name


class TenantNotFoundError(NotFoundError):
    """The registry holds no tenant with that id (or key)."""

    def __init__(self, tenant: str, *, by: str = "id") -> None:
        super().__init__(
            f"no tenant with {by} {tenant!r}", resource_type="tenant", resource_name=tenant
        )
        self.tenant = tenant


class WorkflowNotFoundError(NotFoundError):
    def __init__(self, message: str, *, workflow_id: str = "") -> None:
        super().__init__(message, resource_type="workflow", resource_name=workflow_id)


class ConflictError(EngineError):
    """The request clashes with what exists or runs now."""


class AlreadyRunningError(ConflictError):
    """A workflow with this id is running; ``workflow_id`` is the one to follow."""

    def __init__(self, workflow_id: str, run_id: str = "", *, message: str | None = None) -> None:
        super().__init__(message or f"workflow {workflow_id} is already running")
        self.workflow_id = workflow_id
        self.run_id = run_id


class TenantConflictError(ConflictError):
    """The tenant key belongs to another tenant, or a request tried to change a key."""

    def __init__(self, message: str, *, field: str = "tenant_key") -> None:
        super().__init__(message)
        self.field = field


class InvalidStatusTransitionError(ConflictError):
    """A status change the lifecycle graph does not allow (``engine.registry.transitions``)."""

    def __init__(self, tenant_id: str, current: str, requested: str) -> None:
        super().__init__(f"tenant {tenant_id!r} cannot go from {current} to {requested}")
        self.current = current
        self.requested = requested


class TenantBusyError(ConflictError):
    """Another workflow owns the tenant (its lease in the registry): one operation at a time."""

    def __init__(self, tenant_id: str, workflow_id: str, operation: str) -> None:
        super().__init__(
            f"tenant {tenant_id!r} is busy: {operation} is running as workflow {workflow_id}; "
            "wait for it to end (tenantctl watch) or cancel it"
        )
        self.tenant_id = tenant_id
        self.workflow_id = workflow_id
        self.operation = operation


class PreconditionError(EngineError):
    """Not possible now: the workflow has ended, the tenant is in the wrong state, ..."""


class TenantStateError(PreconditionError):
    """The tenant's status does not allow the operation (provision of an ACTIVE tenant, ...)."""

    def __init__(self, tenant_id: str, status: str, operation: str, hint: str = "") -> None:
        message = f"tenant {tenant_id!r} is {status}: {operation} is not allowed"
        super().__init__(f"{message}; {hint}" if hint else message)
        self.tenant_id = tenant_id
        self.status = status
        self.operation = operation


# -- dependencies and access ---------------------------------------------------------------


class UnavailableError(EngineError):
    """Temporal, the registry or the Pulumi backend did not answer; trying later may work."""

    retryable = True


class RegistryUnavailableError(UnavailableError):
    """The registry's database is unreachable or lost the connection mid-transaction."""


class UnauthenticatedError(EngineError):
    """Missing or wrong credentials."""


class PermissionDeniedError(EngineError):
    """Valid credentials that may not do this."""


# -- programs and settings ------------------------------------------------------------------


class CatalogError(EngineError):
    """The program catalog has no program for the requested component and tier."""


class ConfigurationError(EngineError):
    """Settings that cannot work (missing passphrase, unknown secrets provider, ...)."""


# -- Pulumi -------------------------------------------------------------------------------


class StackError(EngineError):
    """A Pulumi operation on one stack failed."""

    def __init__(self, message: str, *, stack: str, detail: str = "") -> None:
        super().__init__(f"{stack}: {message}")
        self.stack = stack
        # The useful part of Pulumi's output (diagnostics, not the whole log).
        self.detail = detail


class ConcurrentUpdateError(StackError):
    """Another update holds the stack's lock; trying later is expected to work."""

    retryable = True


class StackNotFoundError(StackError):
    pass


class ProgramError(StackError):
    """The program itself failed (exception, invalid resource arguments)."""


class ProviderError(StackError):
    """A resource provider failed: credentials, API errors, resources that failed to create."""

    retryable = True


class OperationCancelledError(StackError):
    pass


class PulumiCommandError(StackError):
    """The CLI failed in a way not classified above (I/O, backend unreachable)."""

    retryable = True


# -- notifications --------------------------------------------------------------------------


class NotificationError(EngineError):
    """A notification could not be delivered."""


class NotificationRejectedError(NotificationError):
    """The provider refused the message; retrying without a configuration change won't help."""


class NotificationDeliveryError(NotificationError):
    """A transient failure; a later attempt may succeed.

    ``maybe_sent`` is True when the request reached the provider and the answer was lost
    (a read timeout): the message may have gone out, so the notifier keeps its
    reservation rather than risk a second copy.
    """

    retryable = True

    def __init__(self, message: str, *, maybe_sent: bool = False) -> None:
        super().__init__(message)
        self.maybe_sent = maybe_sent

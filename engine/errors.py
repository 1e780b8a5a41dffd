"""The engine's error hierarchy, the one place failures are classified.

::

    EngineError
    ├── ValidationError            bad input, refused before anything runs   (permanent)
    │   └── InvalidTenantKeyError
    ├── CatalogError               no program for (component, tier)          (permanent)
    ├── ConfigurationError         settings that cannot work                  (permanent)
    └── StackError                 a Pulumi operation on one stack failed
        ├── ConcurrentUpdateError  another operation holds the stack          (retryable)
        ├── StackNotFoundError     the stack does not exist                   (permanent)
        ├── ProgramError           the Pulumi program raised or is invalid    (permanent)
        ├── ProviderError          a resource provider or its credentials failed (retryable)
        ├── OperationCancelledError the operation was cancelled               (permanent)
        └── PulumiCommandError     any other CLI failure                      (retryable)

``retryable`` tells callers (Temporal activities) whether trying again may help; the
activities turn permanent errors into non-retryable ``ApplicationError`` with the class
name as the error type.
"""

from __future__ import annotations

__all__ = [
    "CatalogError",
    "ConcurrentUpdateError",
    "ConfigurationError",
    "EngineError",
    "InvalidTenantKeyError",
    "OperationCancelledError",
    "ProgramError",
    "ProviderError",
    "PulumiCommandError",
    "StackError",
    "StackNotFoundError",
    "ValidationError",
]


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


class ValidationError(EngineError):
    """Input that can never succeed; names the offending field when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field


class InvalidTenantKeyError(ValidationError):
    def __init__(self, message: str) -> None:
        super().__init__(message, field="tenant_key")


class CatalogError(EngineError):
    """The program catalog has no program for the requested component and tier."""


class ConfigurationError(EngineError):
    """Settings that cannot work (missing passphrase, unknown secrets provider, ...)."""


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

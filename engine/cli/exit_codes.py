"""``tenantctl`` exit codes: what a script can rely on.

==== ===========================================================================
0    success (the workflow succeeded, or was started with ``--detach``)
1    the operation failed (the workflow failed or was cancelled; preview failed)
2    bad input or usage: a field that does not validate, a wrong token, bad options
3    not found: no such tenant, or no such workflow for it
4    conflict: that workflow is already running (or has already ended, for cancel)
5    unavailable: the API, Temporal or the registry cannot be reached
130  interrupted (Ctrl-C); a workflow being followed keeps running
==== ===========================================================================
"""

from __future__ import annotations

from enum import IntEnum

from engine.core.errors import (
    CatalogError,
    ConcurrentUpdateError,
    ConfigurationError,
    ConflictError,
    EngineError,
    NotFoundError,
    PermissionDeniedError,
    PreconditionError,
    UnauthenticatedError,
    UnavailableError,
    ValidationError,
)

__all__ = ["EPILOG", "ExitCode", "exit_code_for"]


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1
    USAGE = 2
    NOT_FOUND = 3
    CONFLICT = 4
    UNAVAILABLE = 5
    INTERRUPTED = 130


EPILOG = (
    "Exit codes: 0 ok; 1 operation failed (workflow failed or cancelled); "
    "2 bad input or usage; 3 not found; 4 conflict (already running / already ended); "
    "5 unavailable (API, Temporal or registry down); 130 interrupted."
)

_CODES: tuple[tuple[type[EngineError], ExitCode], ...] = (
    (ValidationError, ExitCode.USAGE),
    (UnauthenticatedError, ExitCode.USAGE),
    (PermissionDeniedError, ExitCode.USAGE),
    (ConfigurationError, ExitCode.USAGE),
    (CatalogError, ExitCode.USAGE),
    (NotFoundError, ExitCode.NOT_FOUND),
    (ConflictError, ExitCode.CONFLICT),
    (ConcurrentUpdateError, ExitCode.CONFLICT),
    (PreconditionError, ExitCode.CONFLICT),
    (UnavailableError, ExitCode.UNAVAILABLE),
)


def exit_code_for(exc: EngineError) -> ExitCode:
    for kind, code in _CODES:
        if isinstance(exc, kind):
            return code
    return ExitCode.FAILED

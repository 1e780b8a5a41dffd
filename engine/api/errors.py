"""What an API call can answer besides success, shared by the gRPC server and the CLI.

A branch of ``engine.errors.EngineError`` (like the registry's errors), free of gRPC so
that the CLI's direct mode raises the very same types::

    EngineError
    ├── ValidationError
    │   └── InvalidRequest       bad input; every offending field   INVALID_ARGUMENT  exit 2
    └── ApiError
        ├── NotFound             no such tenant or workflow          NOT_FOUND         exit 3
        ├── AlreadyRunning       that workflow is running already    ALREADY_EXISTS    exit 4
        ├── FailedPrecondition   the workflow has ended, misconfig   FAILED_PRECONDITION exit 4
        ├── Unavailable          Temporal, registry or backend down  UNAVAILABLE       exit 5
        └── Unauthenticated      missing or wrong credentials        UNAUTHENTICATED   exit 2

``code`` is the gRPC status code name; ``engine.api.status`` turns these into
``google.rpc.Status`` and back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from engine.errors import EngineError, ValidationError

__all__ = [
    "AlreadyRunning",
    "ApiError",
    "FailedPrecondition",
    "FieldViolation",
    "InvalidRequest",
    "NotFound",
    "Unauthenticated",
    "Unavailable",
]


@dataclass(frozen=True)
class FieldViolation:
    """One bad field: ``field`` is a path such as ``contacts[0].email``."""

    field: str
    description: str

    def __str__(self) -> str:
        return f"{self.field}: {self.description}" if self.field else self.description


class InvalidRequest(ValidationError):
    """A request refused before anything started; ``violations`` names every bad field."""

    code = "INVALID_ARGUMENT"

    def __init__(self, violations: Sequence[FieldViolation]) -> None:
        if not violations:
            raise ValueError("InvalidRequest needs at least one violation")
        self.violations = tuple(violations)
        first = self.violations[0]
        more = len(self.violations) - 1
        suffix = f" (and {more} more)" if more else ""
        super().__init__(f"{first.description}{suffix}", field=first.field or None)


class ApiError(EngineError):
    code = "INTERNAL"


class NotFound(ApiError):
    code = "NOT_FOUND"

    def __init__(self, message: str, *, resource_type: str = "", resource_name: str = "") -> None:
        super().__init__(message)
        self.resource_type = resource_type
        self.resource_name = resource_name


class AlreadyRunning(ApiError):
    """A workflow with this id is running; ``workflow_id`` is the one to follow."""

    code = "ALREADY_EXISTS"

    def __init__(self, workflow_id: str, run_id: str = "") -> None:
        super().__init__(f"workflow {workflow_id} is already running")
        self.workflow_id = workflow_id
        self.run_id = run_id


class FailedPrecondition(ApiError):
    code = "FAILED_PRECONDITION"


class Unavailable(ApiError):
    code = "UNAVAILABLE"
    retryable = True


class Unauthenticated(ApiError):
    code = "UNAUTHENTICATED"

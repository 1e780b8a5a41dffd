"""Engine errors become Temporal ApplicationErrors once, here: type name, retryability."""

from __future__ import annotations

from temporalio.exceptions import ApplicationError

from engine.errors import EngineError

__all__ = ["to_application_error"]


def to_application_error(exc: EngineError) -> ApplicationError:
    """``ApplicationError`` with the engine error's class as type; permanent ones don't retry."""
    detail = getattr(exc, "detail", "") or ""
    return ApplicationError(
        exc.message,
        {"detail": detail} if detail else None,
        type=exc.type_name,
        non_retryable=not exc.retryable,
    )

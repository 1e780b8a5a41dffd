"""Map Automation API failures to the engine's error hierarchy, once, here."""

from __future__ import annotations

from pulumi.automation import errors as auto_errors

from engine.core.errors import (
    ConcurrentUpdateError,
    ConfigurationError,
    EngineError,
    OperationCancelledError,
    ProgramError,
    ProviderError,
    PulumiCommandError,
    StackNotFoundError,
)

from ._progress import ProgressTracker

__all__ = ["classify", "useful_output"]

_MAX_DETAIL = 2000
_NOISE = (
    "Updating (",
    "Previewing ",
    "Destroying (",
    "Refreshing (",
    "View Live:",
    "Resources:",
    "Duration:",
    "@ ",
    "+  ",
    "-  ",
    "~  ",
    "   ",
)
_SECRETS_HINTS = ("passphrase", "failed to decrypt", "incorrect passphrase", "secrets manager")
_CREDENTIAL_HINTS = (
    "credentials",
    "unauthorized",
    "access denied",
    "accessdenied",
    "forbidden",
    "no valid credential",
    "invalidclienttokenid",
    "signaturedoesnotmatch",
)


def useful_output(text: str, limit: int = _MAX_DETAIL) -> str:
    """The lines of Pulumi output worth showing a person: errors and diagnostics, trimmed.

    The engine runs every operation with ``color="never"``, so there is no colour to strip.
    """
    lines = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line.strip() or line.startswith(_NOISE):
            continue
        lines.append(line.strip())
    # Keep the last, most specific part; Pulumi ends with the error.
    picked = [line for line in lines if "error" in line.lower()] or lines[-8:]
    out = "\n".join(dict.fromkeys(picked))
    return out if len(out) <= limit else "..." + out[-limit:]


def classify(
    exc: BaseException,
    stack: str,
    tracker: ProgressTracker | None,
    *,
    cancelled: bool = False,
) -> EngineError:
    """Turn an exception from a Pulumi operation into one of our StackErrors."""
    if isinstance(exc, EngineError):
        return exc
    text = str(exc)
    diagnostics = "\n".join(tracker.errors) if tracker and tracker.errors else ""
    detail = useful_output(diagnostics or text)
    first = detail.splitlines()[0] if detail else type(exc).__name__
    if cancelled:
        return OperationCancelledError("operation cancelled", stack=stack, detail=detail)
    if isinstance(exc, auto_errors.ConcurrentUpdateError):
        return ConcurrentUpdateError(
            "another operation holds the stack's lock", stack=stack, detail=useful_output(text)
        )
    if isinstance(exc, auto_errors.StackNotFoundError):
        return StackNotFoundError("stack does not exist", stack=stack, detail=detail)
    lowered = text.lower()
    wrong_key = "incorrect passphrase" in lowered  # from any command that opens the secrets
    if wrong_key or (any(hint in lowered for hint in _SECRETS_HINTS) and "decrypt" in lowered):
        return ConfigurationError(f"{stack}: cannot decrypt the stack's secrets: {first}")
    if isinstance(
        exc,
        auto_errors.InlineSourceRuntimeError
        | auto_errors.RuntimeError
        | auto_errors.CompilationError,
    ):
        return ProgramError(f"program failed: {first}", stack=stack, detail=detail)
    failed_resources = tracker is not None and tracker.snapshot.failed > 0
    if failed_resources or any(hint in lowered for hint in _CREDENTIAL_HINTS):
        return ProviderError(f"resource operation failed: {first}", stack=stack, detail=detail)
    if isinstance(exc, auto_errors.CommandError):
        return PulumiCommandError(f"pulumi failed: {first}", stack=stack, detail=detail)
    return PulumiCommandError(f"{type(exc).__name__}: {exc}", stack=stack, detail=detail)

"""Logs of the services: text lines or one JSON object per line, secrets masked in both."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Literal

from opentelemetry import trace
from pydantic import BaseModel, SecretStr

__all__ = [
    "JsonFormatter",
    "LogFormat",
    "SecretMask",
    "configure_logging",
    "secret_values",
]

LogFormat = Literal["text", "json"]

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
MASK = "***"

# The attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
# Shorter than this, a "secret" (a test's "x") would mask ordinary words.
_MIN_SECRET = 6


def secret_values(settings: BaseModel) -> list[str]:
    """Every SecretStr value in ``settings`` (nested models included), longest first."""
    found: set[str] = set()

    def walk(model: BaseModel) -> None:
        for name in type(model).model_fields:
            value = getattr(model, name)
            if isinstance(value, SecretStr):
                secret = value.get_secret_value()
                if len(secret) >= _MIN_SECRET:
                    found.add(secret)
            elif isinstance(value, BaseModel):
                walk(value)

    walk(settings)
    return sorted(found, key=len, reverse=True)


class SecretMask(logging.Filter):
    """Replaces known secret values in a record's message, its traceback and its ``extra=``
    strings by ``***``.

    The engine never logs a secret on purpose (settings hold them as SecretStr, printed
    masked); this catches one that reaches a message by way of a library's error text.
    """

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def mask(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        masked = self.mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and isinstance(value, str):
                setattr(record, key, self.mask(value))
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            masked = self.mask(text)
            if masked != text:
                # Formatters print exc_text when exc_info is gone.
                record.exc_info, record.exc_text = None, masked
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the active trace and span,
    the Temporal context (workflow and activity) and any ``extra=`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        context = trace.get_current_span().get_span_context()
        if context.is_valid:
            entry["trace_id"] = format(context.trace_id, "032x")
            entry["span_id"] = format(context.span_id, "016x")
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_") and key not in entry:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=_plain, ensure_ascii=False)


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def configure_logging(
    log_format: LogFormat, *, secrets: Iterable[str] = (), level: int = logging.INFO
) -> logging.Handler:
    """Send every log record of the process to stderr in ``log_format``; returns the handler.

    Replaces the root logger's handlers (the service owns its process's logging).
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    handler.addFilter(SecretMask(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # Python's warnings too, as records of the logger "py.warnings" (not raw stderr lines).
    logging.captureWarnings(True)
    return handler

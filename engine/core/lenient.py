"""Lenient decoding of recorded payloads, and the check that keeps the edges strict.

A payload in a workflow's history was valid for the code that recorded it. When today's
models reject it (a validator tightened, a field's type narrowed), replaying that history
must still produce the same commands, and the status query of a finished run must still
answer. So a payload that does not validate is *built anyway*: every field that still
validates is validated, the others keep their recorded value; the violations ride along
on the object (``violations``).

Strictness stays at the edges: models built in Python (API, CLI, client) validate on
construction, and a workflow checks its own input on its first run (``workflows._support``):
a start with input that does not validate fails at once, naming the fields.
"""

from __future__ import annotations

from typing import Annotated, Any, get_args, get_origin

import pydantic
from pydantic import AliasChoices, BaseModel, TypeAdapter

__all__ = ["Violation", "build", "describe", "summary", "violations"]

Violation = dict[str, str]  # {"field": "contacts.0.email", "message": "..."}

_VIOLATIONS = "_wire_violations"


def describe(exc: pydantic.ValidationError) -> list[Violation]:
    """Each error of a validation as ``{field, message}``, the field as sent (camelCase)."""
    return [
        {
            "field": ".".join(str(part) for part in error["loc"]) or "(payload)",
            "message": error["msg"],
        }
        for error in exc.errors(include_url=False)
    ]


def summary(found: list[Violation]) -> str:
    """``field: message; field: message``, the one-line form errors carry."""
    return "; ".join(f"{v['field']}: {v['message']}" for v in found)


def build(model: type[BaseModel], data: Any, found: list[Violation]) -> BaseModel:
    """``model`` from ``data`` without rejecting it; ``found`` is what strict validation said."""
    built = _construct(model, data)
    object.__setattr__(built, "__pydantic_private__", {_VIOLATIONS: found})
    return built


def violations(value: object) -> list[Violation]:
    """What strict validation said of a payload ``build`` accepted; ``[]`` when it was valid."""
    private = getattr(value, "__pydantic_private__", None)
    if isinstance(private, dict):
        found: list[Violation] = private.get(_VIOLATIONS, [])
        return found
    return []


def _keys(name: str, field: Any) -> list[str]:
    keys = [name]
    if field.alias:
        keys.insert(0, field.alias)
    alias = field.validation_alias
    if isinstance(alias, str):
        keys.insert(0, alias)
    elif isinstance(alias, AliasChoices):
        keys[:0] = [choice for choice in alias.choices if isinstance(choice, str)]
    return keys


def _construct(model: type[BaseModel], data: Any) -> BaseModel:
    values: dict[str, Any] = {}
    if isinstance(data, dict):
        for name, field in model.model_fields.items():
            key = next((k for k in _keys(name, field) if k in data), None)
            if key is None:
                continue
            annotation: Any = field.annotation
            if field.metadata:
                annotation = Annotated[(annotation, *field.metadata)]
            try:
                values[name] = TypeAdapter(annotation).validate_python(data[key])
            except pydantic.ValidationError:
                values[name] = _loose(field.annotation, data[key])
    return model.model_construct(**values)


def _loose(annotation: Any, raw: Any) -> Any:
    """A recorded value that no longer validates: nested models built the same way."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _construct(annotation, raw)
    if get_origin(annotation) is list and isinstance(raw, list):
        [item] = get_args(annotation) or (Any,)
        return [_loose(item, each) for each in raw]
    for option in get_args(annotation):  # X | None
        if isinstance(option, type) and issubclass(option, BaseModel) and isinstance(raw, dict):
            return _construct(option, raw)
    return raw

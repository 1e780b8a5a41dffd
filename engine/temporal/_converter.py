"""The data converter of every client and worker: pydantic models as camelCase JSON.

Decoding never rejects a model payload. One that does not validate (a workflow started
with bad input, say by a TypeScript client; or a recorded payload that today's stricter
models refuse) is built leniently with its violations attached (``engine.core.lenient``).
The workflow's first run then fails at once with a non-retryable ``InvalidPayloadError``
naming each bad field in camelCase as sent (``workflows._support.accept``), while replay
of an accepted run goes on as recorded. Raising here instead would fail the workflow
*task*: a stuck workflow rather than a failed one, and a history that no longer replays.
"""

from __future__ import annotations

import json
from typing import Any

import pydantic
from pydantic import BaseModel
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter
from temporalio.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
)
from temporalio.exceptions import ApplicationError

from engine.core.errors import INVALID_PAYLOAD
from engine.core.lenient import build, describe, summary

__all__ = ["INVALID_PAYLOAD", "data_converter"]


class _LenientJSON(PydanticJSONPlainPayloadConverter):
    def from_payload(self, payload: Payload, type_hint: type | None = None) -> Any:
        try:
            return super().from_payload(payload, type_hint)
        except pydantic.ValidationError as exc:
            violations = describe(exc)
            if isinstance(type_hint, type) and issubclass(type_hint, BaseModel):
                try:
                    data = json.loads(payload.data)
                except ValueError:
                    data = None
                if isinstance(data, dict):
                    return build(type_hint, data, violations)
            raise ApplicationError(
                f"invalid {exc.title}: {summary(violations)}",
                {"violations": violations},
                type=INVALID_PAYLOAD,
                non_retryable=True,
            ) from None


class PayloadConverter(CompositePayloadConverter):
    """Temporal's default converters with pydantic's JSON one, lenient on recorded data."""

    def __init__(self) -> None:
        lenient = _LenientJSON()
        super().__init__(
            *(
                lenient if isinstance(c, JSONPlainPayloadConverter) else c
                for c in DefaultPayloadConverter.default_encoding_payload_converters
            )
        )


data_converter = DataConverter(payload_converter_class=PayloadConverter)

"""The data converter of every client and worker: pydantic models as camelCase JSON.

A payload that does not validate (a workflow started with bad input, say by a TypeScript
client) raises a non-retryable ``ApplicationError`` naming each bad field, in camelCase as
sent. Decoding a workflow's input happens in its first workflow task: without this, the
SDK's ``ValidationError`` would fail that task over and over, a stuck workflow instead of
a failed one; with it, the workflow fails at once and says why.
"""

from __future__ import annotations

from typing import Any

import pydantic
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter
from temporalio.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
)
from temporalio.exceptions import ApplicationError

__all__ = ["INVALID_PAYLOAD", "data_converter"]

INVALID_PAYLOAD = "InvalidPayloadError"


def _describe(exc: pydantic.ValidationError) -> list[dict[str, str]]:
    return [
        {
            "field": ".".join(str(part) for part in error["loc"]) or "(payload)",
            "message": error["msg"],
        }
        for error in exc.errors(include_url=False)
    ]


class _StrictJSON(PydanticJSONPlainPayloadConverter):
    def from_payload(self, payload: Payload, type_hint: type | None = None) -> Any:
        try:
            return super().from_payload(payload, type_hint)
        except pydantic.ValidationError as exc:
            violations = _describe(exc)
            summary = "; ".join(f"{v['field']}: {v['message']}" for v in violations)
            raise ApplicationError(
                f"invalid {exc.title}: {summary}",
                {"violations": violations},
                type=INVALID_PAYLOAD,
                non_retryable=True,
            ) from None


class PayloadConverter(CompositePayloadConverter):
    """Temporal's default converters with pydantic's JSON one, failing fast on bad input."""

    def __init__(self) -> None:
        strict = _StrictJSON()
        super().__init__(
            *(
                strict if isinstance(c, JSONPlainPayloadConverter) else c
                for c in DefaultPayloadConverter.default_encoding_payload_converters
            )
        )


data_converter = DataConverter(payload_converter_class=PayloadConverter)

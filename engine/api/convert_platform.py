"""The shared platform stack's result to and from its protobuf message."""

from __future__ import annotations

import json

from engine.core.contracts import PlatformOperation, PlatformResult

from ._gen import tenant_engine_pb2 as pb
from .convert import change_from_proto, change_to_proto

__all__ = ["platform_from_proto", "platform_to_proto"]


def platform_to_proto(result: PlatformResult) -> pb.PlatformResponse:
    return pb.PlatformResponse(
        success=result.success,
        operation=result.operation.value,
        exists=result.exists,
        changes=result.changes,
        planned=[change_to_proto(r) for r in result.planned],
        outputs={key: json.dumps(value) for key, value in result.outputs.items()},
        error=result.error or "",
        error_type=result.error_type or "",
    )


def platform_from_proto(message: pb.PlatformResponse) -> PlatformResult:
    return PlatformResult(
        success=message.success,
        operation=PlatformOperation(message.operation),
        exists=message.exists,
        changes=dict(message.changes),
        planned=[change_from_proto(r) for r in message.planned],
        outputs={key: json.loads(value) for key, value in message.outputs.items()},
        error=message.error or None,
        error_type=message.error_type or None,
    )

"""Bearer-token authentication for the API (``authorization: Bearer <token>``).

Every method needs the token except the health service, which Kubernetes probes and
load balancers call without credentials. Reflection needs it too: grpcurl sends the
same ``-H 'authorization: Bearer ...'`` header with its reflection calls, and a server
need not describe itself to strangers. mTLS, when configured, is enforced by the TLS
handshake before any of this runs.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc
from grpc.aio import ServerInterceptor

__all__ = ["PUBLIC_PREFIXES", "BearerTokenInterceptor"]

log = logging.getLogger(__name__)

PUBLIC_PREFIXES = ("/grpc.health.v1.Health/",)
Req = TypeVar("Req")
Resp = TypeVar("Resp")
_SCHEME = "bearer "


class BearerTokenInterceptor(ServerInterceptor):
    """Rejects calls without the right token with UNAUTHENTICATED (constant-time compare)."""

    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError("an empty token would accept anyone")
        self._expected = token.encode()

    def _authorized(self, metadata: tuple[tuple[str, str | bytes], ...] | None) -> bool:
        for key, value in metadata or ():
            if key != "authorization" or not isinstance(value, str):
                continue
            if value[: len(_SCHEME)].lower() != _SCHEME:
                continue
            presented = value[len(_SCHEME) :].strip().encode()
            if hmac.compare_digest(presented, self._expected):
                return True
        return False

    async def intercept_service(
        self,
        continuation: Callable[
            [grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Req, Resp] | None]
        ],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Req, Resp] | None:
        handler = await continuation(handler_call_details)
        method: str = handler_call_details.method
        if handler is None or method.startswith(PUBLIC_PREFIXES):
            return handler
        if self._authorized(handler_call_details.invocation_metadata):
            return handler
        log.warning("unauthenticated call to %s rejected", method)
        return _rejecting(handler)


async def _reject(_request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
    await context.abort(
        grpc.StatusCode.UNAUTHENTICATED, "missing or invalid bearer token (authorization metadata)"
    )


async def _reject_stream(_request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
    await _reject(_request, context)
    yield  # pragma: no cover - makes this an async generator, as stream handlers are


def _rejecting(handler: grpc.RpcMethodHandler[Req, Resp]) -> grpc.RpcMethodHandler[Req, Resp]:
    """A handler of the same shape (so the client sees a clean status) that only aborts."""
    de, ser = handler.request_deserializer, handler.response_serializer
    if handler.unary_unary:
        return grpc.unary_unary_rpc_method_handler(_reject, de, ser)
    if handler.unary_stream:
        return grpc.unary_stream_rpc_method_handler(_reject_stream, de, ser)
    if handler.stream_unary:
        return grpc.stream_unary_rpc_method_handler(_reject, de, ser)
    return grpc.stream_stream_rpc_method_handler(_reject_stream, de, ser)

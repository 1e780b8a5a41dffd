"""gRPC server metrics: calls answered by method and status code, and their duration."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any

import grpc
from grpc.aio import ServerInterceptor

from engine.telemetry.metrics import ApiMetrics

__all__ = ["RequestMetrics"]


def _code(context: Any, error: BaseException | None) -> str:
    """The call's status code: the one the handler set or aborted with, else from how it
    ended (returned: OK; cancelled by the client: CANCELLED; raised: UNKNOWN)."""
    code = context.code()
    if isinstance(code, grpc.StatusCode):
        return code.name
    if isinstance(code, int):  # the numeric code, on some grpc versions
        return next((c.name for c in grpc.StatusCode if c.value[0] == code), "UNKNOWN")
    if error is None:
        return "OK"
    return "CANCELLED" if isinstance(error, asyncio.CancelledError) else "UNKNOWN"


class RequestMetrics(ServerInterceptor):
    """Records every call that reaches a registered method (unknown methods are not
    counted: their names would be whatever a client sends). Put it first, so calls the
    other interceptors refuse (UNAUTHENTICATED) are counted too."""

    def __init__(self, metrics: ApiMetrics) -> None:
        self._metrics = metrics

    async def intercept_service(
        self,
        continuation: Callable[
            [grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]
        ],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        method = str(handler_call_details.method).lstrip("/")
        record = self._recorder(method)
        if handler.unary_unary is not None:
            return handler._replace(unary_unary=_unary(handler.unary_unary, record))  # type: ignore[attr-defined, no-any-return]
        if handler.unary_stream is not None:
            return handler._replace(unary_stream=_streaming(handler.unary_stream, record))  # type: ignore[attr-defined, no-any-return]
        if handler.stream_unary is not None:
            return handler._replace(stream_unary=_unary(handler.stream_unary, record))  # type: ignore[attr-defined, no-any-return]
        if handler.stream_stream is not None:
            return handler._replace(stream_stream=_streaming(handler.stream_stream, record))  # type: ignore[attr-defined, no-any-return]
        return handler

    def _recorder(self, method: str) -> Callable[[Any, BaseException | None, float], None]:
        def record(context: Any, error: BaseException | None, started: float) -> None:
            self._metrics.requests.add(1, {"method": method, "code": _code(context, error)})
            self._metrics.duration.record(
                timedelta(seconds=time.monotonic() - started), {"method": method}
            )

        return record


def _unary(behavior: Any, record: Callable[[Any, BaseException | None, float], None]) -> Any:
    async def wrapped(request: Any, context: Any) -> Any:
        started, error = time.monotonic(), None
        try:
            return await behavior(request, context)
        except BaseException as exc:
            error = exc
            raise
        finally:
            record(context, error, started)

    return wrapped


def _streaming(behavior: Any, record: Callable[[Any, BaseException | None, float], None]) -> Any:
    if not inspect.isasyncgenfunction(behavior):
        # A coroutine that answers with ``context.write`` (the health service's Watch).
        return _unary(behavior, record)

    async def wrapped(request: Any, context: Any) -> AsyncIterator[Any]:
        started, error = time.monotonic(), None
        try:
            async for response in behavior(request, context):
                yield response
        except BaseException as exc:
            error = exc
            raise
        finally:
            record(context, error, started)

    return wrapped

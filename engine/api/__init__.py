"""The gRPC API (``tenant.engine.v1.TenantService``) and what it shares with the CLI.

``tenant_engine.proto`` is the contract; ``tools/gen_proto.sh`` generates ``_gen/``.
Validation (``validation``), errors (``errors``) and views (``views``) carry no gRPC, so
``tenantctl`` uses them too, locally or through ``TenantOperations`` in direct mode.
The server side (``TenantOperations``, ``ApiServer``, ``run_api``) brings in the Temporal
SDK and Pulumi, so it is imported on first use: ``tenantctl --help`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .protocol import SERVICE_NAME
from .views import Outcome, PreviewView, StackList, Started, StatusView, TenantPage

if TYPE_CHECKING:
    from .operations import TenantOperations
    from .server import ApiServer, run_api

__all__ = [
    "SERVICE_NAME",
    "ApiServer",
    "Outcome",
    "PreviewView",
    "StackList",
    "Started",
    "StatusView",
    "TenantOperations",
    "TenantPage",
    "run_api",
]

_LAZY = {"TenantOperations": ".operations", "ApiServer": ".server", "run_api": ".server"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

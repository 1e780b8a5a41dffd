"""The tenant engine: models, settings and errors here; the rest in its modules.

Only Pulumi-free names are re-exported, because workflow code imports this package
(through ``engine.models`` and ``engine.contracts``) inside the Temporal sandbox:

* ``engine.runner.PulumiEngine``     operations on tenant stacks (Pulumi Automation API)
* ``engine.client.TenantClient``     start and follow tenant workflows
* ``engine.worker``                  the worker entry point (``python -m engine.worker``)
* ``engine.registry`` / ``engine.notifications``  tenant records, status history, emails
"""

from __future__ import annotations

from .errors import EngineError, StackError, ValidationError
from .models import Component, Contact, IdpConfig, IdpProvider, TenantSpec, TenantStatus, Tier
from .settings import Settings

__all__ = [
    "Component",
    "Contact",
    "EngineError",
    "IdpConfig",
    "IdpProvider",
    "Settings",
    "StackError",
    "TenantSpec",
    "TenantStatus",
    "Tier",
    "ValidationError",
]

"""Operations on tenant stacks through the Pulumi Automation API.

``PulumiRunner(settings, catalog)`` is the public face: preview, up, refresh, destroy,
outputs and list of ``<tenant-key>-<component>`` stacks, run in the calling thread. Behind
it (private): the executor that runs one operation safely (locks, recovery, error mapping),
the CLI command with cancellation, per-stack workspaces, crash recovery, progress from
engine events, and the mapping of Automation API failures onto ``engine.core.errors``.
"""

from __future__ import annotations

from ._catalog import Adopter, ProgramCatalog, ProgramFactory, load_catalog
from ._command import CancelToken
from ._naming import PLATFORM_STACK, parse_stack_name, stack_name, tenant_stack_names
from ._progress import ProgressCallback
from ._runner import PulumiRunner

__all__ = [
    "PLATFORM_STACK",
    "Adopter",
    "CancelToken",
    "ProgramCatalog",
    "ProgramFactory",
    "ProgressCallback",
    "PulumiRunner",
    "load_catalog",
    "parse_stack_name",
    "stack_name",
    "tenant_stack_names",
]

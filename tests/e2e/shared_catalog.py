"""The local catalog over one resource directory that several worker processes share.

Workers on different machines share their cloud; in tests, the local resources stand for
it, so every worker process writes them under ``TENANT_TEST_RESOURCES`` instead of under
its own state directory.
"""

from __future__ import annotations

import os
from pathlib import Path

from engine.core.settings import Settings
from engine.pulumi import ProgramCatalog
from stacks.local import build_local_catalog


def catalog(settings: Settings) -> ProgramCatalog:
    return build_local_catalog(Path(os.environ["TENANT_TEST_RESOURCES"]))

"""Runs one ``up`` in its own process so a test can SIGKILL it part-way (see test_crash)."""

from __future__ import annotations

import sys
from pathlib import Path

from engine.core.models import Component
from engine.pulumi._runner import PulumiRunner
from stacks.local import build_local_catalog
from tests.conftest import make_settings, make_spec


def main() -> None:
    state_dir, root, key, count, delay = sys.argv[1:6]
    engine = PulumiRunner(make_settings(Path(state_dir)), build_local_catalog(Path(root)))
    spec = make_spec(key, parameters={"infra_resources": count, "delay": delay})
    engine.up(spec, Component.INFRA)


if __name__ == "__main__":
    main()

"""Operators see every tenant's stacks with the plain CLI, from the repository root."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from engine.core.models import Component
from engine.core.settings import Settings
from engine.pulumi._runner import PulumiRunner
from tests.conftest import PASSPHRASE, make_spec

REPO = Path(__file__).resolve().parents[2]


def test_pulumi_stack_ls_at_repo_root_lists_the_engines_stacks(
    engine: PulumiRunner, settings: Settings
) -> None:
    engine.up(make_spec("acme"), Component.APP)
    engine.up(make_spec("globex"), Component.IDP)
    # The engine's project is the root Pulumi.yaml's project.
    assert yaml.safe_load((REPO / "Pulumi.yaml").read_text())["name"] == engine.project

    env = {
        **os.environ,
        "PULUMI_BACKEND_URL": settings.pulumi.resolved_backend_url,
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
    }
    out = subprocess.run(
        [str(Path(sys.executable).parent / "pulumi"), "stack", "ls", "--json"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )

    listed = {s["name"]: s for s in json.loads(out.stdout)}
    assert set(listed) == {"acme-app", "globex-idp"}
    assert listed["acme-app"]["resourceCount"] == 3  # two files and the stack resource

"""Setup and CI stay in step with the lock file: provider plugins, Keycloak version."""

from __future__ import annotations

import re
import subprocess
import tomllib
from importlib.metadata import version
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOW = REPO / ".github" / "workflows" / "integration.yml"


def setup_plugins() -> dict[str, str]:
    """What `make setup` installs: tools/plugins.sh --list, the list the script acts on."""
    out = subprocess.run(
        [str(REPO / "tools" / "plugins.sh"), "--list"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return dict(line.split() for line in out.splitlines())


def locked_versions() -> dict[str, str]:
    with open(REPO / "uv.lock", "rb") as f:
        return {p["name"]: p["version"] for p in tomllib.load(f)["package"]}


def provider_sdks() -> set[str]:
    """The project's direct dependencies that are Pulumi provider SDKs (pulumi-<name>)."""
    with open(REPO / "pyproject.toml", "rb") as f:
        deps = tomllib.load(f)["project"]["dependencies"]
    names = {re.split(r"[\[<>=!~; ]", dep, maxsplit=1)[0].lower() for dep in deps}
    return {name for name in names if name.startswith("pulumi-")}


def workflow_steps() -> list[dict[str, Any]]:
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    return [step for job in jobs.values() for step in job["steps"]]


def test_setup_installs_a_plugin_for_every_provider_sdk():
    assert {f"pulumi-{name}" for name in setup_plugins()} == provider_sdks()


def test_setup_plugin_versions_are_the_locked_sdk_versions():
    plugins, locked = setup_plugins(), locked_versions()
    assert plugins == {name: locked[f"pulumi-{name}"] for name in plugins}
    # The venv agrees with the lock (tests/integration looks for the installed SDK's version).
    assert plugins == {name: version(f"pulumi_{name}") for name in plugins}


def test_integration_workflow_installs_plugins_through_setup():
    runs = [str(step.get("run", "")) for step in workflow_steps()]
    setup = next(i for i, run in enumerate(runs) if "make setup" in run)
    require = next(i for i, run in enumerate(runs) if "tools/plugins.sh --require" in run)
    tests = next(i for i, run in enumerate(runs) if "pytest tests/integration" in run)
    assert setup < require < tests
    # No install of its own, so no version that could drift from uv.lock.
    assert not [run for run in runs if "plugin install" in run]
    text = WORKFLOW.read_text()
    for name, wanted in setup_plugins().items():
        assert wanted not in text, f"{WORKFLOW.name} repeats the {name} plugin version {wanted}"


def test_integration_workflow_runs_the_keycloak_release_used_locally():
    fetch = (REPO / "tools" / "keycloak" / "fetch.sh").read_text()
    local = re.search(r'KEYCLOAK_VERSION="\$\{KEYCLOAK_VERSION:-([^}]+)\}"', fetch)
    assert local is not None
    images = re.findall(r"quay\.io/keycloak/keycloak:(\S+)", WORKFLOW.read_text())
    assert images == [local.group(1)]

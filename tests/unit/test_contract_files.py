"""The published contract (contract/schema, contract/typescript) matches the models."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _generator() -> ModuleType:
    script = ROOT / "tools" / "gen_contract.py"
    spec = importlib.util.spec_from_file_location("gen_contract", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_contract_files_are_fresh(tmp_path: Path) -> None:
    written = _generator().generate(tmp_path)
    stale = [
        str(path.relative_to(tmp_path))
        for path in written
        if not (ROOT / "contract" / path.relative_to(tmp_path)).exists()
        or (ROOT / "contract" / path.relative_to(tmp_path)).read_text() != path.read_text()
    ]
    assert not stale, f"run `make contract` and commit: {stale}"


def test_the_seeds_fields_are_in_the_contract() -> None:
    text = (ROOT / "contract" / "typescript" / "index.d.ts").read_text()
    for line in (
        "export interface TenantProvisioningInput {",
        "  tenantId: string;",
        "  idpConfig?: IdpConfig | null;",
        "export interface ProvisioningResult {",
        "  appPlaneUrl?: string | null;",
        "  idpOrganizationId?: string | null;",
        "export interface ProvisioningStatus {",
        "  progress?: number;",
    ):
        assert line in text, line

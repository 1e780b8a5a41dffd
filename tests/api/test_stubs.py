"""The committed stubs are exactly what tools/gen_proto.sh generates from the proto."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "engine" / "api" / "_gen"


def test_committed_stubs_match_the_proto(tmp_path: Path):
    out = tmp_path / "gen"
    subprocess.run(
        [str(ROOT / "tools" / "gen_proto.sh"), str(out)],
        check=True,
        cwd=ROOT,
        env={"PYTHON": sys.executable, "PATH": "/usr/bin:/bin"},
        capture_output=True,
    )
    fresh = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    committed = {p.name: p.read_bytes() for p in GENERATED.iterdir() if p.is_file()}
    assert sorted(fresh) == sorted(committed)
    stale = [name for name in fresh if fresh[name] != committed[name]]
    assert not stale, f"run tools/gen_proto.sh: {stale} differ from the proto"

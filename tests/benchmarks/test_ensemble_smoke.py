"""Smoke test of `python -m benchmarks.ensemble` at a tiny size: it measures through the one run path in a
fresh process, the side-by-side mode runs an "old" tree (this checkout, as a stand-in), and the JSON holds
the figures. No timing is asserted (timed tests are flaky on shared machines)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_ensemble_benchmark_measures_new_and_old_side_by_side(tmp_path):
    out = tmp_path / "ensemble.json"
    cmd = [sys.executable, "-m", "benchmarks.ensemble", "--replicates", "2", "--scale", "40000", "--workers", "1",
           "--old-tree", str(REPO), "--json", str(out)]
    run = subprocess.run(cmd, cwd=str(REPO), capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "not judged at this size" in run.stdout
    assert "old / new, per alternation" in run.stdout
    report = json.loads(out.read_text())
    for arm in ("new", "old"):
        (r,) = report[arm]
        assert r["replicates"] == 2 and r["workers"] == 1
        assert r["wall_s"] > 0 and r["cpu_s_per_replicate"] > 0
    assert "/jobsim_shim_" in report["old"][0]["model_file"], "the old arm must import the tree it was given"
    assert len(report["speedup_wall"]) == 1

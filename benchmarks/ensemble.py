"""`python -m benchmarks.ensemble [--replicates 200] [--scale 1000] [--workers 2] [--rounds 1] [--old-tree DIR] [--json FILE]`:
the ensemble figure of issue 11, item 2.

"A 200-replicate Jiangxi baseline at 1:1000 in at most 10 s wall" on this 2-core machine, through the one
run path (`api.run(scenario, replicates, scale, workers)`: the plan, the replicates in worker processes,
the ensemble Dataset). Each measurement runs in a fresh Python process, so every figure includes what a
user's run pays (the workers' start and imports); the planning imports are paid once before the clock
starts. Printed per measurement: the wall time, replicates per second, and the parent's and workers' CPU
seconds per replicate (`resource.getrusage`, children included).

`--old-tree DIR` (an older checkout, e.g. from `git worktree add /tmp/jobsim_before <commit>`) measures that
code the same way, alternating old and new `--rounds` times, and prints the new/old ratios: the machine's
speed moves by up to 2x within minutes, so only figures measured side by side compare.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "jiangxi_baseline.yaml"
TARGET_WALL_S = 10.0  # issue 11, item 2, for 200 replicates at 1:1000


def measure(replicates: int, scale: float, workers: int) -> dict:
    """One ensemble through `api.run` in this process (the jobsim it imports); the figures as a dict."""
    from jobsim.model import api

    scenario = api.load_scenario(SCENARIO)
    api.plan(scenario, replicates=1, scale=scale)  # imports and the parameter files, before the clock
    before = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    ds = api.run(scenario, replicates=replicates, scale=scale, workers=workers)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(a.ru_utime + a.ru_stime - b.ru_utime - b.ru_stime for a, b in zip(after, before))
    assert ds.sizes["replicate"] == replicates
    return {"replicates": replicates, "scale": scale, "workers": workers, "wall_s": wall,
            "replicates_per_s": replicates / wall, "cpu_s_per_replicate": cpu / replicates,
            "model_file": api.__file__}


def _in_subprocess(args, tree: Path | None) -> dict:
    env = dict(os.environ)
    if tree is not None:
        from benchmarks.paired import old_tree_environment

        env = old_tree_environment(tree, env)
    cmd = [sys.executable, "-m", "benchmarks.ensemble", "--measure", "--replicates", str(args.replicates),
           "--scale", str(args.scale), "--workers", str(args.workers)]
    out = subprocess.run(cmd, cwd=str(ROOT), env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def format_line(label: str, r: dict) -> str:
    return (f"{label}: {r['replicates']} replicates at 1:{r['scale']:g}, {r['workers']} worker(s): "
            f"{r['wall_s']:.1f} s wall, {r['replicates_per_s']:.2f} replicates/s, "
            f"{r['cpu_s_per_replicate']:.3f} CPU-s per replicate")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.ensemble", description=__doc__.split("\n\n")[0])
    ap.add_argument("--replicates", type=int, default=200)
    ap.add_argument("--scale", type=float, default=1000.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=1, help="alternations of old and new (with --old-tree)")
    ap.add_argument("--old-tree", type=Path, help="an older checkout to measure side by side")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)  # the subprocess's own job
    args = ap.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(args.replicates, args.scale, args.workers)))
        return 0
    report: dict = {"new": [], "old": [], "load_average_before": os.getloadavg()[0]}
    for _ in range(max(1, args.rounds)):
        if args.old_tree is not None:
            report["old"].append(_in_subprocess(args, args.old_tree))
            print(format_line("old", report["old"][-1]), flush=True)
        report["new"].append(_in_subprocess(args, None))
        print(format_line("new", report["new"][-1]), flush=True)
    report["load_average_after"] = os.getloadavg()[0]
    best = min(r["wall_s"] for r in report["new"])
    judged = args.replicates == 200 and args.scale == 1000
    verdict = ("PASS" if best <= TARGET_WALL_S else "FAIL") if judged else "not judged at this size"
    print(f"best wall {best:.1f} s against {TARGET_WALL_S:g} s for 200 replicates at 1:1000: {verdict}")
    if report["old"]:
        ratios = [o["wall_s"] / n["wall_s"] for o, n in zip(report["old"], report["new"])]
        cpu = [o["cpu_s_per_replicate"] / n["cpu_s_per_replicate"] for o, n in zip(report["old"], report["new"])]
        report["speedup_wall"], report["speedup_cpu"] = ratios, cpu
        print(f"old / new, per alternation: wall {', '.join(f'{r:.2f}' for r in ratios)} "
              f"(median {statistics.median(ratios):.2f}); CPU per replicate {', '.join(f'{r:.2f}' for r in cpu)} "
              f"(median {statistics.median(cpu):.2f})")
    print(f"load average {report['load_average_before']:.2f} before, {report['load_average_after']:.2f} after")
    if args.json:
        from jobsim.model.outputs.atomic import atomic_write_text

        atomic_write_text(args.json, json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

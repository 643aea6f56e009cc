"""`python -m benchmarks.sweep [--runs 24] [--scale 1000] [--json FILE]`: sweep throughput on Dask, parallel
efficiency, a 2,000-run sweep's wall time and its store size.

Issue 11, item 4: "a 2,000-run sweep at 1:1000 in at most 5 minutes on this machine; parallel efficiency at
2 workers at least 80%; store size reported".

The same sweep (the bundled jiangxi_training_x_loans levers: training volume x loan issuance, a Latin
hypercube of `--runs` samples, one replicate each, Jiangxi 2021-2025 at `--scale`, the bundled file's
indicators for every area) runs twice through `run_sweep`, each time on a fresh LocalCluster of processes
(one thread each): with 1 worker, then with 2. For each:

- wall: from the call to its return (planning, cluster start, runs, writes, cluster stop);
- start-up: from the call to the first chunk written (planning, cluster start, the workers' imports and
  first tasks);
- steady throughput: runs written after the first chunk / time from the first chunk to the last (what a
  long sweep runs at once the cluster is warm).

Parallel efficiency = throughput(2 workers) / (2 x throughput(1 worker)). A 2,000-run sweep's wall time
is estimated as start-up(2 workers) + 2,000 / throughput(2 workers). The store size of a 2,000-run sweep of
the bundled file's layout (500 samples x 4 replicates, 5 indicators x 5 years x 12 areas) is estimated as
the size of its empty store (metadata and coordinates, made for real) plus 2,000 runs x the measured bytes
per run of the indicator chunks. The two stores are also compared: the same values whatever the number of
workers. The machine's load average is printed: on a shared machine the figures move with it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "sweeps" / "jiangxi_training_x_loans.yaml"
DEFAULT_RUNS = 24
DEFAULT_SCALE = 1000
ESTIMATED_RUNS = 2000  # the figure
ESTIMATED_REPLICATES = 4  # as the bundled sweep file: 500 samples x 4 replicates
TARGET_SECONDS = 300
TARGET_EFFICIENCY = 0.8
WORKER_COUNTS = (1, 2)


def bench_sweep(runs: int, scale: int) -> dict:
    """The sweep file of the benchmark: the example's levers, base and indicators, a Latin hypercube."""
    import yaml

    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data.update(name="bench_sweep", base=str(ROOT / "scenarios" / "jiangxi_baseline.yaml"),
                design={"method": "latin_hypercube", "n": runs}, replicates=1, scale=scale)
    data.pop("title", None)
    return data


def measure(workers: int, sweep_path: Path, out: Path) -> dict:
    from jobsim.model.experiments.sweep import run_sweep

    marks: list[tuple[float, int]] = []
    start = time.perf_counter()
    summary = run_sweep(sweep_path, out, workers=workers, catalogue=False,  # computed, never served
                        progress=lambda done, total: marks.append((time.perf_counter(), done)))
    wall = time.perf_counter() - start
    written = marks[1:]  # the first call comes before any chunk
    (t_first, d_first), (t_last, d_last) = written[0], written[-1]
    steady = (d_last - d_first) / (t_last - t_first) if t_last > t_first else float("nan")
    return {"workers": workers, "runs": summary.runs, "wall_s": wall, "startup_s": t_first - start,
            "steady_runs_per_s": steady, "worker_cpu_s": summary.cpu_seconds,
            "cpu_s_per_run": summary.cpu_seconds / summary.runs, "store_bytes": summary.store_bytes}


def chunk_bytes(store: Path, indicators: list[str]) -> int:
    return sum(p.stat().st_size for name in indicators for p in (store / name).rglob("*")
               if p.is_file() and not p.name.startswith("."))


def estimated_store_bytes(folder: Path, bytes_per_run: float) -> tuple[int, int]:
    """(empty store bytes, estimated full store bytes) of a 2,000-run sweep of the bundled file's layout."""
    import yaml

    from jobsim.model.experiments.sweep import _create_store, plan_sweep, store_bytes
    from jobsim.model.inputs.sweep_file import sweep_from_dict

    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data.update(design={"method": "latin_hypercube", "n": ESTIMATED_RUNS // ESTIMATED_REPLICATES},
                replicates=ESTIMATED_REPLICATES, base=str(ROOT / "scenarios" / "jiangxi_baseline.yaml"))
    plan = plan_sweep(sweep_from_dict(data, source="<estimate>"))
    out = folder / "estimate.zarr"
    _create_store(plan, out)
    empty = store_bytes(out)
    return empty, int(empty + bytes_per_run * ESTIMATED_RUNS)


def identical(a: Path, b: Path) -> bool:
    import numpy as np

    from jobsim.model.experiments.sweep import load_sweep

    x, y = load_sweep(a).load(), load_sweep(b).load()
    return all(np.array_equal(x[n].values, y[n].values, equal_nan=x[n].dtype.kind == "f") for n in x.variables)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sweep", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="runs per sweep (one replicate per sample)")
    parser.add_argument("--scale", type=int, default=DEFAULT_SCALE, help="persons per agent")
    parser.add_argument("--json", metavar="FILE", help="also save the figures as JSON")
    args = parser.parse_args(argv)
    import yaml

    folder = Path(tempfile.mkdtemp(prefix="jobsim_bench_sweep_"))
    try:
        data = bench_sweep(args.runs, args.scale)
        sweep_path = folder / "bench_sweep.yaml"
        sweep_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        load_before = os.getloadavg()
        results = {}
        for workers in WORKER_COUNTS:
            out = folder / f"w{workers}.zarr"
            results[workers] = measure(workers, sweep_path, out)
            r = results[workers]
            print(f"{workers} worker(s): {r['runs']} runs in {r['wall_s']:.1f} s wall (start-up {r['startup_s']:.1f} s), "
                  f"steady {r['steady_runs_per_s']:.2f} runs/s, {r['cpu_s_per_run']:.2f} worker CPU-s per run",
                  flush=True)
        one, two = results[1], results[2]
        efficiency = two["steady_runs_per_s"] / (2 * one["steady_runs_per_s"])
        estimate = two["startup_s"] + ESTIMATED_RUNS / two["steady_runs_per_s"]
        per_run = chunk_bytes(folder / "w2.zarr", list(data["indicators"])) / two["runs"]
        empty, full = estimated_store_bytes(folder, per_run)
        same = identical(folder / "w1.zarr", folder / "w2.zarr")
        figures = {
            "runs": args.runs, "scale": args.scale, "load_average_before": load_before,
            "load_average_after": os.getloadavg(), "cpus": os.cpu_count(), "by_workers": results,
            "parallel_efficiency": efficiency, "estimated_2000_run_wall_s": estimate,
            "bench_store_bytes": two["store_bytes"], "indicator_bytes_per_run": per_run,
            "estimated_2000_run_store_bytes": full, "empty_2000_run_store_bytes": empty,
            "same_values_1_and_2_workers": same,
        }
        print(f"parallel efficiency at 2 workers: {efficiency:.0%} (target >= {TARGET_EFFICIENCY:.0%}: "
              f"{'PASS' if efficiency >= TARGET_EFFICIENCY else 'FAIL'})")
        print(f"a {ESTIMATED_RUNS:,}-run sweep at 1:{args.scale}: ~{estimate / 60:.1f} min with 2 workers "
              f"(target <= {TARGET_SECONDS / 60:.0f} min: {'PASS' if estimate <= TARGET_SECONDS else 'FAIL'})")
        print(f"store: {two['store_bytes'] / 1e6:.2f} MB for these {two['runs']} runs; a {ESTIMATED_RUNS:,}-run store "
              f"of the bundled file's layout ~{full / 1e6:.1f} MB ({empty / 1e6:.2f} MB of metadata and coordinates, "
              f"{per_run / 1e3:.1f} kB of indicator values per run)")
        print(f"the same values with 1 and 2 workers: {same}; load average {load_before[0]:.1f} before, "
              f"{figures['load_average_after'][0]:.1f} after, on {os.cpu_count()} CPUs")
        if args.json:
            from jobsim.model.outputs.atomic import atomic_write_text

            atomic_write_text(args.json, json.dumps(figures, indent=2, default=str))
        return 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":  # the guard spawn needs: Dask's workers import this module again
    sys.exit(main())

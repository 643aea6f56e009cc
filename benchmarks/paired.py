"""`python -m benchmarks.paired [--replicates 40] [--scale 1000] [--json FILE] [--old-tree DIR]`: paired randomness.

Issue 10, item 1: "at 40 replicates, the standard error of the paired difference in cumulative 2021-2025
new urban jobs for a +-20% training change is at most a third of today's (single stream)".

On the bundled Jiangxi baseline (the region's baseline of scenarios/index.yaml, 2021-2025) this runs, with
the same replicate seeds (`api.plan`, seed 2021, parameter draws off: the calibrated point values, so
every arm runs with the same parameters):

- the baseline,
- `training_volume_person_times` x0.8 and x1.2 (`benchmarks.economics.lever_variant`),
- and the baseline again with other replicate seeds (seed 2022) for the unpaired reference.

Per arm, the difference in cumulative 2021-2025 new urban jobs (万人, `region_yearly`'s new_urban_jobs
summed over the years) is taken per replicate: paired = what-if(seed k) - baseline(seed k); unpaired =
what-if(seed k) - baseline(other seed k). Reported: mean, SD across replicates, SE = SD / sqrt(n) and
the SE at 40 replicates (SD / sqrt(40)).

The same measurement runs on the single-stream code before per-process streams (commit eb8d97f, given as
a checkout by `--old-tree`, e.g. `git worktree add /tmp/jobsim_before eb8d97f`) in a subprocess whose
`jobsim` package is a shim folder of symlinks into that checkout (first on PYTHONPATH), concurrently with
the current code in this process, so both are measured side by side on one machine. The ratio new/old of
the paired SE is the issue's figure (target <= 1/3); its 90% interval is the F interval for a ratio of
two independent SDs (normal differences assumed).

Diagnostic (current code only): for replicate 0, the first month (counted from the first warm-up month)
at which each random stream's state differs between the baseline and training x1.2. A stream whose state
diverges has drawn a different number of numbers; draws made per agent over a state-dependent index set
(`rng.random(len(farm))`, `rng.choice(employed, k)`) are also misaligned as soon as that set differs,
which this does not see; the state is the first sign, not the whole story. Since the draws per agent are
counter-based (model/core/draws.py) those draws no longer come from the streams at all, and no stream's
state differs; the noise floor re-keys a process's counter-based draws along with its stream.
"""

from __future__ import annotations

import argparse
import atexit
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

LEVER = "training_volume_person_times"
FACTORS = (0.8, 1.2)
SEED = 2021
OTHER_SEED = 2022  # the unpaired reference: the baseline at other replicate seeds
REFERENCE_REPLICATES = 40  # the issue states its target at 40 replicates
TARGET_RATIO = 1.0 / 3.0
OLD_COMMIT = "eb8d97f"
ROOT = Path(__file__).resolve().parents[1]
SHIM_PACKAGES = ("model", "calibration", "data", "scenarios", "app")


# ---- runs (work with the current code and with the old one) -----------------------------------------------

def cumulative_new_urban_jobs(spec) -> float:
    """Build and run one spec; the region's new urban jobs summed over the run's years, in 万人."""
    from jobsim.model.outputs.indicators import region_yearly

    model = spec.build()
    model.run()
    return float(np.sum(region_yearly(model.recorder, ("new_urban_jobs",))["new_urban_jobs"])) / 1e4


def specs(replicates: int, scale: float, seed: int, use_calibrated: bool = True, last_year: int = 2025) -> list:
    """The baseline's specs (parameter draws off), one per replicate, as the economics harness plans them,
    2021 to `last_year`."""
    from benchmarks.economics import Settings, base_specs

    return base_specs(Settings(replicates=replicates, scale=scale, seed=seed, use_calibrated=use_calibrated,
                               parameter_draws=False, last_year=last_year))


def arm_specs(replicates: int, scale: float, seed: int = SEED, other_seed: int = OTHER_SEED,
              factors=FACTORS, use_calibrated: bool = True, last_year: int = 2025) -> dict[str, list]:
    """Arm name -> specs: 'base', 'x<f>' (training x f, same seeds as base), 'base_other' (other seeds)."""
    from benchmarks.economics import lever_variant

    base = specs(replicates, scale, seed, use_calibrated, last_year)
    arms = {"base": base}
    for f in factors:
        arms[f"x{f:g}"] = [lever_variant(s, LEVER, f).spec for s in base]
    arms["base_other"] = specs(replicates, scale, other_seed, use_calibrated, last_year)
    for name, arm in arms.items():  # paired arms share seeds and parameters (no posterior draw)
        for s, b in zip(arm, base):
            assert s.parameter_draw is None, f"{name}: replicate {s.replicate} has posterior draw {s.parameter_draw}"
            assert dict(s.parameters) == dict(b.parameters), f"{name}: parameters differ from the baseline's"
            if name != "base_other":
                assert s.seed == b.seed, f"{name}: seed differs from the baseline's"
    return arms


def run_arms(arms: dict[str, list], log=None, label: str = "") -> dict:
    """Every arm's cumulative new urban jobs per replicate (万人) and the CPU seconds it took."""
    out, t0 = {}, time.process_time()
    for name, arm in arms.items():
        t = time.process_time()
        out[name] = [cumulative_new_urban_jobs(s) for s in arm]
        if log:
            log(f"  {label} {name}: {len(arm)} run(s), {time.process_time() - t:.1f} s CPU")
    return {"jobs_10k": out, "cpu_s": time.process_time() - t0}


# ---- statistics ----------------------------------------------------------------------------------------

def difference_stats(d: np.ndarray) -> dict:
    n = len(d)
    sd = float(np.std(d, ddof=1)) if n > 1 else float("nan")
    return {"n": n, "mean": float(np.mean(d)), "sd": sd, "se": sd / math.sqrt(n),
            "se_at_40": sd / math.sqrt(REFERENCE_REPLICATES)}


def summarise(jobs: dict[str, list[float]], factors=FACTORS) -> dict:
    base, other = np.asarray(jobs["base"]), np.asarray(jobs["base_other"])
    out = {"base_mean": float(base.mean()), "base_sd": float(base.std(ddof=1)), "arms": {}}
    for f in factors:
        v = np.asarray(jobs[f"x{f:g}"])
        paired, unpaired = difference_stats(v - base), difference_stats(v - other)
        out["arms"][f"x{f:g}"] = {
            "paired": paired, "unpaired": unpaired,
            "paired_over_unpaired_sd": paired["sd"] / unpaired["sd"],
            "correlation_base_whatif": float(np.corrcoef(base, v)[0, 1]),
        }
    return out


def sd_ratio_interval(sd_new: float, n_new: int, sd_old: float, n_old: int, level: float = 0.90) -> tuple[float, float]:
    """Interval for sd_new / sd_old from the F distribution (independent samples, normal differences)."""
    from scipy.stats import f as f_dist

    r2, a = (sd_new / sd_old) ** 2, (1.0 - level) / 2.0
    lo = r2 / f_dist.ppf(1.0 - a, n_new - 1, n_old - 1)
    hi = r2 / f_dist.ppf(a, n_new - 1, n_old - 1)
    return math.sqrt(lo), math.sqrt(hi)


# ---- the stream diagnostic (current code) ----------------------------------------------------------------

def _state(g) -> str:
    return json.dumps(g.bit_generator.state, sort_keys=True, default=str)


def stream_states(spec) -> tuple[list[dict[str, str]], int]:
    """Each random stream's state after every month (warm-up months first), and the warm-up length."""
    from jobsim.model.core.model import LabourMarketModel

    states: list[dict[str, str]] = []

    class Recording(LabourMarketModel):
        def step(self) -> None:
            super().step()
            row = {name: _state(g) for name, g in self.streams.items()}
            row["model.rng"] = _state(self.rng)
            row["model.random"] = repr(hash(self.random.getstate()))
            states.append(row)

    model = Recording(spec)
    model.run()
    return states, model.warm_up_months


def first_divergence(a: list[dict[str, str]], b: list[dict[str, str]]) -> dict[str, int | None]:
    """Stream -> the first month (1 = the first month stepped) whose end state differs, None if never."""
    out = {}
    for name in a[0]:
        out[name] = next((t + 1 for t, (x, y) in enumerate(zip(a, b)) if x[name] != y[name]), None)
    return out


def stream_diagnostic(scale: float, use_calibrated: bool = True, factor: float = 1.2) -> dict:
    from benchmarks.economics import lever_variant

    base = specs(1, scale, SEED, use_calibrated)[0]
    a, warm = stream_states(base)
    b, _ = stream_states(lever_variant(base, LEVER, factor).spec)
    return {"factor": factor, "warm_up_months": warm, "months": len(a), "first_divergent_month": first_divergence(a, b)}


# ---- the noise floor: what pairing could keep (current code) ---------------------------------------------

def reseeded_jobs(spec, names: tuple[str, ...], salt: int = 1) -> float:
    """As `cumulative_new_urban_jobs`, with the streams `names` drawn from other seeds (the spec's seed and
    `salt`) and every other stream, and the population, as the spec's own."""
    from jobsim.model.core.model import LabourMarketModel
    from jobsim.model.outputs.indicators import region_yearly

    class Reseeded(LabourMarketModel):
        reseeded = False

        def step(self) -> None:
            if not self.reseeded:  # before the first month: nothing has drawn from a stream yet
                self.reseeded = True
                children = np.random.SeedSequence([spec.seed, salt]).spawn(len(names))
                for name, child in zip(names, children):
                    self.streams[name] = np.random.default_rng(child)
                for programme in self.programmes:
                    programme.stream = self.streams[type(programme).__name__]
                if names and hasattr(self, "draws"):  # counter-based draws (issue 10): re-key those processes too
                    from jobsim.model.core.draws import CounterDraws

                    self.draws(names[0])  # makes the keys
                    for name, child in zip(names, children):
                        self._counter_draws[name] = CounterDraws(int(child.generate_state(1, np.uint64)[0]))
            super().step()

    model = Reseeded(spec)
    model.run()
    return float(np.sum(region_yearly(model.recorder, ("new_urban_jobs",))["new_urban_jobs"])) / 1e4


def noise_floor(base_specs: list, base_jobs: list[float], diverged: dict[str, int | None], log=None) -> dict:
    """SD across replicates of (baseline with some streams re-seeded) - baseline, no lever changed: how much
    of the baseline's noise those streams carry when they are not shared. 'diverged' re-seeds every stream
    the diagnostic saw diverge under training x1.2 (so the paired SD cannot be smaller than about this, if
    a diverged stream is as good as independent); then the largest ones one at a time."""
    from jobsim.model.core.model import STREAMS

    diverged_names = tuple(n for n in STREAMS if diverged.get(n) is not None)
    sets = {"diverged": diverged_names, "all streams": STREAMS}
    if not diverged_names:  # no stream falls out of step (counter-based draws): nothing to re-seed
        del sets["diverged"]
    for n in ("matching", "separations", "participation", "vacancies"):
        sets[n] = (n,)
    out = {}
    for label, names in sets.items():
        t = time.process_time()
        d = np.array([reseeded_jobs(s, names) for s in base_specs]) - np.asarray(base_jobs)
        out[label] = {"streams": list(names), **difference_stats(d)}
        if log:
            log(f"  floor {label}: {len(base_specs)} run(s), {time.process_time() - t:.1f} s CPU")
    return out


# ---- the old code, in a subprocess ---------------------------------------------------------------------

def make_shim(tree: Path) -> Path:
    """A folder whose `jobsim` package is symlinks into `tree` (an old checkout laid out like this one)."""
    shim = Path(tempfile.mkdtemp(prefix="jobsim_shim_"))  # removed by atexit
    atexit.register(shutil.rmtree, shim, True)
    pkg = shim / "jobsim"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    for name in SHIM_PACKAGES:
        if (tree / name).is_dir():
            (pkg / name).symlink_to(tree / name)
    return shim


def old_tree_environment(tree: Path, env: dict | None = None) -> dict:
    """`env` (default: this process's) with PYTHONPATH set so that `import jobsim` loads `tree`'s packages."""
    out = dict(os.environ if env is None else env)
    out["PYTHONPATH"] = os.pathsep.join([str(make_shim(Path(tree).resolve())), str(ROOT)])
    return out


def start_old(tree: Path, args, out_json: Path, shim: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(shim), str(ROOT)]))
    cmd = [sys.executable, "-m", "benchmarks.paired", "--worker", str(out_json), "--replicates", str(args.replicates),
           "--scale", str(args.scale)] + (["--uncalibrated"] if args.uncalibrated else [])
    return subprocess.Popen(cmd, cwd=str(ROOT), env=env)


def worker(args) -> int:
    """Run the arms with whatever `jobsim` this process imports; write the per-replicate figures as JSON."""
    import jobsim.model.core.model as core

    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    arms = arm_specs(args.replicates, args.scale, use_calibrated=not args.uncalibrated)
    res = run_arms(arms, log, label="old" if not hasattr(core, "STREAMS") else "new")
    res["model_file"] = core.__file__
    res["per_process_streams"] = hasattr(core, "STREAMS")
    Path(args.worker).write_text(json.dumps(res))
    return 0


# ---- report --------------------------------------------------------------------------------------------

def format_report(report: dict) -> str:
    lines = [f"paired randomness (issue 10): Jiangxi baseline {report['years']}, 1:{report['scale']:g}, "
             f"{report['replicates']} replicates, {LEVER} x0.8 / x1.2; "
             f"cumulative new urban jobs, 万人; SE at 40 = SD / sqrt(40)", ""]
    hdr = ["code", "arm", "mean Δ paired", "SD paired", "SE paired @40", "SD unpaired", "SE unpaired @40",
           "paired/unpaired", "corr(base, what-if)"]
    lines += ["| " + " | ".join(hdr) + " |", "|" + "---|" * len(hdr)]
    for code in ("new", "old"):
        s = report.get(code)
        if not s:
            continue
        for arm, a in s["summary"]["arms"].items():
            p, u = a["paired"], a["unpaired"]
            lines.append(f"| {code} | {arm} | {p['mean']:+.3f} | {p['sd']:.3f} | {p['se_at_40']:.3f} | {u['sd']:.3f} | "
                         f"{u['se_at_40']:.3f} | {a['paired_over_unpaired_sd']:.2f} | {a['correlation_base_whatif']:.3f} |")
    if report.get("ratio"):
        lines += ["", "| arm | SE paired new / old | 90% interval | target |", "|---|---|---|---|"]
        for arm, r in report["ratio"].items():
            ok = "PASS" if r["ratio"] <= TARGET_RATIO else "FAIL"
            lines.append(f"| {arm} | {r['ratio']:.3f} | {r['interval'][0]:.3f}-{r['interval'][1]:.3f} | <= 1/3: {ok} |")
    for code in ("new", "old"):
        s = report.get(code)
        if s:
            lines.append(f"\n{code}: baseline mean {s['summary']['base_mean']:.2f} 万人, SD {s['summary']['base_sd']:.3f}; "
                         f"{s['cpu_s']:.0f} s CPU; {s['model_file']}")
    d = report.get("diagnostic")
    if d:
        lines.append(f"\nfirst month each stream's state differs, base vs x{d['factor']:g}, replicate 0 "
                     f"(month 1 = first of {d['warm_up_months']} warm-up months; {d['months']} months in all; '-' = never):")
        for name, t in d["first_divergent_month"].items():
            lines.append(f"  {name:22s} {'-' if t is None else t}")
    fl = report.get("floor")
    if fl:
        lines.append("\nnoise floor: SD across replicates of baseline(streams re-seeded) - baseline (no lever changed):")
        for label, r in fl.items():
            shown = label if label != "diverged" else f"diverged under x{d['factor']:g} ({len(r['streams'])} streams)"
            lines.append(f"  {shown:40s} SD {r['sd']:.3f}  SE@40 {r['se_at_40']:.3f}  mean {r['mean']:+.3f}")
    m = report["machine"]
    lines.append(f"\nmachine: {m['cpu']}; {m['cores']}; load average at start {m['load_average']}; "
                 f"Python {m['python']}, numpy {m['numpy']}, mesa {m['mesa']}; {m['date']}; wall {report['wall_s']:.0f} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.paired", description=__doc__.split("\n")[0])
    parser.add_argument("--replicates", type=int, default=REFERENCE_REPLICATES)
    parser.add_argument("--scale", type=float, default=1000.0)
    parser.add_argument("--json", metavar="FILE", help="also save the results as JSON (written atomically)")
    parser.add_argument("--old-tree", default="/tmp/jobsim_before",
                        help=f"a checkout of the single-stream code (commit {OLD_COMMIT}); skipped if missing")
    parser.add_argument("--no-old", action="store_true", help="measure the current code only")
    parser.add_argument("--no-diagnostic", action="store_true", help="skip the stream-divergence diagnostic")
    parser.add_argument("--no-floor", action="store_true", help="skip the noise-floor runs (re-seeded streams)")
    parser.add_argument("--uncalibrated", action="store_true", help="bundled parameters, not calibration/params/")
    parser.add_argument("--worker", metavar="OUT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)

    from benchmarks import machine_info
    from benchmarks.economics import write_json_atomic

    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    t0 = time.time()
    report = {"machine": machine_info(), "replicates": args.replicates, "scale": args.scale, "lever": LEVER,
              "factors": list(FACTORS), "seed": SEED, "other_seed": OTHER_SEED, "use_calibrated": not args.uncalibrated}
    old_proc, old_out = None, None
    tree = Path(args.old_tree)
    if not args.no_old:
        if (tree / "model" / "core" / "model.py").is_file():
            scratch = Path(tempfile.mkdtemp(prefix="jobsim_paired_"))
            old_out = scratch / "old.json"
            old_proc = start_old(tree, args, old_out, make_shim(tree))
            log(f"old code ({tree}) running in process {old_proc.pid}")
        else:
            log(f"no old checkout at {tree} (git worktree add {tree} {OLD_COMMIT}); measuring the current code only")
    import jobsim.model.core.model as core

    arms = arm_specs(args.replicates, args.scale, use_calibrated=not args.uncalibrated)
    s0 = arms["base"][0]
    report["years"] = f"{s0.first_year}-{s0.last_year}"
    new = run_arms(arms, log, label="new")
    new.update(model_file=core.__file__, per_process_streams=hasattr(core, "STREAMS"))
    new["summary"] = summarise(new["jobs_10k"])
    report["new"] = new
    if not args.no_diagnostic:
        report["diagnostic"] = stream_diagnostic(args.scale, not args.uncalibrated)
        if not args.no_floor:
            report["floor"] = noise_floor(arms["base"], new["jobs_10k"]["base"],
                                          report["diagnostic"]["first_divergent_month"], log)
    if old_proc is not None:
        if old_proc.wait() != 0:
            raise SystemExit(f"the old-code subprocess failed (exit {old_proc.returncode})")
        old = json.loads(old_out.read_text())
        shutil.rmtree(scratch, ignore_errors=True)
        old["summary"] = summarise(old["jobs_10k"])
        report["old"] = old
        report["ratio"] = {}
        for arm in new["summary"]["arms"]:
            pn, po = new["summary"]["arms"][arm]["paired"], old["summary"]["arms"][arm]["paired"]
            report["ratio"][arm] = {"ratio": pn["se"] / po["se"],
                                    "interval": sd_ratio_interval(pn["sd"], pn["n"], po["sd"], po["n"])}
    report["wall_s"] = time.time() - t0
    print(format_report(report), flush=True)
    if args.json:
        print(f"results saved to {write_json_atomic(report, args.json)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Calibration of the model's free structural parameters: a global posterior by ABC-SMC.

The region's baseline is simulated over a window of history years (`moments.WINDOW_YEARS` ending
at `through`, by default the last year with a full-year figure in the history), from the
structure of the window's first year (jobsim.model.inputs.regions.area_facts(region, as_of=...)),
with the realised growth path and at the scale runs use (the baseline scenario's). Its moments
(jobsim.calibration.moments: every full-year value, the multi-year totals, the downturn, the
loans ratio, the urban-employment trend, the 求人倍率) are compared with the data through the
distance sum(((simulated + measurement noise - observed) / sd) ** 2), where sd is each moment's
assumed measurement error and the simulated moments carry a draw of it (noisy ABC: Wilkinson 2013,
Statistical Applications in Genetics and Molecular Biology 12: 129-141, so that the accepted
particles approximate the posterior under that error model, not a point).

The posterior over every `calibrate: true` parameter (uniform priors within their bounds,
data/parameters/) comes from adaptive population Monte Carlo ABC (jobsim.calibration.abc, Lenormand
et al. 2013): one simulation per particle, in parallel batches, each with its own seed. The kept
particles, with their weights and effective sample size, are the posterior; ensembles sample
`draws`, a resample of them by weight. Posterior predictive checks come with it: for each moment,
the 80% band of the accepted particles' simulated (noisy) moments against the observed value.
Warnings are raised (printed and written into the file) when a parameter's posterior median sits
within 2% of a bound, when the tolerance did not fall, when a moment misses by more than 3 sds,
when the moments hardly narrow a parameter, and when the region has no history of its own.
The result is written where the caller says (`write_result`; a shipped file needs `replace=True`).
"""

from __future__ import annotations

import datetime as _dt
import gc
import hashlib
import multiprocessing
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from jobsim.calibration.abc import BUDGET_REACHED, apmc, weighted_quantile
from jobsim.calibration.moments import (
    WINDOW_YEARS,
    Moment,
    MomentError,
    build_moments as _build_window_moments,
    default_through,
)
from jobsim.model import __version__
from jobsim.model.core.runspec import RunSpec
from jobsim.model.experiments.ensemble import scenario_uncertainties
from jobsim.model.experiments.evaluators import evaluator_for, frozen_heap
from jobsim.model.inputs.history import load_history
from jobsim.model.inputs.parameters import is_shipped_calibrated_file, load_parameters
from jobsim.model.inputs.regions import area_facts
from jobsim.model.inputs.registry import lever_ids
from jobsim.model.inputs.scenario import Scenario, load_scenario
from jobsim.model.outputs.atomic import atomic_write_text
from jobsim.model.outputs.indicators import region_yearly

__all__ = ["BASELINE_SCENARIOS", "CalibrationError", "CalibrationProgress", "CalibrationResult", "Moment",
           "QUICK_SETTINGS", "FULL_SETTINGS", "baseline_scenario", "build_moments", "calibrate", "check_budget",
           "calibration_scale", "calibration_window", "result_document", "write_result"]

# The search's settings: particles per generation, the share kept, the acceptance rate below which it
# stops, and its budget of simulations (which, not the generation cap, ends a search: `--evaluations` sets it).
# FULL_SETTINGS fits a Jiangxi calibration at 1:1000 within nine minutes on two cores (benchmarks/README.md,
# "Calibration"), still narrowing when it stops; QUICK_SETTINGS is for trying things out and for back-tests'
# many origins.
FULL_SETTINGS = dict(particles=300, keep_fraction=0.5, min_acceptance=0.05, max_generations=40, max_evaluations=1350)
QUICK_SETTINGS = dict(particles=60, keep_fraction=0.5, min_acceptance=0.05, max_generations=40, max_evaluations=180)
NEAR_BOUND_SHARE = 0.02   # warn when a posterior median is within this share of its range of a bound
MISS_SDS = 3.0            # warn when a moment's posterior median misses by more than this many sds
UNINFORMED_SHARE = 0.7    # warn when a parameter's 80% posterior range is over this share of its prior's
MIN_ESS = 50.0            # warn when the posterior's effective sample size is below this
# Warn when the budget ended a search whose tolerance still fell by more than this share in its last generation:
# the posterior was still narrowing, so its bands are wider than the data leave them (docs/methodology.md 4.2:
# Jiangxi's 80% bands of new urban jobs halved from 1,350 to 3,300 simulations).
STILL_NARROWING_SHARE = 0.05


class _BaselineScenarios(Mapping):
    """Region -> the name of its baseline scenario, read live from scenarios/index.yaml and the user
    data folders' scenarios/index.yaml (jobsim.model.inputs.scenario_index): data, not a list here."""

    def __getitem__(self, region: str) -> str:
        from jobsim.model.inputs.scenario_index import scenario_index
        return scenario_index().baselines[region]

    def __iter__(self):
        from jobsim.model.inputs.scenario_index import scenario_index
        return iter(dict(scenario_index().baselines))

    def __len__(self) -> int:
        from jobsim.model.inputs.scenario_index import scenario_index
        return len(scenario_index().baselines)


# The scenario that defines each region's baseline levers (first-year volumes carried forward), as
# the index names them. Kept as a name for the modules that still import it; baseline_scenario()
# is the way in, and it explains what to do for a region with data but no baseline.
BASELINE_SCENARIOS: Mapping = _BaselineScenarios()


class CalibrationError(ValueError):
    """Calibration cannot run: no usable moments, unknown region, or a bad option."""


def check_budget(evaluations: int, quick: bool = False) -> int:
    """`evaluations` if it is a usable budget of simulations for the search (at least one generation's
    particles of FULL_SETTINGS, or of QUICK_SETTINGS with `quick`); ChoiceError otherwise."""
    from jobsim.model.inputs.choices import ChoiceError

    particles = (QUICK_SETTINGS if quick else FULL_SETTINGS)["particles"]
    if isinstance(evaluations, bool) or not isinstance(evaluations, int) or evaluations < particles:
        raise ChoiceError(f"{evaluations!r} simulations is less than the search's first generation; allowed: a "
                          f"whole number of at least {particles} (the particles of a{' quick' if quick else ''} search)")
    return evaluations


# --- the baseline a calibration simulates ------------------------------------------------------------

def baseline_scenario(region: str, first_year: int | None = None, last_year: int | None = None) -> Scenario:
    """The region's baseline (the scenario scenarios/index.yaml names for it, bundled or in a user data
    folder), optionally moved to another period with its first-year levers carried over every year (a
    no-policy-change baseline for back-tests). CalibrationError for an unknown region, a region with
    data but no baseline scenario (saying how to add one), or a baseline that does not load."""
    from jobsim.model.inputs.regions import DataFileError, check_region
    from jobsim.model.inputs.scenario import ScenarioError
    from jobsim.model.inputs.scenario_index import no_baseline_message, scenario_index, scenario_path

    try:
        check_region(region)
        index = scenario_index()
        name = index.baseline(region)
        if name is None:
            raise CalibrationError(no_baseline_message(region))
        s = load_scenario(scenario_path(name))
    except (DataFileError, ScenarioError) as exc:
        raise CalibrationError(str(exc)) from None
    if s.region != region:
        raise CalibrationError(f"{index.baseline_sources[region]}, field baselines.{region}: scenario {name!r} "
                               f"is a scenario of {s.region!r}, not of {region!r}; name a scenario whose region is {region}")
    if first_year is None:
        return s
    last_year = last_year if last_year is not None else first_year + (s.period.last_year - s.period.first_year)
    first = s.period.first_year
    levers = {lever: s.lever_values(lever)[first] for lever in lever_ids()}
    data = s.to_dict()
    data["period"] = {"first_year": first_year, "last_year": last_year}
    data["levers"] = levers
    # The baseline's uncertainties are keyed by its own years; a moved baseline takes the defaults (for
    # history years the realised growth: a conditional back-test, docs/forecasting.md).
    data.pop("uncertainties", None)
    # The plan's targets do not apply to a moved period; a scenario needs one, so state a neutral one.
    data["targets"] = [{"indicator": "new_urban_jobs", "area": region, "start_year": first_year,
                        "end_year": last_year, "basis": "total", "comparison": ">=", "value": 0,
                        "unit": "10k persons", "note": "placeholder: no plan target applies to a moved baseline"}]
    from jobsim.model.inputs.scenario import scenario_from_dict
    return scenario_from_dict(data, source=f"{s.name} moved to {first_year}-{last_year}")



def calibration_scale(region: str) -> float:
    """Persons per agent a calibration simulates at: the region's baseline scenario's run scale, so
    that the fitted indicators are those of the runs (issue: a fit at 1:3500 gave 42万 where runs at
    1:1000 gave 49万)."""
    return float(baseline_scenario(region).scale)


def calibration_window(region: str, through: int | None = None, history: pd.DataFrame | None = None) -> list[int]:
    """The history years a calibration of `region` simulates: WINDOW_YEARS ending at `through`
    (default: the last year with a full-year figure in the history, bundled or the user's; without
    any, the year before the baseline's first projected year)."""
    history = load_history() if history is None else history
    if through is None:
        through = default_through(region, history, baseline_scenario(region).period.first_year - 1)
    return list(range(through - WINDOW_YEARS + 1, through + 1))


def build_moments(region: str, years: list[int], through: int | None = None,
                  history: pd.DataFrame | None = None) -> tuple[list[Moment], dict]:
    """The moments a calibration over the window `years` fits (jobsim.calibration.moments)."""
    try:
        return _build_window_moments(region, years, through, history)
    except MomentError as e:
        raise CalibrationError(str(e)) from None


@dataclass
class CalibrationProgress:
    """One step of a calibration, for a progress display."""

    generation: int
    evaluations: int
    max_evaluations: int
    acceptance_rate: float | None
    epsilon: float | None
    best_distance: float | None
    seconds: float

    def __str__(self) -> str:
        acc = "-" if self.acceptance_rate is None else f"{100 * self.acceptance_rate:.0f}%"
        return (f"generation {self.generation}: {self.evaluations}/{self.max_evaluations} simulations, "
                f"acceptance {acc}, tolerance {self.epsilon:.1f}, best distance {self.best_distance:.1f} "
                f"({self.seconds:.0f} s)")


@dataclass
class CalibrationResult:
    region: str
    values: dict[str, float]                       # the posterior's weighted medians
    bounds: dict[str, tuple[float, float]]
    moments: list[dict]                            # each Moment with simulated, lo80, hi80, covered, z
    distance: float                                # the distance of the best particle
    draws: list[dict[str, float]]                  # equal-weight resample of the particles (ensembles)
    info: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    posterior: dict[str, dict[str, float]] = field(default_factory=dict)   # name -> p10, p50, p90
    particles: list[dict] = field(default_factory=list)                    # values and weight


# --- one simulation ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SimulationContext:
    """What every particle's simulation shares: the window's baseline and the moments. Passed explicitly
    to each evaluation (no module global), so it runs in worker processes under fork or spawn alike."""

    region: str
    facts: tuple
    years: list[int]
    levers: dict
    base: dict[str, float]
    names: list[str]
    scale: float
    moments: list[Moment]
    variables: list[str]
    measurement_noise: bool = True
    gdp_real_growth_percent: dict[int, float] = field(default_factory=dict)
    graduates_multiplier: dict[int, float] = field(default_factory=dict)
    parameter_paths: dict[str, dict[int, float]] = field(default_factory=dict)

    def spec(self, theta: np.ndarray, seed: int) -> RunSpec:
        params = dict(self.base)
        params.update(dict(zip(self.names, map(float, theta))))
        return RunSpec(self.region, self.facts, self.years[0], self.years[-1], self.levers, params,
                       seed=seed, scale=self.scale, gdp_real_growth_percent=self.gdp_real_growth_percent,
                       graduates_multiplier=self.graduates_multiplier, parameter_paths=self.parameter_paths)

    @property
    def targets(self) -> np.ndarray:
        return np.array([m.target for m in self.moments])

    @property
    def sds(self) -> np.ndarray:
        return np.array([m.sd for m in self.moments])

    @property
    def fitted(self) -> np.ndarray:
        return np.array([m.fitted for m in self.moments], bool)


def simulate_moments(ctx: SimulationContext, theta: np.ndarray, seed: int) -> np.ndarray:
    """The moments of one run with parameters theta and seed (nan where a moment is undefined)."""
    model = ctx.spec(theta, seed).build()
    model.run()
    values = region_yearly(model.recorder, ctx.variables)
    del model
    # A model is a web of references (Mesa agents point back to it): collect it now, or the arrays of
    # hundreds of evaluated models pile up in each worker before the cyclic collector runs. The collection
    # looks only at what is not frozen (`frozen_heap`): the imported libraries' objects would cost it
    # about 0.14 s a simulation, a sixth of one.
    gc.collect()
    if not gc.get_freeze_count() and multiprocessing.parent_process() is not None:
        gc.freeze()  # a spawned worker (a forked one inherits the frozen heap): freeze what the imports made
    return np.array([m.simulated(values, ctx.years) for m in ctx.moments])


def _evaluate(ctx: SimulationContext, item: tuple[np.ndarray, int]) -> tuple[float, tuple[np.ndarray, np.ndarray]]:
    """(distance, (simulated moments, simulated moments with a measurement-error draw)) of one particle."""
    theta, seed = item
    clean = simulate_moments(ctx, theta, seed)
    noisy = clean.copy()
    if ctx.measurement_noise:
        noisy = clean + np.random.default_rng([seed, 0xE44]).normal(size=len(clean)) * ctx.sds
    z = ((noisy - ctx.targets) / ctx.sds)[ctx.fitted]
    distance = float(np.sum(z ** 2)) if np.all(np.isfinite(z)) else float("inf")
    return distance, (clean, noisy)


# --- the calibration -------------------------------------------------------------------------------------

def _facts_as_of(region: str, year: int) -> tuple[tuple, str]:
    """The areas' structure at 1 January of `year` (and a note on it for the file)."""
    facts = area_facts(region, as_of=year)
    return facts, (f"structure at 1 January {year}, end of {facts[0].structure_year} "
                   f"(jobsim.model.inputs.regions.area_facts(as_of={year}); structure_notes lists each change)")


def _data_hash(history: pd.DataFrame) -> str:
    text = history.sort_values(list(history.columns[:4])).to_csv(index=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def calibrate(region: str, through: int | None = None, data_files: list[Path] | None = None, *,
              quick: bool = False, workers: int = 2, seed: int = 20240101, scale: float | None = None,
              years: list[int] | None = None, moments: list[Moment] | None = None,
              parameters: list[str] | None = None, base_values: dict[str, float] | None = None,
              measurement_noise: bool = True, progress=None, **settings) -> CalibrationResult:
    """The posterior of `region`'s free parameters given its history up to `through` (module docstring).

    settings: particles, keep_fraction, min_acceptance, max_generations, max_evaluations (over
    FULL_SETTINGS, or QUICK_SETTINGS with quick=True). years/moments/parameters/base_values replace
    the window, the moments, the parameters searched and fixed values (tests and back-tests)."""
    started = time.perf_counter()
    unknown = sorted(set(settings) - set(FULL_SETTINGS))
    if unknown:
        raise CalibrationError(f"unknown setting(s) {unknown}; allowed: {', '.join(FULL_SETTINGS)}")
    search = dict(QUICK_SETTINGS if quick else FULL_SETTINGS, **settings)
    history = load_history(extra_files=data_files)
    from jobsim.model.inputs.scenario import ScenarioError
    from jobsim.model.inputs.growth_paths import GrowthPathError
    try:
        if years is None:
            years = calibration_window(region, through, history)
        through = years[-1] if through is None else through
        scenario = baseline_scenario(region, years[0], years[-1])
        uncertainties = scenario_uncertainties(scenario)
    except (ScenarioError, GrowthPathError) as e:
        raise CalibrationError(f"{region}: cannot build the baseline for {years[0] if years else '?'}-"
                               f"{years[-1] if years else '?'}: {e}") from None
    pset = load_parameters(region, use_calibrated=False, as_of=years[0])
    names = list(parameters) if parameters else [n for n, p in pset.items() if p.calibrate]
    unknown = [n for n in names if n not in pset]
    if unknown:
        raise CalibrationError(f"unknown parameter(s) {unknown} for {region}")
    base = dict(pset.values, **(base_values or {}))
    bounds = [(float(pset[n].min), float(pset[n].max)) for n in names]
    vintage = {"window": [years[0], years[-1]], "through": through}
    if moments is None:
        moments, vintage = build_moments(region, years, through, history)
    scale = float(scale or calibration_scale(region))
    facts, structure = _facts_as_of(region, years[0])
    variables = sorted({m.variable for m in moments} | {m.denominator for m in moments if m.denominator})
    ctx = SimulationContext(region=region, facts=facts, years=years,
                            levers={lever: scenario.lever_values(lever) for lever in lever_ids()},
                            base=base, names=names, scale=scale, moments=moments, variables=variables,
                            measurement_noise=measurement_noise,
                            gdp_real_growth_percent=uncertainties.gdp_real_growth_percent,
                            graduates_multiplier=uncertainties.graduates_multiplier,
                            parameter_paths=uncertainties.parameter_paths)
    lower = np.array([b[0] for b in bounds])
    upper = np.array([b[1] for b in bounds])
    evaluate = partial(_evaluate, ctx)
    with frozen_heap(), evaluator_for(workers, n_tasks=search["particles"]) as ev:
        def simulate(batch):
            return list(ev.map(evaluate, batch))

        def report(gen, max_evaluations):
            if progress:
                progress(CalibrationProgress(gen.index, gen.evaluations, max_evaluations, gen.acceptance_rate,
                                             gen.epsilon, gen.best_distance, time.perf_counter() - started))

        res = apmc(simulate, lower, upper, seed=seed, progress=report, **search)
    w = res.weights
    posterior = {}
    for k, n in enumerate(names):
        p10, p50, p90 = weighted_quantile(res.theta[:, k], w, [0.1, 0.5, 0.9])
        posterior[n] = {"p10": float(p10), "p50": float(p50), "p90": float(p90),
                        "mean": float(w @ res.theta[:, k])}
    values = {n: posterior[n]["p50"] for n in names}
    clean = np.array([x[0] for x in res.extras])
    noisy = np.array([x[1] for x in res.extras])
    moment_rows = []
    for j, m in enumerate(moments):
        ok = np.isfinite(clean[:, j])
        med = float(weighted_quantile(clean[ok, j], w[ok], 0.5)[0]) if ok.any() else float("nan")
        lo, hi = (weighted_quantile(noisy[ok, j], w[ok], [0.1, 0.9]) if ok.any() else (np.nan, np.nan))
        row = asdict(m)
        row.update(simulated=med, lo80=float(lo), hi80=float(hi), covered=bool(lo <= m.target <= hi),
                   z=(med - m.target) / m.sd)
        moment_rows.append(row)
    # Ensembles take equal-weight draws: a systematic resample of the particles by weight.
    n_draws = len(w)
    positions = (np.arange(n_draws) + 0.5) / n_draws
    picks = np.minimum(np.searchsorted(np.cumsum(w), positions), len(w) - 1)
    draws = [{f"p{i}": float(v) for i, v in enumerate(res.theta[k])} for k in picks]
    generations = [{"generation": g.index, "epsilon": round(g.epsilon, 3),
                    "acceptance_rate": None if g.acceptance_rate is None else round(g.acceptance_rate, 4),
                    "evaluations": g.evaluations, "best_distance": round(g.best_distance, 3),
                    "seconds": round(g.seconds, 1)} for g in res.generations]
    info = {
        "method": "ABC-SMC (adaptive population Monte Carlo, Lenormand et al. 2013) with measurement-error "
                  "noise on the simulated moments (Wilkinson 2013); uniform priors within the bounds",
        "scenario": scenario.name, "window": [years[0], years[-1]], "scale": scale, "structure": structure,
        "seed": seed, "simulation_seeds": "one per particle, children of SeedSequence([seed, 0x5EED])",
        "evaluations": res.evaluations, "generations": generations, "stopped_because": res.stopped_because,
        "settings": res.settings, "effective_sample_size": round(res.effective_sample_size, 1),
        "moments_covered_80": round(float(np.mean([r["covered"] for r in moment_rows if r["fitted"]])), 3),
        "seconds": round(time.perf_counter() - started, 1), "data_vintage": vintage,
        "history_sha256_16": _data_hash(history),
        "history_files": [str(f) for f in (data_files or [])],
    }
    particles = [dict({n: float(v) for n, v in zip(names, res.theta[k])}, weight=float(w[k]))
                 for k in range(len(w))]
    result = CalibrationResult(region, values, dict(zip(names, bounds)), moment_rows, float(np.min(res.distances)),
                               draws, info, posterior=posterior, particles=particles)
    result.warnings = diagnose(result, res, vintage)
    return result


def diagnose(result: CalibrationResult, res, vintage: dict) -> list[str]:
    """The calibration's warnings (module docstring): bounds, a search that did not improve, misses,
    parameters the moments hardly inform, a small effective sample, a region without its own history."""
    out = []
    for n, (lo, hi) in result.bounds.items():
        p50 = result.posterior[n]["p50"]
        span = hi - lo
        if span > 0 and min(p50 - lo, hi - p50) <= NEAR_BOUND_SHARE * span:
            side = "lower" if p50 - lo <= hi - p50 else "upper"
            out.append(f"parameter {n}: posterior median {p50:.4g} is within {100 * NEAR_BOUND_SHARE:.0f}% of its "
                       f"{side} bound [{lo:g}, {hi:g}]; the data push it against the prior range (widen the bound "
                       "only with evidence, or read it as a sign the model misses a mechanism)")
        width = result.posterior[n]["p90"] - result.posterior[n]["p10"]
        if span > 0 and width > UNINFORMED_SHARE * 0.8 * span:
            out.append(f"parameter {n}: its 80% posterior range ({result.posterior[n]['p10']:.4g} to "
                       f"{result.posterior[n]['p90']:.4g}) is {100 * width / (0.8 * span):.0f}% of the prior's; "
                       "the moments hardly identify it")
    gens = res.generations
    if len(gens) < 2 or gens[-1].epsilon >= 0.95 * gens[0].epsilon:
        out.append(f"search: the tolerance did not fall ({gens[0].epsilon:.3g} to {gens[-1].epsilon:.3g} over "
                   f"{len(gens) - 1} generations, {res.stopped_because}); the posterior is close to the prior's best "
                   "tenth, not a fit")
    if (len(gens) >= 2 and res.stopped_because.startswith(BUDGET_REACHED)
            and gens[-1].epsilon < (1 - STILL_NARROWING_SHARE) * gens[-2].epsilon):
        last = gens[-1]
        out.append(f"search: the budget of {res.evaluations} simulations ended it while it was still narrowing (the "
                   f"tolerance fell {100 * (1 - last.epsilon / gens[-2].epsilon):.0f}% in the last generation, "
                   f"{100 * (last.acceptance_rate or 0):.0f}% of proposals accepted); the posterior, and every "
                   "ensemble's band drawn from it, is wider than the data alone leave it: a longer search "
                   f"(jobsim calibrate --evaluations {int(round(2.5 * res.evaluations, -2))}) narrows it")
    for row in result.moments:
        if row.get("fitted", True) and (not np.isfinite(row["z"]) or abs(row["z"]) > MISS_SDS):
            out.append(f"moment {row['name']}: the posterior median {row['simulated']:.4g} misses the observed "
                       f"{row['target']:.4g} by {row['z']:+.1f} sds (sd {row['sd']:.3g})")
        elif not row.get("fitted", True) and np.isfinite(row["z"]) and abs(row["z"]) > MISS_SDS:
            out.append(f"check {row['name']} (not fitted): the model gives {row['simulated']:.4g} against the observed "
                       f"{row['target']:.4g} ({row['z']:+.1f} sds); {row.get('note', '')}")
    ess = res.effective_sample_size
    if ess < MIN_ESS:
        out.append(f"posterior: effective sample size {ess:.0f} is below {MIN_ESS:.0f}; its ranges are rough")
    if vintage.get("own_moments") == 0:
        out.append(f"{result.region}: no history of its own in {vintage['window'][0]}-{vintage['window'][1]}; "
                   "the fit rests on national proxies and the 求人倍率 only")
    return out


# --- writing ----------------------------------------------------------------------------------------

def result_document(res: CalibrationResult) -> dict:
    pset = load_parameters(res.region, use_calibrated=False)
    names = list(res.values)
    draws = [{names[int(k[1:])]: v for k, v in d.items()} for d in res.draws]

    def plain(v):
        if isinstance(v, (bool, np.bool_)):
            return bool(v)
        if isinstance(v, (float, np.floating)):
            return float(v)
        return v

    return {
        "region": res.region,
        "calibrated_on": _dt.date.today().isoformat(),
        "jobsim_version": __version__,
        "method": res.info.get("method", ""),
        "distance": round(res.distance, 4),
        "warnings": list(res.warnings),
        "info": res.info,
        "parameters": {
            n: {"value": float(v), "posterior_p10": res.posterior[n]["p10"], "posterior_p90": res.posterior[n]["p90"],
                "prior_value": pset[n].value, "min": res.bounds[n][0], "max": res.bounds[n][1],
                "unit": pset[n].unit, "source": "calibrated (posterior median)", "note": pset[n].note}
            for n, v in res.values.items()
        },
        "moments": [{k: plain(v) for k, v in row.items()} for row in res.moments],
        "particles": res.particles,
        "draws": draws,
    }


def write_result(res: CalibrationResult, path: Path, replace: bool = False) -> Path:
    """Write the calibrated parameter file atomically (temporary file, then rename). A shipped file
    (calibration/params/) is replaced only with `replace=True`."""
    path = Path(path)
    if is_shipped_calibrated_file(path) and not replace:
        raise CalibrationError(f"--out {path}: is a shipped calibration file; pass --replace (replace=True) to "
                               "overwrite it, or write elsewhere (a data folder's calibrated/<region>.yaml)")
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(result_document(res), allow_unicode=True, sort_keys=False, width=110)
    atomic_write_text(path, f"# Calibrated parameters for {res.region}, written by `jobsim calibrate`. "
                            f"Do not edit by hand.\n{text}")
    from jobsim.model.inputs.parameters import _load_cached
    _load_cached.cache_clear()
    return path

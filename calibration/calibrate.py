"""Calibration of the model's free structural parameters by the method of simulated moments.

Moments are (a) the latest historical levels of the indicators a region publishes (new urban jobs,
unemployment rates, re-employment, hard-to-employ placed, rural transfer) and its loans-to-jobs
ratio, matched by the model's first simulated year, and (b) the statistical forecast of new urban
jobs over the simulated years (`jobsim.calibration.forecast`). The distance is
`sum(((simulated - target) / sd) ** 2)` with each moment's `sd` from the data's own spread, its
staleness or the forecast interval; simulations use the same replicate seeds for every candidate
(common random numbers). The search is scipy's differential evolution within the parameter bounds
of `data/parameters/defaults.yaml` and the region's overrides (`calibrate: true`). Parameter uncertainty is approximated
locally: proposals from a Gaussian around the optimum (the local prior) are weighted by the synthetic
likelihood exp(-distance / (2 T)), tempered (T >= 1) until the weights are not degenerate, and
`draws` are resampled from them for ensembles. The result is written to `calibration/params/<region>.yaml` with provenance.
"""

from __future__ import annotations

import datetime as _dt
import gc
import math
import time
import warnings
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import optimize

from jobsim.model.inputs.history import load_history
from jobsim.model import __version__
from jobsim.model.outputs.atomic import atomic_write_text
from jobsim.model.outputs.indicators import region_yearly
from jobsim.model.core.runspec import RunSpec
from jobsim.model.experiments.evaluators import evaluator_for
from jobsim.model.inputs.parameters import load_parameters
from jobsim.model.inputs.paths import calibration_params_dir
from jobsim.model.inputs.registry import indicators, lever_ids
from jobsim.model.experiments.ensemble import replicate_seeds, scenario_uncertainties
from jobsim.model.inputs.regions import area_facts, area_ids
from jobsim.model.inputs.scenario import Scenario, load_scenario

from collections.abc import Mapping  # noqa: E402 - kept beside its one use below


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
# Indicators whose latest published level is a moment, with the smallest relative sd allowed.
LEVEL_INDICATORS = {
    "new_urban_jobs": 0.08, "registered_unemployment_rate": 0.10, "surveyed_unemployment_rate": 0.06,
    "reemployment_of_unemployed": 0.15, "hard_to_employ_employed": 0.15, "rural_labour_transferred": 0.12,
}
FORECAST_INDICATORS = ("new_urban_jobs",)
TARGET_AGENTS = 8_000  # calibration runs use a scale giving about this many worker agents


class CalibrationError(ValueError):
    """Calibration cannot run: no usable moments, unknown region, or a bad option."""


@dataclass
class Moment:
    """A target the baseline must reproduce: the mean over `years` of a yearly model figure
    (or a ratio of two period totals), in base units (persons per year, fractions, persons per yuan)."""

    name: str
    variable: str
    years: list[int]
    target: float
    sd: float
    source: str
    denominator: str | None = None

    def simulated(self, year_values: dict[str, np.ndarray], years: list[int]) -> float:
        """From yearly values (variable -> array over `years`, averaged over replicates)."""
        pos = [years.index(y) for y in self.years]
        num = float(np.mean(year_values[self.variable][pos]))
        if self.denominator is None:
            return num
        den = float(np.mean(year_values[self.denominator][pos]))
        return num / den if den > 0 else float("nan")


@dataclass
class CalibrationResult:
    region: str
    values: dict[str, float]
    bounds: dict[str, tuple[float, float]]
    moments: list[dict]
    distance: float
    draws: list[dict[str, float]]
    info: dict = field(default_factory=dict)


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
    """Persons per agent giving about TARGET_AGENTS worker agents (rounded to 2 significant digits)."""
    from jobsim.model.inputs.regions import get_region
    working = sum(get_region(a).value("population") * get_region(a).value("share_age_15_59") for a in area_ids(region))
    raw = working / TARGET_AGENTS
    digits = int(math.floor(math.log10(raw)))
    return float(round(raw, -digits + 1))


# --- moments -----------------------------------------------------------------------------------------

def _model_variable(indicator: str) -> str:
    return str(indicators().at[indicator, "model_variable"])


def build_moments(region: str, years: list[int], through: int | None = None,
                  history: pd.DataFrame | None = None, forecast: bool = True) -> tuple[list[Moment], dict]:
    """Moments for a baseline simulated over `years` from history with windows ending by `through`."""
    from jobsim.calibration.forecast import ForecastError, forecast_for, series_for
    from jobsim.model.inputs.units import to_base

    history = load_history() if history is None else history
    moments: list[Moment] = []
    latest: list[str] = []
    first = years[0]
    for indicator, min_rel in LEVEL_INDICATORS.items():
        try:
            series, ext = series_for(history, region, indicator, origin=through, max_gap_years=None)
        except ForecastError:
            continue
        obs = series.dropna()
        if obs.empty or obs.index.freqstr.startswith("M"):
            # Monthly series (national surveyed rate): yearly means of complete years.
            if not obs.empty:
                by_year = obs.groupby(obs.index.year).agg(["mean", "count"])
                by_year = by_year[by_year["count"] == 12]["mean"]
                obs = pd.Series(by_year.values, index=pd.PeriodIndex([pd.Period(str(y), "Y") for y in by_year.index], freq="Y"))
            if obs.empty:
                continue
        recent = obs[obs.index.year >= obs.index.year.max() - 2]
        factor = to_base(1.0, ext.unit)
        level = float(recent.mean()) * factor
        stale = max(0, first - 1 - int(obs.index.year.max()))
        spread = float(recent.std(ddof=1)) * factor if len(recent) > 1 else 0.0
        sd = max(abs(level) * min_rel * (1 + 0.25 * stale), spread)
        yrs = ", ".join(str(y) for y in recent.index.year)
        moments.append(Moment(f"{indicator} (recent level)", _model_variable(indicator), [first], level, sd,
                              f"history {region} {indicator}: mean of {yrs} = {recent.mean():.4g} {ext.unit}"))
        latest.append(str(pd.Period(ext.used["end"].iloc[-1], "M")))

    if not any(m.variable == "surveyed_unemployment_rate" for m in moments):
        # No published surveyed rate (Jiangxi, Hunan, the cities): hold the model to the region's stated
        # level (data/population.csv or the assumption in data/assumptions.csv) in every simulated year,
        # with a wide sd, so the search cannot trade an exploding unemployment rate for other moments.
        # The level is used only if it refers to a year up to `through` (a back-test must not see later data).
        from jobsim.model.inputs.regions import get_region
        fact = get_region(region).fact("surveyed_unemployment_rate")
        level = float(get_region(region).value("surveyed_unemployment_rate"))
        fact_year = int(str(fact.get("year", "0"))[:4] or 0)
        if through is None or fact_year <= through:
            for y in years:
                moments.append(Moment(f"surveyed_unemployment_rate {y} (stated level)", "surveyed_unemployment_rate",
                                      [y], level, 0.006, f"{fact.get('basis', '')} level for {region} "
                                      f"({fact.get('file', 'data')}, line {fact.get('line', '?')}): {level:.3f}"))
    # Vacancies per searcher at matching, every simulated year, held to the job centres' 求人倍率
    # (sourced quarters; their spread, at least 10% of the level, is the sd): without it the matching
    # function's scale and the vacancy stock are not separately identified.
    from jobsim.model.inputs.market_facts import vacancies_per_job_seeker
    ratios = vacancies_per_job_seeker()
    moments.append(Moment("vacancies per job-seeker (求人倍率)", "vacancies_per_job_seeker", list(years), ratios.mean,
                          max(ratios.sd, 0.1 * ratios.mean),
                          "job centres' vacancies per job-seeker " + ", ".join(
                              f"{p} {v:g}" for p, v in zip(ratios.periods, ratios.values))
                          + " (data/economy/vacancies_per_job_seeker.csv)"))
    ratio = _loans_to_jobs(history, region, through)
    if ratio is not None:
        value, text, end = ratio
        moments.append(Moment("persons supported per yuan of guaranteed loans", "startup_jobs", list(years), value,
                              0.25 * value, text, denominator="guaranteed_loans_issued_yuan"))
        latest.append(end)

    if forecast:
        for indicator in FORECAST_INDICATORS:
            try:
                origin = through if through is not None else None
                horizon = max(1, years[-1] - (origin if origin is not None else first - 1))
                fc = forecast_for(region, indicator, origin=origin, horizon=horizon, history=history)
            except ForecastError:
                continue
            factor = to_base(1.0, fc.unit)
            for _, row in fc.table.iterrows():
                y = int(str(row["period"])[:4])
                if y in years:
                    sd = (row["hi80"] - row["lo80"]) / (2 * 1.2816) * factor
                    moments.append(Moment(f"{indicator} forecast {y}", _model_variable(indicator), [y],
                                          float(row["mean"]) * factor, max(sd, 0.05 * float(row["mean"]) * factor),
                                          f"forecast ({row['model']}) from history through {fc.series.index[-1]}"))
    if not moments:
        raise CalibrationError(f"{region}: no history or forecast to calibrate to"
                               + (f" up to {through}" if through else ""))
    return moments, {"latest_window": max(latest) if latest else None, "through": through}


def _loans_to_jobs(history: pd.DataFrame, region: str, through: int | None) -> tuple[float, str, str] | None:
    """Persons supported per yuan: loan_supported_person_times / guaranteed_loans_issued over a shared window."""
    from jobsim.model.inputs.units import to_base
    h = history[(history["region"] == region) & (history["stat"] == "sum")]
    loans = h[h["indicator"] == "guaranteed_loans_issued"]
    jobs = h[h["indicator"] == "loan_supported_person_times"]
    best = None
    for _, lr in loans.iterrows():
        same = jobs[(jobs["start"] == lr["start"]) & (jobs["end"] == lr["end"])]
        if same.empty or (through is not None and lr["end"].year > through):
            continue
        jr = same.iloc[0]
        value = to_base(jr["value"], jr["unit"]) / to_base(lr["value"], lr["unit"])
        text = (f"history {region}: {jr['value']:g} {jr['unit']} supported by {lr['value']:g} {lr['unit']} "
                f"of loans, {lr['start']}..{lr['end']}")
        if best is None or lr["end"] > best[2]:
            best = (value, text, lr["end"])
    return None if best is None else (best[0], best[1], str(best[2]))


# --- simulation with common random numbers -------------------------------------------------------------

@dataclass(frozen=True)
class SimulationContext:
    """What every candidate's simulation shares: the baseline, the seeds (common random numbers), the
    moments. Passed explicitly to each evaluation (no module global), so evaluations can run in worker
    processes started with fork or spawn alike."""

    region: str
    facts: tuple
    years: list[int]
    levers: dict
    base: dict[str, float]
    names: list[str]
    scale: float
    seeds: list[int]
    moments: list[Moment]
    variables: list[str]
    # The baseline's uncertainties over `years` (calibration years are history years: realised growth).
    gdp_real_growth_percent: dict[int, float] = field(default_factory=dict)
    graduates_multiplier: dict[int, float] = field(default_factory=dict)
    parameter_paths: dict[str, dict[int, float]] = field(default_factory=dict)

    def spec(self, theta: np.ndarray, seed: int) -> RunSpec:
        params = dict(self.base)
        params.update(dict(zip(self.names, map(float, theta))))
        return RunSpec(self.region, self.facts, self.years[0], self.years[-1], self.levers, params,
                       seed=seed, scale=self.scale, gdp_real_growth_percent=self.gdp_real_growth_percent,
                       graduates_multiplier=self.graduates_multiplier, parameter_paths=self.parameter_paths)


def _simulate(ctx: SimulationContext, theta: np.ndarray) -> dict[str, np.ndarray]:
    """Mean yearly values over the calibration seeds for parameter vector theta (common random numbers)."""
    sums: dict[str, np.ndarray] = {}
    for seed in ctx.seeds:
        model = ctx.spec(theta, seed).build()
        model.run()
        for v, yearly_values in region_yearly(model.recorder, ctx.variables).items():
            sums[v] = sums.get(v, 0) + yearly_values
        del model
    # A model is a web of references (Mesa agents point back to it): collect it now, or the arrays of
    # hundreds of evaluated models pile up in each worker before the cyclic collector runs.
    gc.collect()
    return {v: s / len(ctx.seeds) for v, s in sums.items()}


def _distance(ctx: SimulationContext, theta: np.ndarray) -> float:
    sim = _simulate(ctx, theta)
    total = 0.0
    for m in ctx.moments:
        s = m.simulated(sim, ctx.years)
        total += 1e6 if not np.isfinite(s) else ((s - m.target) / m.sd) ** 2
    return float(total)


def calibrate(region: str, through: int | None = None, data_files: list[Path] | None = None,
              replicates: int = 3, maxiter: int = 10, popsize: int = 5, n_draws: int = 40,
              proposals: int = 60, workers: int = 2, seed: int = 20240101, scale: float | None = None,
              years: list[int] | None = None, moments: list[Moment] | None = None,
              parameters: list[str] | None = None, base_values: dict[str, float] | None = None,
              progress=None) -> CalibrationResult:
    """Fit the `calibrate: true` parameters of `region` to its moments; see the module docstring."""
    started = time.perf_counter()
    history = load_history(extra_files=data_files)
    from jobsim.model.inputs.scenario import ScenarioError
    try:
        if years is None:
            if through is None:
                scenario = baseline_scenario(region)
            else:
                scenario = baseline_scenario(region, through + 1, through + 5)
            years = list(range(scenario.period.first_year, scenario.period.last_year + 1))
        else:
            scenario = baseline_scenario(region, years[0], years[-1])
    except ScenarioError as e:
        raise CalibrationError(f"{region}: cannot build the baseline for "
                               f"{'through ' + str(through) if through else 'these years'}: {e}") from None
    pset = load_parameters(region, use_calibrated=False, as_of=years[0])
    names = list(parameters) if parameters else [n for n, p in pset.items() if p.calibrate]
    unknown = [n for n in names if n not in pset]
    if unknown:
        raise CalibrationError(f"unknown parameter(s) {unknown} for {region}")
    base = dict(pset.values, **(base_values or {}))
    bounds = [(pset[n].min, pset[n].max) for n in names]
    vintage = {"latest_window": None, "through": through}
    if moments is None:
        moments, vintage = build_moments(region, years, through, history)
    scale = float(scale or calibration_scale(region))
    variables = sorted({m.variable for m in moments} | {m.denominator for m in moments if m.denominator})
    from jobsim.model.inputs.growth_paths import GrowthPathError
    try:
        uncertainties = scenario_uncertainties(scenario)
    except GrowthPathError as e:
        raise CalibrationError(f"{region}: {e}") from None
    ctx = SimulationContext(region=region, facts=area_facts(region), years=years,
                            levers={lever: scenario.lever_values(lever) for lever in lever_ids()},
                            base=base, names=names, scale=scale, seeds=replicate_seeds(seed, replicates),
                            moments=moments, variables=variables,
                            gdp_real_growth_percent=uncertainties.gdp_real_growth_percent,
                            graduates_multiplier=uncertainties.graduates_multiplier,
                            parameter_paths=uncertainties.parameter_paths)
    distance = partial(_distance, ctx)
    x0 = np.clip(np.array([base[n] for n in names]), [b[0] for b in bounds], [b[1] for b in bounds])
    with evaluator_for(workers, n_tasks=workers) as ev:
        mapper = lambda f, xs: list(ev.map(f, xs))  # noqa: E731 - scipy's `workers` takes a map-like callable
        generation = [0]

        def report(intermediate_result) -> None:
            generation[0] += 1
            if progress:
                progress(f"generation {generation[0]}/{maxiter}: best distance {intermediate_result.fun:.2f} "
                         f"({time.perf_counter() - started:.0f} s)")

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = optimize.differential_evolution(
                distance, bounds, x0=x0, seed=seed, maxiter=maxiter, popsize=popsize, tol=1e-3,
                polish=False, init="sobol", updating="deferred", workers=mapper, callback=report)
        best = result.x
        best_distance = float(result.fun)
        if progress:
            progress(f"search: distance {best_distance:.2f} after {result.nfev} evaluations")
        draws, draw_info = _posterior_draws(distance, best, bounds, mapper, proposals, n_draws, seed)
    sim = _simulate(ctx, best)
    moment_rows = []
    for m in moments:
        s = m.simulated(sim, years)
        row = asdict(m)
        row.update(simulated=s, z=(s - m.target) / m.sd)
        moment_rows.append(row)
    info = {
        "scenario": scenario.name, "years": [years[0], years[-1]], "scale": scale,
        "seeds": ctx.seeds, "evaluations": int(result.nfev) + proposals,
        "seconds": round(time.perf_counter() - started, 1), "data_vintage": vintage,
        "history_files": [str(f) for f in (data_files or [])], "posterior": draw_info,
    }
    return CalibrationResult(region, dict(zip(names, map(float, best))), dict(zip(names, bounds)), moment_rows,
                             best_distance, draws, info)


def _posterior_draws(distance, best, bounds, mapper, proposals, n_draws, seed):
    """Approximate posterior draws: a local Gaussian prior around `best` (sd 3% of each range, truncated to
    the bounds), sampled directly, each draw weighted by the synthetic likelihood exp(-distance / (2 T))."""
    if proposals <= 0 or n_draws <= 0:
        return [], {"method": "none (no draws requested)"}
    rng = np.random.default_rng(seed)
    lo = np.array([b[0] for b in bounds])
    hi = np.array([b[1] for b in bounds])
    sd = (hi - lo) * 0.03
    # Proposals from a Gaussian around the optimum truncated to the bounds (out-of-bounds ones drawn again).
    cand = best + rng.normal(size=(proposals, len(best))) * sd
    for _ in range(50):
        out = np.any((cand < lo) | (cand > hi), axis=1)
        if not out.any():
            break
        cand[out] = best + rng.normal(size=(int(out.sum()), len(best))) * sd
    cand = np.clip(cand, lo, hi)
    dist = np.array(list(mapper(distance, cand)))
    def weights(temperature: float) -> tuple[np.ndarray, float]:
        # The proposal is the (local, Gaussian) prior, so a proposal's weight is its likelihood alone.
        log_w = -0.5 * dist / temperature
        log_w -= log_w.max()
        w = np.exp(log_w)
        w /= w.sum()
        return w, float(1.0 / np.sum(w**2))

    # With few, tight moments the weights collapse onto one or two proposals. The likelihood is then
    # tempered (distance divided by T >= 1, doubling T) until the effective sample size reaches a
    # quarter of the proposals: this widens the approximate posterior, erring on the side of more
    # parameter uncertainty, and T is recorded.
    temperature, (w, ess_untempered) = 1.0, weights(1.0)
    ess = ess_untempered
    while ess < max(2.0, proposals / 4) and temperature < 1024:
        temperature *= 2
        w, ess = weights(temperature)
    pick = rng.choice(len(cand), size=n_draws, replace=True, p=w)
    draws = [{f"p{i}": float(v) for i, v in enumerate(cand[k])} for k in pick]
    return draws, {"method": "local Gaussian prior around the optimum (sd 3% of each range), sampled and "
                             "weighted by the likelihood exp(-distance / (2 T))",
                   "proposals": int(proposals), "temperature": temperature,
                   "effective_sample_size": round(ess, 1),
                   "effective_sample_size_untempered": round(ess_untempered, 1)}


# --- writing ----------------------------------------------------------------------------------------

def result_document(res: CalibrationResult) -> dict:
    pset = load_parameters(res.region, use_calibrated=False)
    names = list(res.values)
    draws = [{names[int(k[1:])]: v for k, v in d.items()} for d in res.draws]
    return {
        "region": res.region,
        "calibrated_on": _dt.date.today().isoformat(),
        "jobsim_version": __version__,
        "method": "method of simulated moments (common random numbers, scipy differential evolution); "
                  "uncertainty by a locally weighted sample around the optimum",
        "distance": round(res.distance, 4),
        "info": res.info,
        "parameters": {
            n: {"value": float(v), "prior_value": pset[n].value, "min": res.bounds[n][0], "max": res.bounds[n][1],
                "unit": pset[n].unit, "source": "calibrated", "note": pset[n].note}
            for n, v in res.values.items()
        },
        "moments": [
            {k: (float(v) if isinstance(v, (float, np.floating)) else v) for k, v in row.items()}
            for row in res.moments
        ],
        "draws": draws,
    }


def write_result(res: CalibrationResult, path: Path | None = None) -> Path:
    """Write the calibrated parameter file atomically (temporary file, then rename)."""
    path = Path(path) if path else calibration_params_dir() / f"{res.region.lower()}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(result_document(res), allow_unicode=True, sort_keys=False, width=110)
    atomic_write_text(path, f"# Calibrated parameters for {res.region}, written by `jobsim calibrate`. "
                            f"Do not edit by hand.\n{text}")
    from jobsim.model.inputs.parameters import _load_cached
    _load_cached.cache_clear()
    return path

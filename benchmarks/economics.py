"""`python -m benchmarks.economics [--quick] [--json FILE] [--replicates N] [--scale S]`: the model's economics.

Measures, on the bundled Jiangxi baseline (the region's baseline of scenarios/index.yaml), the stylised
facts a labour-market model must reproduce (issue 9, "credible economics"; DOMAIN.md "Evidence that pins
the mechanisms"):

a. matching elasticities: OLS of log hires on log vacancies and log searchers per area and month,
   pooled over months, areas and runs at several demand levels (with and without area and month
   fixed effects); the empirical ranges are about 0.3-0.5 and 0.5-0.7, near constant returns
   (Petrongolo & Pissarides 2001);
b. the Beveridge curve: vacancy rate against surveyed unemployment rate across the demand runs;
c. shock responses, paired on the same seeds: permanent labour demand -10% and +10%, a one-year
   growth dip; an Okun-type coefficient;
d. a college-graduate cohort 30% larger;
e. dose-response of every volume lever at 0, 0.5x, 1x and 2x its baseline, paired against 1x;
f. scale invariance: the province's yearly indicators at two scales against their Monte-Carlo error.

Everything is measured by building each run from the public API (`api.load_scenario`, `api.plan`,
`RunSpec.build()`) and stepping the model month by month: after each `model.step()` the market at the
matching stage is read from `model.market_searchers / market_vacancies / market_hires` (per area, in
agents) when the model fills them, else from a wrapper around `model.search_and_match` (searchers =
unemployed, open vacancies after `sync_vacancies`, hires = new firm employees, all by area), else from
the month's flows (unemployed -> firm job). Official indicators are computed by
`jobsim.model.outputs.indicators` (`monthly_indicators`, `region_yearly`), never re-derived here.

Variants are `dataclasses.replace(spec, ...)` of the baseline specs (same seeds: common random numbers).
What a variant needs from the model, and what the harness does when a model does not provide it:

- demand level: parameter `demand_level_shift` (a proportional shift of incumbents' demand);
- growth dip: `RunSpec.gdp_real_growth_percent` when the spec carries a GDP path, else the parameter
  `labour_demand_growth_per_year` lowered in one year (through `RunSpec.parameter_paths` when that field
  exists, else by setting `model.p` at each January while stepping);
- graduates: `RunSpec.graduates_multiplier` when the field exists, else the areas' `graduates_per_year`
  facts scaled.

The tests in tests/model/core/test_stylised_facts.py call the functions of this module.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import resource
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REGION = "Jiangxi"
# Levers dosed in (e); the shares (entrepreneurship_training_share) are not volumes and are left out.
DOSE_LEVERS = ("training_volume_person_times", "loan_issuance_yuan", "public_welfare_post_budget_yuan",
               "internship_posts", "grassroots_posts")
DOSES = (0.0, 0.5, 1.0, 2.0)
# Empirical ranges the tests judge against (Petrongolo & Pissarides 2001, via DOMAIN.md), widened a little
# for "about": vacancies 0.3-0.5 -> 0.25-0.55; searchers 0.5-0.7 -> 0.45-0.75; returns to scale 0.8-1.2.
ELASTICITY_RANGES = {"vacancies": (0.25, 0.55), "searchers": (0.45, 0.75), "sum": (0.8, 1.2)}
YOUTH_AGE_YEARS = 25  # youth = aged under 25 (NBS publishes 16-24)
SCALE_INDICATORS = ("new_urban_jobs", "urban_employed", "surveyed_unemployment_rate",
                    "registered_unemployment_rate", "vacancy_rate")


@dataclass(frozen=True)
class Settings:
    """How much to run. `demand_levels`: the demand shifts pooled for (a) and (b)."""

    name: str = "full"
    replicates: int = 10
    scale: float = 1000.0
    compare_scale: float = 3000.0
    first_year: int = 2021
    last_year: int = 2025
    seed: int = 2021
    use_calibrated: bool = True
    parameter_draws: bool = False
    demand_levels: tuple[float, ...] = (-0.2, -0.1, 0.0, 0.1, 0.2)
    shock: float = 0.10            # permanent demand shock, +-
    dip_year_offset: int = 1       # the growth dip is in first_year + this
    dip_points: float = 5.0        # percentage points of growth lost in the dip year
    graduates_factor: float = 1.3
    dose_levers: tuple[str, ...] = DOSE_LEVERS
    doses: tuple[float, ...] = DOSES

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))


FULL = Settings()
QUICK = Settings(name="quick", replicates=3, scale=3000.0, compare_scale=6000.0, last_year=2022,
                 demand_levels=(-0.1, 0.0, 0.1))


# ---- runs ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Run:
    """A spec to run, and what the harness itself applies while stepping (for models without the
    RunSpec fields): parameter values by year set in `model.p` each January."""

    spec: object
    emulated_paths: Mapping[str, Mapping[int, float]] = field(default_factory=dict)
    note: str = ""


@dataclass
class RunResult:
    """What one run gives the measures (region level unless said; persons unless said)."""

    scale: float
    years: list[int]
    market_source: str
    searchers: np.ndarray      # (months, areas) agents at the matching stage
    vacancies: np.ndarray      # (months, areas) agents
    hires: np.ndarray          # (months, areas) agents hired by the matching
    area_u_rate: np.ndarray    # (months, areas) surveyed unemployment rate (fraction)
    area_v_rate: np.ndarray    # (months, areas) vacancy rate (fraction)
    yearly: dict[str, np.ndarray]  # region by year, `region_yearly`
    monthly_region: dict[str, np.ndarray]  # region by month
    youth_u_rate: np.ndarray   # (months,) urban under-25 unemployment rate
    entrants: float            # persons entering the working population over the run
    cpu_s: float

    @property
    def summary(self) -> dict[str, float]:
        m = self.monthly_region
        spending = sum(v.sum() for k, v in m.items() if k.startswith("spending_"))
        return {
            "new_urban_jobs": float(self.yearly["new_urban_jobs"].sum()),
            "hires": float(self.hires.sum() * self.scale),
            # Jobs held and person-years are the published net measures (every resident employed,
            # interns included) where the model has them; the old model's fallback is all employed.
            "jobs_held_end": float(m.get("jobs_held", m["employed_all"])[-1]),
            "urban_employed_end": float(m["urban_employed"][-1]),
            "employed_all_end": float(m["employed_all"][-1]),
            "person_years": float(m.get("jobs_held", m["employed_all"]).sum() / 12.0),
            "surveyed_rate_pp": float(100.0 * np.mean(self.yearly["surveyed_unemployment_rate"])),
            "youth_rate_pp": float(100.0 * np.nanmean(self.youth_u_rate)),
            "spending_yuan": float(spending),
            "entrants": float(self.entrants),
        }


def baseline_scenario():
    from jobsim.model import api
    from jobsim.model.inputs.scenario_index import baseline_scenario_name, scenario_path

    return api.load_scenario(scenario_path(baseline_scenario_name(REGION)))


def base_specs(settings: Settings, scale: float | None = None) -> list:
    """The baseline's RunSpecs, one per replicate, cut to the settings' period."""
    from jobsim.model import api

    scenario = baseline_scenario()
    plan = api.plan(scenario, replicates=settings.replicates, seed=settings.seed,
                    scale=settings.scale if scale is None else scale,
                    use_calibrated=settings.use_calibrated, parameter_draws=settings.parameter_draws)
    specs = []
    for s in plan.specs:
        if (s.first_year, s.last_year) != (settings.first_year, settings.last_year):
            if not (s.first_year <= settings.first_year <= settings.last_year <= s.last_year):
                raise ValueError(f"period {settings.first_year}-{settings.last_year} is outside the baseline's "
                                 f"{s.first_year}-{s.last_year}")
            s = dataclasses.replace(s, first_year=settings.first_year, last_year=settings.last_year)
        specs.append(s)
    return specs


def _spec_fields(spec) -> set[str]:
    return {f.name for f in dataclasses.fields(spec)}


def with_parameters(spec, **values: float) -> Run:
    return Run(dataclasses.replace(spec, parameters={**dict(spec.parameters), **values}))


def demand_variant(spec, shift: float) -> Run:
    """Incumbents' labour demand permanently (1 + shift) times the baseline's, from the first month."""
    if "demand_level_shift" not in spec.parameters:
        raise ValueError("the model has no parameter demand_level_shift (a permanent proportional shift "
                                  "of labour demand); the demand measures need it")
    base = float(spec.parameters["demand_level_shift"])
    return Run(dataclasses.replace(spec, parameters={**dict(spec.parameters), "demand_level_shift": base + shift}),
               note=f"demand_level_shift {base:+.2f} -> {base + shift:+.2f}")


def growth_dip_variant(spec, year: int, points: float) -> Run:
    """Growth `points` percentage points lower in `year` (the level stays lower after it)."""
    fields = _spec_fields(spec)
    gdp = dict(getattr(spec, "gdp_real_growth_percent", {}) or {})
    if gdp:
        gdp[year] = gdp.get(year, 0.0) - points
        return Run(dataclasses.replace(spec, gdp_real_growth_percent=gdp),
                   note=f"gdp_real_growth_percent[{year}] -{points:g} pp")
    name = "labour_demand_growth_per_year"
    if name not in spec.parameters:
        raise ValueError("the spec has no GDP growth path and no labour_demand_growth_per_year parameter")
    path = {year: float(spec.parameters[name]) - points / 100.0}
    if "parameter_paths" in fields:
        paths = {k: dict(v) for k, v in spec.parameter_paths.items()}
        paths[name] = {**paths.get(name, {}), **path}
        return Run(dataclasses.replace(spec, parameter_paths=paths), note=f"parameter_paths {name}[{year}] -{points:g} pp")
    return Run(spec, emulated_paths={name: path}, note=f"{name}[{year}] -{points:g} pp (set in model.p while stepping)")


def graduates_variant(spec, factor: float) -> Run:
    """A college-graduate cohort `factor` times the data's, every year."""
    if "graduates_multiplier" in _spec_fields(spec):
        years = range(spec.first_year, spec.last_year + 1)
        return Run(dataclasses.replace(spec, graduates_multiplier={y: factor for y in years}),
                   note=f"graduates_multiplier {factor:g}")
    facts = tuple(dataclasses.replace(f, graduates_per_year=f.graduates_per_year * factor) for f in spec.facts)
    return Run(dataclasses.replace(spec, facts=facts), note=f"facts graduates_per_year x{factor:g}")


def lever_variant(spec, lever: str, factor: float) -> Run:
    levers = {k: dict(v) for k, v in spec.levers.items()}
    levers[lever] = {y: v * factor for y, v in levers[lever].items()}
    return Run(dataclasses.replace(spec, levers=levers), note=f"{lever} x{factor:g}")


def _by_area(values: np.ndarray, area: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(area.astype(np.int64), weights=values, minlength=n).astype(float)


def simulate(run: Run | object) -> RunResult:
    """Build the run's model, step it month by month and collect the measures."""
    from jobsim.model.core import agents as A
    from jobsim.model.outputs.indicators import monthly_indicators, region_yearly

    if not isinstance(run, Run):
        run = Run(run)
    t0 = time.process_time()
    model = run.spec.build()
    n_months, n_areas = model.n_months, model.n_areas
    S, V, H = (np.zeros((n_months, n_areas)) for _ in range(3))
    youth = np.full(n_months, np.nan)
    captured: dict[str, np.ndarray] = {}
    sources = set()

    original = getattr(model, "search_and_match", None)
    if original is not None:
        def search_and_match(*args, **kwargs):
            model.sync_vacancies()
            w, f = model.workers, model.firms
            captured["searchers"] = np.bincount(w.area[w.status == A.UNEMPLOYED], minlength=n_areas).astype(float)
            captured["vacancies"] = _by_area(np.asarray(model.vacancies, float), f.area[: len(model.vacancies)], n_areas)
            before = np.bincount(w.area[w.status == A.EMPLOYED_FIRM], minlength=n_areas)
            out = original(*args, **kwargs)
            after = np.bincount(model.workers.area[model.workers.status == A.EMPLOYED_FIRM], minlength=n_areas)
            captured["hires"] = (after - before).astype(float)
            return out
        model.search_and_match = search_and_match

    base_p = {name: model.p.get(name) for name in run.emulated_paths}
    for t in range(n_months):
        if run.emulated_paths and t % 12 == 0:
            year = model.first_year + t // 12
            for name, path in run.emulated_paths.items():
                model.p[name] = path.get(year, base_p[name])
        captured.clear()
        model.step()
        mh = getattr(model, "market_hires", None)
        if mh is not None and (np.any(mh) or np.any(model.market_searchers)):
            S[t], V[t], H[t] = model.market_searchers, model.market_vacancies, mh
            sources.add("model.market_*")
        elif captured:
            S[t], V[t], H[t] = captured["searchers"], captured["vacancies"], captured["hires"]
            sources.add("search_and_match wrapper")
        else:
            flows = model.recorder.flows[model.recorder.t - 1]
            H[t] = flows[:, A.UNEMPLOYED, A.EMPLOYED_FIRM]
            S[t] = model.recorder.stocks[model.recorder.t - 1][:, :, A.UNEMPLOYED].sum(axis=1) + H[t]
            V[t] = model.recorder.extras["vacancies"][model.recorder.t - 1] + H[t]
            sources.add("flows (unemployed -> firm job)")
        w = model.workers
        young = w.urban & (w.status >= 0) & ((model.month - w.birth) < YOUTH_AGE_YEARS * 12)
        u = np.count_nonzero(young & (w.status == A.UNEMPLOYED))
        e = np.count_nonzero(young & np.isin(w.status, A.EMPLOYED_STATUSES))
        youth[t] = u / (u + e) if u + e else np.nan
    if hasattr(model, "run"):
        import mesa

        mesa.Agent._ids.pop(model, None)  # as model.run() does: release Mesa's per-model id counter

    rec = model.recorder
    spending = [k for k in rec.tallies if k.startswith("spending_")]
    names = ("new_urban_jobs", "urban_employed", "surveyed_unemployment_rate", "vacancy_rate", "population_by_status")
    monthly = monthly_indicators(rec, variables=(*names, *spending))
    with_total = monthly["urban_employed"].shape[1] > n_areas
    region_col = 0
    areas = slice(1, None) if with_total else slice(0, None)
    pop = monthly["population_by_status"][:, region_col]  # (time, residence, status)
    region_m = {k: monthly[k][:, region_col] for k in ("new_urban_jobs", "urban_employed", *spending)}
    from jobsim.model.outputs.indicators import FORMULAS
    if "jobs_held" in FORMULAS:
        region_m["jobs_held"] = monthly_indicators(rec, variables=("jobs_held",))["jobs_held"][:, region_col]
    region_m["employed_all"] = pop[:, :, list(A.EMPLOYED_STATUSES)].sum(axis=(1, 2))
    yearly = region_yearly(rec, ("new_urban_jobs", "urban_employed", "surveyed_unemployment_rate",
                                 "registered_unemployment_rate", "vacancy_rate"))
    entrants = float(rec.flows[: rec.t, :, A.ENTRY, :].sum() * rec.scale)
    return RunResult(
        scale=float(rec.scale), years=[rec.first_year + k for k in range(rec.t // 12)],
        market_source=", ".join(sorted(sources)), searchers=S, vacancies=V, hires=H,
        area_u_rate=monthly["surveyed_unemployment_rate"][:, areas], area_v_rate=monthly["vacancy_rate"][:, areas],
        yearly=yearly, monthly_region=region_m, youth_u_rate=youth, entrants=entrants,
        cpu_s=time.process_time() - t0)


def simulate_all(runs: Iterable, log: Callable[[str], None] | None = None, label: str = "") -> list[RunResult]:
    out = []
    runs = list(runs)
    for r in runs:
        out.append(simulate(r))
    if log:
        log(f"  {label}: {len(runs)} run(s), {sum(r.cpu_s for r in out):.1f} s CPU")
    return out


# ---- statistics ------------------------------------------------------------------------------------------

def paired(base: list[RunResult], variant: list[RunResult], key: str) -> tuple[float, float]:
    """Mean and standard error (across replicates) of variant - base of a summary figure."""
    d = np.array([v.summary[key] - b.summary[key] for b, v in zip(base, variant)])
    return float(d.mean()), (float(d.std(ddof=1) / math.sqrt(len(d))) if len(d) > 1 else float("nan"))


def ratio_of_means(num: np.ndarray, den: np.ndarray) -> tuple[float, float]:
    """mean(num) / mean(den) and its delta-method standard error (paired replicates)."""
    n = len(num)
    mn, md = num.mean(), den.mean()
    if n < 2 or md == 0:
        return (float(mn / md) if md else float("nan")), float("nan")
    r = mn / md
    var = (np.var(num, ddof=1) - 2 * r * np.cov(num, den, ddof=1)[0, 1] + r * r * np.var(den, ddof=1)) / (n * md * md)
    return float(r), float(math.sqrt(max(var, 0.0)))


def _ols(y: np.ndarray, X: np.ndarray, groups: np.ndarray):
    import statsmodels.api as sm

    return sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": groups})


def _ppml(y: np.ndarray, X: np.ndarray, groups: np.ndarray):
    """Poisson pseudo-maximum likelihood: the elasticities of E[hires], consistent with zero and small counts."""
    import statsmodels.api as sm

    return sm.GLM(y, X, family=sm.families.Poisson()).fit(cov_type="cluster", cov_kwds={"groups": groups})


def _dummies(codes: np.ndarray) -> np.ndarray:
    """Indicator columns of `codes`, the first level dropped."""
    levels, inv = np.unique(codes, return_inverse=True)
    d = np.zeros((len(codes), len(levels)), float)
    d[np.arange(len(codes)), inv] = 1.0
    return d[:, 1:]


def matching_elasticities(results: list[RunResult]) -> dict:
    """OLS of log hires on log vacancies and log searchers over area-months of all `results`, pooled and with
    area and calendar-month fixed effects; standard errors clustered by run x area."""
    rows = []
    for k, r in enumerate(results):
        T, N = r.hires.shape
        t, a = np.meshgrid(np.arange(T), np.arange(N), indexing="ij")
        rows.append(np.column_stack([r.hires.ravel(), r.vacancies.ravel(), r.searchers.ravel(),
                                     t.ravel(), a.ravel(), np.full(T * N, k)]))
    X = np.concatenate(rows)
    market = (X[:, 1] > 0) & (X[:, 2] > 0)
    ok = market & (X[:, 0] > 0)
    out = {"n": int(ok.sum()), "dropped_zero": int((market & ~ok).sum()),
           "mean_hires_per_cell": float(X[ok, 0].mean()), "market_source": results[0].market_source}
    fits = []
    for estimator, keep in (("ols", ok), ("ppml", market)):
        h, v, s, month, area, run = (X[keep, i] for i in range(6))
        groups = (run * 1000 + area).astype(np.int64)
        base = np.column_stack([np.ones(len(h)), np.log(v), np.log(s)])
        fe = np.column_stack([base, _dummies(area), _dummies(month)])
        for spec, design in (("pooled", base), ("fixed_effects", fe)):
            name = spec if estimator == "ols" else f"ppml_{spec}"
            fits.append((name, _ols(np.log(h), design, groups) if estimator == "ols" else _ppml(h, design, groups)))
    for name, fit in fits:
        b, cov = np.asarray(fit.params), np.asarray(fit.cov_params())
        se = np.sqrt(np.diag(cov))
        out[name] = {"vacancies": float(b[1]), "vacancies_se": float(se[1]),
                     "searchers": float(b[2]), "searchers_se": float(se[2]),
                     "sum": float(b[1] + b[2]), "sum_se": float(math.sqrt(cov[1, 1] + cov[2, 2] + 2 * cov[1, 2])),
                     "r2": float(getattr(fit, "rsquared", float("nan")))}
    return out


def beveridge(results: list[RunResult]) -> dict:
    """Slope and correlation of the vacancy rate on the surveyed unemployment rate: area-months pooled, within
    areas (area means removed), and region-years."""
    u = np.concatenate([r.area_u_rate for r in results])
    v = np.concatenate([r.area_v_rate for r in results])
    area = np.concatenate([np.broadcast_to(np.arange(r.area_u_rate.shape[1]), r.area_u_rate.shape) for r in results])
    run = np.concatenate([np.full(r.area_u_rate.shape, k) for k, r in enumerate(results)])
    ok = np.isfinite(u) & np.isfinite(v)
    u, v, area, run = u[ok], v[ok], area[ok], run[ok]
    groups = (run * 1000 + area).astype(np.int64)
    out = {}

    def fit(x, y, g, name):
        f = _ols(y, np.column_stack([np.ones(len(x)), x]), g)
        out[name] = {"slope": float(f.params[1]), "slope_se": float(f.bse[1]),
                     "corr": float(np.corrcoef(x, y)[0, 1]), "n": int(len(x))}

    fit(u, v, groups, "area_months")
    um = np.array([u[area == a].mean() for a in range(area.max() + 1)])
    vm = np.array([v[area == a].mean() for a in range(area.max() + 1)])
    fit(u - um[area], v - vm[area], groups, "within_area")
    uy = np.concatenate([r.yearly["surveyed_unemployment_rate"] for r in results])
    vy = np.concatenate([r.yearly["vacancy_rate"] for r in results])
    ry = np.concatenate([np.full(len(r.years), k) for k, r in enumerate(results)])
    fit(uy, vy, ry, "region_years")
    return out


# ---- the measures ------------------------------------------------------------------------------------------

SUMMARY_KEYS = ("new_urban_jobs", "hires", "jobs_held_end", "person_years", "surveyed_rate_pp", "spending_yuan")


def demand_runs(settings: Settings, log=None) -> dict[float, list[RunResult]]:
    specs = base_specs(settings)
    return {lvl: simulate_all([demand_variant(s, lvl) if lvl else s for s in specs], log, f"demand {lvl:+.2f}")
            for lvl in settings.demand_levels}


def shock_responses(settings: Settings, base: list[RunResult], log=None, demand: dict | None = None) -> dict:
    """Paired responses to demand -shock and +shock (permanent) and a one-year growth dip."""
    specs = base_specs(settings)
    demand = demand or {}
    out = {}
    dip_year = settings.first_year + settings.dip_year_offset
    variants = {f"demand {-settings.shock:+.0%}": (-settings.shock, None),
                f"demand {settings.shock:+.0%}": (settings.shock, None),
                f"growth dip {dip_year} -{settings.dip_points:g} pp": (None, dip_year)}
    for label, (shift, year) in variants.items():
        if shift is not None:
            runs = [demand_variant(s, shift) for s in specs]
            res = demand.get(shift) or simulate_all(runs, log, label)
        else:
            runs = [growth_dip_variant(s, year, settings.dip_points) for s in specs]
            res = simulate_all(runs, log, label)
        row = {k: paired(base, res, k) for k in (*SUMMARY_KEYS, "employed_all_end")}
        row["note"] = runs[0].note
        if year is not None and year in base[0].years:
            i = base[0].years.index(year)
            d = np.array([100 * (v.yearly["surveyed_unemployment_rate"][i] - b.yearly["surveyed_unemployment_rate"][i])
                          for b, v in zip(base, res)])
            row["surveyed_rate_pp_dip_year"] = (float(d.mean()), float(d.std(ddof=1) / math.sqrt(len(d))) if len(d) > 1 else float("nan"))
            dj = np.array([v.yearly["new_urban_jobs"][i] - b.yearly["new_urban_jobs"][i] for b, v in zip(base, res)])
            bj = np.mean([b.yearly["new_urban_jobs"][i] for b in base])
            row["new_urban_jobs_dip_year_pct"] = (float(100 * dj.mean() / bj), float(100 * dj.std(ddof=1) / math.sqrt(len(dj)) / bj) if len(dj) > 1 else float("nan"))
        out[label] = row
    # Okun-type: percentage points of unemployment per 1% of labour demand (from the symmetric pair).
    down, up = (out[f"demand {-settings.shock:+.0%}"]["surveyed_rate_pp"], out[f"demand {settings.shock:+.0%}"]["surveyed_rate_pp"])
    pct = 100 * settings.shock
    out["okun"] = {"pp_per_1pct_demand_down": (down[0] / -pct, down[1] / pct),
                   "pp_per_1pct_demand_up": (up[0] / pct, up[1] / pct),
                   "pp_per_1pct_demand_symmetric": ((up[0] - down[0]) / (2 * pct), math.hypot(up[1], down[1]) / (2 * pct))}
    return out


def graduate_cohort(settings: Settings, base: list[RunResult], log=None) -> dict:
    specs = base_specs(settings)
    runs = [graduates_variant(s, settings.graduates_factor) for s in specs]
    res = simulate_all(runs, log, f"graduates x{settings.graduates_factor:g}")
    out = {k: paired(base, res, k) for k in ("surveyed_rate_pp", "youth_rate_pp", "new_urban_jobs", "jobs_held_end",
                                             "employed_all_end", "entrants")}
    extra = np.array([v.summary["entrants"] - b.summary["entrants"] for b, v in zip(base, res)])
    held = np.array([v.summary["employed_all_end"] - b.summary["employed_all_end"] for b, v in zip(base, res)])
    out["share_of_extra_entrants_in_jobs_held"] = ratio_of_means(held, extra)
    out["note"] = runs[0].note
    return out


def dose_response(settings: Settings, base: list[RunResult], log=None, levers: Iterable[str] | None = None) -> dict:
    """Per lever and dose: paired differences against 1x (mean, se), cost per additional job-year, and the
    curvature contrast C = (E2 - E1) - (E1 - E0) of person-years and jobs held (C < 0: diminishing returns)."""
    specs = base_specs(settings)
    out = {}
    for lever in (levers or settings.dose_levers):
        res_by = {1.0: base}
        for dose in settings.doses:
            if dose != 1.0:
                res_by[dose] = simulate_all([lever_variant(s, lever, dose) for s in specs], log, f"{lever} x{dose:g}")
        rows = {}
        for dose, res in res_by.items():
            if dose == 1.0:
                continue
            row = {k: paired(base, res, k) for k in ("new_urban_jobs", "jobs_held_end", "person_years",
                                                    "surveyed_rate_pp", "spending_yuan")}
            dsp = np.array([v.summary["spending_yuan"] - b.summary["spending_yuan"] for b, v in zip(base, res)])
            dpy = np.array([v.summary["person_years"] - b.summary["person_years"] for b, v in zip(base, res)])
            row["cost_per_job_year_yuan"] = ratio_of_means(dsp, dpy)
            rows[dose] = row
        curv = {}
        if {0.0, 2.0} <= set(res_by):
            for key in ("person_years", "jobs_held_end"):
                c = np.array([(r2.summary[key] - r1.summary[key]) - (r1.summary[key] - r0.summary[key])
                              for r0, r1, r2 in zip(res_by[0.0], res_by[1.0], res_by[2.0])])
                e10 = np.array([r1.summary[key] - r0.summary[key] for r0, r1 in zip(res_by[0.0], res_by[1.0])])
                sem = lambda x: float(x.std(ddof=1) / math.sqrt(len(x))) if len(x) > 1 else float("nan")  # noqa: E731
                curv[key] = {"effect_1x_over_0": (float(e10.mean()), sem(e10)), "curvature": (float(c.mean()), sem(c))}
        out[lever] = {"doses": rows, "curvature": curv,
                      "baseline_per_year": float(np.mean(list(specs[0].levers[lever].values())))}
    return out


def scale_invariance(settings: Settings, base: list[RunResult], log=None) -> dict:
    """The province's yearly indicators at `settings.scale` (base) and `settings.compare_scale`: difference of
    the replicate means against its Monte-Carlo standard error."""
    other = simulate_all(base_specs(settings, scale=settings.compare_scale), log, f"scale {settings.compare_scale:g}")
    rows = {}
    for name in SCALE_INDICATORS:
        a = np.array([r.yearly[name] for r in base])
        b = np.array([r.yearly[name] for r in other])
        for i, year in enumerate(base[0].years):
            d = b[:, i].mean() - a[:, i].mean()
            se = math.sqrt(a[:, i].var(ddof=1) / len(a) + b[:, i].var(ddof=1) / len(b)) if len(a) > 1 else float("nan")
            rows[(name, year)] = {"at_scale": float(a[:, i].mean()), "at_compare_scale": float(b[:, i].mean()),
                                  "diff": float(d), "se": se, "z": float(d / se) if se else float("nan"),
                                  "rel_diff": float(d / a[:, i].mean()) if a[:, i].mean() else float("nan")}
    for key in ("new_urban_jobs", "surveyed_rate_pp", "jobs_held_end"):
        a = np.array([r.summary[key] for r in base])
        b = np.array([r.summary[key] for r in other])
        d = b.mean() - a.mean()
        se = math.sqrt(a.var(ddof=1) / len(a) + b.var(ddof=1) / len(b)) if len(a) > 1 else float("nan")
        rows[(key, "period")] = {"at_scale": float(a.mean()), "at_compare_scale": float(b.mean()), "diff": float(d),
                                 "se": se, "z": float(d / se) if se else float("nan"),
                                 "rel_diff": float(d / a.mean()) if a.mean() else float("nan")}
    return {"scales": (settings.scale, settings.compare_scale), "rows": rows}


TRAINING_HORIZONS = (3, 6, 12, 24, 36, 48)  # months since the course started
TRAINING_COHORT_MONTHS = 6  # trainees and controls are taken in the run's first six months


def training_profile_one(spec, horizons=TRAINING_HORIZONS, cohort_months: int = TRAINING_COHORT_MONTHS) -> dict:
    """Training's effect on its participants' employment by months since their course began, within one
    run. The programme draws its unemployed trainees at random from the unemployed who are not recent
    graduates, so the searchers of that group it did not draw in the same month are a valid control:
    effect(h) = P(employed h months later | trained) - P(employed | not drawn). Returns, per horizon,
    (employed trainees, trainees, employed controls, controls) still in the population."""
    from jobsim.model.core import agents as A

    model = spec.build()
    employed = np.array(A.EMPLOYED_STATUSES)
    cohorts: list[tuple[int, np.ndarray, np.ndarray]] = []
    counts: dict[int, list[int]] = {h: [0, 0, 0, 0] for h in horizons}
    for k in range(model.n_months):
        w = model.workers
        if k < cohort_months:
            recent = (model.month + 1 - w.grad_month) <= int(round(model.p["recent_graduate_months"]))
            before = w.uid[(w.status == A.UNEMPLOYED) & ~recent]
        model.step()
        w = model.workers
        if k < cohort_months:
            started = w.uid[(w.status == A.IN_TRAINING) & (w.since == model.month)]
            treated = np.intersect1d(before, started)
            cohorts.append((k, treated, np.setdiff1d(before, started)))
        for k0, treated, control in cohorts:
            h = k - k0
            if h in counts:
                for slot, group in ((0, treated), (2, control)):
                    present = np.isin(w.uid, group)
                    counts[h][slot] += int(np.count_nonzero(present & np.isin(w.status, employed)))
                    counts[h][slot + 1] += int(np.count_nonzero(present))
    import mesa

    mesa.Agent._ids.pop(model, None)
    return counts


def training_profile(settings: Settings, log=None) -> dict:
    """The training effect by horizon (pp, mean and standard error across replicates) against the
    evidence: about zero or negative while in class, +2-5 pp at two to three years (CKW 2018)."""
    specs = base_specs(settings)
    by_h: dict[int, list[float]] = {}
    n_treated: dict[int, int] = {}
    t0 = time.process_time()
    for spec in specs:
        for h, (et, nt, ec, nc) in training_profile_one(spec).items():
            if nt and nc:
                by_h.setdefault(h, []).append(100.0 * (et / nt - ec / nc))
                n_treated[h] = n_treated.get(h, 0) + nt
    if log:
        log(f"  training profile: {len(specs)} run(s), {time.process_time() - t0:.1f} s CPU")
    out = {}
    for h, d in sorted(by_h.items()):
        d = np.array(d)
        se = float(d.std(ddof=1) / math.sqrt(len(d))) if len(d) > 1 else float("nan")
        out[h] = {"effect_pp": (float(d.mean()), se), "trainees": n_treated[h]}
    return out


def measure(settings: Settings, log: Callable[[str], None] | None = None, parts: Iterable[str] | None = None) -> dict:
    """Every measure (or `parts` of: matching, beveridge, shocks, graduates, doses, scale)."""
    parts = set(parts or ("matching", "beveridge", "shocks", "graduates", "doses", "training", "scale"))
    t0, c0 = time.time(), time.process_time()
    report: dict = {"settings": dataclasses.asdict(settings)}
    demand = demand_runs(settings, log) if parts & {"matching", "beveridge", "shocks"} else {}
    base = demand.get(0.0) or simulate_all(base_specs(settings), log, "baseline")
    report["market_source"] = base[0].market_source
    report["baseline"] = {k: float(np.mean([r.summary[k] for r in base])) for k in base[0].summary}
    pooled = [r for res in demand.values() for r in res]
    if "matching" in parts:
        report["matching"] = matching_elasticities(pooled)
    if "beveridge" in parts:
        report["beveridge"] = beveridge(pooled)
    if "shocks" in parts:
        report["shocks"] = shock_responses(settings, base, log, demand)
    if "graduates" in parts:
        report["graduates"] = graduate_cohort(settings, base, log)
    if "doses" in parts:
        report["doses"] = dose_response(settings, base, log)
    if "training" in parts:
        report["training"] = training_profile(settings, log)
    if "scale" in parts:
        report["scale"] = scale_invariance(settings, base, log)
    report["wall_s"] = time.time() - t0
    report["cpu_s"] = time.process_time() - c0
    report["machine"] = {"load_average": os.getloadavg(), "python": sys.version.split()[0]}
    return report


# ---- formatting --------------------------------------------------------------------------------------------

def _f(x: float, nd: int = 3) -> str:
    return "nan" if x is None or not math.isfinite(x) else f"{x:,.{nd}f}"


def _pm(pair: tuple[float, float], nd: int = 3, unit: float = 1.0) -> str:
    m, s = pair
    return f"{_f(m / unit, nd)} ± {_f(s / unit, nd)}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def format_report(report: dict) -> str:
    s = report["settings"]
    out = [f"# jobsim economics ({s['name']}): {REGION} {s['first_year']}-{s['last_year']}, 1:{s['scale']:g}, "
           f"{s['replicates']} replicates, seed {s['seed']}, calibrated={s['use_calibrated']}, "
           f"draws={s['parameter_draws']}",
           f"market read from: {report.get('market_source', '?')}; CPU {report['cpu_s']:.0f} s, wall {report['wall_s']:.0f} s",
           "", "Figures are mean ± standard error across replicates (paired differences on the same seeds).", ""]
    b = report["baseline"]
    out += ["## Baseline", _table(["new urban jobs (万, period)", "hires (万, period)", "jobs held end (万)",
                                   "surveyed rate (%)", "youth rate <25 (%)", "spending (亿 yuan)"],
                                  [[_f(b["new_urban_jobs"] / 1e4, 1), _f(b["hires"] / 1e4, 1), _f(b["jobs_held_end"] / 1e4, 1),
                                    _f(b["surveyed_rate_pp"], 2), _f(b["youth_rate_pp"], 2), _f(b["spending_yuan"] / 1e8, 1)]]), ""]
    if "matching" in report:
        m = report["matching"]
        rows = [[k, f"{_f(m[k]['vacancies'])} ({_f(m[k]['vacancies_se'])})", f"{_f(m[k]['searchers'])} ({_f(m[k]['searchers_se'])})",
                 f"{_f(m[k]['sum'])} ({_f(m[k]['sum_se'])})", _f(m[k]["r2"])]
                for k in ("pooled", "fixed_effects", "ppml_pooled", "ppml_fixed_effects")]
        rows.append(["empirical (P&P 2001)", "0.3-0.5", "0.5-0.7", "≈1", ""])
        out += ["## (a) Matching elasticities: log hires on log vacancies, log searchers (SE clustered by run x area)",
                _table(["specification", "vacancies", "searchers", "sum (returns to scale)", "R²"], rows),
                f"{m['n']} area-months ({m['dropped_zero']} with a zero dropped), mean hires per cell "
                f"{_f(m['mean_hires_per_cell'], 1)} agents; demand levels {s['demand_levels']}. OLS drops the cells with "
                "no hire (biased when counts are small); PPML (Poisson pseudo-ML, same regressors) keeps them.", ""]
    if "beveridge" in report:
        bv = report["beveridge"]
        out += ["## (b) Beveridge curve: vacancy rate on surveyed unemployment rate (expected slope < 0)",
                _table(["sample", "slope", "corr", "n"],
                       [[k, _pm((bv[k]["slope"], bv[k]["slope_se"])), _f(bv[k]["corr"]), str(bv[k]["n"])] for k in bv]), ""]
    if "shocks" in report:
        sh = report["shocks"]
        rows = []
        for label, r in sh.items():
            if label == "okun":
                continue
            rows.append([label, _pm(r["new_urban_jobs"], 2, 1e4), _pm(r["hires"], 2, 1e4), _pm(r["jobs_held_end"], 2, 1e4),
                         _pm(r["person_years"], 2, 1e4), _pm(r["surveyed_rate_pp"], 3), r["note"]])
        out += ["## (c) Shock responses, paired against the baseline",
                _table(["shock", "Δ new urban jobs (万)", "Δ hires (万)", "Δ jobs held end (万)", "Δ person-years (万)",
                        "Δ surveyed rate (pp)", "how"], rows)]
        for label, r in sh.items():
            if "surveyed_rate_pp_dip_year" in r:
                out.append(f"{label}: in the dip year Δ surveyed rate {_pm(r['surveyed_rate_pp_dip_year'])} pp, "
                           f"Δ new urban jobs {_pm(r['new_urban_jobs_dip_year_pct'], 1)} %")
        ok = sh["okun"]
        out += ["", "Okun-type coefficient, pp of the surveyed rate per 1% of labour demand: "
                f"down {_pm(ok['pp_per_1pct_demand_down'])}, up {_pm(ok['pp_per_1pct_demand_up'])}, "
                f"symmetric {_pm(ok['pp_per_1pct_demand_symmetric'])}", ""]
    if "graduates" in report:
        g = report["graduates"]
        out += [f"## (d) Graduate cohort x{s['graduates_factor']:g} ({g['note']})",
                _table(["Δ surveyed rate (pp)", "Δ youth <25 rate (pp)", "Δ new urban jobs (万)", "Δ jobs held end (万)",
                        "Δ employed end, all (万)", "extra entrants (万)", "share of extra entrants in jobs held"],
                       [[_pm(g["surveyed_rate_pp"]), _pm(g["youth_rate_pp"]), _pm(g["new_urban_jobs"], 2, 1e4),
                         _pm(g["jobs_held_end"], 2, 1e4), _pm(g["employed_all_end"], 2, 1e4), _pm(g["entrants"], 2, 1e4),
                         _pm(g["share_of_extra_entrants_in_jobs_held"])]]), ""]
    if "doses" in report:
        rows, crow = [], []
        for lever, d in report["doses"].items():
            for dose, r in sorted(d["doses"].items()):
                rows.append([lever, f"{float(dose):g}x", _pm(r["new_urban_jobs"], 2, 1e4), _pm(r["jobs_held_end"], 2, 1e4),
                             _pm(r["person_years"], 2, 1e4), _pm(r["surveyed_rate_pp"]), _pm(r["spending_yuan"], 2, 1e8),
                             _pm(r["cost_per_job_year_yuan"], 0)])
            for key, c in d["curvature"].items():
                crow.append([lever, key, _pm(c["effect_1x_over_0"], 2, 1e4), _pm(c["curvature"], 2, 1e4)])
        out += ["## (e) Dose-response, paired against 1x (the baseline)",
                _table(["lever", "dose", "Δ new urban jobs (万)", "Δ jobs held end (万)", "Δ person-years (万)",
                        "Δ surveyed rate (pp)", "Δ spending (亿)", "Δ spending / Δ person-years (yuan)"], rows), "",
                "Diminishing returns: curvature C = (E2x - E1x) - (E1x - E0) (万; C < 0: diminishing)",
                _table(["lever", "outcome", "effect of 1x over 0 (万)", "curvature C (万)"], crow), ""]
    if "training" in report:
        rows = [[str(h), _pm(r["effect_pp"], 2), str(r["trainees"])] for h, r in sorted(report["training"].items(), key=lambda kv: int(kv[0]))]
        out += ["## (g) Training effect on its participants by months since the course began (pp; evidence: about 0 "
                "or negative in class, +2-5 pp at 24-36 months, CKW 2018)",
                _table(["months", "effect (pp)", "trainees followed"], rows), ""]
    if "scale" in report:
        sc = report["scale"]
        def shown(name, x):  # rates in %, persons in 万
            return _f(100 * x, 3) + "%" if name.endswith("rate") else (_f(x, 3) if name.endswith("_pp") else _f(x / 1e4, 2))
        rows = [[n, str(y), shown(n, r["at_scale"]), shown(n, r["at_compare_scale"]), f"{_f(100 * r['rel_diff'], 2)}%",
                 _f(r["z"], 2)] for (n, y), r in sc["rows"].items()]
        out += [f"## (f) Scale invariance: 1:{sc['scales'][0]:g} vs 1:{sc['scales'][1]:g} (z = difference / MC standard error)",
                _table(["indicator (万 or %)", "year", f"1:{sc['scales'][0]:g}", f"1:{sc['scales'][1]:g}", "rel. diff", "z"], rows), ""]
    return "\n".join(out)


def _jsonable(x):
    if isinstance(x, dict):
        return {(" ".join(map(str, k)) if isinstance(k, tuple) else str(k)): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, (np.floating, np.integer)):
        return x.item()
    return x


def write_json_atomic(report: dict, path: str | Path) -> Path:
    """Write the report as JSON to a temporary file beside `path`, then rename it over `path`."""
    from jobsim.model.outputs.atomic import atomic_write_text

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_text(path, json.dumps(_jsonable(report), indent=2, ensure_ascii=False, allow_nan=True) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.economics", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small run (1:3000, 3 replicates, 2 years)")
    parser.add_argument("--json", metavar="FILE", help="also save the results as JSON (written atomically)")
    parser.add_argument("--replicates", type=int)
    parser.add_argument("--scale", type=float)
    parser.add_argument("--compare-scale", type=float, help="the second scale of (f)")
    parser.add_argument("--last-year", type=int)
    parser.add_argument("--uncalibrated", action="store_true", help="bundled parameters, not the calibrated file")
    parser.add_argument("--draws", action="store_true", help="one calibrated posterior draw per replicate")
    parser.add_argument("--parts", help="comma-separated subset of matching,beveridge,shocks,graduates,doses,scale")
    args = parser.parse_args(argv)
    s = QUICK if args.quick else FULL
    changes = {k: v for k, v in (("replicates", args.replicates), ("scale", args.scale),
                                 ("compare_scale", args.compare_scale), ("last_year", args.last_year)) if v is not None}
    if args.uncalibrated:
        changes["use_calibrated"] = False
    if args.draws:
        changes["parameter_draws"] = True
    s = dataclasses.replace(s, **changes)
    report = measure(s, log=lambda msg: print(msg, file=sys.stderr, flush=True),
                     parts=args.parts.split(",") if args.parts else None)
    report["machine"]["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(format_report(report), flush=True)
    if args.json:
        print(f"results saved to {write_json_atomic(report, args.json)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

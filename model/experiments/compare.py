"""Comparing scenarios: one Dataset with a `scenario` dimension holding, per scenario, each target's
probability of being met, the headline measures (median and 10-90% range), spending per programme, and
against the baseline the paired difference with its standard error and the cost per additional job.

New urban jobs (城镇新增就业) is a gross flow: a person laid off and re-hired within the year counts
again, so a lever that creates churn can raise it without adding a job held (DOMAIN.md, "Gross and
net"). Each scenario is therefore set against the baseline on four measures side by side:

- counted new urban jobs over the period (the official gross flow, summed over the years);
- jobs held at the end of the period (`jobs_held` in the last December: every employed person);
- person-years employed over the period (`person_years_employed`, summed: the mean month-end jobs
  held of each year, added over the years);
- the surveyed unemployment rate, averaged over the period's years (each year the mean of its months).

Pairing. A scenario's effect on a measure is the mean over replicates of its difference from the
baseline's replicate run with the same seed (common random numbers: every per-agent draw is a hash of
the seed, so a difference is the levers' and not the random draws'), and its standard error is the
standard deviation of those differences over the square root of their number. `compare_scenarios`
runs every scenario with the same replicate seeds: the `seed` given, else the baseline's (a scenario
whose own file gives another seed runs with the baseline's, and the comparison's `notes` say so), and
likewise one number of replicates and one scale. Two ensembles read from files whose replicate seeds
differ (or that have different numbers of replicates) cannot be paired: the effect is then the
difference of the means and the standard error Welch's, sqrt(var_a/n_a + var_b/n_b), and `paired`
says False.

Noise. A difference smaller than NOISE_SE_MULTIPLE standard errors is marked "within noise; more
replicates needed", with the replicates that would resolve it if the difference and the spread of the
replicate differences stayed as they are: n_needed = ceil(n * (2 * SE / |diff|)^2) (the standard error
falls as 1/sqrt(n)). A difference of exactly 0 with a positive standard error cannot be resolved by any
number of replicates.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from jobsim.model import __version__
from jobsim.model.inputs.registry import indicators, label
from jobsim.model.inputs.scenario import Scenario, ScenarioError
from jobsim.model.outputs.comparison_report import NOTES_SEPARATOR
from jobsim.model.outputs.results import SPENDING, display_unit, period_totals, reusing_yearly

SEED_VARIABLE = "replicate_seed"
# |difference| below this many standard errors is "within noise" (about a 95% interval that includes 0).
NOISE_SE_MULTIPLE = 2.0
WITHIN_NOISE = "within noise; more replicates needed"
QUANTILES = (0.1, 0.5, 0.9)
NO_SEED = -1  # replicate_seed of a replicate a scenario does not have (ensembles of different sizes), or unknown
SPENDING_PREFIX, SPENDING_SUFFIX = "spending_", "_yuan"
SPENDING_UNIT = "100M yuan"
COST_UNIT = "yuan"
DIFF_OF_RATE_UNIT = "percentage points"  # a difference of two rates in percent


@dataclass(frozen=True)
class Measure:
    """One measure the comparison reports: its column stem, the output variable, and how the period is read."""

    column: str
    variable: str
    over_period: str  # how period_totals reads it (flows summed, rates averaged, stocks at the end)


MEASURES = (
    Measure("new_urban_jobs", "new_urban_jobs", "total over the period (gross flow)"),
    Measure("jobs_held_end", "jobs_held", "at the end of the period"),
    Measure("person_years", "person_years_employed", "total over the period"),
    Measure("surveyed_unemployment", "surveyed_unemployment_rate", "mean over the period"),
)
# The measure each cost is per: (variable of the Dataset, measure column).
COSTS = (
    ("cost_per_extra_job", "new_urban_jobs"),
    ("cost_per_extra_job_held", "jobs_held_end"),
    ("cost_per_extra_job_year", "person_years"),
)
# Column suffix of each planners' unit (the legacy frame's columns are in that unit).
_SUFFIX = {"10k persons": "10k", "10k person-years": "10k", "percent": "pct"}
# A difference of rates is in percentage points, not percent.
_DIFF_SUFFIX = {"percent": "pp"}


def measure_columns(m: Measure) -> tuple[str, str, str, str]:
    """(level column, difference column, its standard-error column, planners' unit of the level) of `compare`'s frame."""
    unit, _ = display_unit(m.variable)
    s = _SUFFIX.get(unit, unit.replace(" ", "_"))
    d = _DIFF_SUFFIX.get(unit, s)
    return f"{m.column}_{s}", f"{m.column}_diff_{d}", f"{m.column}_diff_se_{d}", unit


def diff_unit(unit: str) -> str:
    """The unit of a difference of values in `unit` (percentage points for percent)."""
    return DIFF_OF_RATE_UNIT if unit == "percent" else unit


def _seeds(ds: xr.Dataset) -> np.ndarray | None:
    return np.asarray(ds[SEED_VARIABLE].values).ravel() if SEED_VARIABLE in ds else None


def is_paired(a: xr.Dataset, b: xr.Dataset) -> bool:
    """Whether two ensembles ran the same replicates: the same replicate seeds, in the same order."""
    sa, sb = _seeds(a), _seeds(b)
    return sa is not None and sb is not None and len(sa) == len(sb) and bool(np.array_equal(sa, sb))


def difference(x: np.ndarray, base: np.ndarray, paired: bool) -> tuple[float, float]:
    """(effect, standard error) of x against base: paired by replicate, or as two independent samples."""
    x, base = np.asarray(x, float), np.asarray(base, float)
    if paired:
        d = x - base
        se = np.std(d, ddof=1) / np.sqrt(len(d)) if len(d) > 1 else np.nan
        return float(np.mean(d)), float(se)
    if len(x) < 2 or len(base) < 2:
        return float(np.mean(x) - np.mean(base)), np.nan
    se = np.sqrt(np.var(x, ddof=1) / len(x) + np.var(base, ddof=1) / len(base))
    return float(np.mean(x) - np.mean(base)), float(se)


def within_noise(diff: float, se: float) -> bool:
    """Whether |diff| < NOISE_SE_MULTIPLE standard errors (False when the standard error is unknown)."""
    return bool(np.isfinite(se) and np.isfinite(diff) and abs(diff) < NOISE_SE_MULTIPLE * se)


def replicates_needed(n: int, diff: float, se: float) -> float:
    """The replicates that would bring the standard error below |diff| / NOISE_SE_MULTIPLE if the spread of the
    replicate differences stayed as it is: ceil(n * (2 * se / |diff|)^2); inf for a difference of exactly 0
    (no number resolves it), NaN when the difference is not within noise."""
    if not within_noise(diff, se):
        return math.nan
    if diff == 0:
        return math.inf
    return float(math.ceil(n * (NOISE_SE_MULTIPLE * se / abs(diff)) ** 2))


def noise_note(n: int, diff: float, se: float, is_baseline: bool) -> str:
    """What a difference can be read as: '' (resolved), the within-noise mark with the replicates that would
    resolve it, or why there is no verdict (the baseline itself; one replicate)."""
    if is_baseline:
        return "baseline"
    if not np.isfinite(se):
        return "no standard error (needs at least 2 replicates, paired)" if np.isfinite(diff) else ""
    if not within_noise(diff, se):
        return ""
    needed = replicates_needed(n, diff, se)
    if math.isinf(needed):
        return f"{WITHIN_NOISE}: the difference is exactly 0, which no number of replicates can resolve"
    return (f"{WITHIN_NOISE}: about {int(needed)} replicates would resolve it "
            f"(n_needed = ceil(n * (2 * SE / |diff|)^2) with n = {n})")


# ---- the comparison Dataset ----------------------------------------------------------------------


def _values(t: pd.DataFrame, variable: str, n: int) -> np.ndarray:
    return t[variable].to_numpy(dtype=float) if variable in t else np.full(n, np.nan)


def _quantiles(values: np.ndarray) -> list[float]:
    return [float(v) for v in np.quantile(values, QUANTILES)] if len(values) else [np.nan] * len(QUANTILES)


def programme_of(variable: str) -> str:
    """'spending_training_yuan' -> 'training'."""
    return variable[len(SPENDING_PREFIX):-len(SPENDING_SUFFIX)]


def _title(scenario: Scenario | None, lang: str) -> str:
    if scenario is None or scenario.title is None:
        return ""
    return str(getattr(scenario.title, lang))


def _scenario_of(ds: xr.Dataset) -> Scenario | None:
    """The scenario a result file records (its `scenario` attribute), or None (a Dataset built by hand)."""
    from jobsim.model.inputs.scenario import scenario_from_yaml

    text = ds.attrs.get("scenario")
    if not isinstance(text, str):
        return None
    try:
        return scenario_from_yaml(text, source="<scenario attribute>")
    except ScenarioError:
        return None


def _target_key(t) -> str:
    period = f"{t.start_year}" if t.start_year == t.end_year else f"{t.start_year}-{t.end_year}"
    return f"{t.indicator}@{t.area}:{period}{t.comparison}{t.value:g}"


def _union_targets(scenarios: Sequence[Scenario | None]) -> list:
    """Every target any scenario states, in first-seen order (the same plan's targets usually: one set)."""
    seen, out = set(), []
    for s in scenarios:
        for t in (s.target_list() if s is not None else []):
            if t not in seen:
                seen.add(t)
                out.append(t)
    return out


def _target_variables(names: list[str], datasets: Mapping[str, xr.Dataset],
                      scenarios: Mapping[str, Scenario | None]) -> tuple[dict, dict]:
    """(data variables, coordinates) of the targets: every target of any scenario judged against every run."""
    from jobsim.model.outputs.scenario_targets import scenario_targets

    targets = _union_targets([scenarios.get(n) for n in names])
    keys, used = [], set()
    for t in targets:
        key, k = _target_key(t), 2
        while key in used:  # the same figure with another tolerance or wording: keep both, told apart
            key, k = f"{_target_key(t)}#{k}", k + 1
        used.add(key)
        keys.append(key)
    shape = (len(names), len(targets))
    numbers = {v: np.full(shape, np.nan) for v in ("probability", "median", "p10", "p90", "scenario_value",
                                                     "scenario_meets")}
    status = np.full(shape, "", dtype=object)
    stated = np.zeros(shape, dtype=bool)
    table = None
    for i, name in enumerate(names):
        s = scenarios.get(name)
        if s is None or not targets:
            status[i, :] = "no scenario recorded"
            continue
        own = set(s.target_list())
        # Judge every target of the comparison, not only the scenario's own (they are facts of the plan);
        # model_copy keeps the validated scenario, whose region and period every target already fits.
        table = scenario_targets(datasets[name], s.model_copy(update={"targets": tuple(targets)}))
        for j, t in enumerate(targets):
            r = table.iloc[j]
            for v in ("probability", "median", "p10", "p90", "scenario_value"):
                numbers[v][i, j] = float(r[v]) if r[v] is not None and pd.notna(r[v]) else np.nan
            meets = r["scenario_meets"]
            numbers["scenario_meets"][i, j] = np.nan if meets is None or pd.isna(meets) else float(bool(meets))
            status[i, j] = str(r["status"])
            stated[i, j] = t in own
    dims = ("scenario", "target")
    ind = indicators()
    data = {
        "target_probability": (dims, numbers["probability"], {
            "long_name": "probability of meeting the target", "long_name_zh": "达成目标的概率", "units": "1",
            "definition": "share of replicates that meet the target (NaN: set by the scenario, or not judged)"}),
        "target_status": (dims, status.astype(str), {
            "long_name": "how the target was judged", "long_name_zh": "目标的判断方式",
            "definition": "'evaluated', 'set by the scenario' (a lever input: met by the planner's choice), "
                          "'not modelled', or why the run cannot judge it"}),
        "target_median": (dims, numbers["median"], {"long_name": "the model's median of the target's figure",
                                                    "units": "the target's unit (target_unit)"}),
        "target_p10": (dims, numbers["p10"], {"long_name": "10th percentile of the target's figure"}),
        "target_p90": (dims, numbers["p90"], {"long_name": "90th percentile of the target's figure"}),
        "target_scenario_value": (dims, numbers["scenario_value"], {
            "long_name": "the scenario's own value of a target it sets", "units": "the target's unit (target_unit)"}),
        "target_scenario_meets": (dims, numbers["scenario_meets"], {
            "long_name": "whether the scenario's own value meets a target it sets", "units": "1",
            "definition": "1 yes, 0 no, NaN not a target the scenario sets"}),
        "target_stated": (dims, stated, {
            "long_name": "whether the scenario's own file states the target",
            "definition": "every target of any scenario is judged against every run"}),
    }

    def col(f) -> list:
        return [f(t) for t in targets]

    coords = {
        "target": ("target", np.array(keys, dtype=str)),
        "target_indicator": ("target", np.array(col(lambda t: t.indicator), dtype=str)),
        "target_label_zh": ("target", np.array(col(lambda t: str(ind.at[t.indicator, "label_zh"])
                                                   if t.indicator in ind.index else ""), dtype=str)),
        "target_label_en": ("target", np.array(col(lambda t: str(ind.at[t.indicator, "label_en"])
                                                   if t.indicator in ind.index else ""), dtype=str)),
        "target_area": ("target", np.array(col(lambda t: t.area), dtype=str)),
        "target_period": ("target", np.array(col(lambda t: f"{t.start_year}" if t.start_year == t.end_year
                                                 else f"{t.start_year}-{t.end_year}"), dtype=str)),
        "target_basis": ("target", np.array(col(lambda t: t.basis), dtype=str)),
        "target_comparison": ("target", np.array(col(lambda t: t.comparison), dtype=str)),
        "target_value": ("target", np.array(col(lambda t: float(t.value)), dtype=float)),
        "target_unit": ("target", np.array(col(lambda t: t.unit), dtype=str)),
        "target_reading": ("target", np.array(list(table["reading"]) if table is not None else [""] * len(targets),
                                              dtype=str)),
        "target_assumption": ("target", np.array(col(lambda t: bool(t.assumption)), dtype=bool)),
    }
    return data, coords


@reusing_yearly  # each run's yearly figures serve its totals and its targets
def comparison_dataset(datasets: Mapping[str, xr.Dataset], baseline: str | None = None,
                       scenarios: Mapping[str, Scenario | None] | None = None,
                       sources: Mapping[str, str] | None = None, area: str | None = None,
                       notes: Sequence[str] = ()) -> xr.Dataset:
    """The comparison of ensembles (name -> run Dataset) against `baseline` (default: the first), as one
    Dataset with dims scenario (the baseline first), measure, programme, target and replicate:

    - per measure of MEASURES (in planners' units, `measure_unit`): `level_p10`, `level_median`, `level_p90`
      over replicates, `difference` from the baseline and its standard error `difference_se` (in
      `measure_diff_unit`: percentage points for the rate), `within_noise`, `replicates_needed` (inf: a
      difference of exactly 0; NaN: not within noise), `noise_note`, and each replicate's figure (`replicate_value`);
    - spending per programme (`spending`, median, 100M yuan) and its paired `spending_difference`;
      `spending_total`, `extra_cost` (± `extra_cost_se`), and the cost per additional counted job, job held at
      the end and job-year (yuan; NaN for the baseline and where the addition is not positive);
    - per target, `target_probability` (NaN for a target the scenario sets: see `target_status`) and the
      model's median and range of its figure;
    - `paired` (the same replicate seeds as the baseline) and `replicates` per scenario.

    `scenarios` (name -> Scenario) gives the targets; without it each run's recorded scenario is used (none:
    no targets). `sources` names each scenario's file; `notes` are kept in the attribute `notes`."""
    names = list(datasets)
    if not names:
        raise ValueError("comparison: no scenarios given; give at least one run")
    baseline = names[0] if baseline is None else baseline
    if baseline not in datasets:
        raise ValueError(f"comparison: baseline {baseline!r} is not one of the runs given ({', '.join(names)})")
    names = [baseline, *(n for n in names if n != baseline)]
    base_ds = datasets[baseline]
    area = area or str(base_ds["area"].values[0])
    scenarios = {n: (scenarios or {}).get(n) or _scenario_of(datasets[n]) for n in names}
    totals = {n: period_totals(datasets[n], area) for n in names}
    counts = [len(totals[n]) for n in names]
    n_max = max(counts)
    base_t, n_base = totals[baseline], len(totals[baseline])
    paired = [is_paired(datasets[n], base_ds) for n in names]

    S, M, P = len(names), len(MEASURES), len(SPENDING)
    level = {q: np.full((S, M), np.nan) for q in QUANTILES}
    diff, se, needed = (np.full((S, M), np.nan) for _ in range(3))
    noisy = np.zeros((S, M), dtype=bool)
    note = np.full((S, M), "", dtype=object)
    per_replicate = np.full((S, M, n_max), np.nan)
    seeds = np.full((S, n_max), NO_SEED, dtype=np.int64)
    spend, spend_diff, spend_diff_se = (np.full((S, P), np.nan) for _ in range(3))
    spend_total, extra, extra_se = (np.full(S, np.nan) for _ in range(3))
    costs = {c: np.full(S, np.nan) for c, _ in COSTS}
    base_spend = _total_spending(base_t, n_base)
    for i, name in enumerate(names):
        t, n = totals[name], counts[i]
        s = _seeds(datasets[name])
        if s is not None:
            seeds[i, :len(s)] = s.astype(np.int64)
        effects = {}
        for j, m in enumerate(MEASURES):
            _, factor = display_unit(m.variable)
            values, base = _values(t, m.variable, n), _values(base_t, m.variable, n_base)
            per_replicate[i, j, :n] = values * factor
            for q, v in zip(QUANTILES, _quantiles(values * factor)):
                level[q][i, j] = v
            d, e = difference(values, base, paired[i])
            d, e = d * factor, e * factor
            diff[i, j], se[i, j] = d, e
            effects[m.column] = d / factor  # base units, for the costs
            is_base = name == baseline
            noisy[i, j] = within_noise(d, e) and not is_base
            needed[i, j] = replicates_needed(n, d, e) if not is_base else np.nan
            note[i, j] = noise_note(n, d, e, is_base)
        for k, variable in enumerate(SPENDING):
            _, factor = display_unit(variable)
            values = _values(t, variable, n)
            spend[i, k] = float(np.median(values)) * factor
            d, e = difference(values, _values(base_t, variable, n_base), paired[i])
            spend_diff[i, k], spend_diff_se[i, k] = d * factor, e * factor
        total = _total_spending(t, n)
        spend_total[i] = float(np.median(total)) * display_unit(SPENDING[0])[1]
        extra_cost, extra_cost_se = difference(total, base_spend, paired[i])  # yuan
        extra[i], extra_se[i] = (v * display_unit(SPENDING[0])[1] for v in (extra_cost, extra_cost_se))
        for c, column in COSTS:
            added = effects[column]
            costs[c][i] = extra_cost / added if name != baseline and added > 0 else np.nan  # NaN > 0 is False

    measure_units = [display_unit(m.variable)[0] for m in MEASURES]
    level_attrs = {"units_coordinate": "measure_unit", "cell_methods": "replicate: quantile"}
    data = {
        "replicates": ("scenario", np.array(counts, dtype=np.int64), {"long_name": "replicates run"}),
        "paired": ("scenario", np.array(paired, dtype=bool), {
            "long_name": "paired with the baseline", "definition": "the same replicate seeds as the baseline, in "
            "the same order: differences are replicate by replicate; else Welch's two-sample standard error"}),
        "seed": ("scenario", np.array([int(datasets[n].attrs.get("seed", NO_SEED)) for n in names], dtype=np.int64), {
            "long_name": "the ensemble's seed", "definition": f"replicate seeds are spawned from it; {NO_SEED}: not recorded"}),
        "scale": ("scenario", np.array([float(datasets[n].attrs.get("scale", np.nan)) for n in names]), {
            "long_name": "persons per agent", "units": "persons"}),
        "replicate_seed": (("scenario", "replicate"), seeds, {
            "long_name": "replicate seed", "definition": f"{NO_SEED}: no such replicate, or not recorded"}),
        "level_p10": (("scenario", "measure"), level[QUANTILES[0]], {**level_attrs, "long_name": "10th percentile"}),
        "level_median": (("scenario", "measure"), level[QUANTILES[1]], {**level_attrs, "long_name": "median"}),
        "level_p90": (("scenario", "measure"), level[QUANTILES[2]], {**level_attrs, "long_name": "90th percentile"}),
        "difference": (("scenario", "measure"), diff, {
            "units_coordinate": "measure_diff_unit", "long_name": "mean difference from the baseline",
            "long_name_zh": "与基线之差（均值）",
            "definition": "paired: the mean of the replicate-by-replicate differences; else the difference of means"}),
        "difference_se": (("scenario", "measure"), se, {
            "units_coordinate": "measure_diff_unit", "long_name": "standard error of the difference", "long_name_zh": "标准误",
            "definition": "paired: sd(replicate differences) / sqrt(n); else Welch's"}),
        "within_noise": (("scenario", "measure"), noisy, {
            "long_name": WITHIN_NOISE, "definition": f"|difference| < {NOISE_SE_MULTIPLE:g} x difference_se"}),
        "replicates_needed": (("scenario", "measure"), needed, {
            "long_name": "replicates that would resolve a difference within noise",
            "definition": "ceil(n * (2 * SE / |diff|)^2), if the spread of the replicate differences stayed as it "
                          "is; inf: the difference is exactly 0 and no number resolves it; NaN: not within noise"}),
        "noise_note": (("scenario", "measure"), note.astype(str), {"long_name": "how the difference can be read"}),
        "replicate_value": (("scenario", "measure", "replicate"), per_replicate, {
            "units_coordinate": "measure_unit", "long_name": "each replicate's figure over the period"}),
        "spending": (("scenario", "programme"), spend, {
            "units": SPENDING_UNIT, "long_name": "spending over the period (median over replicates)",
            "long_name_zh": "期内支出（中位数）"}),
        "spending_difference": (("scenario", "programme"), spend_diff, {
            "units": SPENDING_UNIT, "long_name": "spending difference from the baseline"}),
        "spending_difference_se": (("scenario", "programme"), spend_diff_se, {
            "units": SPENDING_UNIT, "long_name": "standard error of the spending difference"}),
        "spending_total": ("scenario", spend_total, {
            "units": SPENDING_UNIT, "long_name": "all programmes' spending over the period (median)"}),
        "extra_cost": ("scenario", extra, {
            "units": SPENDING_UNIT, "long_name": "extra spending against the baseline", "long_name_zh": "新增支出"}),
        "extra_cost_se": ("scenario", extra_se, {"units": SPENDING_UNIT,
                                                 "long_name": "standard error of the extra spending"}),
        "cost_per_extra_job": ("scenario", costs["cost_per_extra_job"], {
            "units": COST_UNIT, "long_name": "cost per additional counted new urban job",
            "long_name_zh": "每新增一个城镇新增就业的成本", "definition": "extra_cost / difference in new urban jobs "
            "(gross flow); NaN for the baseline and where the difference is not positive"}),
        "cost_per_extra_job_held": ("scenario", costs["cost_per_extra_job_held"], {
            "units": COST_UNIT, "long_name": "cost per additional job held at the end",
            "long_name_zh": "每新增一个期末在岗就业的成本",
            "definition": "extra_cost / difference in jobs held at the end; NaN where not positive"}),
        "cost_per_extra_job_year": ("scenario", costs["cost_per_extra_job_year"], {
            "units": COST_UNIT, "long_name": "cost per additional job-year (person-year employed)",
            "long_name_zh": "每新增一个就业人年的成本",
            "definition": "extra_cost / difference in person-years employed; NaN where not positive"}),
    }
    coords = {
        "scenario": ("scenario", np.array(names, dtype=str)),
        "scenario_title_zh": ("scenario", np.array([_title(scenarios[n], "zh") for n in names], dtype=str)),
        "scenario_title_en": ("scenario", np.array([_title(scenarios[n], "en") for n in names], dtype=str)),
        "scenario_source": ("scenario", np.array([(sources or {}).get(n, "") for n in names], dtype=str)),
        "is_baseline": ("scenario", np.array([n == baseline for n in names], dtype=bool)),
        "measure": ("measure", np.array([m.column for m in MEASURES], dtype=str)),
        "measure_variable": ("measure", np.array([m.variable for m in MEASURES], dtype=str)),
        "measure_label_zh": ("measure", np.array([label(m.variable, "zh") for m in MEASURES], dtype=str)),
        "measure_label_en": ("measure", np.array([label(m.variable, "en") for m in MEASURES], dtype=str)),
        "measure_over_period": ("measure", np.array([m.over_period for m in MEASURES], dtype=str)),
        "measure_unit": ("measure", np.array(measure_units, dtype=str)),
        "measure_diff_unit": ("measure", np.array([diff_unit(u) for u in measure_units], dtype=str)),
        "programme": ("programme", np.array([programme_of(v) for v in SPENDING], dtype=str)),
        "programme_variable": ("programme", np.array(list(SPENDING), dtype=str)),
        "programme_label_zh": ("programme", np.array([label(v, "zh") for v in SPENDING], dtype=str)),
        "programme_label_en": ("programme", np.array([label(v, "en") for v in SPENDING], dtype=str)),
        "replicate": ("replicate", np.arange(n_max)),
    }
    target_data, target_coords = _target_variables(names, datasets, scenarios)
    data.update(target_data)
    coords.update(target_coords)
    ds = xr.Dataset(data, coords=coords)
    first = base_ds["time"].dt.year.values
    ds.attrs = {
        "title": "jobsim scenario comparison",
        "Conventions": str(base_ds.attrs.get("Conventions", "CF-1.10")),
        "history": (f"jobsim {__version__}: {S} scenarios compared against {baseline!r} "
                    f"({'paired by replicate seed' if all(paired) else 'not all paired'})"),
        "baseline": baseline,
        "region": str(base_ds.attrs.get("region", area)),
        "area": area,
        "first_year": int(first.min()),
        "last_year": int(first.max()),
        "seed": int(base_ds.attrs["seed"]) if "seed" in base_ds.attrs else NO_SEED,
        "scale": float(base_ds.attrs["scale"]) if "scale" in base_ds.attrs else math.nan,
        "replicates": int(n_base),
        "paired": int(all(paired)),  # NetCDF attributes hold no booleans
        "noise_rule": (f"|difference| < {NOISE_SE_MULTIPLE:g} standard errors: '{WITHIN_NOISE}', with "
                       "n_needed = ceil(n * (2 * SE / |diff|)^2) replicates to resolve it (the standard error falls "
                       "as 1/sqrt(n)); a difference of exactly 0 cannot be resolved by any number"),
        "notes": NOTES_SEPARATOR.join(notes),
        "jobsim_version": __version__,
    }
    return ds


def _total_spending(t: pd.DataFrame, n: int) -> np.ndarray:
    present = [v for v in SPENDING if v in t]
    return t[present].sum(axis=1).to_numpy(dtype=float) if present else np.full(n, np.nan)


def comparison_frame(ds: xr.Dataset) -> pd.DataFrame:
    """A comparison Dataset as `compare`'s table: one row per scenario (the baseline first) with, per measure,
    `<measure>_<unit>` (the median), `<measure>_diff_<unit>` and `<measure>_diff_se_<unit>`; `new_jobs_p10`,
    `new_jobs_p90`; `spending_100m_yuan`, `extra_cost_100m_yuan`, `cost_per_extra_job_yuan`,
    `cost_per_extra_job_held_yuan`, `cost_per_extra_job_year_yuan`."""
    rows = []
    for i, name in enumerate(ds["scenario"].values):
        row: dict[str, object] = {"scenario": str(name), "replicates": int(ds["replicates"].values[i]),
                                  "paired": bool(ds["paired"].values[i])}
        for j, m in enumerate(MEASURES):
            lvl, d, se, _ = measure_columns(m)
            row[lvl] = float(ds["level_median"].values[i, j])
            if m.column == "new_urban_jobs":
                row["new_jobs_p10"] = float(ds["level_p10"].values[i, j])
                row["new_jobs_p90"] = float(ds["level_p90"].values[i, j])
            row[d], row[se] = float(ds["difference"].values[i, j]), float(ds["difference_se"].values[i, j])
        row["spending_100m_yuan"] = float(ds["spending_total"].values[i])
        row["extra_cost_100m_yuan"] = float(ds["extra_cost"].values[i])
        for c, _ in COSTS:
            row[f"{c}_yuan"] = float(ds[c].values[i])
        rows.append(row)
    return pd.DataFrame(rows)


def compare(datasets: dict, area: str | None = None) -> pd.DataFrame:
    """Scenario comparison against the first (the baseline), one row per scenario (the baseline's
    differences are 0): `comparison_frame` of `comparison_dataset`. A measure a Dataset lacks (a result file
    written before it existed) is NaN."""
    return comparison_frame(comparison_dataset(datasets, area=area))


# ---- planning and running a comparison -----------------------------------------------------------


class ComparisonError(Exception):
    """Scenarios that cannot be compared: every problem, each naming the file and the field (`issues`:
    (file, field, message) triples)."""

    def __init__(self, issues: Sequence[tuple[str, str, str]]):
        self.issues = list(issues)
        super().__init__("\n".join(f"{f}: {field}: {msg}" if field else f"{f}: {msg}" for f, field, msg in self.issues))


@dataclass(frozen=True)
class ComparisonPlan:
    """The scenarios of a comparison (the baseline first), validated, and the one seed, number of replicates
    and scale they all run with; `notes` say where a scenario's own file was overridden to pair them."""

    scenarios: tuple[Scenario, ...]
    sources: tuple[str, ...]  # each scenario's file, or '<given>' for a Scenario passed in
    replicates: int
    seed: int
    scale: float
    area: str
    notes: tuple[str, ...]

    @property
    def baseline(self) -> Scenario:
        return self.scenarios[0]

    @property
    def runs(self) -> int:
        return self.replicates * len(self.scenarios)


GIVEN = "<given>"


def _load(item: Scenario | str | Path) -> tuple[Scenario | None, str, list[tuple[str, str, str]]]:
    """(scenario, source, problems) of one item: a Scenario, or a scenario file that must exist and validate."""
    from jobsim.model.inputs.scenario import load_scenario

    if isinstance(item, Scenario):
        return item, GIVEN, []
    path = Path(item)
    if not path.exists():
        return None, str(path), [(str(path), "", "no such file")]
    if not path.is_file():
        return None, str(path), [(str(path), "", "is not a file (give a scenario file, .yaml)")]
    try:
        return load_scenario(path), str(path), []
    except ScenarioError as err:
        return None, str(path), [(str(path), field, msg) for field, msg in err.issues]
    except FileNotFoundError:
        return None, str(path), [(str(path), "", "no such file")]


def _same_file(a: str, b: str) -> bool:
    try:
        return a != GIVEN and b != GIVEN and Path(a).resolve() == Path(b).resolve()
    except OSError:
        return False


def plan_comparison(items: Sequence[Scenario | str | Path], baseline: Scenario | str | Path | None = None,
                    replicates: int | None = None, seed: int | None = None, scale: float | None = None,
                    area: str | None = None) -> ComparisonPlan:
    """Check everything a comparison needs before any simulation: every file loads and validates, the
    baseline is found (a scenario name among those given, a file among them, or a file besides them: it is
    then run too), names are distinct, every scenario is of the baseline's region and period; replicates,
    seed and scale are allowed (ChoiceError), and `area` is an area of the region. ComparisonError lists every
    problem, each naming the file and the field.

    Pairing: every scenario runs with `seed`, `replicates` and `scale` when given, else the baseline's; a
    scenario whose own file says otherwise is run with the baseline's figure, and `notes` say so."""
    from jobsim.model.inputs.choices import check_area, check_replicates, check_scale, check_seed

    if replicates is not None:
        replicates = check_replicates(replicates)
    if seed is not None:
        seed = check_seed(seed)
    if scale is not None:
        scale = check_scale(scale)
    loaded, problems = [], []
    for item in items:
        s, source, found = _load(item)
        problems += found
        loaded.append((s, source))
    base_index = 0
    if baseline is not None:
        base_index = _find_baseline(baseline, loaded, problems)
    if problems:
        raise ComparisonError(problems)
    if len(loaded) < 2:
        raise ComparisonError([(loaded[0][1] if loaded else GIVEN, "",
                                "a comparison needs at least two scenarios: a baseline and one to set against it")])
    order = [loaded[base_index], *(x for k, x in enumerate(loaded) if k != base_index)]
    base, base_source = order[0]
    by_name: dict[str, str] = {}
    for s, source in order:
        if s.name in by_name:
            same = _same_file(source, by_name[s.name])
            problems.append((source, "name", f"{s.name!r} is also the name of {by_name[s.name]}"
                             + ("(the same file given twice)" if same else "") +
                             "; every scenario of a comparison needs its own name"))
        by_name.setdefault(s.name, source)
        if s is base:
            continue
        if s.region != base.region:
            problems.append((source, "region", f"{s.region} differs from the baseline's {base.region} "
                             f"({base.name}, {base_source}); every scenario of a comparison must be of one region"))
        if (s.period.first_year, s.period.last_year) != (base.period.first_year, base.period.last_year):
            problems.append((source, "period", f"{s.period} differs from the baseline's {base.period} "
                             f"({base.name}, {base_source}); every scenario of a comparison must cover one period"))
    if problems:
        raise ComparisonError(problems)
    if scale is not None:
        scale = check_scale(scale, base.region)
    if area is not None:
        area = check_area(base.region, area)
    notes = []
    for field, given, unit in (("seed", seed, ""), ("replicates", replicates, ""), ("scale", scale, " persons per agent")):
        if given is not None:
            continue  # asked for on the command line (or by the caller): every scenario runs with it
        chosen = getattr(base, field)
        others = [(s.name, getattr(s, field)) for s, _ in order if getattr(s, field) != chosen]
        if others:
            notes.append(f"every scenario ran with the baseline's {field} ({chosen:g}{unit}), so that the runs are "
                         "paired: " + ", ".join(f"{n}'s own file gives {v:g}" for n, v in others))
    return ComparisonPlan(
        scenarios=tuple(s for s, _ in order), sources=tuple(src for _, src in order),
        replicates=int(replicates if replicates is not None else base.replicates),
        seed=int(seed if seed is not None else base.seed),
        scale=float(scale if scale is not None else base.scale), area=area or base.region,
        notes=tuple(notes))


def _find_baseline(baseline: Scenario | str | Path, loaded: list, problems: list) -> int:
    """Where the baseline is in `loaded` (appending it when it is a file or Scenario besides those given)."""
    if isinstance(baseline, Scenario):
        for k, (s, _) in enumerate(loaded):
            if s is baseline or (s is not None and s == baseline):
                return k
        loaded.append((baseline, GIVEN))
        return len(loaded) - 1
    text = str(baseline)
    for k, (s, source) in enumerate(loaded):  # a name among the scenarios given
        if s is not None and s.name == text:
            return k
    for k, (_, source) in enumerate(loaded):  # a file among them
        if _same_file(source, text):
            return k
    path = Path(text)
    if path.suffix in (".yaml", ".yml") or path.exists():  # a file besides them: run it too
        s, source, found = _load(path)
        if found:
            problems += [(src, field, f"{msg} (the baseline)") for src, field, msg in found]
        loaded.append((s, source))
        return len(loaded) - 1
    names = [s.name for s, _ in loaded if s is not None]
    problems.append(("--baseline" if not names else text, "",
                     f"baseline {text!r} is neither a scenario name among those given ({', '.join(names)}) nor a "
                     "scenario file"))
    return 0


def comparison_runs(plan: ComparisonPlan, workers: int = 1, evaluator=None, use_calibrated: bool = True,
                    parameter_draws: bool = True, progress: Callable[[int, int], None] | None = None) -> dict[str, xr.Dataset]:
    """Run every scenario of `plan` with the plan's seed, replicates and scale (so every replicate pairs with
    the baseline's): {scenario name: its ensemble}, the baseline first. Every ensemble is planned before the
    first simulation starts (a growth path that does not cover the period is reported before any work).
    `progress(done, total)` counts runs over all the scenarios."""
    from jobsim.model.experiments.ensemble import plan_ensemble, run_plan

    plans = [plan_ensemble(s, plan.replicates, plan.seed, plan.scale, use_calibrated, parameter_draws)
             for s in plan.scenarios]
    datasets: dict[str, xr.Dataset] = {}
    for k, (scenario, p) in enumerate(zip(plan.scenarios, plans)):
        done_before = k * plan.replicates

        def step(done: int, total: int, offset: int = done_before) -> None:
            if progress is not None:
                progress(offset + done, plan.runs)

        datasets[scenario.name] = run_plan(p, evaluator=evaluator, workers=workers, progress=step)
    return datasets


def compare_runs(plan: ComparisonPlan, datasets: Mapping[str, xr.Dataset]) -> xr.Dataset:
    """The comparison of `plan` from its scenarios' ensembles (`comparison_runs`, or ensembles kept from before)."""
    return comparison_dataset(datasets, baseline=plan.baseline.name,
                              scenarios={s.name: s for s in plan.scenarios},
                              sources=dict(zip((s.name for s in plan.scenarios), plan.sources)),
                              area=plan.area, notes=plan.notes)


def run_comparison(plan: ComparisonPlan, workers: int = 1, evaluator=None, use_calibrated: bool = True,
                   parameter_draws: bool = True, progress: Callable[[int, int], None] | None = None) -> xr.Dataset:
    """Run every scenario of `plan` (`comparison_runs`) and compare them (`compare_runs`)."""
    return compare_runs(plan, comparison_runs(plan, workers, evaluator, use_calibrated, parameter_draws, progress))


def compare_scenarios(scenarios: Sequence[Scenario | str | Path], baseline: Scenario | str | Path | None = None,
                      replicates: int | None = None, seed: int | None = None, scale: float | None = None,
                      workers: int = 1, area: str | None = None, evaluator=None, use_calibrated: bool = True,
                      parameter_draws: bool = True, progress: Callable[[int, int], None] | None = None) -> xr.Dataset:
    """Run and compare scenarios (Scenario objects or files) against a baseline (default: the first), paired
    by replicate seed: `plan_comparison` (every check, before any simulation) then `run_comparison`."""
    plan = plan_comparison(scenarios, baseline, replicates, seed, scale, area)
    return run_comparison(plan, workers=workers, evaluator=evaluator, use_calibrated=use_calibrated,
                          parameter_draws=parameter_draws, progress=progress)

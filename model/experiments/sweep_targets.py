"""The probability of meeting each target in every sample of a sweep store: the share of the sample's
replicates whose figure meets it, judged by the rules a run's targets are judged by (floors, ceilings,
tolerances, totals, each-year and end-level bases: model/outputs/results.py).

    p = sweep_target_probabilities("jiangxi_training_x_loans.zarr")     # the base scenario's targets
    p["probability"].sel(target=0)          # (sample): P(>= 200万 new urban jobs over 2021-2025)
    met = p["probability"] >= 0.8           # where the target is met with at least 80% probability

A probability from r replicates moves in steps of 1/r, and its sampling error is about sqrt(p(1-p)/r)
(`probability_se`): with 4 replicates a "100%" is 4 of 4, no firmer than that. The replicates pair across
samples (common random numbers), so neighbouring samples differ by their levers, not by their luck.
Targets the store cannot judge (an indicator it did not keep, an area or year outside it) are listed with
the reason in `status` and a NaN probability.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from jobsim.model.experiments.sweep import DONE, SweepStoreError, load_sweep
from jobsim.model.inputs.registry import indicators
from jobsim.model.inputs.targets import Target, reading
from jobsim.model.inputs.units import to_base
from jobsim.model.outputs.results import meets_target, target_statistic

EVALUATED = "evaluated"


def base_scenario_of(ds: xr.Dataset):
    """The sweep's base scenario as the store recorded it (its content, not today's file)."""
    import json

    from jobsim.model.inputs.scenario import scenario_from_dict

    return scenario_from_dict(json.loads(ds.attrs["sweep"])["base_scenario"])


def _status(ds: xr.Dataset, t: Target) -> str:
    kept = set(ds.data_vars)
    years = {int(y) for y in ds["year"].values}
    if t.indicator not in kept:
        return f"not in the store: the sweep kept {', '.join(sorted(v for v in kept if v in indicators().index))}"
    if t.area not in {str(a) for a in ds["area"].values}:
        return f"area {t.area} not in the store"
    if not set(range(t.start_year, t.end_year + 1)) <= years:
        return f"years {t.start_year}-{t.end_year} outside the store's {min(years)}-{max(years)}"
    return EVALUATED


def sweep_target_probabilities(store, targets: list[Target] | None = None) -> xr.Dataset:
    """Dataset (sample, target): `probability` of meeting each target, its binomial standard error
    `probability_se`, the median of the judged figure (`median`, in the target's unit; for an each-year
    target the worst year's), with each target's indicator, area, period, comparison, value, unit, reading
    and status as coordinates along `target`, and the sweep's factors along `sample`. `targets` default to
    the base scenario's. SweepStoreError for an incomplete store (the probabilities of missing samples
    would be read as zeros)."""
    ds = load_sweep(store)
    done = np.asarray(ds[DONE].values)
    if (done == 0).any():
        raise SweepStoreError(f"{store} is incomplete: {int((done == 0).sum()):,} of {done.size:,} samples are "
                              "missing; rerun the sweep with the same file and --out to finish it")
    if targets is None:
        targets = base_scenario_of(ds).target_list()
    n, r = ds.sizes["sample"], ds.sizes["replicate"]
    prob = np.full((n, len(targets)), np.nan)
    median = np.full((n, len(targets)), np.nan)
    statuses = []
    for j, t in enumerate(targets):
        status = _status(ds, t)
        statuses.append(status)
        if status != EVALUATED:
            continue
        stat = target_statistic(ds[t.indicator].sel(area=t.area).load(), t) / to_base(1.0, t.unit)
        meets = meets_target(stat, t)
        prob[:, j] = meets.mean("replicate").values
        if "year" in stat.dims:  # each year: the worst year's figure
            stat = stat.min("year") if t.comparison == ">=" else stat.max("year")
        median[:, j] = stat.median("replicate").values
    factors = {name: ds[name] for name in ds.coords if "sample" in ds[name].dims and name != "sample"}
    return xr.Dataset(
        {"probability": (("sample", "target"), prob, {"long_name": "probability of meeting the target",
                                                       "units": "1", "replicates": r}),
         "probability_se": (("sample", "target"), np.sqrt(prob * (1 - prob) / r),
                            {"long_name": "binomial standard error of the probability", "units": "1"}),
         "median": (("sample", "target"), median, {"long_name": "median of the judged figure, in the target's unit"})},
        coords={"sample": ds["sample"].values, **{k: ("sample", v.values, v.attrs) for k, v in factors.items()},
                "target": np.arange(len(targets)),
                "target_indicator": ("target", [t.indicator for t in targets]),
                "target_area": ("target", [t.area for t in targets]),
                "target_period": ("target", [f"{t.start_year}" if t.start_year == t.end_year
                                             else f"{t.start_year}-{t.end_year}" for t in targets]),
                "target_basis": ("target", [t.basis for t in targets]),
                "target_comparison": ("target", [t.comparison for t in targets]),
                "target_value": ("target", [float(t.value) for t in targets]),
                "target_unit": ("target", [t.unit for t in targets]),
                "target_reading": ("target", [reading(t) for t in targets]),
                "target_status": ("target", statuses)},
        attrs={"store": str(store), "replicates": r, "base_scenario": str(ds.attrs.get("base_scenario", "")),
               "rule": "share of each sample's replicates that meet the target (model/outputs/results.py rules)"})

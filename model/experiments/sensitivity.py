"""Sensitivity indices of a sweep store: Sobol (first and total order, with confidence intervals) or Morris
(mu*, sigma), matching the design that made the store.

The model output analysed is, per sample, the **mean over the replicates** of one indicator in one area,
in one year or over the whole period (flows summed over the years, rates averaged, stocks at the last
year: the indicator's kind); the replicates share their seeds across samples (common random numbers), so
the mean's noise largely cancels between samples. SALib computes the indices (SALib.analyze.sobol on a
Saltelli design, SALib.analyze.morris on a Morris design), with bootstrap confidence intervals at
CONFIDENCE_LEVEL from RESAMPLES resamples drawn with a seed derived from the sweep's.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from jobsim.model.experiments.sweep import DONE, design_seed, load_sweep
from jobsim.model.inputs.choices import ChoiceError

CONFIDENCE_LEVEL = 0.95
RESAMPLES = 1000  # bootstrap resamples for the confidence intervals (SALib's default is 100: too coarse at 95%)
METHODS = {"sobol": ("S1", "S1_conf", "ST", "ST_conf"), "morris": ("mu", "mu_star", "sigma", "mu_star_conf")}
WHOLE_PERIOD = "period"


class SensitivityError(Exception):
    """A store the indices cannot be computed from (a design without them, an incomplete store)."""


def sensitivity(store, indicator: str, year: int | None = None, area: str | None = None) -> pd.DataFrame:
    """One row per factor: Sobol S1, S1_conf, ST, ST_conf or Morris mu, mu_star, sigma, mu_star_conf (as the
    store's design allows), of the replicate mean of `indicator` in `area` (default: the region, the store's
    first area) in `year` (default: over the whole period, by the indicator's kind). The table's `attrs`
    say what was analysed. ChoiceError for an unknown indicator, year or area (listing the allowed ones);
    SensitivityError for a design without indices or an incomplete store."""
    from SALib.analyze import morris, sobol

    ds = load_sweep(store)
    method = str(ds.attrs["design"])
    if method not in METHODS:
        raise SensitivityError(f"{store} was made by a {method} design, which has no sensitivity indices; "
                               "use a sobol or morris design (design: {method: sobol, n: 64} or "
                               "{method: morris, trajectories: 20, levels: 4}) and run the sweep again")
    kept = list(json.loads(ds.attrs["sweep"])["indicators"])  # in the sweep file's order
    if indicator not in kept:
        raise ChoiceError(f"indicator {indicator!r} is not in {store}; its indicators: {', '.join(kept)}")
    areas = [str(a) for a in ds["area"].values]
    area = areas[0] if area is None else area
    if area not in areas:
        raise ChoiceError(f"area {area!r} is not in {store}; its areas: {', '.join(areas)}")
    years = [int(y) for y in ds["year"].values]
    if year is not None and int(year) not in years:
        raise ChoiceError(f"year {year} is not in {store}; its years: {', '.join(map(str, years))} "
                          "(or leave out the year for the whole period)")
    done = np.asarray(ds[DONE].values)
    missing = int((done == 0).sum())
    if missing:
        raise SensitivityError(f"{store} is incomplete: {missing:,} of {done.size:,} samples are missing; rerun "
                               "the sweep with the same file and --out to finish it, then ask again")
    da = ds[indicator].sel(area=area)
    kind = str(da.attrs.get("kind", "flow"))
    if year is not None:
        per_run = da.sel(year=int(year))
    elif kind == "flow":
        per_run = da.sum("year")
    elif kind == "rate":
        per_run = da.mean("year")
    else:  # a stock: its level at the end
        per_run = da.isel(year=-1)
    y = np.asarray(per_run.mean("replicate").values, dtype=np.float64)
    factors = json.loads(ds.attrs["factors"])
    names = [f["field"] for f in factors]
    problem = {"num_vars": len(names), "names": names, "bounds": [[f["low"], f["high"]] for f in factors]}
    settings = json.loads(ds.attrs["design_settings"])
    seed = design_seed(int(ds.attrs["seed"]))
    if method == "sobol":
        result = sobol.analyze(problem, y, calc_second_order=bool(settings.get("second_order")),
                               num_resamples=RESAMPLES, conf_level=CONFIDENCE_LEVEL, seed=seed)
    else:
        x = np.column_stack([np.asarray(ds[name].values, dtype=np.float64) for name in names])
        result = morris.analyze(problem, x, y, num_resamples=RESAMPLES, conf_level=CONFIDENCE_LEVEL,
                                num_levels=int(settings["levels"]), seed=seed)
    table = pd.DataFrame({"factor": names, **{k: np.asarray(result[k], dtype=np.float64) for k in METHODS[method]}})
    table.attrs = {"method": method, "indicator": indicator, "area": area,
                   "year": WHOLE_PERIOD if year is None else int(year),
                   "aggregation": (f"year {year}" if year is not None else
                                   {"flow": "summed over the years", "rate": "mean of the years"}.get(
                                       kind, "level at the last year")),
                   "samples": int(done.size), "replicates": int(ds.sizes["replicate"]),
                   "output": "the replicate mean per sample", "units": str(da.attrs.get("units", "")),
                   "confidence_level": CONFIDENCE_LEVEL}
    return table

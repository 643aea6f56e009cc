"""Running a scenario: an ensemble of replicates into one labelled Dataset, and writing it safely.

Replicate seeds come from `numpy.random.SeedSequence(seed).spawn(replicates)`, so a replicate's
result depends only on the scenario, the seed and its position: the same inputs give bit-identical
Datasets, whether replicates run in this process or in worker processes.
"""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Callable
from pathlib import Path

import numpy as np
import xarray as xr
import yaml

from jobsim.model import __version__
from jobsim.model.outputs.atomic import atomic_path
from jobsim.model.core.model import LabourMarketModel
from jobsim.model.inputs.parameters import ParameterSet, load_parameters
from jobsim.model.inputs.paths import calibration_params_dir
from jobsim.model.inputs.registry import lever_ids
from jobsim.model.inputs.scenario import Scenario, scenario_to_yaml


def calibrated_draws(region: str) -> list[dict[str, float]]:
    """Posterior draws from the region's calibrated parameter file ([] when there is none)."""
    path = calibration_params_dir() / f"{region.lower()}.yaml"
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as fh:
        doc = yaml.safe_load(fh) or {}
    return list(doc.get("draws") or [])


def scenario_parameters(scenario: Scenario, use_calibrated: bool = True) -> ParameterSet:
    """The region's parameters (calibrated where available) with the scenario's overrides on top."""
    return load_parameters(scenario.region, use_calibrated=use_calibrated).with_overrides(scenario.parameters or {})


def replicate_seeds(seed: int, replicates: int) -> list[int]:
    return [int(s.generate_state(1, np.uint64)[0] >> 1) for s in np.random.SeedSequence(seed).spawn(replicates)]


def _run_one(args: tuple) -> xr.Dataset:
    region, first, last, levers, params, scale, seed = args
    model = LabourMarketModel(region, first, last, levers, params, scale=scale, seed=seed)
    model.run()
    return model.recorder.dataset()


def run_scenario(
    scenario: Scenario,
    replicates: int | None = None,
    seed: int | None = None,
    scale: float | None = None,
    workers: int = 1,
    use_calibrated: bool = True,
    progress: Callable[[int, int], None] | None = None,
    parameter_draws: bool = True,
) -> xr.Dataset:
    """Run `scenario` (replicates, seed and scale default to the scenario's own) -> Dataset with a
    `replicate` dimension, and the scenario, parameters, seed, scale and version as attributes."""
    replicates = int(replicates if replicates is not None else scenario.replicates)
    seed = int(seed if seed is not None else scenario.seed)
    scale = float(scale if scale is not None else scenario.scale)
    if replicates < 1:
        raise ValueError(f"replicates: {replicates} is not allowed; give at least 1")
    if scale <= 0:
        raise ValueError(f"scale: {scale} is not allowed; give persons per agent > 0")
    params = scenario_parameters(scenario, use_calibrated)
    levers = {lever: scenario.lever_values(lever) for lever in lever_ids()}
    seeds = replicate_seeds(seed, replicates)
    # Parameter uncertainty: with a calibrated file, each replicate takes one of its posterior draws
    # (chosen by the replicate's seed, so paired scenarios share draws); scenario overrides still win.
    draws = calibrated_draws(scenario.region) if (use_calibrated and parameter_draws) else []
    overridden = set(scenario.parameters or {})
    per_replicate, draw_index = [], []
    for s in seeds:
        values = dict(params.values)
        if draws:
            k = s % len(draws)
            values.update({n: float(v) for n, v in draws[k].items() if n in values and n not in overridden})
            draw_index.append(k)
        per_replicate.append(values)
    jobs = [(scenario.region, scenario.period.first_year, scenario.period.last_year, levers, values,
             scale, s) for s, values in zip(seeds, per_replicate)]
    results: list[xr.Dataset] = []
    if workers > 1 and replicates > 1:
        # Fork explicitly: importing mesa sets the global start method to spawn.
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(min(workers, replicates)) as pool:
            for i, ds in enumerate(pool.imap(_run_one, jobs)):
                results.append(ds)
                if progress:
                    progress(i + 1, replicates)
    else:
        for i, job in enumerate(jobs):
            results.append(_run_one(job))
            if progress:
                progress(i + 1, replicates)
    ds = xr.concat(results, dim="replicate", join="exact")
    ds = ds.assign_coords(replicate=np.arange(replicates))
    ds["replicate_seed"] = ("replicate", np.array(seeds, dtype=np.uint64))
    if draws:
        ds["parameter_draw"] = ("replicate", np.array(draw_index, dtype=np.int64))
    ds.attrs = {
        "title": "jobsim projection",
        "scenario_name": scenario.name,
        "region": scenario.region,
        "scenario": scenario_to_yaml(_as_run(scenario, replicates, seed, scale)),
        "parameters": json.dumps(params.to_records(), ensure_ascii=False),
        "parameter_files": json.dumps(list(params.files)),
        "seed": seed,
        "scale": scale,
        "replicates": replicates,
        "jobsim_version": __version__,
        "parameter_uncertainty": (f"{len(draws)} calibrated posterior draws, one per replicate "
                                  "(`parameter_draw`; `parameters` lists the point values)" if draws
                                  else "none (point values)"),
        "parameter_draws": json.dumps(draws) if draws else "[]",
        "units": "persons (flows per month, stocks at month end), yuan, rates as fractions",
    }
    return ds


def _as_run(scenario: Scenario, replicates: int, seed: int, scale: float) -> Scenario:
    """The scenario as actually run (command-line replicates, seed and scale replace the file's)."""
    changes = {"replicates": replicates, "seed": seed}
    if float(scale).is_integer():
        changes["scale"] = int(scale)
    return scenario.with_changes(**changes)


def write_dataset(ds: xr.Dataset, path: str | Path) -> Path:
    """Write NetCDF atomically: to a temporary file in the same folder, then rename over `path`."""
    encoding = {v: {"zlib": True, "complevel": 4} for v in ds.data_vars if ds[v].dtype.kind == "f"}
    with atomic_path(path) as tmp:
        ds.to_netcdf(tmp, engine="h5netcdf", encoding=encoding)
    return Path(path)


def read_dataset(path: str | Path) -> xr.Dataset:
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        return ds.load()

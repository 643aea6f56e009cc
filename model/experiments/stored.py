"""Results stored in a file and recorded in the run catalogue of their folder: a run (an ensemble of one
scenario) or a comparison of scenarios, served from the catalogue when the identical request was computed
before (model/outputs/run_catalogue.py), computed and recorded otherwise.

    stored = StoredRun(plan, "out/base.nc")       # .served: whether the catalogue holds it
    got = stored.result(workers=2)                # run_catalogue.Cached: .value (the Dataset), .served, .entry

What an id is hashed from is each kind's `request`: for a run, `run_request(plan)`; for a comparison, the
run request of every scenario's ensemble, the baseline, the area and the notes. Sweeps record themselves
(model/experiments/sweep.py), since a sweep resumes into its store rather than being computed whole.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import xarray as xr

from jobsim.model.experiments import ensemble
from jobsim.model.experiments.ensemble import EnsemblePlan, plan_ensemble
from jobsim.model.inputs.provenance import data_manifest, file_sha256, relative_path
from jobsim.model.outputs.run_catalogue import Catalogue, cached, digest, request_id, run_summary
from jobsim.model.outputs.store import read_dataset, write_dataset


def run_request(plan: EnsemblePlan) -> dict[str, Any]:
    """What a run's result depends on: the scenario as resolved, replicates, seed, scale, the parameter values
    used, the parameter files' content hashes, the posterior draws, the data hash the Dataset records
    (`data_sha256`) and a digest of the run specs (facts, growth paths, levers and values of every replicate:
    what the model reads). Not the number of workers: results are bit-identical however they are run."""
    data_hash, _ = data_manifest(plan.parameters.files)
    return {
        "scenario": plan.scenario.to_dict(), "replicates": len(plan.specs), "seed": plan.seed, "scale": plan.scale,
        "parameters": dict(plan.parameters.values),
        "parameter_files": [{"path": relative_path(f), "sha256": file_sha256(f)} for f in plan.parameters.files],
        "parameter_draws": list(plan.draws), "data_sha256": data_hash, "run_specs_sha256": digest(list(plan.specs)),
    }


def results_folder_of(out: Path, results_folder: str | Path | None) -> Path:
    """The folder whose catalogue records `out`: the one given, else `out`'s own folder."""
    if results_folder is not None:
        return Path(results_folder)
    return out.parent if str(out.parent) else Path(".")


class StoredResult:
    """A result of one `kind` stored in `out` and recorded in a catalogue under `request`: `hit` is the entry
    that will serve it (None: it will be computed); `result()` serves or computes it. A kind gives its
    request, its summary for the catalogue row and how to compute the Dataset (`compute`)."""

    kind: str
    summarise: Callable[[xr.Dataset], dict]

    def __init__(self, request: dict[str, Any], out: str | Path, results_folder: str | Path | None, recompute: bool):
        self.out = Path(out)
        self.catalogue = Catalogue(results_folder_of(self.out, results_folder))
        self.request, self.recompute = request, recompute
        self.id = request_id(self.kind, **request)
        self.hit = None if recompute else self.catalogue.lookup(self.id)

    @property
    def served(self) -> bool:
        return self.hit is not None

    def compute(self, workers: int, evaluator, progress) -> xr.Dataset:
        raise TypeError(f"{type(self).__name__} does not say how to compute its result")

    def result(self, workers: int = 1, evaluator=None, progress: Callable[[int, int], None] | None = None):
        """The run_catalogue.Cached of the request: served from the catalogue, or computed, written to `out`
        atomically and recorded."""
        def compute(path: Path) -> xr.Dataset:
            ds = self.compute(workers, evaluator, progress)
            write_dataset(ds, path)
            return ds

        return cached(self.catalogue, self.kind, self.request, self.out, compute, type(self).summarise,
                      load=read_dataset, recompute=self.recompute)


class StoredRun(StoredResult):
    """An ensemble of one scenario (`plan`), stored as its Dataset."""

    kind = "run"
    summarise = staticmethod(run_summary)

    def __init__(self, plan: EnsemblePlan, out: str | Path, results_folder: str | Path | None = None,
                 recompute: bool = False):
        self.plan = plan
        super().__init__(run_request(plan), out, results_folder, recompute)

    def compute(self, workers: int, evaluator, progress) -> xr.Dataset:
        return ensemble.run_plan(self.plan, evaluator=evaluator, workers=workers, progress=progress)


class StoredComparison(StoredResult):
    """A comparison of scenarios (a compare.ComparisonPlan), stored as the comparison Dataset."""

    kind = "comparison"

    @staticmethod
    def summarise(ds: xr.Dataset) -> dict:
        from jobsim.model.outputs.comparison_report import comparison_summary

        return comparison_summary(ds)

    def __init__(self, plan, out: str | Path, results_folder: str | Path | None = None, recompute: bool = False,
                 use_calibrated: bool = True, parameter_draws: bool = True):
        self.plan, self.use_calibrated, self.parameter_draws = plan, use_calibrated, parameter_draws
        # Every scenario's run request (what its ensemble depends on), the baseline and the area reported.
        request = {
            "scenarios": [run_request(plan_ensemble(s, plan.replicates, plan.seed, plan.scale, use_calibrated,
                                                    parameter_draws)) for s in plan.scenarios],
            "baseline": plan.baseline.name, "area": plan.area, "notes": list(plan.notes)}
        super().__init__(request, out, results_folder, recompute)

    def compute(self, workers: int, evaluator, progress) -> xr.Dataset:
        from jobsim.model.experiments.compare import run_comparison

        return run_comparison(self.plan, workers=workers, evaluator=evaluator, use_calibrated=self.use_calibrated,
                              parameter_draws=self.parameter_draws, progress=progress)

"""The app's calls into jobsim's Python API, cached: scenarios of a region, preview and full-precision runs,
comparisons, sweeps, back-tests. Nothing here computes a figure; it picks what to run and remembers it.

Two sizes of run. The *preview* (PREVIEW_REPLICATES replicates at PREVIEW_SCALE_FACTOR times the scenario's
persons per agent) answers a lever change at once and is kept in Streamlit's cache for the session's
server; *full precision* is the scenario's own replicates and scale, stored in the app's results folder and
recorded in its run catalogue (`api.stored_run`), so the same request is served again rather than rerun,
across restarts. Every scenario of a comparison runs with the baseline's seed, replicates and scale
(`api.plan_comparison`), so the differences are paired.

The app's own folder (APP_HOME, environment variable JOBSIM_APP_HOME, default ./jobsim_app) holds the
scenarios saved from the builder (scenarios/) and the full-precision results with their catalogue (results/).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from jobsim.model import api

APP_HOME_VARIABLE = "JOBSIM_APP_HOME"
PREVIEW_REPLICATES = 4  # enough for a median and a rough range; "full precision" gives the real band
PREVIEW_SCALE_FACTOR = 10  # persons per agent, times the scenario's own (1:1000 -> 1:10,000 for Jiangxi)
MAX_UPLOAD_BYTES = 1_000_000  # a scenario file is a few kB; refuse anything over 1 MB before reading it
CACHE_ENTRIES = 64  # preview ensembles kept per server (a few MB each at preview size)


def app_home() -> Path:
    return Path(os.environ.get(APP_HOME_VARIABLE, "jobsim_app")).resolve()


def saved_folder() -> Path:
    return app_home() / "scenarios"


def results_folder() -> Path:
    return app_home() / "results"


# ---- regions and their scenarios ----------------------------------------------------------------------

@st.cache_data(show_spinner=False)
def regions_with_baseline() -> list[str]:
    """Regions the app can project: those with data and a baseline scenario in the scenario index."""
    baselines = api.scenario_index().baselines
    return [r for r in api.region_ids() if r in baselines]


@st.cache_data(show_spinner=False)
def region_names(lang: str) -> dict[str, str]:
    table = api.load_regions()
    column = "name_zh" if lang == "zh" else "name_en"
    return {str(r): str(table.at[r, column]) for r in table.index}


def baseline_name(region: str) -> str | None:
    return api.baseline_scenario_name(region)


def _file_stamp(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return str(path), stat.st_mtime_ns, stat.st_size


def scenario_files(region: str) -> dict[str, Path]:
    """{name: file} of the bundled scenarios of `region` and those saved from the app, the baseline first."""
    folders = [api.scenarios_dir(), saved_folder()]
    stamps = tuple(_file_stamp(p) for folder in folders if folder.is_dir() for p in api.scenario_files(folder))
    return dict(_scenario_files(region, stamps, baseline_name(region)))


@st.cache_data(show_spinner=False)
def _scenario_files(region: str, stamps: tuple, baseline: str | None) -> list[tuple[str, Path]]:
    found: dict[str, Path] = {}
    for path, _, _ in stamps:
        try:
            s = api.load_scenario(path)
        except Exception:  # a broken file in a folder is shown by `jobsim validate`, not here
            continue
        if s.region == region and s.name not in found:
            found[s.name] = Path(path)
    order = sorted(found, key=lambda n: (n != baseline, n))
    return [(n, found[n]) for n in order]


@st.cache_data(show_spinner=False)
def _load(path: str, stamp: tuple):
    return api.load_scenario(path)


def load_scenario(path: Path):
    return _load(str(path), _file_stamp(Path(path)))


def scenario_title(s, lang: str) -> str:
    if s.title is not None:
        return s.title.zh if lang == "zh" else s.title.en
    return s.name


# ---- runs ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RunSize:
    replicates: int
    scale: float
    full: bool

    def note_key(self) -> str:
        return "full_note" if self.full else "preview_note"


def preview_size(baseline) -> RunSize:
    """The preview: fewer replicates and fewer, larger agents than the baseline's own run (the scale is
    kept when a coarser one would leave an area without an agent)."""
    scale = baseline.scale * PREVIEW_SCALE_FACTOR
    try:
        scale = api.check_scale(scale, baseline.region)
    except Exception:
        scale = baseline.scale
    return RunSize(min(PREVIEW_REPLICATES, baseline.replicates), float(scale), full=False)


def full_size(baseline) -> RunSize:
    return RunSize(int(baseline.replicates), float(baseline.scale), full=True)


def _scenario_key(s) -> str:
    return api.scenario_to_yaml(s)


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def _preview_run(scenario_yaml: str, replicates: int, seed: int, scale: float):
    s = api.scenario_from_yaml(scenario_yaml, source="<app scenario>")
    return api.run_plan(api.plan_ensemble(s, replicates, seed, scale))


def _full_run(s, size: RunSize, seed: int, progress: Callable[[int, int], None] | None):
    digest = hashlib.sha256(f"{_scenario_key(s)}|{size}|{seed}".encode()).hexdigest()[:16]
    out = results_folder() / f"{s.name}-{digest}.nc"
    out.parent.mkdir(parents=True, exist_ok=True)
    stored = api.stored_run(s, out, replicates=size.replicates, seed=seed, scale=size.scale,
                            results_folder=results_folder())
    got = stored.result(workers=os.cpu_count() or 1, progress=progress)
    return got.value, got.served


@dataclass
class Comparison:
    """The runs of a comparison (baseline first) and the comparison Dataset (`api.compare_runs`)."""

    runs: dict
    dataset: object
    size: RunSize
    served: int  # runs served from the catalogue (full precision only)
    plan: object


def compare(scenarios: Sequence, size: RunSize, progress: Callable[[int, int], None] | None = None) -> Comparison:
    """Run (or fetch) every scenario at `size` with the baseline's seed, and compare them against the first."""
    plan = api.plan_comparison(list(scenarios), replicates=size.replicates, scale=size.scale)
    runs, served = {}, 0
    for k, s in enumerate(plan.scenarios):
        def step(done: int, total: int, offset: int = k * plan.replicates) -> None:
            if progress is not None:
                progress(offset + done, plan.runs)

        if size.full:
            runs[s.name], was_served = _full_run(s, size, plan.seed, step)
            served += int(was_served)
        else:
            runs[s.name] = _preview_run(_scenario_key(s), plan.replicates, plan.seed, plan.scale)
        step(plan.replicates, plan.replicates)
    return Comparison(runs, _compare_cached(plan, runs), size, served, plan)


def _compare_cached(plan, runs):
    key = "|".join(_scenario_key(s) for s in plan.scenarios) + f"|{plan.replicates}|{plan.seed}|{plan.scale}"
    return _comparison_dataset(hashlib.sha256(key.encode()).hexdigest(), plan, runs)


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def _comparison_dataset(key: str, _plan, _runs):
    return api.compare_runs(_plan, _runs)


# ---- the Trust page -----------------------------------------------------------------------------------

@st.cache_data(show_spinner=False)
def history_table(region: str):
    return api.history(region)


@st.cache_data(show_spinner=False)
def forecast_table(region: str, indicator: str):
    """The statistical forecast of `indicator` from the last full year, or None when the history is too short."""
    try:
        return api.forecast(region, indicator)
    except Exception as exc:  # too few points, or an indicator without history: the page says so
        return str(exc)


# ---- sweeps -------------------------------------------------------------------------------------------

@st.cache_data(show_spinner=False)
def sweep_probabilities(store: str, stamp: float):
    return api.sweep_target_probabilities(store)


@st.cache_data(show_spinner=False)
def sweep_sensitivity(store: str, stamp: float, indicator: str):
    return api.sensitivity(store, indicator=indicator)


def store_stamp(store: str) -> float:
    """When the store last changed (its `done` mask is rewritten after every chunk)."""
    path = Path(store)
    return max((p.stat().st_mtime for p in path.rglob("*") if p.is_file()), default=0.0)


# ---- the scenario being edited ------------------------------------------------------------------------

EDITED_SUFFIX = "_edited"


def default_growth(base) -> list[float]:
    """The growth path `base` runs with: its own, else the region's default path (api.gdp_growth_path)."""
    own = base.uncertainties.gdp_real_growth_percent
    path = own if own else api.gdp_growth_path(base.region, base.period.first_year, base.period.last_year)
    return [float(path[y]) for y in base.years]


def default_graduates(base) -> float:
    own = base.uncertainties.graduates_multiplier
    return float(own[base.years[0]]) if own else 1.0


def edited_scenario(base, levers: dict[str, list[float]], growth: list[float] | None, graduates: float | None):
    """`base` with the levers (planners' units, one value per year), growth path and graduate multiplier the
    user set, named `<base>_edited`; None when nothing is changed. ScenarioError for a value not allowed."""
    if not levers and growth is None and graduates is None:
        return None
    title = {"zh": f"{scenario_title(base, 'zh')}（调整）", "en": f"{scenario_title(base, 'en')} (edited)"}
    s = api.scenario_with_levers(base, {lever: dict(zip(base.years, values)) for lever, values in levers.items()},
                                 name=f"{base.name}{EDITED_SUFFIX}"[:60], title=title)
    if growth is not None or graduates is not None:
        u = dict(s.to_dict().get("uncertainties") or {})
        if growth is not None:
            u["gdp_real_growth_percent"] = dict(zip(base.years, growth))
        if graduates is not None:
            u["graduates_multiplier"] = float(graduates)
        s = s.with_changes(uncertainties=u)
    return s


def save_scenario(s, base_file: Path, name: str) -> Path:
    """Write `s` as `name` into the app's scenarios folder, stating only its changes from the scenario in
    `base_file` (a bundled base by its name, a saved one by its path; atomic; ScenarioError for a name not
    allowed). Returns the file written."""
    named = s.with_changes(name=name)
    path = saved_folder() / f"{name}.yaml"
    saved_folder().mkdir(parents=True, exist_ok=True)
    base_file = Path(base_file).resolve()
    base = base_file.stem if base_file.parent == api.scenarios_dir().resolve() else base_file
    api.write_scenario(named, path, changes_only=True, base=base)
    return path


def ensemble(s, size: RunSize, progress: Callable[[int, int], None] | None = None):
    """One scenario's ensemble at `size` (preview: cached; full: stored and catalogued), and whether it was
    served from the catalogue."""
    if size.full:
        return _full_run(s, size, s.seed, progress)
    ds = _preview_run(_scenario_key(s), size.replicates, s.seed, size.scale)
    if progress is not None:
        progress(size.replicates, size.replicates)
    return ds, False

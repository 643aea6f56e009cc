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
# Worker processes the server keeps for previews (at most the machine's cores; 1 runs them in the server).
PREVIEW_WORKERS_VARIABLE = "JOBSIM_APP_PREVIEW_WORKERS"
PREVIEW_WORKERS = 2


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


def pdf_brief_available() -> bool:
    """Whether the PDF brief can be made here: it embeds the CJK font, so it needs the font's files."""
    from jobsim.app import charts

    return charts.cjk_font_files() is not None


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


def preview_workers() -> int:
    """How many worker processes run the previews: JOBSIM_APP_PREVIEW_WORKERS, default PREVIEW_WORKERS, never
    more than the machine's cores."""
    raw = os.environ.get(PREVIEW_WORKERS_VARIABLE, "").strip()
    try:
        wanted = int(raw) if raw else PREVIEW_WORKERS
    except ValueError:
        raise ValueError(f"{PREVIEW_WORKERS_VARIABLE}={raw!r}: give a whole number of worker processes (1 runs "
                         "previews in the server)") from None
    return max(1, min(wanted, os.cpu_count() or 1))


@st.cache_resource(show_spinner=False)
def preview_pool(workers: int):
    """The server's kept worker processes for previews (None for one worker), started and warmed once: a
    warm pool of two runs a four-replicate preview in about two thirds of the time of one replicate after
    another, a pool started for each preview is slower than either (its workers' imports cost more than
    the preview)."""
    if workers < 2:
        return None
    pool = api.KeptProcessEvaluator(workers)
    pool.warm_up(api.prepare_worker, range(workers))
    return pool


def start_preview_pool() -> None:
    """Start (and warm) the previews' workers now, so that the first preview finds them ready."""
    preview_pool(preview_workers())


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def _preview_run(scenario_yaml: str, replicates: int, seed: int, scale: float):
    s = api.scenario_from_yaml(scenario_yaml, source="<app scenario>")
    # The same numbers wherever the replicates run (each is a pure function of its spec).
    return api.run_plan(api.plan_ensemble(s, replicates, seed, scale), evaluator=preview_pool(preview_workers()))


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
    key: str = ""  # the request (every scenario as run, replicates, seed, scale): what the caches below key on


def compare(scenarios: Sequence, size: RunSize, progress: Callable[[int, int], None] | None = None) -> Comparison:
    """Run (or fetch) every scenario at `size` with the baseline's seed, and compare them against the first."""
    plan = api.plan_comparison(list(scenarios), replicates=size.replicates, scale=size.scale)
    runs, served = {}, 0
    texts = [_scenario_key(s) for s in plan.scenarios]  # each written once: a dozen YAML dumps cost 0.1 s a page
    for k, s in enumerate(plan.scenarios):
        def step(done: int, total: int, offset: int = k * plan.replicates) -> None:
            if progress is not None:
                progress(offset + done, plan.runs)

        if size.full:
            runs[s.name], was_served = _full_run(s, size, plan.seed, step)
            served += int(was_served)
        else:
            runs[s.name] = _preview_run(texts[k], plan.replicates, plan.seed, plan.scale)
        step(plan.replicates, plan.replicates)
    key = hashlib.sha256(("|".join(texts) + f"|{plan.replicates}|{plan.seed}|{plan.scale}").encode()).hexdigest()
    return Comparison(runs, _comparison_dataset(key, plan, runs), size, served, plan, key)


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def _comparison_dataset(key: str, _plan, _runs):
    return api.compare_runs(_plan, _runs)


def comparison_tables(result: Comparison) -> dict:
    """api.comparison_tables of a comparison, kept with its request (redrawing a page asks again)."""
    if not result.key:
        return api.comparison_tables(result.dataset)
    return _comparison_tables(result.key, result.dataset)


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def _comparison_tables(key: str, _ds) -> dict:
    return api.comparison_tables(_ds)


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


STORE_MARKERS = (".zgroup", "zarr.json")  # a Zarr group's metadata (format 2 or 3)
DONE_MASK = "done"  # the sweep's mask of finished samples, rewritten after every chunk (model/experiments/sweep.py)


def store_stamp(store: str) -> float:
    """When the store last changed: the newest of its metadata and `done` mask files. Only those are looked
    at, never the whole folder, so a link naming a large folder (`store=/`) costs nothing; 0 for a path that
    is no Zarr store (api.load_sweep then says what it is)."""
    path = Path(store)
    markers = [path / m for m in STORE_MARKERS if (path / m).is_file()]
    if not path.is_dir() or not markers:
        return 0.0
    done = path / DONE_MASK
    files = markers + ([p for p in done.iterdir() if p.is_file()] if done.is_dir() else [])
    return max(p.stat().st_mtime for p in files)


# ---- the scenario being edited ------------------------------------------------------------------------

EDITED_SUFFIX = "_edited"
SAME_VALUE = 1e-9  # relative: a lever value typed back to the base's (through 亿 or 万) is no change


def lever_changes(values: dict[str, list[float]], base) -> dict[str, list[float]]:
    """Of `values` (lever -> a value per year in planners' units), the levers that differ from `base`'s."""
    own = api.lever_schedule(base, base, "en")
    changes = {}
    for lever, path in values.items():
        mine = list(own[own["lever"] == lever]["value"])
        if any(abs(a - b) > SAME_VALUE * max(1.0, abs(b)) for a, b in zip(path, mine)):
            changes[lever] = [float(v) for v in path]
    return changes


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


# ---- uploads ------------------------------------------------------------------------------------------

def read_upload(name: str, size: int, read: Callable[[], bytes], region: str, lang: str):
    """A scenario file uploaded in the builder, checked before anything is used: at most MAX_UPLOAD_BYTES,
    UTF-8 text, a valid scenario (api.scenario_from_yaml: every problem with its field), of `region`.
    Returns (problems, scenario); nothing is written either way."""
    from jobsim.app.text import t

    if size > MAX_UPLOAD_BYTES:
        return [f"{name}: " + t("too_big", lang, size=f"{size / 1e6:.1f} MB")], None
    try:
        text = read().decode("utf-8")
    except UnicodeDecodeError:
        return [f"{name}: " + t("not_text", lang)], None
    try:
        s = api.scenario_from_yaml(text, source=name)
    except api.ScenarioError as err:
        return [f"{name}: {field}: {message}" for field, message in err.issues], None
    if s.region != region:
        return [f"{name}: region: " + t("region_mismatch", lang, got=s.region, want=region)], None
    return [], s


def upload_state(uploaded, files: dict[str, Path], baseline) -> dict:
    """The builder's state for an uploaded scenario: its nearest base when that is one of the region's
    scenarios (else the baseline), and its levers, growth path and graduate multiplier as changes from it."""
    chain = [b.name for b in uploaded.base_chain if b.name in files]
    base_name = chain[0] if chain else baseline.name
    base = load_scenario(files[base_name])
    schedule = api.lever_schedule(uploaded, base, "en")
    levers = lever_changes({lever: list(part["value"]) for lever, part in schedule.groupby("lever", sort=False)}, base)
    growth = [float(uploaded.uncertainties.gdp_real_growth_percent[y]) for y in uploaded.years] \
        if uploaded.uncertainties.gdp_real_growth_percent else None
    graduates = default_graduates(uploaded) if uploaded.uncertainties.graduates_multiplier else None
    return {"scenario": base_name, "levers": levers, "g": growth, "grad": graduates}


# ---- the Trust and Method pages: what they offer and read ---------------------------------------------

TRUST_DEFAULT_INDICATOR = "new_urban_jobs"


@st.cache_data(show_spinner=False)
def trust_indicators(region: str) -> list[str]:
    """The indicators the Trust page offers for `region`: new urban jobs first, then every other indicator the
    model produces that the region's history holds as a yearly series with at least one full-year value."""
    definitions = api.indicator_definitions("en")
    modelled = set(definitions.loc[definitions["modelled"], "id"])
    found = [TRUST_DEFAULT_INDICATOR]
    for indicator in sorted(set(history_table(region)["indicator"])):
        if indicator in modelled and indicator not in found and not isinstance(history_rows(region, indicator, "en"), str):
            found.append(indicator)
    return found


@st.cache_data(show_spinner=False)
def history_rows(region: str, indicator: str, lang: str):
    """The yearly history of `indicator` in `region` as chart rows (api.history_frame: year, value in the unit
    the model's fan uses), or why there is none (a string)."""
    try:
        series, extraction = api.history_series(region, indicator)
        table = api.history_frame(series, extraction.unit, indicator, lang)
    except Exception as exc:  # no rows, only partial years, a monthly series: the page says so
        return str(exc)
    return table if len(table) else f"{region} {indicator}: no full-year value"


@st.cache_data(show_spinner=False)
def data_sources(region: str | None):
    return api.data_sources(region)


# ---- the Sweep explorer: a store's outline, the heatmap's cells, the indices' intervals ---------------

SWEEP_BINS = 5  # a factor with more distinct values than this is cut into this many quantile bins on an axis
SWEEP_DIGITS = 6  # significant digits an axis value keeps (120.00000000001 -> 120)
SWEEP_BIN_DIGITS = 3  # ... and a bin's mean value (a label, not a sampled value)


@st.cache_data(show_spinner=False)
def sweep_outline(store: str, stamp: float) -> dict:
    """What the Sweep explorer needs of a store before any figure (api.load_sweep; SweepStoreError,
    FileNotFoundError): its name, base scenario, region, design, factors (kind, field, mode, low, high, in
    the file's order), kept indicators and areas, samples and replicates."""
    import json

    ds = api.load_sweep(store)
    content = json.loads(ds.attrs["sweep"])
    return {"name": str(ds.attrs.get("sweep_name", content.get("name", ""))),
            "base": str(ds.attrs.get("base_scenario", "")), "region": str(ds.attrs.get("region", "")),
            "design": str(ds.attrs["design"]), "factors": list(json.loads(ds.attrs["factors"])),
            "indicators": [str(i) for i in content["indicators"]], "areas": [str(a) for a in ds["area"].values],
            "samples": int(ds.sizes["sample"]), "replicates": int(ds.sizes["replicate"])}


def _significant(values, digits: int = SWEEP_DIGITS):
    import numpy as np

    v = np.asarray(values, dtype=float)
    out = v.copy()
    nonzero = np.isfinite(v) & (v != 0)
    scale = 10.0 ** (digits - 1 - np.floor(np.log10(np.abs(v[nonzero]))))
    out[nonzero] = np.round(v[nonzero] * scale) / scale
    return out


def sweep_axis_values(values, per: float = 1.0, bins: int | None = SWEEP_BINS):
    """A factor's values along `sample` as an axis shows them: divided by `per` (base units per display unit)
    and, when there are more than `bins` distinct values (Latin hypercube, Sobol; `bins` None: never, as for a
    full factorial), replaced by the mean of their quantile bin. Returns (axis values, whether they were binned)."""
    import numpy as np
    import pandas as pd

    shown = pd.Series(np.asarray(values, dtype=float) / per)
    binned = bins is not None and shown.nunique() > bins
    if binned:
        codes = pd.qcut(shown, bins, labels=False, duplicates="drop")
        shown = shown.groupby(codes).transform("mean")
    return _significant(shown.to_numpy(), SWEEP_BIN_DIGITS if binned else SWEEP_DIGITS), bool(binned)


def sweep_heatmap_table(probabilities, target: int, x: str, y: str | None, x_column: str, y_column: str,
                        x_per: float = 1.0, y_per: float = 1.0, bins: int | None = SWEEP_BINS):
    """The heatmap's cells for one target of `probabilities` (api.sweep_target_probabilities): the mean
    probability over the samples that share the two axis values (`x`, `y`: factor names; `y` None for a sweep
    of one factor), with the number of samples; columns x_column, y_column, probability, samples. Returns
    (table, whether an axis was binned)."""
    import pandas as pd

    xs, x_binned = sweep_axis_values(probabilities[x].values, x_per, bins)
    if y is None:
        ys, y_binned = [""] * len(xs), False
    else:
        ys, y_binned = sweep_axis_values(probabilities[y].values, y_per, bins)
    frame = pd.DataFrame({x_column: xs, y_column: ys,
                          "probability": probabilities["probability"].sel(target=target).values})
    table = (frame.groupby([x_column, y_column], sort=True)
             .agg(probability=("probability", "mean"), samples=("probability", "size")).reset_index())
    return table, x_binned or y_binned


SENSITIVITY_INTERVALS = {"sobol": (("S1", "S1_conf"), ("ST", "ST_conf")), "morris": (("mu_star", "mu_star_conf"),)}


def sensitivity_intervals(table):
    """api.sensitivity's table as bars with intervals: one row per factor and index (Sobol S1 and ST, Morris
    mu_star), columns factor, index, value, low, high (value minus and plus its confidence half-width)."""
    import pandas as pd

    rows = []
    for index, conf in SENSITIVITY_INTERVALS[table.attrs["method"]]:
        for _, row in table.iterrows():
            value, half = float(row[index]), float(row[conf])
            rows.append({"factor": str(row["factor"]), "index": index, "value": value,
                         "low": value - half, "high": value + half})
    return pd.DataFrame(rows, columns=["factor", "index", "value", "low", "high"])


def city_targets(result: Comparison, scenario_name: str, target_set: str, region: str, lang: str):
    """The cities of `region` against their targets in `target_set` (api.area_targets) for one scenario of
    a comparison, cached with the comparison's request."""
    key = f"{result.key}|{scenario_name}|{target_set}|{region}|{lang}"
    baseline = result.plan.baseline
    return _city_targets(hashlib.sha256(key.encode()).hexdigest(), result.runs[scenario_name],
                         baseline.with_changes(targets=target_set), region, lang)


@st.cache_data(show_spinner=False, max_entries=CACHE_ENTRIES)
def _city_targets(key: str, _ds, _scenario, region: str, lang: str):
    return api.area_targets(_ds, _scenario.target_list(), region, lang)


@st.cache_data(show_spinner=False)
def city_target_sets(region: str, first_year: int, last_year: int, scenario_yaml: str) -> list[str]:
    """The target sets of the period with a target for one of `region`'s cities."""
    s = api.scenario_from_yaml(scenario_yaml, source="<app scenario>")
    return [name for name in api.target_sets_for(region, first_year, last_year)
            if any(tg.area != region for tg in s.with_changes(targets=name).target_list())]


def sweep_stores() -> list[str]:
    """Sweep stores a planner has made: `*.zarr` folders in the app folder's sweeps/ and in the current
    folder (where `jobsim sweep ... --out NAME.zarr` puts them), newest first."""
    folders = [app_home() / "sweeps", Path.cwd()]
    found = {p.resolve() for folder in folders if folder.is_dir() for p in folder.glob("*.zarr") if p.is_dir()}
    return [str(p) for p in sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)]

"""The Sweep explorer page (app/screens/sweeps.py) in Streamlit's AppTest: the heatmap carries the probabilities
api.sweep_target_probabilities gives, a new target changes them, a Sobol or Morris store shows the indices of
api.sensitivity with their intervals, and an empty path, a missing one, a folder that is not a store and an
incomplete store are told in words, never as a traceback; the store's path stays in the URL.

The stores are tiny (Jiangxi over two years at 1:50,000, one or two replicates, two factors), made once for
the module on an in-process Dask cluster, as tests/model/experiments/test_sweep.py makes its stores.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from streamlit.testing.v1 import AppTest

from jobsim.app.text import t
from jobsim.model import api

ROOT = Path(__file__).resolve().parents[2]
HOME = ROOT / "app" / "Home.py"
PAGE = "screens/sweeps.py"
TINY_SCALE = 50000
LOANS, GROWTH = "loan_issuance_yuan", "gdp_real_growth_percent"
TARGETS = [  # the base's targets, inside the two years: always met, sometimes met, an each-year ceiling, one not kept
    {"indicator": "new_urban_jobs", "area": "Jiangxi", "start_year": 2021, "end_year": 2022, "basis": "total",
     "comparison": ">=", "value": 1, "unit": "10k persons"},
    {"indicator": "new_urban_jobs", "area": "Jiangxi", "start_year": 2021, "end_year": 2022, "basis": "total",
     "comparison": ">=", "value": 100, "unit": "10k persons"},
    {"indicator": "surveyed_unemployment_rate", "area": "Jiangxi", "start_year": 2021, "end_year": 2022,
     "basis": "each_year", "comparison": "<=", "value": 5.5, "unit": "percent"},
    {"indicator": "rural_labour_transferred", "area": "Jiangxi", "start_year": 2021, "end_year": 2022,
     "basis": "total", "comparison": ">=", "value": 10, "unit": "10k persons"},
]


def sweep_file(folder: Path, name: str, design: dict, replicates: int) -> Path:
    base = yaml.safe_load((ROOT / "scenarios" / "jiangxi_baseline.yaml").read_text(encoding="utf-8"))
    base["period"] = {"first_year": 2021, "last_year": 2022}
    base["targets"] = TARGETS
    (folder / "short_base.yaml").write_text(yaml.safe_dump(base, allow_unicode=True, sort_keys=False), encoding="utf-8")
    data = {"name": name, "base": "short_base.yaml",
            "levers": {LOANS: {"value": ["100亿", "140亿"]}},  # shown in 亿元: 100, 120, 140
            "uncertainties": {GROWTH: {"shift": [-2, 1]}},
            "design": design, "seed": 11, "replicates": replicates, "scale": TINY_SCALE,
            "indicators": ["new_urban_jobs", "surveyed_unemployment_rate"], "areas": ["Jiangxi", "Ganzhou"]}
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


class Stop(Exception):
    """Raised by the progress hook to leave a store incomplete."""


@pytest.fixture(scope="module")
def stores(tmp_path_factory) -> dict[str, Path]:
    from distributed import LocalCluster

    from jobsim.model.experiments.sweep import run_sweep

    folder = tmp_path_factory.mktemp("sweeps_page")
    designs = {"grid": ({"method": "full_factorial", "levels": 3}, 2),
               "morris": ({"method": "morris", "trajectories": 2, "levels": 4}, 1),
               "sobol": ({"method": "sobol", "n": 4}, 1)}
    out = {}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        for name, (design, replicates) in designs.items():
            out[name] = folder / f"{name}.zarr"
            run_sweep(sweep_file(folder, f"page_{name}", design, replicates), out[name],
                      scheduler=cluster.scheduler_address, use_calibrated=False, catalogue=False)
        calls = []

        def stop_after_one(done: int, total: int) -> None:
            calls.append(done)
            if len(calls) > 1:  # the first call comes before any chunk
                raise Stop()

        out["part"] = folder / "part.zarr"
        with pytest.raises(Stop):
            run_sweep(sweep_file(folder, "page_grid", designs["grid"][0], 2), out["part"],
                      scheduler=cluster.scheduler_address, use_calibrated=False, catalogue=False,
                      samples_per_chunk=1, progress=stop_after_one)
    (folder / "not_a_store").mkdir()
    (folder / "not_a_store" / "notes.txt").write_text("hello", encoding="utf-8")
    out["not_a_store"] = folder / "not_a_store"
    out["yaml"] = folder / "page_grid.yaml"
    return out


@pytest.fixture(autouse=True)
def app_home(tmp_path, monkeypatch):
    monkeypatch.setenv("JOBSIM_APP_HOME", str(tmp_path / "app_home"))
    return tmp_path / "app_home"


def page(store: str | Path | None = None, **params: str) -> AppTest:
    at = AppTest.from_file(str(HOME), default_timeout=300)
    if store is not None:
        at.query_params["store"] = str(store)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def charts(at: AppTest) -> list[tuple[dict, pd.DataFrame]]:
    """Each Vega-Lite chart of the page: (spec, its data as a DataFrame)."""
    from streamlit import dataframe_util

    out = []
    for element in at.get("vega_lite_chart"):
        spec = json.loads(element.proto.spec)
        datasets = {d.name: dataframe_util.convert_arrow_bytes_to_pandas_df(d.data.data) for d in element.proto.datasets}
        out.append((spec, datasets[spec["data"]["name"]]))
    return out


def fields(spec: dict, layer: int = 0) -> dict[str, str]:
    return {channel: enc["field"] for channel, enc in spec["layer"][layer]["encoding"].items() if "field" in enc}


def expected_cells(store: Path, target: int) -> pd.DataFrame:
    """The factorial store's probabilities from the API, one per sample, with the factors in display units."""
    p = api.sweep_target_probabilities(store)
    _, per = api.lever_units(LOANS)
    return pd.DataFrame({"x": p[LOANS].values / per, "y": p[GROWTH].values,
                         "probability": p["probability"].sel(target=target).values})


def heatmap_cells(at: AppTest) -> pd.DataFrame:
    spec, data = charts(at)[0]
    f = fields(spec)
    return data.rename(columns={f["x"]: "x", f["y"]: "y"})[["x", "y", "probability", "samples"]]


def same_cells(shown: pd.DataFrame, expected: pd.DataFrame) -> None:
    a = shown.sort_values(["x", "y"]).reset_index(drop=True)
    b = expected.sort_values(["x", "y"]).reset_index(drop=True)
    np.testing.assert_allclose(a[["x", "y"]].to_numpy(), b[["x", "y"]].to_numpy(), rtol=1e-9)
    np.testing.assert_array_equal(a["probability"].to_numpy(), b["probability"].to_numpy())


def test_the_heatmap_carries_the_apis_probabilities(stores):
    at = page(stores["grid"])
    shown = heatmap_cells(at)
    assert len(shown) == 9 and (shown["samples"] == 1).all()  # a factorial: one sample per cell
    same_cells(shown, expected_cells(stores["grid"], 0))
    assert sorted(set(shown["x"])) == [100.0, 120.0, 140.0]  # 亿元, the planners' unit of loans
    spec, _ = charts(at)[0]
    assert api.label(LOANS, "zh") in spec["layer"][0]["encoding"]["x"]["title"]
    assert "亿元" in spec["layer"][0]["encoding"]["x"]["title"]
    # only the targets the store can judge are offered; the first is chosen, the factors in file order
    target = at.selectbox(key="sweep_target_choice")
    assert target.options == ["城镇新增就业 · 江西省 · 2021-2022 · ≥ 1 万人",
                              "城镇新增就业 · 江西省 · 2021-2022 · ≥ 100 万人",
                              "城镇调查失业率 · 江西省 · 2021-2022 · ≤ 5.5 %"]
    assert at.selectbox(key="sweep_x_choice").value == LOANS and at.selectbox(key="sweep_y_choice").value == GROWTH
    # a full factorial has no indices, and says so
    assert any(t("sw_no_indices", "zh", design=t("sw_design_full_factorial", "zh")) == c.value for c in at.caption)
    assert len(charts(at)) == 1
    assert at.query_params["store"] == str(stores["grid"])  # the URL keeps the store


def test_another_target_changes_the_chart(stores):
    at = page(stores["grid"])
    before = heatmap_cells(at)
    at.selectbox(key="sweep_target_choice").set_value(1).run()
    assert not at.exception
    after = heatmap_cells(at)
    same_cells(after, expected_cells(stores["grid"], 1))
    assert not np.array_equal(before.sort_values(["x", "y"])["probability"].to_numpy(),
                              after.sort_values(["x", "y"])["probability"].to_numpy())
    spec, _ = charts(at)[0]
    assert "≥ 100 万人" in spec["title"]


def test_swapped_axes_put_growth_across(stores):
    at = page(stores["grid"])
    at.selectbox(key="sweep_x_choice").set_value(GROWTH).run()
    assert not at.exception
    spec, data = charts(at)[0]
    assert at.selectbox(key="sweep_y_choice").value == LOANS
    assert sorted(set(data[fields(spec)["x"]])) == [-2.0, -0.5, 1.0]
    assert sorted(set(data[fields(spec)["y"]])) == [100.0, 120.0, 140.0]


@pytest.mark.parametrize("design", ["morris", "sobol"])
def test_indices_are_bars_with_the_apis_values_and_intervals(stores, design):
    at = page(stores[design], lang="en")
    assert len(charts(at)) == 2
    spec, data = charts(at)[1]
    bar, whisker = fields(spec, 0), fields(spec, 1)
    table = api.sensitivity(stores[design], "new_urban_jobs")
    pairs = {"sobol": [("S1", "S1_conf", "first-order S1"), ("ST", "ST_conf", "total-order ST")],
             "morris": [("mu_star", "mu_star_conf", "μ* (mean absolute effect)")]}[design]
    assert len(data) == len(pairs) * len(table)
    labels = {LOANS: f"{api.label(LOANS, 'en')} (100M yuan)", GROWTH: "Real GDP growth shift (percentage points)"}
    for index, conf, word in pairs:
        for _, row in table.iterrows():
            shown = data[(data[bar["y"]] == labels[row["factor"]]) & (data[bar["color"]] == word)]
            assert len(shown) == 1, (index, row["factor"])
            assert shown[bar["x"]].item() == pytest.approx(row[index], rel=1e-12)
            assert shown[whisker["x"]].item() == pytest.approx(row[index] - row[conf], rel=1e-12)
            assert shown[whisker["x2"]].item() == pytest.approx(row[index] + row[conf], rel=1e-12)
    # another indicator: the API's indices of that one
    at.selectbox(key="sweep_indicator_choice").set_value("surveyed_unemployment_rate").run()
    assert not at.exception
    spec, data = charts(at)[1]
    other = api.sensitivity(stores[design], "surveyed_unemployment_rate")
    first = pairs[0]
    np.testing.assert_allclose(sorted(data[data[bar["color"]] == first[2]][bar["x"]]), sorted(other[first[0]]),
                               rtol=1e-12)


def test_binned_axes_average_the_samples_of_a_cell(stores):
    """A Sobol design's values are continuous: each axis is cut into quantile bins, and a cell's probability is
    the mean over its samples (every sample counted once)."""
    at = page(stores["sobol"])
    shown = heatmap_cells(at)
    p = api.sweep_target_probabilities(stores["sobol"])
    assert shown["samples"].sum() == p.sizes["sample"]
    assert shown["x"].nunique() <= 5 and shown["y"].nunique() <= 5
    weighted = (shown["probability"] * shown["samples"]).sum() / shown["samples"].sum()
    assert weighted == pytest.approx(float(p["probability"].sel(target=0).mean()))
    assert any(c.value == t("sw_binned", "zh", bins=5) for c in at.caption)


@pytest.mark.parametrize("which", ["empty", "missing"])
def test_no_store_says_how_to_make_one(stores, tmp_path, which):
    at = page("" if which == "empty" else tmp_path / "nowhere.zarr")
    assert [i.value for i in at.info] == [t("sweep_none", "zh")]
    assert not at.error and not charts(at)


@pytest.mark.parametrize("which, words", [("not_a_store", "is not a jobsim sweep store"),
                                          ("yaml", "is not a jobsim sweep store"),
                                          ("part", "is incomplete")])
def test_a_path_that_is_no_complete_store_shows_the_apis_message(stores, which, words):
    at = page(stores[which])
    assert len(at.error) == 1 and words in at.error[0].value and str(stores[which]) in at.error[0].value
    assert not charts(at)


def test_the_store_typed_in_goes_into_the_url(stores):
    at = page()
    assert [i.value for i in at.info] == [t("sweep_none", "zh")] and "store" not in at.query_params
    at.text_input(key="sweep_store_input").input(str(stores["morris"])).run()
    assert not at.exception
    assert at.query_params["store"] == str(stores["morris"]) and len(charts(at)) == 2
    at.text_input(key="sweep_store_input").input("").run()
    assert "store" not in at.query_params and not charts(at)


def test_presentation_mode_shows_the_charts_without_controls(stores):
    at = page(stores["morris"], present="1")
    assert len(charts(at)) == 2
    assert not at.text_input and not at.selectbox and not at.get("download_button")


def test_stores_in_the_app_folder_are_offered_by_name(stores, app_home):
    import shutil

    (app_home / "sweeps").mkdir(parents=True, exist_ok=True)
    kept = app_home / "sweeps" / "kept.zarr"
    shutil.copytree(stores["morris"], kept)
    at = page()
    box = at.selectbox(key="sweep_store_found")
    assert str(kept.resolve()) in box.options or "kept.zarr" in box.options
    box.set_value(str(kept.resolve())).run()
    assert not at.exception
    assert at.query_params["store"] == str(kept.resolve()) and len(charts(at)) == 2
    assert at.text_input(key="sweep_store_input").value == str(kept.resolve())


def test_a_link_naming_a_large_folder_is_refused_at_once(tmp_path):
    """`store=/` (or any folder that is not a Zarr store) is refused with the API's message, without walking it."""
    import time

    started = time.perf_counter()
    at = page("/")
    assert time.perf_counter() - started < 60
    assert any("is not a jobsim sweep store" in e.value for e in at.error)
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "x.txt").write_text("not a store")
    at = page(plain)
    assert any("is not a jobsim sweep store" in e.value for e in at.error)

"""The planners' view for plotting (model/outputs/display.py, `api.for_plot`): yearly by kind, quantiles
over replicates, in 万人 / 亿元 / %, labelled so that a plot has meaningful axes."""

from __future__ import annotations

import numpy as np
import pytest

from jobsim.model import api
from jobsim.model.experiments.ensemble import run_scenario
from jobsim.model.outputs.display import MEDIAN_AND_RANGE, for_plot
from jobsim.model.outputs.results import yearly

SCALE = 20_000
CITY = "Ganzhou"
TEN_THOUSAND = 1e4
HUNDRED_MILLION = 1e8
PERCENT = 100


@pytest.fixture(scope="module")
def ensemble(make_scenario):
    return run_scenario(make_scenario(2021, 2022, seed=5), replicates=3, scale=SCALE, use_calibrated=False)


def test_values_are_yearly_quantiles_in_planners_units(ensemble):
    view = for_plot(ensemble)
    y = yearly(ensemble)
    jobs = view["new_urban_jobs"]
    assert set(jobs.dims) == {"quantile", "year", "area"}
    assert list(jobs["quantile"].values) == list(MEDIAN_AND_RANGE)
    expected = y["new_urban_jobs"].sel(area=CITY).quantile(list(MEDIAN_AND_RANGE), dim="replicate") / TEN_THOUSAND
    np.testing.assert_allclose(jobs.sel(area=CITY).values, expected.values, rtol=1e-12)
    rate = view["surveyed_unemployment_rate"].sel(area=CITY, quantile=0.5)
    np.testing.assert_allclose(rate.values, y["surveyed_unemployment_rate"].sel(area=CITY).median("replicate") * PERCENT,
                               rtol=1e-12)
    loans = view["guaranteed_loans_issued_yuan"].sel(quantile=0.5)
    np.testing.assert_allclose(loans.values, y["guaranteed_loans_issued_yuan"].median("replicate") / HUNDRED_MILLION,
                               rtol=1e-12)


def test_units_and_names_are_the_planners(ensemble):
    view = for_plot(ensemble)
    jobs = view["new_urban_jobs"].attrs
    assert (jobs["units"], jobs["units_zh"], jobs["long_name"]) == ("10k persons", "万人", "new urban jobs")
    assert jobs["cell_methods"] == "year: sum"
    assert view["surveyed_unemployment_rate"].attrs["units"] == "percent"
    assert view["guaranteed_loans_issued_yuan"].attrs["units_zh"] == "亿元"
    zh = for_plot(ensemble, lang="zh")["new_urban_jobs"].attrs
    assert (zh["units"], zh["long_name"]) == ("万人", "城镇新增就业")
    with pytest.raises(ValueError, match="lang"):
        for_plot(ensemble, lang="fr")


def test_a_plot_has_labelled_axes(ensemble):
    matplotlib = pytest.importorskip("matplotlib")  # not a dependency of jobsim: plotting is the user's
    matplotlib.use("Agg")  # no display in tests
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    try:
        api.for_plot(ensemble).new_urban_jobs.sel(area=CITY, quantile=0.5).plot(ax=ax)
        assert ax.get_ylabel() == "new urban jobs [10k persons]"
        assert ax.get_xlabel().startswith("year")
    finally:
        plt.close(fig)


def test_one_run_without_replicates_keeps_its_values(ensemble):
    one = ensemble.isel(replicate=0, drop=True)
    view = for_plot(one)
    assert "quantile" not in view.dims
    np.testing.assert_allclose(view["new_urban_jobs"].values,
                               (yearly(one)["new_urban_jobs"] / TEN_THOUSAND).values, rtol=1e-12)

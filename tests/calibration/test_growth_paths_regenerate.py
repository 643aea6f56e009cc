"""The growth-path file is what the calibration layer computes from today's history (so it cannot go
stale silently), and its forecast part follows the documented method."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jobsim.calibration.forecast import CV_HORIZON_YEARS
from jobsim.calibration.growth_paths import GROWTH_CANDIDATES, compute_growth_paths, write_growth_paths
from jobsim.model.inputs.growth_paths import COLUMNS, _load, format_growth_paths, load_growth_paths
from jobsim.model.inputs.history import load_history
from jobsim.model.inputs.regions import file_key, regions_key


@pytest.fixture(scope="module")
def computed() -> pd.DataFrame:
    return compute_growth_paths()


def test_the_file_equals_the_paths_computed_now(computed):
    """Regenerate with `python -m jobsim.calibration.growth_paths` when this fails (the history changed)."""
    stored = load_growth_paths()
    assert list(stored["region"]) == list(computed["region"]) and list(stored["year"]) == list(computed["year"])
    np.testing.assert_allclose(stored["value"].to_numpy(float), computed["value"].to_numpy(float), rtol=0, atol=1e-6)
    for column in ("basis", "method", "source"):
        assert list(stored[column]) == list(computed[column]), column
    assert list(stored["data_through"]) == list(computed["data_through"])


def test_written_text_reads_back_identically(computed, tmp_path):
    path = write_growth_paths(tmp_path / "paths.csv")
    again = _load(file_key(path), regions_key())
    assert path.read_text(encoding="utf-8") == format_growth_paths(computed)
    assert list(again.columns) == list(COLUMNS) and len(again) == len(computed)


def test_the_forecast_has_no_trend_and_is_held_after_the_backtested_years(computed):
    for region, rows in computed[computed["basis"].isin(["forecast", "held"])].groupby("region"):
        forecast = rows[rows["basis"] == "forecast"]
        held = rows[rows["basis"] == "held"]
        assert len(forecast) == CV_HORIZON_YEARS, region
        assert any(m in forecast["method"].iloc[0] for m in GROWTH_CANDIDATES)
        assert (held["value"] == forecast["value"].iloc[-1]).all()
        assert held["year"].min() == forecast["year"].max() + 1


def test_the_country_has_its_own_series_in_the_bundled_data(computed):
    china = computed[computed["region"] == "China"].set_index("year")
    assert set(china.loc[2010:2025, "basis"]) == {"history"}
    assert set(china.loc[2026:, "basis"]) <= {"forecast", "held"} and "derived" not in set(china["basis"])


def test_a_country_without_its_own_series_gets_the_mean_of_its_provinces(computed):
    """The rule, on the bundled history without China's gdp_real_growth rows."""
    history = load_history()
    history = history[~((history["region"] == "China") & (history["indicator"] == "gdp_real_growth"))]
    derived = compute_growth_paths(history)
    china = derived[derived["region"] == "China"].set_index("year")
    assert set(china["basis"]) == {"derived"}
    jiangxi = derived[derived["region"] == "Jiangxi"].set_index("year")["value"]
    hunan = derived[derived["region"] == "Hunan"].set_index("year")["value"]
    assert china.at[2012, "value"] == jiangxi[2012]  # Hunan's path starts in 2016
    assert "mean of the paths of Jiangxi in 2012" in china.at[2012, "method"]
    for year in (2019, 2023, 2025):  # 2023: Hunan's interpolated year
        assert china.at[year, "value"] == pytest.approx((jiangxi[year] + hunan[year]) / 2), year
    assert china.at[2025, "value"] == pytest.approx((5.2 + 4.8) / 2)
    assert china.index.max() == derived["year"].max() and china.at[2025, "data_through"] == 2025
    # the provinces' own paths do not depend on the country's rows
    for region in ("Jiangxi", "Hunan"):
        mine = derived[derived["region"] == region].reset_index(drop=True)
        bundled = computed[computed["region"] == region].reset_index(drop=True)
        assert mine[["year", "value", "basis"]].equals(bundled[["year", "value", "basis"]]), region

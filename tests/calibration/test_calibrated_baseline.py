"""The calibrated baseline reproduces the published figures it was fitted to (issue 9: plausibility of the
*calibrated* baseline, not only of the defaults).

Each region's calibrated file (calibration/params/<region>.yaml) records its moments: the published
figure (target), its sd and the simulated value at the optimum. Two checks: the recorded fit (every
moment within 3 sd, and the distance below a bound per moment), and a fresh run of the bundled
baseline with the calibrated point values, whose first-year figures must land within 3 sd of the
published ones too (3 sd allows the fresh run's own Monte-Carlo error at the stated size).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml

from jobsim.model import api
from jobsim.model.inputs.paths import calibration_params_dir
from jobsim.model.inputs.scenario_index import baseline_scenario_name, scenario_path

MAX_Z = 3.0
# Regions whose calibration does not yet fit every moment within MAX_Z (issue 10, calibration and
# uncertainty, takes them up): strict xfails, so a fit that improves shows up.
REGIONS = (
    "Jiangxi",
    "Fuzhou",
    pytest.param("Hunan", marks=pytest.mark.xfail(strict=True, reason=(
        "re-employment of the unemployed 3.5 sd above its published level (the model's registered "
        "unemployed find work too readily)"))),
    pytest.param("China", marks=pytest.mark.xfail(strict=True, reason=(
        "national run as one area: new urban jobs 3.7 sd below the recent level, the 2025 forecast "
        "4.9 sd above, the surveyed rate 3.0 sd above"))),
)


def _document(region: str) -> dict:
    return yaml.safe_load((calibration_params_dir() / f"{region.lower()}.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("region", REGIONS)
def test_every_recorded_moment_is_fitted_within_three_sd(region):
    doc = _document(region)
    bad = [(m["name"], round(m["z"], 2)) for m in doc["moments"] if not math.isfinite(m["z"]) or abs(m["z"]) > MAX_Z]
    assert not bad, f"{region}: moments outside {MAX_Z} sd: {bad}"
    assert doc["distance"] <= 2.0 * len(doc["moments"]), f"{region}: distance {doc['distance']} over {len(doc['moments'])} moments"


@pytest.mark.slow
def test_the_calibrated_jiangxi_baseline_reproduces_its_first_year_figures():
    """Jiangxi, 6 replicates at 1:3000 with the calibrated point values (no posterior draws): new urban
    jobs, rural labour transferred and the surveyed rate in 2021, and vacancies per job-seeker over the
    years of its moment, within 3 sd of the published figures the calibration used."""
    doc = _document("Jiangxi")
    moments = {m["variable"]: m for m in doc["moments"] if m["years"] == [2021] or m["variable"] == "vacancies_per_job_seeker"}
    scenario = api.load_scenario(scenario_path(baseline_scenario_name("Jiangxi")))
    ds = api.run(scenario, replicates=6, scale=3000, parameter_draws=False)
    y = api.yearly(ds).sel(area="Jiangxi")
    checked = []
    for variable in ("new_urban_jobs", "rural_labour_transferred", "surveyed_unemployment_rate", "vacancies_per_job_seeker"):
        m = moments[variable]
        simulated = float(np.mean(y[variable].sel(year=m["years"]).values))
        z = (simulated - m["target"]) / m["sd"]
        checked.append((variable, round(z, 2)))
        assert abs(z) <= MAX_Z, f"{variable}: simulated {simulated:.4g} vs published {m['target']:.4g} (z = {z:.2f})"
    assert len(checked) == 4

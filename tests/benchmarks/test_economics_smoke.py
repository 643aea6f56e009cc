"""Smoke test of `python -m benchmarks.economics`: every measure runs at a tiny size and gives its figures.

Nothing about the model's economics is asserted here (tests/model/core/test_stylised_facts.py does that);
only that the harness completes, reads a market at the matching stage, formats its tables and writes JSON.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # `benchmarks/` is not an installed package
    sys.path.insert(0, str(REPO))

from benchmarks import economics as E  # noqa: E402

TINY = E.Settings(name="smoke", replicates=2, scale=10000.0, compare_scale=20000.0, last_year=2021, dip_year_offset=0,
                  use_calibrated=False, demand_levels=(-0.1, 0.0, 0.1), dose_levers=("loan_issuance_yuan",),
                  doses=(0.0, 1.0, 2.0))


def test_economics_harness_smoke(tmp_path):
    report = E.measure(TINY)
    assert {"matching", "beveridge", "shocks", "graduates", "doses", "scale", "baseline"} <= set(report)
    assert report["market_source"]
    m = report["matching"]
    assert m["n"] > 0
    for spec in ("pooled", "fixed_effects", "ppml_pooled", "ppml_fixed_effects"):
        assert math.isfinite(m[spec]["vacancies"]) and math.isfinite(m[spec]["searchers"]), m
    assert math.isfinite(report["beveridge"]["within_area"]["slope"])
    assert set(report["shocks"]) == {"demand -10%", "demand +10%", "growth dip 2021 -5 pp", "okun"}
    for key in ("new_urban_jobs", "hires", "jobs_held_end", "surveyed_rate_pp"):
        assert math.isfinite(report["shocks"]["demand -10%"][key][0])
    assert report["graduates"]["entrants"][0] > 0  # the larger cohort adds entrants
    doses = report["doses"]["loan_issuance_yuan"]
    assert set(doses["doses"]) == {0.0, 2.0}
    assert doses["doses"][0.0]["spending_yuan"][0] < 0  # no loans, less spending
    assert set(doses["curvature"]) == {"person_years", "jobs_held_end"}
    assert report["scale"]["rows"]
    text = E.format_report(report)
    for heading in ("(a) Matching", "(b) Beveridge", "(c) Shock", "(d) Graduate", "(e) Dose", "(f) Scale"):
        assert heading in text
    path = E.write_json_atomic(report, tmp_path / "out" / "economics.json")
    saved = json.loads(path.read_text())
    assert saved["settings"]["name"] == "smoke"
    assert "ppml_fixed_effects" in saved["matching"]

"""The methodology report's back-test options: the search budget reaches every origin's calibration, is
recorded beside the tables, and a budget below one generation is refused before any work."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from jobsim.calibration import report
from jobsim.calibration.backtest import COLUMNS, Backtest
from jobsim.model.inputs.choices import ChoiceError


def _fake_backtest(calls: list):
    def backtest(region, indicator, origins, horizon=3, replicates=20, quick=True, calibration=None, **_):
        calls.append({"region": region, "origins": list(origins), "quick": quick, "calibration": calibration})
        row = {c: np.nan for c in COLUMNS}
        row.update(origin=origins[0], period=origins[0] + 1, actual=100.0, model_median=104.0, model_lo80=90.0,
                   model_hi80=120.0, naive=98.0, abs_error_model=4.0, abs_error_naive=2.0, mase_model=2.0,
                   mase_naive=1.0, model_covered_80=True, forecast_model="")
        return Backtest(region, indicator, "10k persons", pd.DataFrame([row], columns=COLUMNS), {}, {})
    return backtest


SET = [("Hunan", "new_urban_jobs", [2018], 2), ("Jiangxi", "new_urban_jobs", [2019], 1)]


def test_the_budget_reaches_every_origins_calibration_and_is_recorded(monkeypatch):
    calls: list = []
    monkeypatch.setattr(report, "backtest", _fake_backtest(calls))
    record: dict = {}
    text = report.build_backtests(quick=False, replicates=3, backtest_set=SET, record=record, evaluations=3300)
    assert [c["calibration"] for c in calls] == [{"max_evaluations": 3300}] * 2
    assert all(c["quick"] is False for c in calls)
    assert "thorough calibration at each origin of 3,300 simulations" in text
    assert set(record["summary"]["evaluations"]) == {3300}
    assert set(record["summary"]["calibration"]) == {"thorough"}


def test_without_a_budget_each_search_keeps_its_own(monkeypatch):
    calls: list = []
    monkeypatch.setattr(report, "backtest", _fake_backtest(calls))
    record: dict = {}
    text = report.build_backtests(quick=True, replicates=3, backtest_set=SET, record=record)
    assert [c["calibration"] for c in calls] == [None, None]
    assert "quick calibration at each origin;" in text
    assert record["summary"]["evaluations"].isna().all()


def test_a_budget_below_one_generation_is_refused_before_any_back_test(monkeypatch):
    calls: list = []
    monkeypatch.setattr(report, "backtest", _fake_backtest(calls))
    with pytest.raises(ChoiceError, match="at least 300"):
        report.build_backtests(quick=False, backtest_set=SET, evaluations=299)
    assert calls == []


def test_the_command_names_the_option_and_what_is_allowed(monkeypatch, capsys, tmp_path):
    doc = tmp_path / "methodology.md"
    doc.write_text("untouched", encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["report", "--short", "--evaluations", "10", "--doc", str(doc)])
    with pytest.raises(SystemExit) as e:
        report.main()
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "--evaluations: 10 simulations is less than the search's first generation" in err
    assert "at least 60" in err  # a quick search's particles (no --thorough)
    assert doc.read_text(encoding="utf-8") == "untouched"

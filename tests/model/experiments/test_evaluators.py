"""Evaluators: the same specs give bit-identical results in this process, under fork and under spawn."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from jobsim.model import api
from jobsim.model.experiments.evaluators import ProcessEvaluator, SequentialEvaluator, default_start_method

SCENARIO = Path(__file__).resolve().parents[3] / "scenarios" / "fuzhou_2024.yaml"


def _square(x: int) -> int:
    return x * x


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_process_evaluator_keeps_task_order(method):
    with ProcessEvaluator(workers=2, start_method=method) as ev:
        assert list(ev.map(_square, range(7))) == [x * x for x in range(7)]


def test_process_evaluator_outside_with_is_refused():
    with pytest.raises(RuntimeError, match="inside `with`"):
        ProcessEvaluator(workers=2).map(_square, [1])


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_ensemble_identical_sequential_and_in_processes(method):
    scenario = api.load_scenario(SCENARIO)
    kwargs = dict(replicates=3, scale=4000, use_calibrated=False)
    here = api.run(scenario, evaluator=SequentialEvaluator(), **kwargs)
    there = api.run(scenario, evaluator=ProcessEvaluator(2, start_method=method), **kwargs)
    for name in here.data_vars:
        assert np.array_equal(here[name].values, there[name].values, equal_nan=True), name


def test_start_method_from_environment(monkeypatch):
    monkeypatch.setenv("JOBSIM_START_METHOD", "spawn")
    assert default_start_method() == "spawn"
    monkeypatch.setenv("JOBSIM_START_METHOD", "teleport")
    with pytest.raises(ValueError, match="JOBSIM_START_METHOD='teleport'"):
        default_start_method()

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


# ---- a pool kept across ensembles (the app's previews) ------------------------------------------------

def _pid(_task) -> int:
    import os

    return os.getpid()


def _fail(x: int) -> int:
    if x == 2:
        raise ValueError("task 2 fails")
    return x


def test_a_kept_pool_reuses_its_workers_and_gives_the_sequential_numbers():
    """Two ensembles through one KeptProcessEvaluator: the same worker processes serve both (nothing is
    started for the second), and each equals the sequential run bit for bit."""
    from jobsim.model.experiments.evaluators import KeptProcessEvaluator

    scenario = api.load_scenario(SCENARIO)
    kwargs = dict(replicates=3, scale=4000, use_calibrated=False)
    pool = KeptProcessEvaluator(2)
    try:
        assert pool.start_method == "forkserver"  # a server's threads make fork unsafe
        pool.warm_up(api.prepare_worker, range(2))
        with pool:
            seen = set(pool.map(_pid, range(6)))
        started = set(pool._pool._processes)  # the worker processes, by pid
        assert len(started) == 2 and seen <= started
        here = api.run(scenario, evaluator=SequentialEvaluator(), **kwargs)
        there = api.run(scenario, evaluator=pool, **kwargs)
        for name in here.data_vars:
            assert np.array_equal(here[name].values, there[name].values, equal_nan=True), name
        api.run(scenario, evaluator=pool, seed=5, **kwargs)
        with pool:
            seen |= set(pool.map(_pid, range(6)))
        assert set(pool._pool._processes) == started and seen <= started  # nothing was started again
    finally:
        pool.close()
    with pytest.raises(RuntimeError, match="inside `with`"):
        pool.map(_square, [1])


def test_a_kept_pool_starts_afresh_after_a_failed_ensemble():
    from jobsim.model.experiments.evaluators import KeptProcessEvaluator

    pool = KeptProcessEvaluator(2)
    try:
        with pytest.raises(ValueError, match="task 2 fails"):
            with pool:
                list(pool.map(_fail, range(4)))
        assert pool._pool is None  # stopped: a failed ensemble leaves no half-used workers behind
        with pool:
            assert list(pool.map(_square, range(5))) == [0, 1, 4, 9, 16]
    finally:
        pool.close()


def test_prepare_worker_loads_what_a_run_needs():
    import sys

    assert api.prepare_worker() > 0
    assert "jobsim.model.core.model" in sys.modules and "xarray" in sys.modules


def _freeze_count(_task: object = None) -> int:
    import gc

    return gc.get_freeze_count()


def test_frozen_heap_hides_the_existing_heap_from_the_collector_and_forked_workers_inherit_it():
    import gc

    from jobsim.model.experiments.evaluators import frozen_heap

    assert gc.get_freeze_count() == 0
    with frozen_heap():
        frozen = gc.get_freeze_count()
        assert frozen > 1000  # everything the imports made
        # A cycle made inside the block is still collected.
        cycle = []
        cycle.append(cycle)
        del cycle
        assert gc.collect() >= 1
        with ProcessEvaluator(workers=2, start_method="fork") as ev:
            # (less a few the child frees by reference counting on its way in)
            assert min(ev.map(_freeze_count, range(2))) > 0.9 * frozen
        with frozen_heap():  # frozen already: left alone, not unfrozen on the way out
            pass
        assert gc.get_freeze_count() == frozen
    assert gc.get_freeze_count() == 0

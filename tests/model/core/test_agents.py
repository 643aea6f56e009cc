"""The worker and firm arrays' fast paths give exactly what the plain versions they replaced give:
a transition to one destination (the model's calls) against the general per-worker path, appends into
spare room against concatenation, and the small helpers against the numpy functions they stand for."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from jobsim.model.core import agents as A

SCALE = 10_000  # persons per agent: about 2,500 worker agents for Jiangxi


@pytest.fixture(scope="module")
def stepped_model(make_model):
    """A Jiangxi model after 14 months: every status occupied, some workers gone, loan firms open."""
    model = make_model(2021, 2022, scale=SCALE, seed=5)
    for _ in range(14):
        model.step()
    return model


def _state(w: A.WorkerPopulation) -> dict[str, np.ndarray]:
    w.counters.flush()
    c = w.counters
    counters = {name: getattr(c, name).copy() for name in (
        "flows", "urban_job_entries", "natural_attrition", "reemployment", "hard_to_employ_placed",
        "rural_transferred", "hires_first_job", "hires_rehire_same_year", "hires_other", "programme_placements")}
    return {**{name: getattr(w, name).copy() for name in A.WorkerPopulation.ARRAYS}, **counters}


@pytest.mark.parametrize("destination", list(range(A.N_STATUS)) + [A.RETIRED, A.DIED, A.MIGRATED_OUT])
@pytest.mark.parametrize("programme", [False, True])
def test_a_transition_to_one_destination_equals_the_general_path(stepped_model, destination, programme):
    base = stepped_model.workers
    living = np.flatnonzero(base.status >= 0)
    idx = np.sort(np.random.default_rng(destination).choice(living, size=len(living) // 3, replace=False))
    statuses = set(base.status[idx].tolist())
    assert len(statuses) >= 6, f"the sample covers only statuses {statuses}: the comparison would miss cases"
    job_area = stepped_model.job_area(idx)
    fast, general = copy.deepcopy(base), copy.deepcopy(base)
    fast.counters.reset()
    general.counters.reset()
    month = stepped_model.month + 1
    fast.transition(idx, destination, month, programme=programme, job_area=job_area)
    general.transition(idx, np.full(len(idx), destination), month, programme=programme, job_area=job_area)
    a, b = _state(fast), _state(general)
    for name in a:
        assert a[name].dtype == b[name].dtype, name
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    assert a["flows"].sum() == len(idx)


def test_appends_into_spare_room_equal_concatenation(stepped_model):
    """Month after month of appends (and a compaction between) give the arrays np.concatenate gave."""
    rng = np.random.default_rng(3)
    w = copy.deepcopy(stepped_model.workers)
    expected = {name: getattr(w, name).copy() for name in A.WorkerPopulation.ARRAYS}
    for month in range(30):
        n = int(rng.integers(0, 400))
        rows = np.sort(rng.choice(np.flatnonzero(w.status >= 0), size=n))  # copies of living rows as the entrants
        cols = {name: getattr(w, name)[rows].copy() for name in A.WorkerPopulation.ARRAYS if name != "uid"}
        first_uid = w.next_uid
        idx = w.append(cols, month)
        np.testing.assert_array_equal(idx, np.arange(len(w) - n, len(w)))
        for name in A.WorkerPopulation.ARRAYS:
            new = np.arange(first_uid, first_uid + n) if name == "uid" else cols[name].astype(expected[name].dtype)
            if name == "since":
                new = np.full(n, month, expected[name].dtype)
            expected[name] = np.concatenate([expected[name], new])
        if month == 12:
            keep = w.status != A.GONE
            w.compact(stepped_model.firms)
            expected = {name: arr[keep] for name, arr in expected.items()}
        for name, arr in expected.items():
            got = getattr(w, name)
            assert got.dtype == arr.dtype and len(got) == len(w), name
            np.testing.assert_array_equal(got, arr, err_msg=f"{name} after month {month}")


def test_firm_appends_equal_concatenation(stepped_model):
    f = copy.deepcopy(stepped_model.firms)
    before = {name: getattr(f, name).copy() for name in A.FirmPopulation.ARRAYS}
    rows = np.arange(min(50, len(f)))
    cols = {name: getattr(f, name)[rows].copy() for name in A.FirmPopulation.ARRAYS}
    idx = f.append(cols)
    assert idx.tolist() == list(range(len(f) - len(rows), len(f)))
    for name in A.FirmPopulation.ARRAYS:
        np.testing.assert_array_equal(getattr(f, name), np.concatenate([before[name], cols[name]]), err_msg=name)
    f.demand[idx] = -1.0  # a write through the attribute is a write to the population
    assert (f.demand[-len(rows):] == -1.0).all()


def test_clamp_equals_np_clip():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0.5, 1.0, 1000), [0.0, 1.0, -0.0, np.inf, -np.inf]])
    np.testing.assert_array_equal(A.clamp(x, 0.0, 1.0), np.clip(x, 0.0, 1.0))
    i = rng.integers(-50, 50, 1000)
    got = A.clamp(i, 0, 36)
    assert got.dtype == np.clip(i, 0, 36).dtype
    np.testing.assert_array_equal(got, np.clip(i, 0, 36))


def test_row_mask_gives_setdiff1d_in_order():
    rng = np.random.default_rng(1)
    rows = rng.permutation(500)[:200]
    drop = rng.choice(500, 80, replace=False)
    np.testing.assert_array_equal(rows[~A.row_mask(500, drop)[rows]], np.setdiff1d(rows, drop, assume_unique=True))

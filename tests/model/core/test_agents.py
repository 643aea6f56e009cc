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


def _reference_transition(w: A.WorkerPopulation, idx, destination, month, programme=False, job_area=None) -> None:
    """`WorkerPopulation.transition` as it was before the one-destination fast path (commit 1bb6385): every
    test made per worker. Kept here, frozen, as the reference the fast path must equal."""
    c = w.counters
    src = w.status[idx].astype(np.int64)
    dst = np.broadcast_to(np.asarray(destination, dtype=np.int64), src.shape)
    area = w.area[idx].astype(np.int64)
    c.add_flows((area * A.N_SOURCES + src) * A.N_DESTINATIONS + dst)
    was_emp, is_emp = A._IS_EMPLOYED[src], A._IS_EMPLOYED[dst]
    entering = is_emp & ~was_emp
    if entering.any():
        e, ea = idx[entering], area[entering]
        workplace = ea if job_area is None else np.asarray(job_area, np.int64)[entering]
        pending = w.transfer_pending[e]
        if pending.any():
            c.rural_transferred += np.bincount(ea[pending], minlength=c.n_areas)
            w.urban[e[pending]] = True
            w.transfer_pending[e[pending]] = False
        c.reemployment += np.bincount(ea[w.registered[e]], minlength=c.n_areas)
        c.hard_to_employ_placed += np.bincount(ea[w.hard[e]], minlength=c.n_areas)
        urban_e = w.urban[e]
        c.urban_job_entries += np.bincount(workplace[urban_e], minlength=c.n_areas)
        last = w.last_job_end[e]
        kind = np.where(last == A.NEVER, 0, np.where(last // 12 == month // 12, 1, 2))
        kind[(dst[entering] == A.SUBSIDISED_POST) | programme] = 3
        by_kind = np.bincount(workplace[urban_e] * 4 + kind[urban_e], minlength=c.n_areas * 4).reshape(c.n_areas, 4)
        c.hires_first_job += by_kind[:, 0]
        c.hires_rehire_same_year += by_kind[:, 1]
        c.hires_other += by_kind[:, 2]
        c.programme_placements += by_kind[:, 3]
        w.registered[e] = False
        w.hard[e] = False
        w.ui_left[e] = 0
    w.last_job_end[idx[was_emp & ~is_emp]] = month
    attrition = was_emp & w.urban[idx] & ((dst == A.RETIRED) | (dst == A.DIED))
    if attrition.any():
        workplace = area if job_area is None else np.asarray(job_area, np.int64)
        c.natural_attrition += np.bincount(workplace[attrition], minlength=c.n_areas)
    new_status = dst.astype(np.int8)
    new_status[dst >= A.N_STATUS] = A.GONE
    w.status[idx] = new_status
    w.since[idx] = month
    back_from_programme = (src == A.IN_TRAINING) | (src == A.INTERNSHIP)
    w.spell_start[idx[(dst == A.UNEMPLOYED) & ~back_from_programme]] = month
    w.firm[idx[(dst != A.EMPLOYED_FIRM) & (dst != A.SELF_EMPLOYED)]] = -1
    w.post_kind[idx[dst != A.SUBSIDISED_POST]] = A.POST_NONE


DESTINATIONS = list(range(A.N_STATUS)) + [A.RETIRED, A.DIED, A.MIGRATED_OUT]


def _compare_with_reference(model, idx, destination, programme) -> None:
    base = model.workers
    job_area = model.job_area(idx)
    new, ref = copy.deepcopy(base), copy.deepcopy(base)
    new.counters.reset()
    ref.counters.reset()
    month = model.month + 1
    new.transition(idx, destination, month, programme=programme, job_area=job_area)
    _reference_transition(ref, idx, destination, month, programme=programme, job_area=job_area)
    a, b = _state(new), _state(ref)
    for name in a:
        assert a[name].dtype == b[name].dtype, name
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    assert a["flows"].sum() == len(idx)


def _sample(model, seed: int) -> np.ndarray:
    living = np.flatnonzero(model.workers.status >= 0)
    idx = np.sort(np.random.default_rng(seed).choice(living, size=len(living) // 3, replace=False))
    statuses = set(model.workers.status[idx].tolist())
    assert len(statuses) >= 6, f"the sample covers only statuses {statuses}: the comparison would miss cases"
    return idx


@pytest.mark.parametrize("destination", DESTINATIONS)
@pytest.mark.parametrize("programme", [False, True])
def test_a_transition_to_one_destination_equals_the_per_worker_reference(stepped_model, destination, programme):
    _compare_with_reference(stepped_model, _sample(stepped_model, destination), destination, programme)


@pytest.mark.parametrize("programme", [False, True])
def test_a_transition_to_mixed_destinations_equals_the_per_worker_reference(stepped_model, programme):
    idx = _sample(stepped_model, 3)
    destinations = np.random.default_rng(7).choice(DESTINATIONS, size=len(idx))
    _compare_with_reference(stepped_model, idx, destinations, programme)


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

"""Counter-based draws (model/core/draws.py): a uniform is a pure function of (key, month, slot, id)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from jobsim.model.core.draws import BLOCK, GAMMA, MASK, SMALL, CounterDraws, MonthDraws, SequentialDraws, mix_int, pair_ids, rank_within


def test_a_draw_depends_on_its_own_id_only_not_on_the_other_ids_drawn_with_it():
    c = CounterDraws(2021)
    ids = np.array([5, 17, 3, 1_000_000, 0, 2**40])
    u = c.uniform(24_300, 2, ids)
    for i, x in zip(ids, u):
        assert c.uniform(24_300, 2, np.array([i]))[0] == x
    assert np.array_equal(c.uniform(24_300, 2, ids[::-1]), u[::-1])
    # The id's integer type does not matter.
    assert np.array_equal(c.uniform(7, 0, np.arange(50, dtype=np.int16)), c.uniform(7, 0, np.arange(50)))
    assert np.array_equal(c.uniform(7, 0, np.arange(50, dtype=np.uint64)), c.uniform(7, 0, np.arange(50)))
    assert c.uniform(7, 0, np.empty(0, np.int64)).shape == (0,)


def test_the_vector_hash_is_splitmix64_at_position_id_of_the_month_and_slot_offset():
    c = CounterDraws(123456789)
    off = c.offset(100, 3)
    ids = np.arange(5)
    # SplitMix64: the i-th output from state s is mix(s + (i + 1) * GAMMA); here state s = offset - GAMMA.
    ref = [(mix_int((off + int(i) * GAMMA - GAMMA) & MASK) >> 11) * 2.0**-53 for i in ids]
    np.testing.assert_array_equal(c.uniform(100, 3, ids), ref)


def test_every_set_size_gives_the_reference_bits_on_either_side_of_the_small_set_path():
    """Sets of at most SMALL ids are hashed in Python ints, larger ones in numpy, over BLOCK in blocks: each
    way gives the bits of the reference formula, so a worker's draw does not depend on how many were drawn."""
    c = CounterDraws(0xC0FFEE)
    rng = np.random.default_rng(7)
    big = np.sort(rng.choice(2**40, BLOCK + 300, replace=False)).astype(np.int64)
    all_draws = c.uniform(31, 5, big)
    for n in [0, 1, 2, SMALL - 1, SMALL, SMALL + 1, 2 * SMALL, 100]:
        ids = big[rng.choice(len(big), n, replace=False)]
        off = c.offset(31, 5)
        ref = [(mix_int((off + int(i) * GAMMA - GAMMA) & MASK) >> 11) * 2.0**-53 for i in ids]
        got = c.uniform(31, 5, ids)
        assert got.dtype == np.float64 and got.shape == (n,)
        np.testing.assert_array_equal(got, ref)
        np.testing.assert_array_equal(got, all_draws[np.searchsorted(big, ids)])
    # Vacancy-slot ids are uint64 with the firm in the high bits: the same on both paths.
    slots = pair_ids(np.array([3, 3, 9, 70_000]), np.array([0, 1, 0, 5]))
    np.testing.assert_array_equal(c.uniform(2, 0, slots), np.concatenate([c.uniform(2, 0, slots[:2]),
                                                                          c.uniform(2, 0, slots[2:])]))
    np.testing.assert_array_equal(c.uniform(2, 0, np.tile(slots, 4))[:4], c.uniform(2, 0, slots))


def test_key_month_and_slot_each_change_every_draw():
    ids = np.arange(10_000)
    base = CounterDraws(1).uniform(50, 0, ids)
    for other in (CounterDraws(2).uniform(50, 0, ids), CounterDraws(1).uniform(51, 0, ids), CounterDraws(1).uniform(50, 1, ids)):
        assert np.mean(other == base) == 0.0
        assert abs(np.corrcoef(base, other)[0, 1]) < 0.04  # 4 standard errors at n = 10,000
    with pytest.raises(ValueError):
        CounterDraws(1).uniform(50, 64, ids)


def test_uniforms_and_exponentials_have_their_laws():
    c = CounterDraws(99)
    u = c.uniform(3, 0, np.arange(200_000))
    assert u.min() >= 0.0 and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 1e-4
    # Consecutive ids (the worker uids of one cohort) are not correlated.
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 4 / np.sqrt(len(u))
    e = c.exponential(3, 1, np.arange(200_000))
    assert np.isfinite(e).all() and stats.kstest(e, "expon").pvalue > 1e-4


def test_month_and_sequential_adapters():
    c = CounterDraws(5)
    ids = np.array([4, 8, 15])
    d = MonthDraws(c, 10)
    np.testing.assert_array_equal(d.uniform(1, ids), c.uniform(10, 1, ids))
    np.testing.assert_array_equal(d.exponential(1, ids), c.exponential(10, 1, ids))
    s = SequentialDraws(np.random.default_rng(3))
    np.testing.assert_array_equal(s.uniform(0, ids), np.random.default_rng(3).random(3))


def test_vacancy_slot_ids():
    np.testing.assert_array_equal(rank_within(np.array([2, 0, 3])), [0, 1, 0, 1, 2])
    assert rank_within(np.array([0, 0])).shape == (0,)
    ids = pair_ids(np.array([0, 0, 7]), np.array([0, 1, 0]))
    assert len(set(ids.tolist())) == 3 and ids[2] == 7 << 32

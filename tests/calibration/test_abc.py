"""Tests for the ABC population Monte Carlo (calibration/abc.py) on problems whose posterior is known."""

from __future__ import annotations

import numpy as np
import pytest

from jobsim.calibration.abc import apmc, weighted_quantile

OBSERVED = np.array([1.0, -1.0])


def _gaussian(batch):
    """y = theta + N(0, 1) in two dimensions; distance |y - observed|^2. With a flat prior on a wide box
    the posterior is N(observed, 1) in each coordinate."""
    out = []
    for theta, seed in batch:
        y = theta + np.random.default_rng(seed).normal(size=2)
        out.append((float(np.sum((y - OBSERVED) ** 2)), y))
    return out


def _run(**kw):
    settings = dict(particles=400, keep_fraction=0.5, min_acceptance=0.02, max_generations=20, max_evaluations=6000, seed=1)
    settings.update(kw)
    return apmc(_gaussian, np.array([-5.0, -5.0]), np.array([5.0, 5.0]), **settings)


def test_the_posterior_of_a_gaussian_mean_is_recovered():
    """Tolerance: the weighted mean within 0.25 and the sd within 25% of the exact N(observed, 1) (200
    weighted particles with an effective size of ~100 give a Monte Carlo error of ~0.1 on the mean; the
    final tolerance leaves the ABC posterior slightly wider than the exact one)."""
    res = _run()
    w = res.weights
    mean = w @ res.theta
    sd = np.sqrt(w @ (res.theta - mean) ** 2)
    assert np.all(np.abs(mean - OBSERVED) < 0.25), mean
    assert np.all(np.abs(sd - 1.0) < 0.25), sd
    assert res.weights.sum() == pytest.approx(1.0)
    assert 50 < res.effective_sample_size <= 200
    eps = [g.epsilon for g in res.generations]
    assert all(b <= a for a, b in zip(eps, eps[1:]))  # the tolerance never rises
    assert res.generations[-1].epsilon < 0.2 * res.first_epsilon


def test_same_seed_same_particles_and_the_budget_holds():
    a, b = _run(max_evaluations=1000), _run(max_evaluations=1000)
    assert np.array_equal(a.theta, b.theta) and np.array_equal(a.weights, b.weights)
    assert a.evaluations <= 1000 and "budget" in a.stopped_because
    c = _run(max_evaluations=1000, seed=2)
    assert not np.array_equal(a.theta, c.theta)


def test_particles_stay_inside_the_bounds():
    res = apmc(_gaussian, np.array([0.5, -1.2]), np.array([0.9, -0.8]), particles=60, max_evaluations=300, seed=3)
    assert np.all(res.theta >= [0.5, -1.2]) and np.all(res.theta <= [0.9, -0.8])


def test_bad_settings_are_named():
    with pytest.raises(ValueError, match="keep_fraction"):
        _run(keep_fraction=1.5)
    with pytest.raises(ValueError, match="particles"):
        _run(particles=2, keep_fraction=0.9)


def test_weighted_quantile():
    v = np.array([3.0, 1.0, 2.0, 4.0])
    assert weighted_quantile(v, np.ones(4), 0.5)[0] == pytest.approx(2.5)
    assert weighted_quantile(v, np.array([0.0, 0.0, 0.0, 1.0]), [0.1, 0.9]).tolist() == [4.0, 4.0]

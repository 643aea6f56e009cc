"""Adaptive ABC population Monte Carlo (APMC): likelihood-free inference for a stochastic simulator.

The algorithm is Lenormand, Jabot & Deffuant (2013), "Adaptive approximate Bayesian computation for
complex models", Computational Statistics 28: 2777-2796 (the APMC of the R package EasyABC), built
for expensive simulators whose runs come in parallel batches:

1. Draw `particles` parameter vectors from the prior (uniform within the bounds), simulate each once,
   and keep the `keep_fraction` with the smallest distances; the tolerance epsilon is the largest
   kept distance. Kept particles carry importance weights (1 at first).
2. Each generation proposes `particles - kept` new vectors: a kept particle drawn by weight, moved by a
   Gaussian kernel whose covariance is twice the kept particles' weighted covariance (Beaumont et al.
   2009, Biometrika 96: 983-990), redrawn until inside the bounds. A new particle's weight is
   prior / sum_j w_j K(theta | theta_j). All are simulated as one batch (the evaluator's map).
3. The new tolerance is the `keep_fraction` quantile of the distances of old and new particles
   together; those within it are kept. The acceptance rate is the share of the new particles within
   the *previous* tolerance; the algorithm stops when it falls below `min_acceptance` (the posterior
   no longer tightens at a useful rate), after `max_generations`, or when the next generation would
   exceed `max_evaluations` simulations.

The result is the kept particles with normalised weights and their effective sample size
(1 / sum w^2), and every generation's tolerance and acceptance. The simulator returns, per
parameter vector, the distance and any extra values (the simulated moments) to keep alongside.
The module knows nothing of the labour-market model; jobsim.calibration.calibrate supplies the
simulator, the bounds and the map.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

# How `ABCResult.stopped_because` begins when the simulation budget ended the search (the posterior may still
# have been narrowing: jobsim.calibration.calibrate.diagnose says so).
BUDGET_REACHED = "evaluation budget"


@dataclass
class Generation:
    """One generation's summary: tolerance after it, acceptance of its proposals, simulations so far."""

    index: int
    epsilon: float
    acceptance_rate: float | None
    evaluations: int
    best_distance: float
    seconds: float


@dataclass
class ABCResult:
    """The final kept particles (rows of `theta`), their normalised weights, distances and extras."""

    theta: np.ndarray
    weights: np.ndarray
    distances: np.ndarray
    extras: list
    generations: list[Generation]
    evaluations: int
    stopped_because: str
    first_epsilon: float
    settings: dict = field(default_factory=dict)

    @property
    def effective_sample_size(self) -> float:
        return float(1.0 / np.sum(self.weights ** 2))


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float | Sequence[float]) -> np.ndarray:
    """Quantiles of `values` under `weights` (the weighted empirical distribution, midpoint rule)."""
    values, weights = np.asarray(values, float), np.asarray(weights, float)
    values, weights = values[weights > 0], weights[weights > 0]  # a weightless particle is no evidence
    order = np.argsort(values)
    v, w = values[order], weights[order]
    cum = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(np.atleast_1d(q), cum, v)


def _kernel_density(theta: np.ndarray, centres: np.ndarray, weights: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """sum_j w_j N(theta_i; centre_j, cov) for each row theta_i (weights normalised)."""
    inv = np.linalg.inv(cov)
    _, logdet = np.linalg.slogdet(cov)
    d = theta[:, None, :] - centres[None, :, :]
    maha = np.einsum("ijk,kl,ijl->ij", d, inv, d)
    log_k = -0.5 * maha - 0.5 * logdet - 0.5 * theta.shape[1] * np.log(2 * np.pi)
    return np.exp(log_k) @ (weights / weights.sum())


def apmc(simulate: Callable[[list[tuple[np.ndarray, int]]], list[tuple[float, object]]],
         lower: np.ndarray, upper: np.ndarray, *, particles: int = 300, keep_fraction: float = 0.5,
         min_acceptance: float = 0.05, max_generations: int = 12, max_evaluations: int = 2000,
         seed: int = 0, progress: Callable[[Generation, int], None] | None = None) -> ABCResult:
    """Run APMC. `simulate(batch)` takes [(theta, simulation seed), ...] and returns [(distance, extra), ...]
    in the same order (one simulation each; the caller parallelises). Uniform prior on [lower, upper]."""
    if not 0 < keep_fraction < 1:
        raise ValueError(f"keep_fraction: {keep_fraction!r}; allowed: a fraction strictly between 0 and 1")
    lower, upper = np.asarray(lower, float), np.asarray(upper, float)
    dim = len(lower)
    n_keep = max(2, int(round(particles * keep_fraction)))
    n_new = particles - n_keep
    if n_new < 1:
        raise ValueError(f"particles: {particles!r}; allowed: enough that particles x (1 - keep_fraction) >= 1")
    started = time.perf_counter()
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0xABC]))
    sim_seeds = np.random.SeedSequence([seed, 0x5EED])
    counter = [0]
    span = upper - lower

    def run(units: np.ndarray) -> tuple[np.ndarray, list]:
        # Each simulation's seed is the next child of one SeedSequence: the same settings give the
        # same simulations whatever process the map runs them in.
        children = sim_seeds.spawn(len(units))
        seeds = [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children]
        counter[0] += len(units)
        out = simulate([(lower + u * span, s) for u, s in zip(units, seeds)])
        d = np.array([o[0] for o in out], float)
        return np.where(np.isfinite(d), d, np.inf), [o[1] for o in out]

    # The search works in the unit cube (each parameter as a share of its range), where the uniform
    # prior has density 1: an importance weight is then 1 / proposal density, on one scale in every
    # generation (prior draws have weight 1).
    units = rng.random((particles, dim))
    dist, extras = run(units)
    order = np.argsort(dist, kind="stable")[:n_keep]
    units, dist, extras = units[order], dist[order], [extras[i] for i in order]
    raw_w = np.ones(n_keep)
    epsilon = float(dist[-1])
    first_epsilon = epsilon
    generations = [Generation(0, epsilon, None, counter[0], float(dist[0]), time.perf_counter() - started)]
    if progress:
        progress(generations[-1], max_evaluations)
    stopped = f"reached max_generations ({max_generations})"
    for g in range(1, max_generations + 1):
        if counter[0] + n_new > max_evaluations:
            stopped = f"{BUDGET_REACHED} ({max_evaluations}) reached"
            break
        weights = raw_w / raw_w.sum()
        centred = units - weights @ units
        cov = 2.0 * (centred * weights[:, None]).T @ centred
        # A degenerate covariance (all kept particles equal in a coordinate) would freeze that
        # coordinate: floor each variance at (0.1% of the range)^2.
        cov += np.eye(dim) * 1e-6
        chol = np.linalg.cholesky(cov)
        new = np.empty((n_new, dim))
        filled = 0
        for _ in range(1000):
            need = n_new - filled
            if need == 0:
                break
            parents = rng.choice(n_keep, size=need * 2, p=weights)
            cand = units[parents] + rng.normal(size=(need * 2, dim)) @ chol.T
            ok = cand[np.all((cand >= 0) & (cand <= 1), axis=1)][:need]
            new[filled:filled + len(ok)] = ok
            filled += len(ok)
        if filled < n_new:  # the kernel sits almost wholly outside the bounds: clip the rest
            new[filled:] = np.clip(units[rng.choice(n_keep, size=n_new - filled, p=weights)], 0, 1)
        # Truncation to the cube is ignored in the density (as in Beaumont et al. 2009): it changes
        # weights only near a bound, by at most the kernel's mass outside it.
        new_raw = 1.0 / np.maximum(_kernel_density(new, units, weights, cov), 1e-300)
        new_dist, new_extras = run(new)
        acceptance = float(np.mean(new_dist <= epsilon))
        all_u = np.vstack([units, new])
        all_raw = np.concatenate([raw_w, new_raw])
        all_d = np.concatenate([dist, new_dist])
        all_x = extras + new_extras
        keep = np.argsort(all_d, kind="stable")[:n_keep]
        epsilon = float(all_d[keep[-1]])
        units, dist, extras, raw_w = all_u[keep], all_d[keep], [all_x[i] for i in keep], all_raw[keep]
        generations.append(Generation(g, epsilon, acceptance, counter[0], float(dist[0]), time.perf_counter() - started))
        if progress:
            progress(generations[-1], max_evaluations)
        if acceptance < min_acceptance:
            stopped = f"acceptance {acceptance:.3f} below min_acceptance {min_acceptance}"
            break
    return ABCResult(lower + units * span, raw_w / raw_w.sum(), dist, extras, generations, counter[0], stopped,
                     first_epsilon, settings={"particles": particles, "keep_fraction": keep_fraction,
                                              "min_acceptance": min_acceptance, "max_generations": max_generations,
                                              "max_evaluations": max_evaluations, "seed": seed})

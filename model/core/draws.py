"""Counter-based uniforms: a draw for agent `id` in month `m` of a process is a pure function of
(the process's key, m, a slot, id), so the same agent gets the same number in the same month whatever
the other agents did.

Why: a what-if (training x1.2) run on the baseline's seed should keep every draw that the lever does not
touch. A sequential generator cannot do that for draws over a state-dependent set of agents (one uniform
per searcher, a choice among the employed): as soon as the set differs between the arms, every later draw
of that stream goes to another agent. A counter-based draw stays with the agent (Salmon, Moraes, Dror &
Shaw 2011, "Parallel random numbers: as easy as 1, 2, 3", SC'11, for the idea; the hash here is the
SplitMix64 output function, Steele, Lea & Flood 2014, "Fast splittable pseudorandom number
generators", OOPSLA'14, as in Java's SplittableRandom and Vigna's splitmix64.c).

The scheme: a process's 64-bit key comes from the run's SeedSequence (`LabourMarketModel.counter_draws`).
For a month m and a slot s (one per kind of draw within the process) the offset is
mix(key ^ mix(m * 64 + s)); agent id's uniform is the top 53 bits of mix(offset + id * GAMMA) times
2**-53, i.e. the id-th output of a SplitMix64 sequence started at that offset. Vectorised over uint64
arrays (wrapping arithmetic): about ten array operations per call; sets of at most SMALL ids in Python
ints instead (the same bits).
"""

from __future__ import annotations

import numpy as np

MASK = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15  # the golden-ratio increment of SplitMix64
M1, M2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB  # its output-mix multipliers
SLOTS = 64  # draw kinds per process and month (slot < SLOTS)
BLOCK = 65536  # ids hashed at a time

_GAMMA, _M1, _M2 = np.uint64(GAMMA), np.uint64(M1), np.uint64(M2)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
UNIT = 2.0 ** -53  # the top 53 bits of a uint64 as a fraction of 1
# Sets of at most this many ids are hashed in Python ints: a numpy call costs about 1.5 us whatever its size,
# and the hash is about ten of them (15-20 us), while Python takes about 1.2 us an id. A month draws over many
# such sets (a programme's few candidates, the rare firm exits): about a quarter of all calls at 1:10,000.
SMALL = 8


def mix_int(z: int) -> int:
    """SplitMix64 on a Python int (the scalar part of a key)."""
    z = (z + GAMMA) & MASK
    z = ((z ^ (z >> 30)) * M1) & MASK
    z = ((z ^ (z >> 27)) * M2) & MASK
    return z ^ (z >> 31)


def _bits(offset: int, ids: np.ndarray) -> np.ndarray:
    """mix(offset + id * GAMMA) per id, as a new uint64 array (ids are never changed)."""
    ids = np.asarray(ids)
    if ids.dtype == np.int64:
        ids = ids.view(np.uint64)  # ids are non-negative: the same bits
    elif ids.dtype != np.uint64:
        ids = ids.astype(np.uint64)
    z = ids * _GAMMA  # wrapping uint64 arithmetic throughout
    z += np.uint64(offset)
    z ^= z >> _S30
    z *= _M1
    z ^= z >> _S27
    z *= _M2
    z ^= z >> _S31
    return z


def _small_uniform(offset: int, ids: np.ndarray) -> np.ndarray:
    """`CounterDraws.uniform` of a few ids, the same arithmetic on Python ints (the same bits)."""
    out = []
    for i in ids.tolist():
        z = (offset + i * GAMMA) & MASK
        z = ((z ^ (z >> 30)) * M1) & MASK
        z = ((z ^ (z >> 27)) * M2) & MASK
        out.append(((z ^ (z >> 31)) >> 11) * UNIT)
    return np.array(out, np.float64)


class CounterDraws:
    """One process's counter-based draws (see the module docstring)."""

    __slots__ = ("key",)

    def __init__(self, key: int):
        self.key = int(key) & MASK

    def offset(self, month: int, slot: int) -> int:
        if not 0 <= slot < SLOTS:
            raise ValueError(f"slot {slot}: must be in [0, {SLOTS})")
        return mix_int(self.key ^ mix_int((int(month) * SLOTS + slot) & MASK))

    def uniform(self, month: int, slot: int, ids: np.ndarray) -> np.ndarray:
        """One uniform in [0, 1) per id (non-negative integers, e.g. worker uids). Hashed in blocks of
        BLOCK ids so the temporaries stay in cache (about 2.5 times faster at 250,000 ids; the same bits)."""
        ids = np.asarray(ids)
        n = len(ids)
        if n <= SMALL:
            return _small_uniform(self.offset(month, slot), ids) if n else np.empty(0, np.float64)
        offset = self.offset(month, slot)
        if n <= BLOCK:  # one block: the same bits without the copy into `out`
            z = _bits(offset, ids)
            z >>= _S11
            return z * UNIT  # uint64 -> float64 (exact: 53 bits), then the scale
        out = np.empty(n, np.float64)
        for start in range(0, n, BLOCK):
            z = _bits(offset, ids[start:start + BLOCK])
            z >>= _S11
            block = out[start:start + BLOCK]
            block[:] = z
            block *= UNIT
        return out

    def exponential(self, month: int, slot: int, ids: np.ndarray) -> np.ndarray:
        """One standard exponential per id, -log(1 - u) (finite: u < 1)."""
        return -np.log1p(-self.uniform(month, slot, ids))


def pair_ids(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One id for a pair of non-negative ints below 2**32 (a firm and its j-th vacancy slot)."""
    return (np.asarray(a).astype(np.uint64) << np.uint64(32)) | np.asarray(b).astype(np.uint64)


def rank_within(groups_sorted_counts: np.ndarray) -> np.ndarray:
    """0, 1, ..., c-1 for each count c in turn (the slot number of each of a firm's vacancies)."""
    counts = np.asarray(groups_sorted_counts, np.int64)
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, np.int64)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return np.arange(total) - starts


class MonthDraws:
    """A process's counter-based draws for one month: `uniform(slot, ids)`, `exponential(slot, ids)`."""

    __slots__ = ("counter", "month")

    def __init__(self, counter: CounterDraws, month: int):
        self.counter, self.month = counter, month

    def uniform(self, slot: int, ids: np.ndarray) -> np.ndarray:
        return self.counter.uniform(self.month, slot, ids)

    def exponential(self, slot: int, ids: np.ndarray) -> np.ndarray:
        return self.counter.exponential(self.month, slot, ids)


class SequentialDraws:
    """The same interface over a sequential numpy Generator (ids only give the count): for callers of
    `matching.match` that pass a Generator (benchmarks, unit tests)."""

    __slots__ = ("rng",)

    def __init__(self, rng: np.random.Generator):
        self.rng = rng

    def uniform(self, slot: int, ids: np.ndarray) -> np.ndarray:
        return self.rng.random(len(ids))

    def exponential(self, slot: int, ids: np.ndarray) -> np.ndarray:
        return self.rng.exponential(size=len(ids))

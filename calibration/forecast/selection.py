"""Model selection: rolling-origin cross-validation of the candidates on common origins, errors scaled
by the training window's naive MAE (MASE), and the ranking (ties go to the simpler model).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from jobsim.calibration.forecast.models import CANDIDATES, _fit_quietly, _observed
from jobsim.calibration.forecast.policy import CV_MAX_ORIGINS, CV_MIN_ORIGINS, SHORT_SERIES, TIE_DECIMALS


def _naive_scale(train: np.ndarray) -> float:
    """In-sample one-step naive MAE (a change over a gap of k periods counts as |change|/sqrt(k))."""
    pos, vals = _observed(train)
    if len(pos) < 2:
        return float("nan")
    return float(np.mean(np.abs(np.diff(vals)) / np.sqrt(np.diff(pos))))


def _cv_origins(pos: np.ndarray, min_train: int) -> list[int]:
    """Indices j of observations that end a training window (obs 0..j): evenly spread, the last included."""
    eligible = list(range(min_train - 1, len(pos) - 1))
    if len(eligible) <= CV_MAX_ORIGINS:
        return eligible
    idx = np.unique(np.round(np.linspace(0, len(eligible) - 1, CV_MAX_ORIGINS)).astype(int))
    return [eligible[i] for i in idx]


def _cross_validate(
    y: np.ndarray, names: list[str], h_cv: int
) -> tuple[pd.DataFrame, dict[str, dict[int, list[float]]], list[str]]:
    """Rolling-origin back-tests on origins common to all candidates: (CV table, raw errors, notes)."""
    pos, _ = _observed(y)
    notes: list[str] = []
    active = list(names)
    want = CV_MIN_ORIGINS if len(pos) >= SHORT_SERIES else 2
    # Leave out the most demanding models (never the naive and drift baselines) while fewer than
    # `want` origins would remain.
    while True:
        origins = _cv_origins(pos, max(CANDIDATES[n].min_train for n in active))
        optional = [n for n in active if n not in ("naive", "drift")]
        if len(origins) >= want or not optional:
            break
        hardest = max(CANDIDATES[n].min_train for n in optional)
        left = [n for n in optional if CANDIDATES[n].min_train == hardest]
        notes.append(f"too few points to back-test {', '.join(left)}; left out")
        active = [n for n in active if n not in left]

    horizons = range(1, h_cv + 1)
    scaled = {n: {h: [] for h in horizons} for n in active}
    raw = {n: {h: [] for h in horizons} for n in active}
    status = {n: "ok" for n in active}
    warns = {n: 0 for n in active}
    warm: dict[str, np.ndarray | None] = {n: None for n in active}
    full_scale = _naive_scale(y)
    for j in origins:
        train = y[: pos[j] + 1]
        scale = _naive_scale(train)
        if not (np.isfinite(scale) and scale > 0):
            scale = full_scale if np.isfinite(full_scale) and full_scale > 0 else 1.0
        for n in active:
            if status[n] != "ok":
                continue
            path, msgs, err = _fit_quietly(CANDIDATES[n], train, h_cv, want_sd=False, start=warm[n])
            warns[n] += len(msgs)
            if path is None:
                status[n] = f"failed with {j + 1} points: {err}"
                continue
            warm[n] = path.params
            for h in horizons:
                p = pos[j] + h
                if p < len(y) and not np.isnan(y[p]):
                    e = float(y[p] - path.mean[h - 1])
                    raw[n][h].append(e)
                    scaled[n][h].append(abs(e) / scale)

    rows = []
    for n in names:
        row = {"model": n, "description": CANDIDATES[n].description, "mase": np.nan}
        row.update({f"mase_h{h}": np.nan for h in horizons})
        if n not in active:
            row.update(errors=0, origins=0, warnings=0, status="left out: too few points to back-test")
        else:
            per_h = [float(np.mean(scaled[n][h])) if scaled[n][h] else np.nan for h in horizons]
            row.update({f"mase_h{h}": v for h, v in zip(horizons, per_h)})
            finite = [v for v in per_h if np.isfinite(v)]
            row.update(
                mase=float(np.mean(finite)) if status[n] == "ok" and finite else np.nan,
                errors=sum(len(v) for v in scaled[n].values()),
                origins=len(origins),
                warnings=warns[n],
                status=status[n] if status[n] != "ok" or finite else "no back-test errors",
            )
        rows.append(row)
    return pd.DataFrame(rows), raw, notes


def _ranking(cv: pd.DataFrame) -> list[str]:
    """Back-tested candidates, best first: lowest mean MASE; ties (to TIE_DECIMALS) go to the simpler model."""
    ok = cv[(cv["status"] == "ok") & np.isfinite(cv["mase"])].copy()
    order = list(CANDIDATES)
    ok["_tie"] = ok["mase"].round(TIE_DECIMALS)
    ok["_k"] = ok["model"].map(lambda m: CANDIDATES[m].n_params)
    ok["_o"] = ok["model"].map(order.index)
    return list(ok.sort_values(["_tie", "_k", "_o"], kind="stable")["model"])

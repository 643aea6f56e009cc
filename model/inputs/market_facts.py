"""Sourced facts about the labour market as a whole that the calibration holds the model to (data/economy/).

Measurement errors: the assumed error of each kind of calibration moment
(`data/economy/measurement_error.csv`), which sets its weight in the calibration's distance.

Ratios: the public employment services' 求人倍率, vacancies per job-seeker registered at job centres,
by quarter (`data/economy/vacancies_per_job_seeker.csv`). The model's vacancies per searcher at its
matching stage is held to their mean, on the stated assumption that job centres register vacancies
and seekers in proportion to the whole market's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from jobsim.model.inputs.paths import data_dir

VACANCY_RATIO_FILE = "economy/vacancies_per_job_seeker.csv"


@dataclass(frozen=True)
class VacancyRatios:
    """The sourced ratios: their mean and spread, and where they come from."""

    values: tuple[float, ...]
    periods: tuple[str, ...]
    sources: tuple[str, ...]

    @property
    def mean(self) -> float:
        return sum(self.values) / len(self.values)

    @property
    def sd(self) -> float:
        m = self.mean
        return math.sqrt(sum((v - m) ** 2 for v in self.values) / max(len(self.values) - 1, 1))


def vacancies_per_job_seeker() -> VacancyRatios:
    """The sourced 求人倍率 rows (every row must have a number, a period and a source URL)."""
    path = data_dir() / VACANCY_RATIO_FILE
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    values, periods, sources = [], [], []
    for line, row in enumerate(table.to_dict("records"), start=2):
        try:
            value = float(row["value"])
        except ValueError:
            raise ValueError(f"{path}, line {line}, field value: {row['value']!r} is not a number") from None
        if not (0.0 < value < 20.0) or not row["source_url"].strip():
            raise ValueError(f"{path}, line {line}: value {value} must be a ratio in (0, 20) with a source_url")
        values.append(value)
        periods.append(row["period"])
        sources.append(row["source_url"])
    if not values:
        raise ValueError(f"{path}: no rows")
    return VacancyRatios(tuple(values), tuple(periods), tuple(sources))


MEASUREMENT_ERROR_FILE = "economy/measurement_error.csv"


@dataclass(frozen=True)
class MeasurementError:
    """The assumed measurement error of one kind of calibration moment: sd = max(relative x |value|, absolute)."""

    name: str
    relative_sd: float
    absolute_sd: float
    basis: str

    def sd(self, value: float) -> float:
        return max(self.relative_sd * abs(value), self.absolute_sd)


def measurement_errors() -> dict[str, MeasurementError]:
    """data/economy/measurement_error.csv: moment kind -> its assumed measurement error (base units:
    absolute_sd of a rate is a fraction). Every row needs a basis (the reason for the figure)."""
    path = data_dir() / MEASUREMENT_ERROR_FILE
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    out: dict[str, MeasurementError] = {}
    for line, row in enumerate(table.to_dict("records"), start=2):
        values = {}
        for name in ("relative_sd", "absolute_sd"):
            try:
                values[name] = float(row[name])
            except ValueError:
                raise ValueError(f"{path}, line {line}, field {name}: {row[name]!r} is not a number") from None
            if not 0.0 <= values[name] < 1.0:
                raise ValueError(f"{path}, line {line}, field {name}: {values[name]} must be in [0, 1)")
        if values["relative_sd"] == 0 and values["absolute_sd"] == 0:
            raise ValueError(f"{path}, line {line}: relative_sd and absolute_sd are both 0; one must be positive")
        if not row["basis"].strip():
            raise ValueError(f"{path}, line {line}, field basis: empty; say where the figure comes from")
        out[row["indicator"]] = MeasurementError(row["indicator"], values["relative_sd"], values["absolute_sd"], row["basis"])
    return out

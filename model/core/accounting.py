"""Indicator accounting: the official indicators counted from the month's events and stocks, into a Dataset.

Definitions (DOMAIN.md) in one place:
- new_urban_jobs = urban_job_entries - natural_attrition. Entries are every move of an urban
  resident into employment (firm job, self-employment, subsidised post) from a status that is not
  employment, counted each time it happens; attrition is urban employed who retire or die.
- surveyed_unemployment_rate = urban unemployed / (urban employed + urban unemployed).
- registered_unemployment_rate = registered urban unemployed / (urban employed + registered urban unemployed).
- re-employment, hard-to-employ placed and rural transfer are counted at the moment of job entry
  (`WorkerPopulation.transition`); rural workers leaving the province for work count when they leave.
The region's value is the sum of its cities' counts; its rates are recomputed from the summed stocks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from jobsim.model.core import agents as A

COUNTERS = ("urban_job_entries", "natural_attrition", "reemployment_of_unemployed",
            "hard_to_employ_employed", "rural_labour_transferred")
_COUNTER_FIELDS = {"urban_job_entries": "urban_job_entries", "natural_attrition": "natural_attrition",
                   "reemployment_of_unemployed": "reemployment", "hard_to_employ_employed": "hard_to_employ_placed",
                   "rural_labour_transferred": "rural_transferred"}
STOCK_EXTRAS = ("registered_unemployed", "ui_recipients", "ui_insured", "vacancies", "firm_jobs",
                "trainees_in_training")


class MonthlyRecorder:
    """Collects each month's counts (in agents) into preallocated arrays; `dataset()` converts to persons."""

    def __init__(self, model):
        self.model = model
        n, a = model.n_months, model.n_areas
        self.stocks = np.zeros((n, a, 2, A.N_STATUS), np.int64)
        self.flows = np.zeros((n, a, A.N_SOURCES, A.N_DESTINATIONS), np.int64)
        self.counters = {k: np.zeros((n, a), np.int64) for k in COUNTERS}
        self.extras = {k: np.zeros((n, a), np.float64) for k in STOCK_EXTRAS}
        self.tallies = {k: np.zeros((n, a), np.float64) for k in model._tallies}
        self.initial = model.status_stocks()
        self.t = 0

    def record(self) -> None:
        m, w, t = self.model, self.model.workers, self.t
        m.sync_vacancies()
        self.stocks[t] = m.status_stocks()
        c = w.counters
        c.flush()
        self.flows[t] = c.flows
        for name, field in _COUNTER_FIELDS.items():
            self.counters[name][t] = getattr(c, field)
        a = m.n_areas
        unemployed = np.flatnonzero(w.status == A.UNEMPLOYED)
        u_area = w.area[unemployed]
        self.extras["registered_unemployed"][t] = np.bincount(u_area[w.urban[unemployed] & w.registered[unemployed]], minlength=a)
        self.extras["ui_recipients"][t] = np.bincount(u_area[w.ui_left[unemployed] > 0], minlength=a)
        self.extras["ui_insured"][t] = np.bincount(w.area[(w.status == A.EMPLOYED_FIRM) & w.insured], minlength=a)
        f = m.firms
        self.extras["vacancies"][t] = np.bincount(f.area, weights=m.vacancies, minlength=a)
        self.extras["firm_jobs"][t] = self.stocks[t][:, :, A.EMPLOYED_FIRM].sum(axis=1)
        self.extras["trainees_in_training"][t] = self.stocks[t][:, :, A.IN_TRAINING].sum(axis=1)
        for k, v in m._tallies.items():
            self.tallies[k][t] = v
        self.t += 1

    def dataset(self) -> xr.Dataset:
        """One replicate as a Dataset with dims (time, area): the region first, then its cities."""
        m = self.model
        s = float(m.scale)
        n = self.t
        time = pd.date_range(f"{m.first_year}-01-01", periods=n, freq="MS")
        with_total = m.n_areas > 1
        areas = [m.region] + m.area_ids if with_total else [m.region]

        def by_area(x: np.ndarray) -> np.ndarray:
            """(time, area, ...) of the areas -> with the region's total prepended (when it has cities)."""
            x = x[:n]
            return np.concatenate([x.sum(axis=1, keepdims=True), x], axis=1) if with_total else x

        stocks = by_area(self.stocks.astype(np.float64)) * s  # (time, area, urban, status)
        data: dict[str, tuple] = {}
        ta = ("time", "area")
        urban_employed = stocks[:, :, 1, list(A.EMPLOYED_STATUSES)].sum(axis=-1)
        urban_unemployed = stocks[:, :, 1, A.UNEMPLOYED]
        registered = by_area(self.extras["registered_unemployed"]) * s
        for name in COUNTERS:
            data[name] = (ta, by_area(self.counters[name].astype(np.float64)) * s)
        data["new_urban_jobs"] = (ta, data["urban_job_entries"][1] - data["natural_attrition"][1])
        data["urban_employed"] = (ta, urban_employed)
        data["urban_unemployed"] = (ta, urban_unemployed)
        data["registered_unemployed"] = (ta, registered)
        with np.errstate(invalid="ignore", divide="ignore"):
            data["surveyed_unemployment_rate"] = (ta, urban_unemployed / (urban_employed + urban_unemployed))
            data["registered_unemployment_rate"] = (ta, registered / (urban_employed + registered))
            vac = by_area(self.extras["vacancies"]) * s
            jobs = by_area(self.extras["firm_jobs"]) * s
            data["vacancy_rate"] = (ta, vac / (vac + jobs))
        data["vacancies"] = (ta, vac)
        for name in ("ui_recipients", "ui_insured", "trainees_in_training"):
            data[name] = (ta, by_area(self.extras[name]) * s)
        for name, arr in self.tallies.items():
            data[name] = (ta, by_area(arr))  # tallies are already in persons or yuan
        data["population_by_status"] = (("time", "area", "residence", "status"), stocks)
        data["status_flows"] = (("time", "area", "from_status", "to_status"),
                                by_area(self.flows.astype(np.float64)) * s)
        initial = self.initial.astype(np.float64)[None]
        initial = (np.concatenate([initial.sum(axis=1, keepdims=True), initial], axis=1) if with_total else initial)[0] * s
        data["initial_population_by_status"] = (("area", "residence", "status"), initial)
        ds = xr.Dataset(
            data,
            coords={
                "time": time, "area": areas, "residence": ["rural", "urban"], "status": list(A.STATUS_NAMES),
                "from_status": list(A.SOURCE_NAMES), "to_status": list(A.DESTINATION_NAMES),
            },
        )
        return ds

    def region_yearly(self, variable: str) -> np.ndarray:
        """Yearly values of one headline variable for the whole region, straight from the arrays
        (no Dataset): flows summed, rates averaged over months. Used where speed matters (calibration)."""
        m, n = self.model, self.t
        s = float(m.scale)
        years = n // 12
        emp = list(A.EMPLOYED_STATUSES)

        def monthly_region(arr):
            return arr[: years * 12].sum(axis=1).reshape(years, 12)

        if variable in self.counters:
            return monthly_region(self.counters[variable].astype(float)).sum(axis=1) * s
        if variable == "new_urban_jobs":
            return self.region_yearly("urban_job_entries") - self.region_yearly("natural_attrition")
        if variable in self.tallies:
            return monthly_region(self.tallies[variable]).sum(axis=1)
        stocks = self.stocks[: years * 12].sum(axis=1)  # (months, urban, status)
        urban_emp = stocks[:, 1, emp].sum(axis=1).astype(float)
        if variable == "surveyed_unemployment_rate":
            u = stocks[:, 1, A.UNEMPLOYED].astype(float)
            return (u / (urban_emp + u)).reshape(years, 12).mean(axis=1)
        if variable == "registered_unemployment_rate":
            r = self.extras["registered_unemployed"][: years * 12].sum(axis=1)
            return (r / (urban_emp + r)).reshape(years, 12).mean(axis=1)
        raise KeyError(f"region_yearly does not compute {variable!r}")


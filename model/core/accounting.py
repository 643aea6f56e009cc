"""Indicator accounting in the simulation: each month's events and stocks collected into arrays.

The recorder counts, per month and area, in agents: worker stocks by residence and status, the
flows between statuses, the event counters of `WorkerPopulation.transition` (job entries, natural
attrition, re-employment, hard-to-employ placed, rural transfer, and the urban job entries split
by who enters: first jobs, re-hires after a separation in the same calendar year, other returns to
work, programme placements), a few stocks the indicators need (registered unemployed, insurance,
vacancies, firm jobs, trainees), the market at the matching stage (searchers, vacancies open,
hires the matching made) and the programmes' tallies (in persons or yuan). What the official
indicators are, computed from these arrays (new urban jobs, unemployment rates ...), and the
labelled Dataset of a run are defined once, in
`jobsim.model.outputs.indicators` and `jobsim.model.outputs.dataset`; the core holds no formula of
an indicator and no xarray.
"""

from __future__ import annotations

import numpy as np

from jobsim.model.core import agents as A

COUNTERS = ("urban_job_entries", "natural_attrition", "reemployment_of_unemployed",
            "hard_to_employ_employed", "rural_labour_transferred",
            "hires_first_job", "hires_rehire_same_year", "hires_other", "programme_placements")
_COUNTER_FIELDS = {"urban_job_entries": "urban_job_entries", "natural_attrition": "natural_attrition",
                   "reemployment_of_unemployed": "reemployment", "hard_to_employ_employed": "hard_to_employ_placed",
                   "rural_labour_transferred": "rural_transferred",
                   "hires_first_job": "hires_first_job", "hires_rehire_same_year": "hires_rehire_same_year",
                   "hires_other": "hires_other", "programme_placements": "programme_placements"}
# The four kinds of urban job entry (MonthCounters): they sum to urban_job_entries, area by area.
HIRE_KINDS = ("hires_first_job", "hires_rehire_same_year", "hires_other", "programme_placements")
STOCK_EXTRAS = ("registered_unemployed", "ui_recipients", "ui_insured", "vacancies", "firm_jobs",
                "trainees_in_training")
# The market at the matching stage, by area (agents; the model's arrays, reset each month): searchers,
# vacancies open when matching starts, and the hires the matching made.
MARKET = ("job_searchers", "market_vacancies", "hires")
_MARKET_FIELDS = {"job_searchers": "market_searchers", "market_vacancies": "market_vacancies",
                  "hires": "market_hires"}
RESIDENCE_NAMES = ("rural", "urban")  # the residence axis of `stocks` (index = WorkerPopulation.urban)


class MonthlyRecorder:
    """Collects each month's counts into preallocated arrays (time, area, ...): agents, except the
    tallies (already persons or yuan). `t` is the number of months recorded so far; `scale` (persons
    per agent), `first_year`, `region` and `area_ids` say how to read them."""

    def __init__(self, model, first_year: int | None = None, n_months: int | None = None):
        """Arrays for the model's period, or for `n_months` from January of `first_year` (the spin-up)."""
        self.model = model
        self.scale = float(model.scale)
        self.first_year = model.first_year if first_year is None else int(first_year)
        self.region = model.region
        self.area_ids = list(model.area_ids)
        n, a = (model.n_months if n_months is None else int(n_months)), model.n_areas
        self.stocks = np.zeros((n, a, 2, A.N_STATUS), np.int64)
        self.flows = np.zeros((n, a, A.N_SOURCES, A.N_DESTINATIONS), np.int64)
        self.counters = {k: np.zeros((n, a), np.int64) for k in COUNTERS}
        self.extras = {k: np.zeros((n, a), np.float64) for k in STOCK_EXTRAS}
        self.market = {k: np.zeros((n, a), np.float64) for k in MARKET}
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
        for name, field in _MARKET_FIELDS.items():
            self.market[name][t] = getattr(m, field)
        for k, v in m._tallies.items():
            self.tallies[k][t] = v
        self.t += 1

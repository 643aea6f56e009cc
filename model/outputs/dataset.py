"""A run's Dataset: the indicators of `outputs.indicators` by month and area, labelled from the registry.

One replicate gives dims (time, area): the region first, then its cities. Ensembles
(`experiments/ensemble.py`) concatenate replicates and add the run's provenance.
"""

from __future__ import annotations

import pandas as pd
import xarray as xr

from jobsim.model.core import agents as A
from jobsim.model.core.accounting import RESIDENCE_NAMES, MonthlyRecorder
from jobsim.model.outputs.indicators import MonthlySeries, published_variables
from jobsim.model.outputs.labels import label_dataset

TIME_AREA = ("time", "area")
# Variables with more dimensions than (time, area); every other monthly variable has (time, area).
EXTRA_DIMS = {
    "population_by_status": ("time", "area", "residence", "status"),
    "status_flows": ("time", "area", "from_status", "to_status"),
}
MONTH_START = "MS"  # each time label is the first day of its month


def run_dataset(recorder: MonthlyRecorder) -> xr.Dataset:
    """One replicate as a labelled Dataset with dims (time, area), in persons, yuan or fractions."""
    series = MonthlySeries(recorder)
    data = {name: (EXTRA_DIMS.get(name, TIME_AREA), series.get(name)) for name in published_variables(recorder)}
    data["initial_population_by_status"] = (("area", "residence", "status"), series.initial_population_by_status())
    time = pd.date_range(f"{recorder.first_year}-01-01", periods=series.months, freq=MONTH_START)
    ds = xr.Dataset(
        data,
        coords={
            "time": time, "area": series.areas, "residence": list(RESIDENCE_NAMES), "status": list(A.STATUS_NAMES),
            "from_status": list(A.SOURCE_NAMES), "to_status": list(A.DESTINATION_NAMES),
        },
    )
    return label_dataset(ds)

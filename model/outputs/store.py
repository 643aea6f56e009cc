"""Result files: a run's Dataset written to NetCDF whole or not at all, and read back."""

from __future__ import annotations

from pathlib import Path

import xarray as xr

from jobsim.model.outputs.atomic import atomic_path, interrupts_deferred


def write_dataset(ds: xr.Dataset, path: str | Path) -> Path:
    """Write NetCDF atomically: to a temporary file in the same folder, then rename over `path`."""
    encoding = {v: {"zlib": True, "complevel": 4} for v in ds.data_vars if ds[v].dtype.kind == "f"}
    with atomic_path(path) as tmp:
        with interrupts_deferred():  # an interrupt inside the library's write could leave its lock held
            ds.to_netcdf(tmp, engine="h5netcdf", encoding=encoding)
    return Path(path)


def read_dataset(path: str | Path) -> xr.Dataset:
    """A result file, loaded into memory (the file is closed again)."""
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        return ds.load()

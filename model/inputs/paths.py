"""Where jobsim finds its bundled data, scenarios and parameter files."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """The data folder; `JOBSIM_DATA` overrides the bundled `data/` (e.g. for a test fixture)."""
    return Path(os.environ.get("JOBSIM_DATA", PROJECT_ROOT / "data"))


def scenarios_dir() -> Path:
    return PROJECT_ROOT / "scenarios"


def calibration_params_dir() -> Path:
    return PROJECT_ROOT / "calibration" / "params"

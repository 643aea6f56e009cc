"""Where jobsim finds its data: the bundled folders, and the user's own data folders laid over them.

Installed or in a checkout, the bundled folders sit beside the code under the same root (the
checkout's top level, or `site-packages/jobsim/`): `data/`, `scenarios/`, `calibration/params/`.

A user adds regions (or newer figures) with data folders of their own, in the bundled schemas
(`regions.csv`, `population.csv`, `assumptions.csv`, `history.csv`, `targets.csv`, `parameters/`,
`scenarios/`, `calibrated/`), named by `--data-dir DIR` on the command line or by the environment
variable `JOBSIM_DATA_DIR` (several folders separated by the path separator, `:` on Linux). Loaders
read the bundled folder first, then each user folder in order (`data_dirs()`); how a user row is
combined with a bundled one is documented by each loader. `JOBSIM_DATA` replaces the bundled
`data/` folder as a whole (for tests that need a corrupted copy).
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
USER_DATA_VARIABLE = "JOBSIM_DATA_DIR"
BUNDLED_DATA_VARIABLE = "JOBSIM_DATA"

_user_dirs_from_command_line: tuple[Path, ...] = ()


def data_dir() -> Path:
    """The bundled data folder; `JOBSIM_DATA` replaces it (e.g. for a test fixture)."""
    return Path(os.environ.get(BUNDLED_DATA_VARIABLE, PROJECT_ROOT / "data"))


def set_user_data_dirs(dirs: list[Path] | tuple[Path, ...]) -> None:
    """Use these user data folders (the command line's `--data-dir`), before those of JOBSIM_DATA_DIR."""
    global _user_dirs_from_command_line
    _user_dirs_from_command_line = tuple(Path(d) for d in dirs)


def user_data_dirs() -> list[Path]:
    """The user's data folders: `--data-dir` ones first, then those of JOBSIM_DATA_DIR, without repeats."""
    env = [Path(p) for p in os.environ.get(USER_DATA_VARIABLE, "").split(os.pathsep) if p.strip()]
    out: list[Path] = []
    for d in [*_user_dirs_from_command_line, *env]:
        if d not in out:
            out.append(d)
    return out


def data_dirs() -> list[Path]:
    """Every data folder in reading order: the bundled one, then the user's."""
    return [data_dir(), *user_data_dirs()]


def scenarios_dir() -> Path:
    """The bundled scenario files."""
    return PROJECT_ROOT / "scenarios"


def calibration_params_dir() -> Path:
    """The shipped calibrated parameter files."""
    return PROJECT_ROOT / "calibration" / "params"

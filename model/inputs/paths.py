"""Where jobsim finds its data: the bundled folders, and the user's own data folders laid over them.

Installed or in a checkout, the bundled folders sit beside the code under the same root (the
checkout's top level, or `site-packages/jobsim/`): `data/`, `scenarios/`, `calibration/params/`.

A user adds regions (or newer figures) with data folders of their own, in the bundled schemas
(`regions.csv`, `population.csv`, `assumptions.csv`, `history.csv`, `targets.csv`, `parameters/`,
`scenarios/`, `calibrated/`), named by `--data-dir DIR` on the command line or by the environment
variable `JOBSIM_DATA_DIR` (several folders separated by the path separator, `:` on Linux). Loaders
read the bundled folder first, then each user folder in order (`data_dirs()`, `data_files(name)`);
how a user row is combined with a bundled one is documented by each loader (and in data/README.md,
"Adding a region or newer figures"). A user folder may also hold `scenarios/*.yaml` and
`scenarios/index.yaml` (`scenario_dirs()`). `JOBSIM_DATA` replaces the bundled `data/` folder as a
whole (for tests that need a corrupted copy).

A user folder that does not exist is an error, not silently skipped: `missing_user_data_dirs()` names
them and the loaders report them (a typo in JOBSIM_DATA_DIR would otherwise run on bundled data only).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
USER_DATA_VARIABLE = "JOBSIM_DATA_DIR"
BUNDLED_DATA_VARIABLE = "JOBSIM_DATA"

def data_dir() -> Path:
    """The bundled data folder; `JOBSIM_DATA` replaces it (e.g. for a test fixture)."""
    return Path(os.environ.get(BUNDLED_DATA_VARIABLE, PROJECT_ROOT / "data"))


def set_user_data_dirs(dirs: list[Path] | tuple[Path, ...]) -> None:
    """Use these user data folders (the command line's `--data-dir`) after those already in
    JOBSIM_DATA_DIR, so that what the command line names wins. They are put into the environment
    variable itself, so that worker processes (started by fork or spawn) read the same folders."""
    given = [str(Path(d).resolve()) for d in dirs]
    rest = [p for p in os.environ.get(USER_DATA_VARIABLE, "").split(os.pathsep) if p.strip() and p not in given]
    os.environ[USER_DATA_VARIABLE] = os.pathsep.join([*rest, *given])


def user_data_dirs() -> list[Path]:
    """The user's data folders in reading order (JOBSIM_DATA_DIR's, then `--data-dir` ones), without repeats."""
    env = [Path(p) for p in os.environ.get(USER_DATA_VARIABLE, "").split(os.pathsep) if p.strip()]
    out: list[Path] = []
    for d in env:
        if d not in out:
            out.append(d)
    return out


def data_dirs() -> list[Path]:
    """Every data folder in reading order: the bundled one, then the user's."""
    return [data_dir(), *user_data_dirs()]


def missing_user_data_dirs() -> list[Path]:
    """The user data folders (from --data-dir or JOBSIM_DATA_DIR) that are not folders on this machine."""
    return [d for d in user_data_dirs() if not d.is_dir()]


def data_files(name: str) -> list[Path]:
    """The bundled data file `name` (e.g. "regions.csv"), then the same-named file of each user folder
    that has one, in reading order. User folders without the file are skipped."""
    return [data_dir() / name, *[d / name for d in user_data_dirs() if (d / name).is_file()]]


@contextmanager
def user_data_dir_added(folder: Path) -> Iterator[None]:
    """Within the block, `folder` is read as one more user data folder (the last one read).

    Used to check a region folder in the context of the bundled data and the user's other folders.
    """
    saved = os.environ.get(USER_DATA_VARIABLE)
    if Path(folder) not in user_data_dirs():
        set_user_data_dirs([Path(folder)])
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(USER_DATA_VARIABLE, None)
        else:
            os.environ[USER_DATA_VARIABLE] = saved


def scenarios_dir() -> Path:
    """The bundled scenario files."""
    return PROJECT_ROOT / "scenarios"


def scenario_dirs() -> list[Path]:
    """The bundled scenario folder, then the `scenarios/` folder of each user data folder that has one."""
    return [scenarios_dir(), *[d / "scenarios" for d in user_data_dirs() if (d / "scenarios").is_dir()]]


def calibration_params_dir() -> Path:
    """The shipped calibrated parameter files."""
    return PROJECT_ROOT / "calibration" / "params"

"""Where a result came from: the code (version, git commit), the data files read (sha256) and when.

Paths are recorded relative to the project (a checkout's top level, or the installed `jobsim`
folder) or to the data folder they sit in, never as the absolute paths of the machine that ran
the model. Hashes are cached by file stat (size, modification time), and the git state is asked once
per process, so an ensemble pays for them once, not per replicate.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from jobsim.model import __version__
from jobsim.model.inputs.paths import PROJECT_ROOT, data_dir, user_data_dirs

CONVENTIONS = "CF-1.10"
NO_COMMIT = "none"
GIT_TIMEOUT_SECONDS = 5
HASH_CHUNK_BYTES = 1 << 20
# Reproducible-builds convention: when set, timestamps are this Unix time instead of now (tests use
# it so that two runs of the same scenario and seed give identical Datasets, attributes included).
SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH"
BUNDLED_DATA_LABEL = "<JOBSIM_DATA>"  # the bundled data folder, when JOBSIM_DATA moves it outside the project
USER_DATA_LABEL = "<data-dir {k}>"  # the k-th user data folder (--data-dir, JOBSIM_DATA_DIR)
ELSEWHERE_LABEL = "<elsewhere>"

_hash_cache: dict[str, tuple[int, int, str]] = {}


def creation_time() -> str:
    """Now (or SOURCE_DATE_EPOCH), UTC, ISO 8601 to the second: '2026-12-01T07:40:00Z'."""
    epoch = os.environ.get(SOURCE_DATE_EPOCH)
    when = (dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch
            else dt.datetime.now(dt.timezone.utc))
    return when.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _is_within(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def relative_path(path: str | Path) -> str:
    """`path` relative to the project root (e.g. 'data/parameters/jiangxi.yaml'), or to the data folder
    holding it ('<data-dir 1>/regions.csv'); a file elsewhere gives only its name."""
    p = Path(path).resolve()
    root = PROJECT_ROOT.resolve()
    if _is_within(p, root):
        return p.relative_to(root).as_posix()
    bundled = data_dir().resolve()
    if _is_within(p, bundled):
        return f"{BUNDLED_DATA_LABEL}/{p.relative_to(bundled).as_posix()}"
    for k, folder in enumerate(user_data_dirs(), start=1):
        folder = folder.resolve()
        if _is_within(p, folder):
            return f"{USER_DATA_LABEL.format(k=k)}/{p.relative_to(folder).as_posix()}"
    return f"{ELSEWHERE_LABEL}/{p.name}"


def file_sha256(path: str | Path) -> str:
    """The file's sha256 (hex), computed again only when its size or modification time changed."""
    p = Path(path)
    st = p.stat()
    key = str(p.resolve())
    cached = _hash_cache.get(key)
    if cached and cached[:2] == (st.st_size, st.st_mtime_ns):
        return cached[2]
    h = hashlib.sha256()
    with open(p, "rb") as fh:
        for chunk in iter(lambda: fh.read(HASH_CHUNK_BYTES), b""):
            h.update(chunk)
    _hash_cache[key] = (st.st_size, st.st_mtime_ns, h.hexdigest())
    return h.hexdigest()


def data_files_used(parameter_files: Iterable[str | Path] = ()) -> list[Path]:
    """The data a run reads: the tables of every data folder (its *.csv and registry/*.csv) and the
    parameter files (the region's, and the calibrated file when one was used)."""
    files: list[Path] = []
    for folder in [data_dir(), *user_data_dirs()]:
        files += sorted(folder.glob("*.csv")) + sorted((folder / "registry").glob("*.csv"))
    files += [Path(f) for f in parameter_files]
    seen: set[Path] = set()
    return [f for f in files if f.is_file() and not (f.resolve() in seen or seen.add(f.resolve()))]


def data_manifest(parameter_files: Iterable[str | Path] = ()) -> tuple[str, list[dict[str, str]]]:
    """(sha256 over all the files, [{path, sha256} per file]): the combined hash changes when any file,
    or the set of files, changes."""
    entries = [{"path": relative_path(f), "sha256": file_sha256(f)} for f in data_files_used(parameter_files)]
    combined = hashlib.sha256("".join(f"{e['sha256']}  {e['path']}\n" for e in entries).encode("utf-8"))
    return combined.hexdigest(), entries


# The packages whose code decides a result's numbers (the command line only prints them).
RESULT_CODE_PACKAGES = ("core", "inputs", "outputs", "experiments")


@lru_cache(maxsize=1)
def code_sha256() -> str:
    """sha256 over the source of the packages that compute results (RESULT_CODE_PACKAGES, each .py file's
    path and bytes): unlike the version, it changes with every edit of the model, so a stored result is
    never taken for one of changed code. Computed once per process (about a hundred small files)."""
    root = Path(__file__).resolve().parents[1]  # the jobsim.model package folder
    h = hashlib.sha256()
    for package in RESULT_CODE_PACKAGES:
        for f in sorted((root / package).rglob("*.py")):
            h.update(f.relative_to(root).as_posix().encode("utf-8") + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


@lru_cache(maxsize=1)
def git_state() -> tuple[str, str]:
    """(commit, 'clean' | 'dirty') when the code runs from a git checkout; (NO_COMMIT, reason) otherwise
    (installed from a wheel, no git on the machine). Never raises."""
    if not (PROJECT_ROOT / ".git").exists():  # only the project's own checkout, not a repository around it
        return NO_COMMIT, "not run from a git checkout"
    try:
        def git(*args: str) -> str:
            return subprocess.run(["git", "-C", str(PROJECT_ROOT), *args], capture_output=True, text=True,
                                  check=True, timeout=GIT_TIMEOUT_SECONDS).stdout.strip()

        commit = git("rev-parse", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return NO_COMMIT, "git not available"
    return commit, "dirty" if dirty else "clean"


def provenance_attributes(parameter_files: Iterable[str | Path] = ()) -> dict[str, str]:
    """The Dataset attributes that say where a result came from (all strings, NetCDF-safe)."""
    commit, state = git_state()
    data_hash, files = data_manifest(parameter_files)
    return {
        "Conventions": CONVENTIONS,
        "date_created": creation_time(),
        "jobsim_version": __version__,
        "git_commit": commit,
        "git_state": state,
        "data_sha256": data_hash,
        "data_files": json.dumps(files, ensure_ascii=False),
    }

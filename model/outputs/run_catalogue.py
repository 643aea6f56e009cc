"""The run catalogue: an SQLite file in a results folder recording every stored run, ensemble, comparison and
sweep, so that an identical request is served from what is already stored instead of being computed again.

One row per request, keyed by an id hashed from the canonical request (`request_id`): everything the
result depends on (for a run: the scenario as resolved, the parameter values actually used, the calibrated
files' content hashes and posterior draws, seed, replicates, scale, the data hash datasets record and a
digest of the run specs), plus the jobsim version, which `request_id` adds itself. A row also holds its
kind (run, ensemble, comparison, sweep), its status, when it was started and finished, where the result is
(relative to the catalogue when inside its folder), the result's size and sha256, and a small JSON summary.

    from jobsim.model.outputs.run_catalogue import Catalogue, cached

    catalogue = Catalogue("out")                       # out/catalogue.sqlite, made if missing
    got = cached(catalogue, "comparison", request, Path("out/cmp.nc"),
                 compute=lambda path: write_and_return(path),   # must leave the whole result at `path`
                 summarise=lambda value: {"scenarios": 3}, load=read_dataset)
    got.served, got.entry.id, got.value

How to use it for another kind of result (comparisons, sweeps):

- Build `request` as a plain dict of everything the result depends on and nothing it does not (not the
  number of workers, not the output file's name): for a comparison, each scenario's run request (what
  `jobsim.model.api.run_request` gives; model/experiments/stored.py) and the baseline's name; for a sweep, the sweep file's canonical
  content, the base scenario's run request and the design's samples. Any value of JSON's types, dataclasses,
  mappings with int keys, numpy scalars and paths are accepted (`canonical`); key order never matters.
- `compute(path)` must leave the complete result at `path` when it returns: a file written through
  `jobsim.model.outputs.atomic.atomic_path` (one rename), or a directory such as a `.zarr` store. A store
  written in place (a resumable sweep) is fine: its row becomes `done` only when `compute` returns, so a
  half-written store is never served; an interrupted one stays `running` (or `failed`) and is computed
  again (resumed by the sweep's own logic) on the next request.
- `summarise(value)` gives the small JSON summary `jobsim runs list/show` print (headline figures).

Status: `running` from `start` (with the owner's pid, host and process start time) until `finish`
(`done`, after the result is in place, with its size and sha256) or `fail` (`failed`, with the message);
`stale` when a lookup found the result missing or changed, or another request's result replaced it. A
lookup serves only a `done` row whose result exists with the recorded size and hash; anything else is a
miss. A `running` row whose owner process is gone (killed, crashed machine) is taken over by the next
`start`; one whose owner is alive refuses a second `start` (RequestInProgressError), so two processes
never compute the same request into the catalogue at once. An owner on another host cannot be checked
from here: its row counts as alive until `remove` clears it.

Concurrency: WAL mode (readers never block the writer), a busy timeout, every write in a `BEGIN
IMMEDIATE` transaction (the write lock is taken at the start, so two writers never deadlock upgrading a
read lock) and the whole transaction retried with a back-off when SQLite still reports it busy. A
connection is opened for each operation and closed after it, so that no connection is ever shared with a
forked worker process. WAL needs a local filesystem (not NFS): on one that refuses it the rollback journal
is kept, which is still safe, only slower under contention.

The id also holds a digest of the source of the packages that compute results (`code_sha256` in
model/inputs/provenance.py), so a stored result is never served to changed model code, whatever the
version says; a change to the command line alone (which only prints) keeps the ids.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
import math
import os
import re
import shutil
import socket
import sqlite3
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePath
from typing import Any, Generic, TypeVar

from jobsim.model import __version__
from jobsim.model.inputs.provenance import code_sha256
from jobsim.model.outputs.atomic import atomic_path, output_lock, process_alive, temp_path

CATALOGUE_NAME = "catalogue.sqlite"
KINDS = ("run", "ensemble", "comparison", "sweep")
RUNNING, DONE, FAILED, STALE = "running", "done", "failed", "stale"
STATUSES = (RUNNING, DONE, FAILED, STALE)
SCHEMA_VERSION = 1  # PRAGMA user_version of the catalogues this code writes
APPLICATION_ID = 0x4A53494D  # "JSIM" (PRAGMA application_id): tells a jobsim catalogue from another SQLite file
# Prefixed to every hashed request, so that an id cannot coincide with a hash of anything else.
ID_DOMAIN = "jobsim run catalogue v1"
SHORT_ID_LENGTH = 12  # how tables show an id; any unique prefix works where an id is asked for
ID_PATTERN = re.compile(r"[0-9a-f]+")
AMBIGUOUS_IDS_SHOWN = 5  # an ambiguous prefix's error lists this many of the ids it matches
# SQLite waits this long for another connection's lock before it reports SQLITE_BUSY ...
BUSY_TIMEOUT_SECONDS = 30.0
# ... and then the whole transaction is tried again this many times, the wait doubling from this.
BUSY_RETRIES = 8
BUSY_BACKOFF_SECONDS = 0.05
HASH_CHUNK_BYTES = 1 << 20
PRIMARY_CODE_MASK = 0xFF  # an extended SQLite result code carries its primary code in the low byte
ERROR_MESSAGE_CHARS = 2000  # a failure's message as recorded (a traceback's last lines, at most)
PROC_STAT = "/proc/{pid}/stat"
BOOT_ID_FILE = "/proc/sys/kernel/random/boot_id"
# In /proc/<pid>/stat, the process's start time (clock ticks since boot) is field 22; the fields after the
# command name (which may hold spaces and parentheses) start at field 3.
STAT_START_FIELD, STAT_FIRST_FIELD_AFTER_NAME = 22, 3

T = TypeVar("T")

_SCHEMA = (
    f"""CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ({", ".join(repr(k) for k in KINDS)})),
        status TEXT NOT NULL CHECK (status IN ({", ".join(repr(s) for s in STATUSES)})),
        request TEXT NOT NULL,
        path TEXT NOT NULL,
        created_at TEXT NOT NULL,
        finished_at TEXT,
        owner_pid INTEGER,
        owner_host TEXT,
        owner_started TEXT,
        result_size INTEGER,
        result_sha256 TEXT,
        summary TEXT,
        message TEXT,
        jobsim_version TEXT NOT NULL
    )""",
    "CREATE INDEX runs_by_kind ON runs (kind, created_at)",
    "CREATE INDEX runs_by_path ON runs (path)",
)
_COLUMNS = ("id", "kind", "status", "request", "path", "created_at", "finished_at", "owner_pid", "owner_host",
            "owner_started", "result_size", "result_sha256", "summary", "message", "jobsim_version")


class CatalogueError(Exception):
    """A catalogue that cannot be used (not an SQLite file, not a jobsim catalogue, a newer schema), or a
    request it cannot act on; the message names the file and what to do."""


class CatalogueNotFoundError(CatalogueError):
    """A results folder without a catalogue file (nothing has been stored there), opened without `create`."""


class EntryNotFoundError(CatalogueError):
    """No entry, or more than one, matches an id or id prefix; the message says which ids exist or match."""


class RequestInProgressError(CatalogueError):
    """Another live process is computing the same request into this catalogue."""

    def __init__(self, entry: "Entry", catalogue: Path):
        self.entry = entry
        super().__init__(
            f"the same request (catalogue id {entry.short_id}) is being computed by pid {entry.owner_pid} on "
            f"{entry.owner_host} since {entry.created_at} ({catalogue}); wait for it to finish and ask again "
            f"(it will be served), or remove the entry (`jobsim runs rm {entry.short_id}`) if that process is "
            "gone on another machine")


# ---- ids ----------------------------------------------------------------------------------------------


def canonical(value: Any, where: str = "request") -> Any:
    """`value` as plain JSON data with one spelling per meaning: mappings with string keys (sorted when
    dumped), lists for every sequence, integral floats as ints (1.0 and 1 are the same request), -0.0 as 0,
    non-finite floats as the strings 'NaN', 'Infinity', '-Infinity'; dataclasses by their fields, enums by
    value, paths as POSIX strings, numpy scalars and arrays as Python numbers and lists. TypeError (naming
    where in the request) for anything else, rather than a silent str() that two processes might spell
    differently."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, enum.Enum):
        return canonical(value.value, where)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return int(value) if value.is_integer() else value
    if type(value).__module__ == "numpy":  # numpy scalars and arrays, without importing numpy here
        if hasattr(value, "tolist"):
            return canonical(value.tolist(), where)
    if isinstance(value, PurePath):
        return value.as_posix()
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: canonical(getattr(value, f.name), f"{where}.{f.name}") for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = canonical(key, f"{where} key")
            if not isinstance(name, (str, int, float, bool)) or name is None:
                raise TypeError(f"{where}: key {key!r} of type {type(key).__name__} cannot name a field")
            name = json.dumps(name) if isinstance(name, bool) else str(name)
            if name in out:
                raise ValueError(f"{where}: keys {key!r} and another both read as {name!r}")
            out[name] = canonical(item, f"{where}.{name}")
        return out
    if isinstance(value, (list, tuple)):
        return [canonical(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, (set, frozenset)):
        items = [canonical(item, f"{where} item") for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    raise TypeError(f"{where}: a {type(value).__name__} is not request data (give numbers, strings, lists, "
                    "mappings, dataclasses or paths)")


def canonical_json(value: Any) -> str:
    """The one text of `value` (after `canonical`): sorted keys, no spaces, UTF-8 characters kept."""
    return json.dumps(canonical(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def digest(value: Any) -> str:
    """sha256 (hex) of the canonical JSON of `value`: the same in every process and for any key order."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise CatalogueError(f"kind {kind!r} is not one the catalogue records; allowed: {', '.join(KINDS)}")
    return kind


def canonical_request(kind: str, request: Mapping[str, Any]) -> dict[str, Any]:
    """What an id is hashed from and a row records: the kind, the jobsim version, the digest of the code
    that computes results (provenance.code_sha256) and the request."""
    return {"kind": check_kind(kind), "jobsim_version": __version__, "code_sha256": code_sha256(),
            "request": canonical(dict(request))}


def request_id(kind: str, **request: Any) -> str:
    """The catalogue id of a request: sha256 (hex) over the kind, the jobsim version and the canonical
    request. Stable across processes and machines and for any key order; any changed value changes it.
    (A request's own fields may not be called `kind`: that name is the argument.)"""
    text = canonical_json(canonical_request(kind, request))
    return hashlib.sha256(f"{ID_DOMAIN}\n{text}".encode("utf-8")).hexdigest()


# ---- results on disk ----------------------------------------------------------------------------------


def _file_sha256(path: Path, h: "hashlib._Hash | None" = None) -> "hashlib._Hash":
    h = h if h is not None else hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(HASH_CHUNK_BYTES), b""):
            h.update(chunk)
    return h


def result_fingerprint(path: str | Path) -> tuple[int, str]:
    """(size in bytes, sha256 hex) of a result: a file's content; for a directory (a .zarr store) every
    file under it, by relative path, size and content, so that a removed, added or changed chunk shows."""
    path = Path(path)
    if path.is_file():
        return path.stat().st_size, _file_sha256(path).hexdigest()
    if not path.is_dir():
        raise FileNotFoundError(f"no result at {path}")
    h, total = hashlib.sha256(), 0
    for folder, dirs, files in os.walk(path):
        dirs.sort()  # walk in one order everywhere
        for name in sorted(files):
            file = Path(folder) / name
            size = file.stat().st_size
            total += size
            h.update(f"{file.relative_to(path).as_posix()}\0{size}\0".encode("utf-8"))
            h.update(_file_sha256(file).digest())
    return total, h.hexdigest()


def copy_result(source: Path, target: Path) -> Path:
    """Copy a stored result (a file, or a directory store) to `target` whole or not at all: into a temporary
    name beside it, then one rename, holding `target`'s write lock throughout."""
    if not source.is_dir():
        with atomic_path(target) as tmp:
            shutil.copyfile(source, tmp)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with output_lock(target):
        tmp = temp_path(target)
        _remove_result(tmp)  # one left by an earlier process with this pid
        try:
            shutil.copytree(source, tmp)
            # A rename replaces a file or an empty directory only: an old store goes first.
            _remove_result(target)
            os.replace(tmp, target)
        finally:
            _remove_result(tmp)
    return target


def _remove_result(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


# ---- owners -------------------------------------------------------------------------------------------


def _now() -> str:
    """Now, UTC, ISO 8601 to the second. The real clock, not SOURCE_DATE_EPOCH: the catalogue says when
    something was computed."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def process_start(pid: int) -> str | None:
    """When process `pid` started, as '<boot id>:<ticks since boot>' (Linux /proc), so that a later process
    given the same pid, or the same pid after a reboot, is not taken for it; None where /proc cannot say."""
    try:
        stat = Path(PROC_STAT.format(pid=pid)).read_text(encoding="ascii", errors="replace")
        fields = stat[stat.rindex(")") + 2:].split()
        ticks = fields[STAT_START_FIELD - STAT_FIRST_FIELD_AFTER_NAME]
    except (OSError, ValueError, IndexError):
        return None
    try:
        boot = Path(BOOT_ID_FILE).read_text(encoding="ascii").strip()
    except OSError:
        boot = "unknown-boot"
    return f"{boot}:{ticks}"


def this_owner() -> tuple[int, str, str | None]:
    """(pid, host name, process start) of this process, as a row records its owner."""
    pid = os.getpid()
    return pid, socket.gethostname(), process_start(pid)


# ---- entries ------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Entry:
    """One catalogue row. `path` is where the result is (absolute); `stored_path` as the row records it
    (relative to the catalogue's folder when inside it)."""

    id: str
    kind: str
    status: str
    request: dict
    path: Path
    stored_path: str
    created_at: str
    finished_at: str | None
    owner_pid: int | None
    owner_host: str | None
    owner_started: str | None
    result_size: int | None
    result_sha256: str | None
    summary: dict
    message: str | None
    jobsim_version: str

    @property
    def short_id(self) -> str:
        return self.id[:SHORT_ID_LENGTH]

    def owner_alive(self) -> bool | None:
        """Whether the process that started this row still runs: True or False on this host, None (cannot
        tell) for an owner on another host."""
        if self.owner_host != socket.gethostname():
            return None
        if self.owner_pid is None or not process_alive(self.owner_pid):
            return False
        # The same pid may now be another process: compare start times where both are known.
        now = process_start(self.owner_pid)
        return self.owner_started is None or now is None or now == self.owner_started

    def owned_by_this_process(self) -> bool:
        pid, host, started = this_owner()
        return (self.owner_pid, self.owner_host, self.owner_started) == (pid, host, started)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-able), the request included."""
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        d["path"] = str(self.path)
        return d


def _entry(row: sqlite3.Row, folder: Path) -> Entry:
    stored = row["path"]
    path = Path(stored) if Path(stored).is_absolute() else folder / stored
    return Entry(
        id=row["id"], kind=row["kind"], status=row["status"], request=json.loads(row["request"]), path=path,
        stored_path=stored, created_at=row["created_at"], finished_at=row["finished_at"],
        owner_pid=row["owner_pid"], owner_host=row["owner_host"], owner_started=row["owner_started"],
        result_size=row["result_size"], result_sha256=row["result_sha256"],
        summary=json.loads(row["summary"]) if row["summary"] else {}, message=row["message"],
        jobsim_version=row["jobsim_version"])


def _is_busy(exc: sqlite3.Error) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return (code & PRIMARY_CODE_MASK) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    text = str(exc).lower()
    return "locked" in text or "busy" in text


# ---- the catalogue ------------------------------------------------------------------------------------


class Catalogue:
    """The catalogue of results folder `folder` (its file: `folder/catalogue.sqlite`).

    With `create` (the default) the folder and the file are made when missing; without it a missing file is
    a CatalogueError. A file that is not a jobsim catalogue is refused at once, naming it."""

    def __init__(self, folder: str | Path, create: bool = True):
        self.folder = Path(folder).resolve()
        self.file = self.folder / CATALOGUE_NAME
        if not self.file.exists():
            if not create:
                raise CatalogueNotFoundError(f"no run catalogue in {folder} ({self.file} does not exist): nothing has been "
                                     "stored there yet; give the results folder of `jobsim run --out` or "
                                     "`run-bundled --out-dir`")
            self.folder.mkdir(parents=True, exist_ok=True)
        elif not self.file.is_file():
            raise CatalogueError(f"{self.file} is not a file; the run catalogue must be an SQLite file")
        self._prepare()

    def __repr__(self) -> str:
        return f"Catalogue({str(self.folder)!r})"

    # -- connections and transactions --

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.file, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
        con.row_factory = sqlite3.Row
        return con

    def _not_ours(self, why: str) -> CatalogueError:
        return CatalogueError(f"{self.file} is not a jobsim run catalogue ({why}); move it away (a new one is "
                              "made on the next stored run) or give another results folder")

    @contextmanager
    def _transaction(self, write: bool) -> Iterator[sqlite3.Connection]:
        """One transaction on its own connection: BEGIN IMMEDIATE for a write (the write lock up front).
        Busy retries are in `_run`, which repeats the whole block."""
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        finally:
            con.close()

    def _retrying(self, attempt_once: Callable[[], T]) -> T:
        """`attempt_once()`, repeated with a back-off while SQLite reports busy; other database errors (and
        busy after the last retry) as a CatalogueError naming the file."""
        for attempt in range(BUSY_RETRIES + 1):
            try:
                return attempt_once()
            except sqlite3.OperationalError as exc:
                if _is_busy(exc) and attempt < BUSY_RETRIES:
                    time.sleep(BUSY_BACKOFF_SECONDS * 2**attempt)
                    continue
                raise self._database_error(exc) from None
            except sqlite3.DatabaseError as exc:
                raise self._database_error(exc) from None
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _run(self, work: Callable[[sqlite3.Connection], T], write: bool = True) -> T:
        """`work(connection)` in one transaction, the whole transaction retried while SQLite reports busy."""
        def once() -> T:
            with self._transaction(write) as con:
                return work(con)

        return self._retrying(once)

    def _database_error(self, exc: sqlite3.Error) -> CatalogueError:
        if _is_busy(exc):
            return CatalogueError(f"{self.file} stayed locked by another process for more than "
                                  f"{BUSY_TIMEOUT_SECONDS:g} s; try again")
        if "not a database" in str(exc) or "malformed" in str(exc):
            return self._not_ours(f"not an SQLite database, or a damaged one: {exc}")
        return CatalogueError(f"{self.file}: {exc}")

    def _prepare(self) -> None:
        """WAL mode, then the schema (made in a fresh file, checked in an existing one)."""
        def wal() -> None:
            con = self._connect()
            try:
                # Outside a transaction (SQLite's rule); persistent in the file once set.
                con.execute("PRAGMA journal_mode=WAL").fetchone()
            finally:
                con.close()

        self._retrying(wal)
        self._run(self._schema)

    def _schema(self, con: sqlite3.Connection) -> None:
        version = con.execute("PRAGMA user_version").fetchone()[0]
        application = con.execute("PRAGMA application_id").fetchone()[0]
        if version == 0 and application == 0:
            tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            if tables:
                raise self._not_ours(f"an SQLite database with other tables: {', '.join(sorted(tables))}")
            for statement in _SCHEMA:
                con.execute(statement)
            con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            return
        if application != APPLICATION_ID:
            raise self._not_ours(f"an SQLite database of another application (id {application})")
        if version > SCHEMA_VERSION:
            raise CatalogueError(f"{self.file} was written by a newer jobsim (catalogue schema {version}; this "
                                 f"jobsim {__version__} reads schema {SCHEMA_VERSION} and older): upgrade jobsim, "
                                 "or give another results folder")

    # -- paths --

    def stored_path(self, path: str | Path) -> str:
        """`path` as a row records it: relative to the catalogue's folder when inside it, else absolute."""
        p = Path(path).resolve()
        try:
            return p.relative_to(self.folder).as_posix()
        except ValueError:
            return p.as_posix()

    def _inside(self, path: Path) -> bool:
        try:
            path.resolve().relative_to(self.folder)
        except ValueError:
            return False
        return True

    # -- reading --

    def _row(self, con: sqlite3.Connection, id: str) -> Entry | None:
        row = con.execute("SELECT * FROM runs WHERE id = ?", (id,)).fetchone()
        return _entry(row, self.folder) if row is not None else None

    def get(self, id: str) -> Entry | None:
        """The entry of exactly this id whatever its status, or None."""
        return self._run(lambda con: self._row(con, id), write=False)

    def list(self, kind: str | None = None) -> list[Entry]:
        """Every entry (or those of one kind), newest first."""
        if kind is not None:
            check_kind(kind)
        query = "SELECT * FROM runs" + (" WHERE kind = ?" if kind else "") + " ORDER BY created_at DESC, id"
        rows = self._run(lambda con: con.execute(query, (kind,) if kind else ()).fetchall(), write=False)
        return [_entry(r, self.folder) for r in rows]

    def show(self, id_or_prefix: str) -> Entry:
        """The one entry whose id is, or starts with, `id_or_prefix`; EntryNotFoundError when none or several."""
        text = (id_or_prefix or "").strip().lower()
        if not text or not ID_PATTERN.fullmatch(text):
            raise EntryNotFoundError(f"{id_or_prefix!r} is not a catalogue id: ids are hexadecimal (0-9, a-f); "
                                     f"give an id or its first characters, as `jobsim runs list` shows them")
        rows = self._run(lambda con: con.execute(
            "SELECT * FROM runs WHERE substr(id, 1, ?) = ? ORDER BY id", (len(text), text)).fetchall(), write=False)
        if not rows:
            known = self._run(lambda con: con.execute("SELECT count(*) FROM runs").fetchone()[0], write=False)
            raise EntryNotFoundError(f"no entry with id {text!r} in {self.file} ({known} entries; `jobsim runs list"
                                     f" --results {self.folder}` shows their ids)")
        if len(rows) > 1:
            ids = ", ".join(r["id"][:max(SHORT_ID_LENGTH, len(text) + 1)] for r in rows[:AMBIGUOUS_IDS_SHOWN])
            more = f" and {len(rows) - AMBIGUOUS_IDS_SHOWN} more" if len(rows) > AMBIGUOUS_IDS_SHOWN else ""
            raise EntryNotFoundError(f"id prefix {text!r} matches {len(rows)} entries ({ids}{more}); "
                                     "give more characters")
        return _entry(rows[0], self.folder)

    def result_problem(self, entry: Entry) -> str | None:
        """Why `entry`'s result cannot be served (missing, another size, another hash), or None."""
        if not entry.path.exists():
            return f"result {entry.stored_path} no longer exists"
        try:
            size, sha = result_fingerprint(entry.path)
        except OSError as exc:
            return f"result {entry.stored_path} cannot be read: {exc.strerror or exc}"
        if size != entry.result_size:
            return f"result {entry.stored_path} is {size} bytes, not the {entry.result_size} recorded"
        if sha != entry.result_sha256:
            return f"result {entry.stored_path} changed since it was recorded (another sha256)"
        return None

    def lookup(self, id: str) -> Entry | None:
        """The entry of `id` if it can be served: `done`, its result present with the recorded size and hash.
        A `done` row whose result is missing or changed is marked `stale` (with why) and is a miss; so is
        any `running`, `failed` or `stale` row."""
        entry = self.get(id)
        if entry is None or entry.status != DONE:
            return None
        problem = self.result_problem(entry)  # outside a transaction: hashing a large store takes a while
        if problem is None:
            return entry

        def mark(con: sqlite3.Connection) -> None:
            # Only the row as it was read: a process that recorded a new result meanwhile keeps its own.
            con.execute("UPDATE runs SET status = ?, message = ? WHERE id = ? AND status = ? AND "
                        "result_sha256 IS ?", (STALE, problem, id, DONE, entry.result_sha256))

        self._run(mark)
        return None

    # -- writing --

    def start(self, id: str, kind: str, request: Mapping[str, Any], path: str | Path,
              replace_done: bool = True) -> Entry | None:
        """Record that this process computes request `id` into `path` (status `running`). A row of the same
        id that is done, failed, stale, or running for a process that is gone, is replaced (taken over);
        RequestInProgressError when its owner is alive (or on another host, where it cannot be checked).
        Without `replace_done`, a row that is `done` is left alone and None returned: another process
        finished the request since this one looked it up, so it can be served instead."""
        check_kind(kind)
        record = json.dumps(canonical_request(kind, request), sort_keys=True, ensure_ascii=False)
        expected = request_id(kind, **request)
        if id != expected:
            raise CatalogueError(f"id {id[:SHORT_ID_LENGTH]}… is not the id of this request ({expected[:SHORT_ID_LENGTH]}"
                                 "…); compute it with request_id(kind, **request)")
        pid, host, started = this_owner()
        stored = self.stored_path(path)

        def begin(con: sqlite3.Connection) -> Entry | None:
            old = self._row(con, id)
            if old is not None and old.status == DONE and not replace_done:
                return None
            if old is not None and old.status == RUNNING and not old.owned_by_this_process() \
                    and old.owner_alive() is not False:
                raise RequestInProgressError(old, self.file)
            con.execute(f"INSERT OR REPLACE INTO runs ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                        (id, kind, RUNNING, record, stored, _now(), None, pid, host, started, None, None, None,
                         None, __version__))
            return self._row(con, id)

        return self._run(begin)

    def _own_running(self, con: sqlite3.Connection, id: str) -> Entry:
        entry = self._row(con, id)
        if entry is None:
            raise CatalogueError(f"catalogue id {id[:SHORT_ID_LENGTH]} was removed from {self.file} while it "
                                 "was being computed; its result is not recorded")
        if entry.status != RUNNING or not entry.owned_by_this_process():
            raise CatalogueError(f"catalogue id {entry.short_id} in {self.file} was taken over by pid "
                                 f"{entry.owner_pid} on {entry.owner_host}; this process's result is not recorded")
        return entry

    def finish(self, id: str, summary: Mapping[str, Any] | None = None) -> Entry:
        """Record the result of `id` as complete (`done`): its size and sha256 as it now is at the row's path,
        the summary (plain JSON after `canonical`). Call it only once the result is whole at its path (after
        the atomic rename). Other `done` rows whose result was at the same path are now `stale`."""
        entry = self.get(id)
        if entry is None:
            raise CatalogueError(f"catalogue id {id[:SHORT_ID_LENGTH]} is not in {self.file}; start() it first")
        size, sha = result_fingerprint(entry.path)
        text = json.dumps(canonical(dict(summary or {}), "summary"), sort_keys=True, ensure_ascii=False)

        def done(con: sqlite3.Connection) -> Entry:
            mine = self._own_running(con, id)
            con.execute("UPDATE runs SET status = ?, finished_at = ?, result_size = ?, result_sha256 = ?, "
                        "summary = ?, message = NULL WHERE id = ?", (DONE, _now(), size, sha, text, id))
            con.execute("UPDATE runs SET status = ?, message = ? WHERE path = ? AND id != ? AND status = ?",
                        (STALE, f"its result was replaced by that of {id[:SHORT_ID_LENGTH]}", mine.stored_path, id,
                         DONE))
            return self._row(con, id)

        return self._run(done)

    def fail(self, id: str, message: str) -> Entry | None:
        """Record that computing `id` failed (or was interrupted), with why. Does nothing (None) when the row
        is not this process's running one: a failure report never hides the failure it reports."""
        text = " ".join(str(message).split())[:ERROR_MESSAGE_CHARS]

        def failed(con: sqlite3.Connection) -> Entry | None:
            entry = self._row(con, id)
            if entry is None or entry.status != RUNNING or not entry.owned_by_this_process():
                return None
            con.execute("UPDATE runs SET status = ?, finished_at = ?, message = ? WHERE id = ?",
                        (FAILED, _now(), text, id))
            return self._row(con, id)

        return self._run(failed)

    def remove(self, id_or_prefix: str, delete_files: bool = False) -> tuple[Entry, list[Path]]:
        """Remove the entry of an id (or unique prefix); with `delete_files`, its result too (a file or a
        store, only inside the catalogue's folder). Returns the entry and the paths deleted. Refused for a
        row a live process on this host is computing, and for deleting a result outside the folder."""
        entry = self.show(id_or_prefix)
        if entry.status == RUNNING and entry.owner_alive() is True and not entry.owned_by_this_process():
            raise CatalogueError(f"catalogue id {entry.short_id} is being computed by pid {entry.owner_pid} "
                                 f"(alive); stop it or wait for it to finish before removing it")
        deleted = []
        if delete_files and (entry.path.exists() or entry.path.is_symlink()):
            if not self._inside(entry.path):
                raise CatalogueError(f"the result of {entry.short_id}, {entry.path}, is outside the results folder "
                                     f"{self.folder}: not deleted (remove it yourself, or remove the entry "
                                     "without deleting files)")
            _remove_result(entry.path)
            deleted.append(entry.path)
        self._run(lambda con: con.execute("DELETE FROM runs WHERE id = ?", (entry.id,)))
        return entry, deleted

    def integrity(self) -> str:
        """SQLite's integrity check of the file: 'ok', or the problems it found."""
        rows = self._run(lambda con: con.execute("PRAGMA integrity_check").fetchall(), write=False)
        return "; ".join(r[0] for r in rows)


# ---- serving or computing -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Cached(Generic[T]):
    """What `cached` gives: the entry (served or just recorded), whether it was served, and the value
    (computed, or loaded from the stored result when a `load` was given; None when served without one)."""

    entry: Entry
    served: bool
    value: T | None


def _failure_text(exc: BaseException) -> str:
    if isinstance(exc, KeyboardInterrupt):
        return f"interrupted ({type(exc).__name__})"
    return f"{type(exc).__name__}: {exc}"


# Lookups before computing: one, and one more when another process finished the request meanwhile.
SERVE_ATTEMPTS = 2


def cached(catalogue: Catalogue, kind: str, request: Mapping[str, Any], path: str | Path,
           compute: Callable[[Path], T], summarise: Callable[[T], Mapping[str, Any]], *,
           load: Callable[[Path], T] | None = None, recompute: bool = False) -> Cached[T]:
    """Serve `request` from the catalogue, or compute and record it.

    Served: the catalogue has a `done` entry of this exact request whose result is intact; when it is
    stored elsewhere than `path`, it is copied there (atomically). Otherwise (or with `recompute`):
    `start`, then `compute(path)`, which must leave the whole result at `path` (written atomically), then
    `finish` with `summarise(value)`. Any exception (an interrupt included) records `failed` and is raised
    again; a process killed outright leaves `running`, which the next request takes over."""
    path = Path(path)
    rid = request_id(kind, **request)
    for attempt in range(SERVE_ATTEMPTS):
        if not recompute:
            entry = catalogue.lookup(rid)
            if entry is not None:
                if entry.path.resolve() != path.resolve():
                    copy_result(entry.path, path)
                return Cached(entry, True, load(path) if load is not None else None)
        # Another process may have finished it between the lookup and now: then look again (serve it),
        # unless this is the last attempt (its result keeps vanishing: compute).
        last = attempt == SERVE_ATTEMPTS - 1
        if catalogue.start(rid, kind, request, path, replace_done=recompute or last) is not None:
            break
    try:
        value = compute(path)
        if not path.exists():
            raise CatalogueError(f"the computation of {kind} {rid[:SHORT_ID_LENGTH]} returned without writing {path}")
        entry = catalogue.finish(rid, summarise(value))
    except BaseException as exc:
        catalogue.fail(rid, _failure_text(exc))
        raise
    return Cached(entry, False, value)


# ---- what a run's summary holds -----------------------------------------------------------------------

# Headline indicators of a run's summary, each over the whole period for the region: flows summed, stocks
# at the end, rates averaged (as results.period_totals gives them), as median and 10-90% over replicates.
SUMMARY_INDICATORS = ("new_urban_jobs", "jobs_held", "person_years_employed", "surveyed_unemployment_rate")
SUMMARY_QUANTILES = {"p10": 0.1, "median": 0.5, "p90": 0.9}


def run_summary(ds) -> dict[str, Any]:
    """The small summary a run's row keeps: scenario, region, period, replicates, seed, scale and the
    headline indicators (SUMMARY_INDICATORS) over the whole period for the region."""
    from jobsim.model.outputs.results import period_totals

    region = str(ds.attrs.get("region") or ds["area"].values[0])
    totals = period_totals(ds, region)
    headline = {}
    for name in SUMMARY_INDICATORS:
        if name in totals:
            quantiles = totals[name].quantile(list(SUMMARY_QUANTILES.values()))
            headline[name] = {label: float(quantiles.iloc[i]) for i, label in enumerate(SUMMARY_QUANTILES)}
    years = [int(y) for y in ds["time.year"].values] if "time" in ds.coords else []
    return {
        "scenario": ds.attrs.get("scenario_name"), "region": region,
        "period": f"{min(years)}-{max(years)}" if years else None,
        "replicates": int(ds.sizes.get("replicate", 0)), "seed": int(ds.attrs["seed"]) if "seed" in ds.attrs else None,
        "scale": float(ds.attrs["scale"]) if "scale" in ds.attrs else None, "headline": headline,
    }

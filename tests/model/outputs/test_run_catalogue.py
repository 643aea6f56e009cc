"""The run catalogue (jobsim.model.outputs.run_catalogue): ids of canonical requests, what is served and what
is a miss, crashed and concurrent writers, and a file that is not a catalogue."""

from __future__ import annotations

import json
import multiprocessing
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from jobsim.model.outputs import run_catalogue as rc
from jobsim.model.outputs.atomic import atomic_write_text
from jobsim.model.outputs.run_catalogue import (
    CATALOGUE_NAME,
    Catalogue,
    CatalogueError,
    CatalogueNotFoundError,
    EntryNotFoundError,
    RequestInProgressError,
    cached,
    canonical,
    request_id,
)

REQUEST = {"scenario": {"name": "s", "levers": {"training": {2021: 1.5, 2022: 2.0}}}, "seed": 7, "replicates": 2,
           "scale": 50000.0, "parameters": {"a": 0.25, "b": 3.0}, "parameter_draws": [{"a": 0.2}, {"a": 0.3}],
           "data_sha256": "ab" * 32}
# Concurrency: writer processes started together, each recording this many entries.
WRITERS = 3
ROWS_PER_WRITER = 40
SPAWN_TIMEOUT_SECONDS = 120


def write_text_result(text: str):
    """A compute for `cached`: write `text` at the path atomically and return it."""
    def compute(path: Path) -> str:
        atomic_write_text(path, text)
        return text
    return compute


def summary_of(value: str) -> dict:
    return {"chars": len(value)}


def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# ---- ids ------------------------------------------------------------------------------------------------


def test_id_is_the_same_for_any_key_order():
    reordered = {k: REQUEST[k] for k in reversed(list(REQUEST))}
    reordered["scenario"] = {"levers": {"training": {2022: 2.0, 2021: 1.5}}, "name": "s"}
    assert request_id("run", **reordered) == request_id("run", **REQUEST)


def test_id_is_the_same_in_another_process():
    code = ("import json, sys; from jobsim.model.outputs.run_catalogue import request_id; "
            "r = json.loads(sys.argv[1]); r['scenario']['levers']['training'] = {2021: 1.5, 2022: 2.0}; "
            "print(request_id('run', **r))")
    other = subprocess.run([sys.executable, "-c", code, json.dumps(REQUEST)], capture_output=True, text=True,
                           check=True, env={**os.environ, "PYTHONHASHSEED": "999"})
    assert other.stdout.strip() == request_id("run", **REQUEST)


@pytest.mark.parametrize("field,changed", [
    ("scenario", {"name": "s", "levers": {"training": {2021: 1.5, 2022: 2.5}}}),
    ("seed", 8), ("replicates", 3), ("scale", 40000.0), ("parameters", {"a": 0.26, "b": 3.0}),
    ("parameter_draws", [{"a": 0.2}, {"a": 0.31}]), ("data_sha256", "cd" * 32),
])
def test_id_changes_with_every_field(field, changed):
    assert request_id("run", **{**REQUEST, field: changed}) != request_id("run", **REQUEST)


def test_id_changes_with_the_kind_and_the_version(monkeypatch):
    base = request_id("run", **REQUEST)
    assert request_id("comparison", **REQUEST) != base
    monkeypatch.setattr(rc, "__version__", "99.0.0")
    assert request_id("run", **REQUEST) != base


def test_a_run_request_changes_with_seed_replicates_scale_and_parameters(baseline_scenario):
    from jobsim.model import api

    def rid(**changes):
        return request_id("run", **api.run_request(baseline_scenario, **{"replicates": 1, "scale": 50000, **changes}))

    base = rid()
    assert rid() == base
    others = [rid(seed=1), rid(replicates=2), rid(scale=40000), rid(use_calibrated=False),
              request_id("run", **api.run_request(baseline_scenario.with_changes(parameters={"matching_efficiency": 0.1}),
                                                  replicates=1, scale=50000))]
    assert len({base, *others}) == len(others) + 1


def test_canonical_spelling():
    assert canonical({"x": 1.0, 2021: np.float64(0.5), "n": np.int64(3), "a": np.array([1, 2])}) == \
        {"x": 1, "2021": 0.5, "n": 3, "a": [1, 2]}
    assert canonical(float("nan")) == "NaN" and canonical(-0.0) == 0
    assert canonical(Path("a/b")) == "a/b" and canonical((1, 2)) == [1, 2]
    with pytest.raises(TypeError, match=r"request\.bad: a object is not request data"):
        canonical({"bad": object()})
    with pytest.raises(CatalogueError, match="allowed: run, ensemble, comparison, sweep"):
        request_id("film", **REQUEST)


# ---- served and missed ----------------------------------------------------------------------------------


def test_served_only_when_done_and_intact(tmp_path):
    cat = Catalogue(tmp_path)
    path = tmp_path / "r.txt"
    calls = []

    def compute(p):
        calls.append(p)
        return write_text_result("result one")(p)

    first = cached(cat, "run", REQUEST, path, compute, summary_of)
    assert not first.served and first.value == "result one" and len(calls) == 1
    assert first.entry.status == "done" and first.entry.stored_path == "r.txt"  # relative to the catalogue
    assert first.entry.summary == {"chars": 10} and first.entry.result_size == len("result one")
    second = cached(cat, "run", REQUEST, path, compute, summary_of, load=Path.read_text)
    assert second.served and second.value == "result one" and len(calls) == 1
    assert second.entry.finished_at == first.entry.finished_at


@pytest.mark.parametrize("damage", ["delete", "truncate", "same size, other bytes"])
def test_a_damaged_result_is_not_served(tmp_path, damage):
    cat = Catalogue(tmp_path)
    path = tmp_path / "r.txt"
    got = cached(cat, "run", REQUEST, path, write_text_result("0123456789"), summary_of)
    if damage == "delete":
        path.unlink()
    elif damage == "truncate":
        path.write_text("01234")
    else:
        path.write_text("9876543210")
    assert cat.lookup(got.entry.id) is None
    stale = cat.get(got.entry.id)
    assert stale.status == "stale" and "r.txt" in stale.message
    again = cached(cat, "run", REQUEST, path, write_text_result("0123456789"), summary_of)
    assert not again.served and again.entry.status == "done" and path.read_text() == "0123456789"


def test_served_to_another_path_is_copied(tmp_path):
    cat = Catalogue(tmp_path)
    cached(cat, "run", REQUEST, tmp_path / "a.txt", write_text_result("abc"), summary_of)
    got = cached(cat, "run", REQUEST, tmp_path / "sub" / "b.txt", write_text_result("never"), summary_of)
    assert got.served and (tmp_path / "sub" / "b.txt").read_text() == "abc"


def test_a_new_result_at_the_same_path_makes_the_old_entry_stale(tmp_path):
    cat = Catalogue(tmp_path)
    old = cached(cat, "run", REQUEST, tmp_path / "r.txt", write_text_result("one"), summary_of)
    new = cached(cat, "run", {**REQUEST, "seed": 8}, tmp_path / "r.txt", write_text_result("two"), summary_of)
    assert cat.get(old.entry.id).status == "stale" and cat.get(new.entry.id).status == "done"


def test_a_directory_store_is_fingerprinted_and_copied(tmp_path):
    def write_store(path: Path) -> str:
        tmp = path.with_name(path.name + ".partial")
        (tmp / "chunks").mkdir(parents=True)
        (tmp / "chunks" / "0.0").write_bytes(b"\x00" * 64)
        (tmp / ".zattrs").write_text("{}")
        os.replace(tmp, path)
        return "store"

    cat = Catalogue(tmp_path)
    got = cached(cat, "sweep", REQUEST, tmp_path / "s.zarr", write_store, lambda v: {"samples": 1})
    assert got.entry.result_size == 66
    copy = cached(cat, "sweep", REQUEST, tmp_path / "t.zarr", write_store, lambda v: {})
    assert copy.served and (tmp_path / "t.zarr" / "chunks" / "0.0").read_bytes() == b"\x00" * 64
    (tmp_path / "s.zarr" / "chunks" / "0.0").write_bytes(b"\x01" * 64)  # same size, another chunk
    assert cat.lookup(got.entry.id) is None
    _, deleted = cat.remove(got.entry.id, delete_files=True)
    assert deleted == [tmp_path / "s.zarr"] and not (tmp_path / "s.zarr").exists()


def test_a_failed_computation_is_recorded_and_computed_again(tmp_path):
    cat = Catalogue(tmp_path)

    def broken(path):
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        cached(cat, "run", REQUEST, tmp_path / "r.txt", broken, summary_of)
    rid = request_id("run", **REQUEST)
    assert cat.get(rid).status == "failed" and "disk full" in cat.get(rid).message
    assert cat.lookup(rid) is None
    assert not cached(cat, "run", REQUEST, tmp_path / "r.txt", write_text_result("x"), summary_of).served


def test_a_computation_that_writes_nothing_is_not_recorded_as_done(tmp_path):
    cat = Catalogue(tmp_path)
    with pytest.raises(CatalogueError, match="returned without writing"):
        cached(cat, "run", REQUEST, tmp_path / "r.txt", lambda path: "nothing", summary_of)
    assert cat.get(request_id("run", **REQUEST)).status == "failed"


# ---- crashed and live owners ----------------------------------------------------------------------------


def test_a_process_killed_mid_write_leaves_running_and_is_taken_over(tmp_path):
    """A real process starts the entry, writes half a result to its temporary file and dies (SIGKILL-like,
    no clean-up): the row stays `running`, nothing is served, and the next request computes it."""
    code = f"""
import json, os, sys
from pathlib import Path
from jobsim.model.outputs.run_catalogue import Catalogue, request_id
from jobsim.model.outputs.atomic import temp_path
request = json.loads(sys.argv[1])
cat = Catalogue(sys.argv[2])
path = Path(sys.argv[2]) / "r.txt"
cat.start(request_id("run", **request), "run", request, path)
temp_path(path).write_text("half a res")
os._exit(9)
"""
    proc = subprocess.run([sys.executable, "-c", code, json.dumps(REQUEST), str(tmp_path)])
    assert proc.returncode == 9
    cat = Catalogue(tmp_path)
    rid = request_id("run", **REQUEST)
    row = cat.get(rid)
    assert row.status == "running" and row.owner_pid != os.getpid() and row.owner_alive() is False
    assert cat.lookup(rid) is None
    got = cached(cat, "run", REQUEST, tmp_path / "r.txt", write_text_result("whole result"), summary_of)
    assert not got.served and got.entry.status == "done" and got.entry.owner_pid == os.getpid()
    assert (tmp_path / "r.txt").read_text() == "whole result"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".r.txt")) == []  # the dead temp is gone


def _set_owner(cat: Catalogue, rid: str, pid: int, started: str | None) -> None:
    with sqlite3.connect(cat.file) as con:
        con.execute("UPDATE runs SET status = 'running', owner_pid = ?, owner_started = ? WHERE id = ?",
                    (pid, started, rid))
    con.close()


def test_a_running_row_of_a_dead_pid_is_recomputed(tmp_path):
    cat = Catalogue(tmp_path)
    got = cached(cat, "run", REQUEST, tmp_path / "r.txt", write_text_result("one"), summary_of)
    _set_owner(cat, got.entry.id, dead_pid(), None)
    assert cat.lookup(got.entry.id) is None
    again = cached(cat, "run", REQUEST, tmp_path / "r.txt", write_text_result("two"), summary_of)
    assert not again.served and (tmp_path / "r.txt").read_text() == "two"


def test_a_recycled_pid_does_not_count_as_the_owner(tmp_path):
    cat = Catalogue(tmp_path)
    got = cached(cat, "run", REQUEST, tmp_path / "r.txt", write_text_result("one"), summary_of)
    _set_owner(cat, got.entry.id, os.getppid(), "another-boot:12345")  # a live pid, but not the process that started
    assert not cached(cat, "run", REQUEST, tmp_path / "r.txt", write_text_result("two"), summary_of).served


def test_a_live_owner_is_not_taken_over(tmp_path):
    cat = Catalogue(tmp_path)
    got = cached(cat, "run", REQUEST, tmp_path / "r.txt", write_text_result("one"), summary_of)
    parent = os.getppid()
    _set_owner(cat, got.entry.id, parent, rc.process_start(parent))
    with pytest.raises(RequestInProgressError, match=rf"being computed by pid {parent}"):
        cached(cat, "run", REQUEST, tmp_path / "r.txt", write_text_result("two"), summary_of)
    with pytest.raises(CatalogueError, match="being computed"):
        cat.remove(got.entry.id)


# ---- concurrent writers ---------------------------------------------------------------------------------


SHARED = {"shared": "one request every writer asks for"}


def _computed_once(folder: str, writer: int):
    """The compute of the shared request: notes who computed it (an appended line), then writes it."""
    def compute(path: Path) -> str:
        with open(Path(folder) / "computed-by", "a", encoding="utf-8") as log:
            log.write(f"{writer}\n")
        return write_text_result("shared result")(path)
    return compute


def _writer(folder: str, writer: int, rows: int, barrier) -> None:
    """One of several processes recording `rows` entries at once into a catalogue none has made yet, and all
    asking for one shared request at the same moment."""
    barrier.wait()
    cat = Catalogue(folder)
    try:
        cached(cat, "run", SHARED, Path(folder) / "shared.txt", _computed_once(folder, writer), summary_of)
    except RequestInProgressError:  # another writer is computing it right now: the right answer too
        pass
    for k in range(rows):
        request = {"writer": writer, "row": k}
        cached(cat, "run", request, Path(folder) / f"w{writer}-{k}.txt", write_text_result(f"{writer}:{k}"),
               lambda value, k=k: {"row": k})
        cat.lookup(request_id("run", **request))
        cat.list()


def test_concurrent_writers_never_corrupt_the_catalogue(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(WRITERS)
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), w, ROWS_PER_WRITER, barrier)) for w in range(WRITERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(SPAWN_TIMEOUT_SECONDS)
    assert [p.exitcode for p in procs] == [0] * WRITERS
    cat = Catalogue(tmp_path)
    assert cat.integrity() == "ok"
    entries = cat.list()
    assert len(entries) == WRITERS * ROWS_PER_WRITER + 1 and {e.status for e in entries} == {"done"}
    assert len((tmp_path / "computed-by").read_text().split()) == 1  # the shared request: computed once
    assert cat.lookup(request_id("run", **SHARED)) is not None
    for w in range(WRITERS):
        for k in range(ROWS_PER_WRITER):
            entry = cat.lookup(request_id("run", writer=w, row=k))
            assert entry is not None and entry.summary == {"row": k}
    with sqlite3.connect(cat.file) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


# ---- list, show, remove, and files that are not catalogues --------------------------------------------


def test_show_by_prefix_ambiguous_and_unknown(tmp_path):
    cat = Catalogue(tmp_path)
    by_first_char: dict[str, list[str]] = {}
    k = 0
    while not any(len(ids) > 1 for ids in by_first_char.values()):
        got = cached(cat, "run", {"k": k}, tmp_path / f"{k}.txt", write_text_result(str(k)), summary_of)
        by_first_char.setdefault(got.entry.id[0], []).append(got.entry.id)
        k += 1
    shared = next(ids for ids in by_first_char.values() if len(ids) > 1)
    assert cat.show(shared[0][:20]).id == shared[0]
    with pytest.raises(EntryNotFoundError, match=rf"id prefix '{shared[0][0]}' matches 2 entries"):
        cat.show(shared[0][0])
    with pytest.raises(EntryNotFoundError, match="no entry with id 'ffff0000'"):
        cat.show("ffff0000" if not any(i.startswith("ffff0000") for i in shared) else "0000ffff")
    with pytest.raises(EntryNotFoundError, match="ids are hexadecimal"):
        cat.show("not-an-id")
    assert len(cat.list()) == k and cat.list("sweep") == []
    with pytest.raises(CatalogueError, match="allowed: run, ensemble"):
        cat.list("film")


def test_remove_keeps_or_deletes_the_result(tmp_path):
    cat = Catalogue(tmp_path)
    a = cached(cat, "run", {"k": 1}, tmp_path / "a.txt", write_text_result("a"), summary_of).entry
    b = cached(cat, "run", {"k": 2}, tmp_path / "b.txt", write_text_result("b"), summary_of).entry
    removed, deleted = cat.remove(a.id)
    assert removed.id == a.id and deleted == [] and (tmp_path / "a.txt").exists() and cat.get(a.id) is None
    _, deleted = cat.remove(b.short_id, delete_files=True)
    assert deleted == [tmp_path / "b.txt"] and not (tmp_path / "b.txt").exists()


def test_a_result_outside_the_folder_is_not_deleted(tmp_path):
    cat = Catalogue(tmp_path / "results")
    entry = cached(cat, "run", REQUEST, tmp_path / "elsewhere.txt", write_text_result("x"), summary_of).entry
    assert entry.stored_path == str((tmp_path / "elsewhere.txt").resolve())
    with pytest.raises(CatalogueError, match="outside the results folder"):
        cat.remove(entry.id, delete_files=True)
    assert (tmp_path / "elsewhere.txt").exists() and cat.get(entry.id) is not None


def test_files_that_are_not_catalogues_are_refused(tmp_path):
    (tmp_path / CATALOGUE_NAME).write_text("this is not a database, just text that is long enough " * 20)
    with pytest.raises(CatalogueError, match=r"is not a jobsim run catalogue \(not an SQLite database"):
        Catalogue(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    with sqlite3.connect(other / CATALOGUE_NAME) as con:
        con.execute("CREATE TABLE invoices (n INTEGER)")
    con.close()
    with pytest.raises(CatalogueError, match="an SQLite database with other tables: invoices"):
        Catalogue(other)
    with pytest.raises(CatalogueNotFoundError, match="no run catalogue in"):
        Catalogue(tmp_path / "empty", create=False)


def test_a_newer_schema_is_refused(tmp_path):
    Catalogue(tmp_path)
    with sqlite3.connect(tmp_path / CATALOGUE_NAME) as con:
        con.execute(f"PRAGMA user_version = {rc.SCHEMA_VERSION + 1}")
    con.close()
    with pytest.raises(CatalogueError, match="written by a newer jobsim"):
        Catalogue(tmp_path)

"""The run catalogue on the command line: `jobsim run --out` and `run-bundled --out-dir` serve an identical
request from the results folder's catalogue (and say so), recompute on any change, after a damaged result or
a crashed run, and with --no-cache; `jobsim runs list|show|rm`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jobsim.model.cli.main import app
from jobsim.model.experiments import ensemble
from jobsim.model.outputs.run_catalogue import CATALOGUE_NAME, Catalogue

ROOT = Path(__file__).resolve().parents[3]
BASELINE = ROOT / "scenarios" / "jiangxi_baseline.yaml"
SCALE = "50000"  # persons per agent: a Jiangxi run of a few hundred agents, about a second per replicate
SERVED = "served from the run catalogue (id "
# The crashed-run test: replicates enough for the run to be under way when it is killed, and how long to wait.
CRASH_REPLICATES = "4"
CRASH_WAIT_SECONDS = 120
POLL_SECONDS = 0.1

runner = CliRunner()


@pytest.fixture
def simulations(monkeypatch) -> list[int]:
    """Counts the ensembles actually simulated (each call of run_plan appends its number of replicates)."""
    calls: list[int] = []
    real = ensemble.run_plan

    def counting(plan, *args, **kwargs):
        calls.append(len(plan.specs))
        return real(plan, *args, **kwargs)

    monkeypatch.setattr(ensemble, "run_plan", counting)
    return calls


def jobsim(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def run(out: Path, *extra: str):
    return jobsim("run", str(BASELINE), "--scale", SCALE, "--replicates", "1", "--workers", "1", "--out", str(out),
                  *extra)


def report_lines(output: str) -> list[str]:
    """A run's report without the lines that say where the result came from."""
    return [line for line in output.splitlines() if SERVED not in line and not line.startswith("wrote ")
            and line.strip()]


def test_an_identical_run_is_served_and_not_simulated(tmp_path, simulations):
    out = tmp_path / "x.nc"
    first = run(out)
    assert first.exit_code == 0, first.output
    assert simulations == [1] and SERVED not in first.output and f"wrote {out}" in first.output
    entry = Catalogue(tmp_path).list()[0]
    second = run(out)
    assert second.exit_code == 0, second.output
    assert simulations == [1]  # not simulated again
    assert f"{out}: {SERVED}{entry.short_id}, computed {entry.finished_at}), not recomputed" in second.output
    assert report_lines(second.stdout) == report_lines(first.stdout)
    as_json = run(out, "--format", "json")
    assert simulations == [1] and json.loads(as_json.stdout)["catalogue"]["served"] is True


def test_any_change_is_computed(tmp_path, simulations):
    out = tmp_path / "x.nc"
    assert run(out).exit_code == 0
    for k, changed in enumerate([{"--seed": "7"}, {"--replicates": "2"}, {"--scale": "40000"}], start=2):
        options = {"--scale": SCALE, "--replicates": "1", **changed}
        result = jobsim("run", str(BASELINE), *(x for pair in options.items() for x in pair), "--workers", "1",
                        "--out", str(out))
        assert result.exit_code == 0, result.output
        assert len(simulations) == k and SERVED not in result.output, changed
    assert len(Catalogue(tmp_path).list()) == 4


def test_no_cache_recomputes(tmp_path, simulations):
    out = tmp_path / "x.nc"
    assert run(out).exit_code == 0
    again = run(out, "--no-cache")
    assert again.exit_code == 0 and simulations == [1, 1] and SERVED not in again.output
    assert run(out, "--recompute").exit_code == 0 and simulations == [1, 1, 1]
    assert run(out).exit_code == 0 and simulations == [1, 1, 1]


def test_a_damaged_result_is_computed_again(tmp_path, simulations):
    out = tmp_path / "x.nc"
    assert run(out).exit_code == 0
    out.unlink()
    again = run(out)
    assert again.exit_code == 0, again.output
    assert simulations == [1, 1] and SERVED not in again.output
    with open(out, "r+b") as fh:
        fh.truncate(out.stat().st_size // 2)
    again = run(out)
    assert again.exit_code == 0, again.output
    assert simulations == [1, 1, 1] and SERVED not in again.output
    assert run(out).exit_code == 0 and simulations == [1, 1, 1]  # the new result is served


def test_another_file_name_gets_a_copy(tmp_path, simulations):
    assert run(tmp_path / "a.nc").exit_code == 0
    copy = run(tmp_path / "b.nc")
    assert copy.exit_code == 0 and simulations == [1] and SERVED in copy.output
    assert (tmp_path / "b.nc").read_bytes() == (tmp_path / "a.nc").read_bytes()


def test_a_killed_run_leaves_running_and_is_computed_again(tmp_path, simulations):
    """A real `jobsim run --out` is killed (SIGKILL: nothing can clean up) while it simulates: its row stays
    `running` for a dead process, the result is not there, and the same command computes it."""
    out = tmp_path / "x.nc"
    args = ["run", str(BASELINE), "--scale", SCALE, "--replicates", CRASH_REPLICATES, "--workers", "1",
            "--out", str(out)]
    script = Path(sys.executable).parent / "jobsim"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "jobsim.model.cli.main"]
    proc = subprocess.Popen([*command, *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + CRASH_WAIT_SECONDS
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if (tmp_path / CATALOGUE_NAME).exists() and any(e.status == "running" for e in Catalogue(tmp_path).list()):
                break
            time.sleep(POLL_SECONDS)
        assert proc.poll() is None, "the run ended before it could be killed"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    (entry,) = Catalogue(tmp_path).list()
    assert entry.status == "running" and entry.owner_pid == proc.pid and entry.owner_alive() is False
    assert not out.exists()
    again = jobsim(*args)
    assert again.exit_code == 0, again.output
    assert simulations == [int(CRASH_REPLICATES)] and SERVED not in again.output
    assert Catalogue(tmp_path).list()[0].status == "done"


def test_run_bundled_records_and_serves(tmp_path, simulations, monkeypatch, baseline_scenario):
    from jobsim.model import api

    small = tmp_path / "scenarios"
    small.mkdir()
    files = []
    for name, training in (("small_base", None), ("small_more_training", 1.2)):
        s = baseline_scenario.with_changes(name=name, scale=int(SCALE), replicates=1)
        if training:
            lever = "training_volume_person_times"
            s = s.with_changes(levers={**s.to_dict()["levers"],
                                       lever: {y: v * training for y, v in s.levers[lever].items()}})
        (small / f"{name}.yaml").write_text(api.scenario_to_yaml(s), encoding="utf-8")
        files.append(small / f"{name}.yaml")
    monkeypatch.setattr(api, "bundled_comparison", lambda: files)
    out_dir = tmp_path / "out"
    first = jobsim("run-bundled", "--out-dir", str(out_dir), "--workers", "1")
    assert first.exit_code == 0, first.output
    assert simulations == [1, 1] and len(Catalogue(out_dir).list()) == 2
    second = jobsim("run-bundled", "--out-dir", str(out_dir), "--workers", "1")
    assert second.exit_code == 0, second.output
    assert simulations == [1, 1] and second.output.count(SERVED) == 2
    assert report_lines(second.stdout) == report_lines(first.stdout)


# ---- jobsim runs ----------------------------------------------------------------------------------------


def test_runs_list_show_rm(tmp_path, simulations):
    assert run(tmp_path / "x.nc").exit_code == 0
    assert run(tmp_path / "y.nc", "--seed", "5").exit_code == 0
    listed = jobsim("runs", "list", "--results", str(tmp_path))
    assert listed.exit_code == 0, listed.output
    entries = Catalogue(tmp_path).list()
    assert all(e.short_id in listed.output for e in entries) and "jiangxi_baseline" in listed.output
    as_json = json.loads(jobsim("runs", "list", "--results", str(tmp_path), "--format", "json").stdout)
    assert {r["id"] for r in as_json} == {e.id for e in entries} and {r["status"] for r in as_json} == {"done"}
    as_csv = jobsim("runs", "list", "--results", str(tmp_path), "--format", "csv").stdout
    assert as_csv.splitlines()[0].startswith("id,kind,status,created_at") and len(as_csv.splitlines()) == 3
    assert jobsim("runs", "list", "--results", str(tmp_path), "--kind", "sweep", "--format", "json").stdout.strip() == "[]"

    target = next(e for e in entries if e.stored_path == "y.nc")
    shown = jobsim("runs", "show", target.id[:8], "--results", str(tmp_path))
    assert shown.exit_code == 0 and target.id in shown.output and "summary.headline.new_urban_jobs.median" in shown.output
    document = json.loads(jobsim("runs", "show", target.id[:8], "--results", str(tmp_path), "--format", "json").stdout)
    assert document["request"]["request"]["seed"] == 5 and document["status"] == "done"

    kept = jobsim("runs", "rm", target.id[:8], "--results", str(tmp_path))
    assert kept.exit_code == 0 and f"{target.short_id}" in kept.output and (tmp_path / "y.nc").exists()
    assert len(Catalogue(tmp_path).list()) == 1
    other = Catalogue(tmp_path).list()[0]
    gone = jobsim("runs", "rm", other.short_id, "--results", str(tmp_path), "--delete-files")
    assert gone.exit_code == 0 and "deleted" in gone.output and not (tmp_path / "x.nc").exists()
    assert Catalogue(tmp_path).list() == []
    assert run(tmp_path / "x.nc").exit_code == 0 and len(simulations) == 3  # removed: computed again


def test_runs_errors_name_what_is_wrong(tmp_path):
    missing = jobsim("runs", "show", "abc", "--results", str(tmp_path / "nowhere"))
    assert missing.exit_code == 2 and "--results" in missing.output and "no such folder" in missing.output
    empty = jobsim("runs", "list", "--results", str(tmp_path))
    assert empty.exit_code == 0 and "no run catalogue in" in empty.output
    assert jobsim("runs", "show", "abc", "--results", str(tmp_path)).exit_code == 2
    Catalogue(tmp_path)
    unknown = jobsim("runs", "show", "abc123", "--results", str(tmp_path))
    assert unknown.exit_code == 2 and "no entry with id 'abc123'" in unknown.output
    not_hex = jobsim("runs", "rm", "zz-top", "--results", str(tmp_path))
    assert not_hex.exit_code == 2 and "ids are hexadecimal" in not_hex.output
    bad_kind = jobsim("runs", "list", "--results", str(tmp_path), "--kind", "film")
    assert bad_kind.exit_code == 2 and "allowed: run, ensemble, comparison, sweep" in bad_kind.output
    (tmp_path / CATALOGUE_NAME).unlink()
    (tmp_path / CATALOGUE_NAME).write_bytes(b"\x00garbage, not SQLite" * 100)
    corrupt = jobsim("runs", "list", "--results", str(tmp_path))
    assert corrupt.exit_code == 1 and "is not a jobsim run catalogue" in corrupt.output


def test_a_corrupt_catalogue_stops_a_stored_run_before_it_simulates(tmp_path, simulations):
    (tmp_path / CATALOGUE_NAME).write_bytes(b"not a database " * 100)
    result = run(tmp_path / "x.nc")
    assert result.exit_code == 1 and "is not a jobsim run catalogue" in result.output and simulations == []

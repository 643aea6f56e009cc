"""Hostile and careless history files: each is refused fast, with file, line and field, exit code 1 and no
traceback, and nothing is written; the bounds of reading (size, field length, non-regular files), the
number rules (parse_number), the duplicate rule and the forecast origin check.

The corpus is tests/model/inputs/hostile_history/ (one small CSV per case; `CASES` says what each must
give); big files are generated here in tmp_path. Every corpus file goes through `jobsim data show` in
process (fast); the issue's cases and the generated big files also run as real `jobsim` subprocesses
under an address-space limit and a time bound, through both `data show` and `forecast`.
"""

from __future__ import annotations

import csv
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jobsim.calibration.forecast import ForecastError, check_origin, forecast_for, origin_range
from jobsim.model.cli.main import app
from jobsim.model.inputs.history import HistoryError, history_path, load_history
from jobsim.model.inputs.regions import (
    MAX_DATA_FILE_BYTES,
    MAX_FIELD_CHARS,
    MAX_PROBLEMS_PER_FILE,
    DataFileError,
    parse_number,
    population_table,
    read_csv_records,
)
from jobsim.model.inputs.targets import load_targets

CORPUS = Path(__file__).parent / "hostile_history"
HEADER = "region,indicator,start,end,stat,value,unit\n"
ROW = "Jiangxi,new_urban_jobs,2021-01,2021-12,sum,50,10k persons\n"
MEMORY_LIMIT_BYTES = 1536 * 2**20  # 1.5 GB of address space for each jobsim subprocess
TIME_LIMIT_SECONDS = 10  # of CPU: a refused file takes about 1-4 s, most of it starting Python and importing
# Wall-clock bound for one process, against a hang (a blocking read uses no CPU); generous because the
# suite may share the machine with other work, which stretches wall time but not CPU time.
HANG_LIMIT_SECONDS = 60
INVALID = 1

# file -> (exit code, line of the problem or None, field or None, what the message must say).
CASES: dict[str, tuple[int, int | None, str | None, str]] = {
    "dup_conflict.csv": (INVALID, 3, "value", "conflicts with line 2"),
    "dup_conflict_other_unit.csv": (INVALID, 3, "value", "conflicts with line 2"),
    "dup_conflict_after_identical.csv": (INVALID, 4, "value", "conflicts with line 2"),
    "dup_conflict_rates.csv": (INVALID, 3, "value", "conflicts with line 2"),
    "rate_negative.csv": (INVALID, 2, "value", "outside [0, 100] percent"),
    "rate_150_percent.csv": (INVALID, 2, "value", "outside [0, 100] percent"),
    "rate_fraction_above_one.csv": (INVALID, 2, "value", "outside [0, 1] fraction"),
    "rate_level_negative.csv": (INVALID, 2, "value", "outside [0, 100] percent"),
    "jobs_negative.csv": (INVALID, 2, "value", "must not be below 0"),
    "jobs_negative_persons.csv": (INVALID, 2, "value", "must not be below 0"),
    "loans_negative.csv": (INVALID, 2, "value", "must not be below 0"),
    "gdp_negative.csv": (INVALID, 2, "value", "must not be below 0"),
    "jobs_1e300.csv": (INVALID, 2, "value", "at most 200000 10k persons (2e+09 persons"),
    "gdp_1e300.csv": (INVALID, 2, "value", "(1e+15 yuan"),
    "jobs_above_world.csv": (INVALID, 2, "value", "above the bound"),
    "jobs_inf.csv": (INVALID, 2, "value", "not a finite number"),
    "jobs_nan.csv": (INVALID, 2, "value", "not a finite number"),
    "jobs_minus_infinity.csv": (INVALID, 2, "value", "not a finite number"),
    "growth_million_percent.csv": (INVALID, 2, "value", "outside [-100, 1000] percent"),
    "growth_below_minus_100.csv": (INVALID, 2, "value", "outside [-100, 1000] percent"),
    "year_9999.csv": (INVALID, 2, "start", "the year 9999 is outside 1949-2100"),
    "year_0000.csv": (INVALID, 2, "start", "the year 0000 is outside 1949-2100"),
    "year_1900.csv": (INVALID, 2, "start", "the year 1900 is outside 1949-2100"),
    "year_end_2101.csv": (INVALID, 2, "end", "the year 2101 is outside 1949-2100"),
    "year_arabic_digits.csv": (INVALID, 2, "start", "is not a month"),
    "month_13.csv": (INVALID, 2, "end", "is not a month"),
    "month_00.csv": (INVALID, 2, "start", "is not a month"),
    "date_with_day.csv": (INVALID, 2, "start", "is not a month"),
    "end_before_start.csv": (INVALID, 2, "end", "end must not be earlier than start"),
    "comma_decimal.csv": (INVALID, 2, "value", "'50,5' has a comma that is not a thousands separator"),
    "comma_one_five.csv": (INVALID, 2, "value", "decimal point"),
    "comma_indian_grouping.csv": (INVALID, 2, "value", "'1,50,000' has a comma"),
    "comma_full_width.csv": (INVALID, 2, "value", "not a thousands separator"),
    "comma_trailing.csv": (INVALID, 2, "value", "not a thousands separator"),
    "underscore_digits.csv": (INVALID, 2, "value", "no underscores"),
    "value_words.csv": (INVALID, 2, "value", "'lots' is not a number"),
    "value_empty.csv": (INVALID, 2, "value", "'' is not a number"),
    "value_with_wan.csv": (INVALID, 2, "value", "'48万' is not a number"),
    "value_formula.csv": (INVALID, 2, "value", "'=1+2' is not a number"),
    "value_hex.csv": (INVALID, 2, "value", "'0x10' is not a number"),
    "region_unknown.csv": (INVALID, 2, "region", "unknown region 'Atlantis'"),
    "indicator_unknown.csv": (INVALID, 2, "indicator", "indicator 'jobs' is not in data/registry/indicators.csv"),
    "unit_wrong_dimension.csv": (INVALID, 2, "unit", "unit 'percent' measures rate"),
    "unit_unknown.csv": (INVALID, 2, "unit", "unit '万人' is unknown"),
    "stat_sum_of_rate.csv": (INVALID, 2, "stat", "'sum' does not fit registered_unemployment_rate"),
    "stat_unknown.csv": (INVALID, 2, "stat", "'total' is not allowed"),
    "growth_in_persons.csv": (INVALID, 2, "unit", "not a rate unit"),
    "missing_unit_column.csv": (INVALID, 1, None, "missing required column unit"),
    "empty.csv": (INVALID, 1, None, "the file is empty"),
    "duplicate_header_column.csv": (INVALID, 1, None, "appear more than once in the header"),
    "too_many_fields.csv": (INVALID, 2, None, "8 fields but the header has 7"),
    "too_few_fields.csv": (INVALID, 2, None, "6 fields but the header has 7"),
    "unquoted_comma_in_note.csv": (INVALID, 2, None, "quote values that contain commas"),
    "problem_on_line_5.csv": (INVALID, 5, "value", "-54 10k persons is negative"),
    "nul_byte.csv": (INVALID, 3, None, "a NUL byte"),
    "utf16_export.csv": (INVALID, None, None, "not UTF-8 or GB18030 text"),
    "ok_identical_duplicate.csv": (0, None, None, ""),
    "ok_conflict_told_apart.csv": (0, None, None, ""),
    "ok_negative_growth.csv": (0, None, None, ""),
    "ok_thousands_separators.csv": (0, None, None, ""),
    "ok_header_only.csv": (0, None, None, ""),
}

# Some of the issue's cases also run as `jobsim` processes of their own, through both commands (the same
# message and exit code in each); each such process costs 1-3 s of starting and importing, so every
# corpus file goes through one memory-limited process together (test_every_corpus_file_under_...).
SUBPROCESS_CASES = ["dup_conflict.csv", "rate_negative.csv", "year_0000.csv", "comma_decimal.csv"]
SUBPROCESS_RUNS = [(name, "data show") for name in SUBPROCESS_CASES] + [(name, "forecast") for name in SUBPROCESS_CASES[:3]]
COMMANDS = {
    "data show": ["data", "show", "--region", "Jiangxi"],
    "forecast": ["forecast", "--region", "Jiangxi", "--indicator", "new_urban_jobs"],
}


def _expected_location(name: str, line: int | None, field: str | None) -> str:
    at = f"{name}, line {line}" if line is not None else name
    return f"{at}, field {field}" if field else at


def _assert_refused(exit_code: int, stdout: str, stderr: str, name: str) -> None:
    code, line, field, text = CASES[name]
    assert exit_code == code, (name, exit_code, stderr)
    assert "Traceback" not in stderr
    if code == 0:
        return
    assert stdout == ""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    assert _expected_location(name, line, field) in lines[0], lines[0]
    assert text in lines[0], lines[0]


def test_the_corpus_has_a_case_for_every_file_and_at_least_forty_hostile_ones():
    files = {p.name for p in CORPUS.glob("*.csv")}
    assert files == set(CASES)
    assert sum(1 for code, *_ in CASES.values() if code != 0) >= 40


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_corpus_file_in_data_show(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("JOBSIM_DATA_DIR", raising=False)
    result = CliRunner().invoke(app, [*COMMANDS["data show"], "--data", str(CORPUS / name)])
    _assert_refused(result.exit_code, result.stdout if CASES[name][0] else "", result.stderr, name)
    assert list(tmp_path.iterdir()) == []  # nothing written


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))


def _children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_jobsim(args: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess, float]:
    """`jobsim ARGS` in a subprocess under MEMORY_LIMIT_BYTES, killed after HANG_LIMIT_SECONDS; and its CPU seconds."""
    env = {k: v for k, v in os.environ.items() if k != "JOBSIM_DATA_DIR"}
    code = "import sys; from jobsim.model.cli.main import app; sys.exit(app(prog_name='jobsim'))"
    before = _children_cpu_seconds()
    proc = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=HANG_LIMIT_SECONDS, preexec_fn=_limit_memory)
    return proc, _children_cpu_seconds() - before


# Runs `jobsim data show --data FILE` in process for each file named on its command line; prints, as JSON,
# each file's exit code, stdout, stderr and seconds.
_BATCH = """
import json, sys, time
from typer.testing import CliRunner
from jobsim.model.cli.main import app
results = {}
for path in sys.argv[1:]:
    started = time.perf_counter()
    r = CliRunner().invoke(app, ["data", "show", "--region", "Jiangxi", "--data", path])
    results[path] = [r.exit_code, r.stdout, r.stderr, time.perf_counter() - started]
print(json.dumps(results))
"""
BATCH_TIME_LIMIT_SECONDS = 3 * HANG_LIMIT_SECONDS  # for the whole corpus; each file within TIME_LIMIT_SECONDS


def test_every_corpus_file_under_a_memory_limit_and_a_time_bound(tmp_path):
    import json

    env = {k: v for k, v in os.environ.items() if k != "JOBSIM_DATA_DIR"}
    paths = [str(CORPUS / name) for name in sorted(CASES)]
    proc = subprocess.run([sys.executable, "-c", _BATCH, *paths], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=BATCH_TIME_LIMIT_SECONDS, preexec_fn=_limit_memory)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)
    for path, (code, stdout, stderr, seconds) in results.items():
        name = Path(path).name
        _assert_refused(code, stdout if CASES[name][0] else "", stderr, name)
        assert seconds < TIME_LIMIT_SECONDS, (name, seconds)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name, command", SUBPROCESS_RUNS)
def test_the_issues_cases_in_a_subprocess_exit_1_in_both_commands(name, command, tmp_path):
    proc, seconds = run_jobsim([*COMMANDS[command], "--data", str(CORPUS / name)], cwd=tmp_path)
    _assert_refused(proc.returncode, proc.stdout, proc.stderr, name)
    assert seconds < TIME_LIMIT_SECONDS
    assert list(tmp_path.iterdir()) == []


# ---- generated big files ---------------------------------------------------------------------------


def _generated(tmp_path: Path, kind: str) -> tuple[Path, str]:
    """A hostile file too big to keep in the repository, and what the message must say."""
    path = tmp_path / "in" / f"{kind}.csv"
    path.parent.mkdir()
    if kind == "over_size_cap":
        with path.open("w", encoding="utf-8") as fh:
            fh.write(HEADER)
            fh.truncate(MAX_DATA_FILE_BYTES + 1)  # sparse: a byte over the cap, without writing 20 MB
        return path, f"{path}: the file is 20.0 MB, larger than 20.0 MB"
    if kind == "long_field":
        path.write_text(HEADER.rstrip("\n") + ",note\n" + ROW.rstrip("\n") + "," + "x" * (MAX_FIELD_CHARS + 1) + "\n",
                        encoding="utf-8")
        return path, f"{path}, line 2, field note: {MAX_FIELD_CHARS + 1} characters"
    if kind == "field_beyond_csv_limit":  # longer than the csv module's own limit (131072)
        path.write_text(HEADER + ROW.replace("10k persons", "p" * 200_000), encoding="utf-8")
        return path, f"{path}, line 2: not readable as CSV (a field is longer than {MAX_FIELD_CHARS} characters"
    if kind == "many_bad_rows":
        path.write_text(HEADER + ROW.replace(",50,", ",-50,") * 20 * MAX_PROBLEMS_PER_FILE, encoding="utf-8")
        return path, f"{path}, line 2, field value: -50 10k persons is negative"
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["over_size_cap", "long_field", "field_beyond_csv_limit", "many_bad_rows"])
def test_generated_big_files_are_refused_in_a_subprocess(kind, tmp_path):
    path, expect = _generated(tmp_path, kind)
    work = tmp_path / "work"
    work.mkdir()
    proc, seconds = run_jobsim([*COMMANDS["data show"], "--data", str(path)], cwd=work)
    assert proc.returncode == INVALID, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1
    assert expect in proc.stderr, proc.stderr
    assert seconds < TIME_LIMIT_SECONDS
    assert list(work.iterdir()) == []


def test_many_bad_rows_stop_after_the_problem_cap(tmp_path):
    path, _ = _generated(tmp_path, "many_bad_rows")
    with pytest.raises(HistoryError) as err:
        load_history([path])
    assert len(err.value.problems) == MAX_PROBLEMS_PER_FILE


# ---- reading bounds --------------------------------------------------------------------------------


def test_a_device_is_refused_without_being_read():
    started = time.perf_counter()
    with pytest.raises(DataFileError, match="not a regular file"):
        read_csv_records("/dev/zero", ["region"])
    assert time.perf_counter() - started < 1


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "history.csv"
    os.mkfifo(fifo)
    with pytest.raises(DataFileError, match="not a regular file"):
        read_csv_records(fifo, ["region"])


def test_a_folder_and_a_missing_file_are_refused(tmp_path):
    with pytest.raises(DataFileError, match="not a regular file"):
        read_csv_records(tmp_path, ["region"])
    with pytest.raises(DataFileError, match="cannot read the file"):
        read_csv_records(tmp_path / "none.csv", ["region"])


def test_a_file_reporting_no_size_is_still_capped(tmp_path, monkeypatch):
    from jobsim.model.inputs import regions

    path = tmp_path / "h.csv"
    path.write_text(HEADER + ROW * 10, encoding="utf-8")
    with pytest.raises(DataFileError, match="larger than"):
        regions.read_bounded(path, cap=len(HEADER))
    assert regions.read_bounded(path, cap=path.stat().st_size) == path.read_bytes()


def test_gb18030_and_utf8_with_bom_are_still_read(tmp_path):
    text = HEADER.rstrip("\n") + ",note\n" + ROW.rstrip("\n") + ",城镇新增就业\n"
    for encoding in ("gb18030", "utf-8-sig"):
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes(text.encode(encoding))
        assert read_csv_records(path, ["region"], ["note"])[0][1]["note"] == "城镇新增就业"


# ---- numbers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, value", [
    ("1200", 1200.0), ("1,200", 1200.0), ("12,000,000", 12e6), ("1,234.5", 1234.5), ("-1,200", -1200.0),
    ("1，200", 1200.0), (" 46.2 ", 46.2), ("1e5", 1e5), ("0.5", 0.5), ("999", 999.0),
])
def test_parse_number_reads_plain_numbers_and_thousands_separators(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["50,5", "1,5", "1,50,000", "1,2345", ",100", "100,", "1,,000", "50，5", "1,000.5,0"])
def test_parse_number_refuses_commas_that_are_not_thousands_separators(text):
    with pytest.raises(ValueError, match="decimal point"):
        parse_number(text)


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "Infinity", "1_000", "", "abc", "0x10", "48万", "1e400"])
def test_parse_number_refuses_what_is_not_a_finite_number(text):
    with pytest.raises(ValueError, match="number"):
        parse_number(text)


def test_no_bundled_number_relies_on_another_comma_use():
    for path in history_path().parent.glob("*.csv"):
        with path.open(encoding="utf-8-sig") as fh:
            for row in csv.DictReader(fh):
                for column in ("value", "tolerance"):
                    if "," in (row.get(column) or "") or "，" in (row.get(column) or ""):
                        parse_number(row[column])  # only thousands separators


# ---- the duplicate rule ----------------------------------------------------------------------------


def _write(tmp_path: Path, text: str, name: str = "mine.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_an_identical_duplicate_is_dropped_silently(tmp_path):
    path = _write(tmp_path, HEADER + ROW + ROW.replace(",50,10k persons", ",500000,persons"))
    mine = load_history([path])
    mine = mine[mine["source_file"] == str(path)]
    assert list(mine["line"]) == [2]


def test_conflicting_rows_name_both_lines(tmp_path):
    path = _write(tmp_path, HEADER + ROW + ROW.replace(",50,", ",5000,"))
    with pytest.raises(HistoryError) as err:
        load_history([path])
    assert f"{path}, line 3, field value: 5000 10k persons conflicts with line 2 (50 10k persons)" in str(err.value)


def test_conflicting_rows_that_say_how_they_differ_are_both_kept(tmp_path):
    header = HEADER.rstrip("\n") + ",note\n"
    path = _write(tmp_path, header + ROW.rstrip("\n") + ",\n" + ROW.replace(",50,", ",51,").rstrip("\n") + ",rounded\n")
    mine = load_history([path])
    assert sorted(mine.loc[mine["source_file"] == str(path), "value"]) == [50.0, 51.0]


def test_two_plain_rows_beside_a_noted_one_still_conflict(tmp_path):
    header = HEADER.rstrip("\n") + ",note\n"
    rows = [ROW.rstrip("\n") + ",", ROW.replace(",50,", ",52,").rstrip("\n") + ",revised",
            ROW.replace(",50,", ",53,").rstrip("\n") + ","]
    with pytest.raises(HistoryError, match="line 4, field value: 53 10k persons conflicts with line 2"):
        load_history([_write(tmp_path, header + "\n".join(rows) + "\n")])


def test_a_later_file_replaces_and_its_provenance_names_the_replaced_rows(tmp_path):
    first = _write(tmp_path, HEADER + ROW.replace("2021", "2020"), name="a.csv")
    second = _write(tmp_path, HEADER + ROW.replace("2021", "2020").replace(",50,", ",47,"), name="b.csv")
    h = load_history([first, second])
    rows = h[(h["region"] == "Jiangxi") & (h["indicator"] == "new_urban_jobs") & (h["start"] == "2020-01")
             & (h["end"] == "2020-12")]
    assert list(rows["value"]) == [47.0]
    assert rows["replaces"].iloc[0] == f"{first}, line 2"
    bundled = load_history([first])
    replaced = bundled.loc[bundled["source_file"] == str(first), "replaces"].iloc[0]
    assert replaced.startswith(f"{history_path()}, line ")  # the bundled 46.2 of 2020


def test_the_bundled_data_loads_and_its_conflicting_pairs_all_say_how_they_differ():
    with history_path().open(encoding="utf-8") as fh:
        raw = list(csv.DictReader(fh))
    history = load_history()
    assert len(history) == len(raw)  # no bundled row dropped or refused
    keys = history.groupby(["region", "indicator", "start", "end", "stat"]).size()
    # the early/revised, exact/rounded pairs documented in data/README.md: 15 in the shared extract and
    # China's early and revised real GDP growth of 2012, 2019, 2020 and 2021, added for jobsim
    assert (keys > 1).sum() == 19 and keys.max() == 2
    added = {(r, i, s.year) for (r, i, s, _e, _st), n in keys.items() if n > 1
             and (history[(history["region"] == r) & (history["indicator"] == i) & (history["start"] == s)]
                  ["note"].str.contains("added for jobsim").any())}
    assert added == {("China", "gdp_real_growth", y) for y in (2012, 2019, 2020, 2021)}
    china = history[(history["region"] == "China") & (history["indicator"] == "gdp_real_growth")]
    for year in (2012, 2019, 2020, 2021):
        pair = china[[p.year == year for p in china["start"]]]
        assert sorted(pair["vintage"]) == ["early", "revised"], year
    assert (history["replaces"] == "").all()
    assert len(load_targets()) > 0 and len(population_table()) > 0


# ---- the forecast origin ---------------------------------------------------------------------------


@pytest.mark.parametrize("origin", [-5, 0, 1990, 2009, 2021, 2025, 2050])
def test_an_origin_outside_the_datas_years_is_refused_naming_the_option_and_range(origin):
    """The allowed origins are the years of the indicator's own rows: Jiangxi's new urban jobs run 2010-2020,
    though its real GDP growth (an input series) runs to 2025, so 2021 and 2025 are refused too."""
    history = load_history()
    lo, hi = origin_range(history, "Jiangxi", "new_urban_jobs")
    assert (lo, hi) == (2010, 2020)
    with pytest.raises(ForecastError, match=rf"--origin {origin}: outside the years of Jiangxi's new_urban_jobs "
                                            r"data; allowed: a year from 2010 to 2020"):
        forecast_for("Jiangxi", "new_urban_jobs", origin=origin, history=history)


def test_the_origin_range_is_the_indicators_own_years_not_the_regions():
    history = load_history()
    jiangxi = history[history["region"] == "Jiangxi"]
    assert max(p.year for p in jiangxi["end"]) == 2025  # the region's rows run to 2025 (real GDP growth)
    own = jiangxi[jiangxi["indicator"] == "new_urban_jobs"]
    assert origin_range(history, "Jiangxi", "new_urban_jobs") == (
        min(p.year for p in own["start"]), max(p.year for p in own["end"])) == (2010, 2020)
    assert origin_range(history, "Jiangxi", "gdp_real_growth") == (2010, 2025)
    assert origin_range(history, "China", "new_urban_jobs") == (2009, 2022)
    assert origin_range(history, "Hunan", "new_urban_jobs")[1] == 2020
    check_origin(history, "Jiangxi", "new_urban_jobs", 2020)  # the last year with data is allowed
    check_origin(history, "Jiangxi", "gdp_real_growth", 2025)
    assert origin_range(history, "Atlantis", "new_urban_jobs") is None


def test_a_series_is_not_stale_because_an_input_series_runs_on(tmp_path):
    """Without an origin a series is judged against the region's latest target data, not against its
    input series: Jiangxi's new urban jobs (to 2020) still forecast although its GDP growth runs to 2025,
    while a target series that stopped years before the others is still refused."""
    history = load_history()
    fc = forecast_for("Jiangxi", "new_urban_jobs", history=history, candidates=("naive",))
    assert str(fc.table["period"].iloc[0]) == "2021"
    with pytest.raises(ForecastError, match=r"last usable point is 2011, 9 years before 2020.*an origin of 2011 "):
        forecast_for("Jiangxi", "entrepreneurship_training", history=history)
    # a region whose target indicators end at different years: each origin range is its own indicator's
    mine = tmp_path / "mine.csv"
    mine.write_text(HEADER + "".join(f"Nanchang,new_urban_jobs,{y}-01,{y}-12,sum,{10 + y - 2010},10k persons\n"
                                     for y in range(2012, 2017))
                    + "".join(f"Nanchang,gdp_real_growth,{y}-01,{y}-12,growth,6,percent\n" for y in range(2012, 2026))
                    + "Nanchang,registered_unemployment_rate,2018-12,2018-12,end,3.2,percent\n", encoding="utf-8")
    h = load_history([mine])
    assert origin_range(h, "Nanchang", "new_urban_jobs") == (2012, 2016)
    with pytest.raises(ForecastError, match=r"--origin 2018: .*allowed: a year from 2012 to 2016"):
        forecast_for("Nanchang", "new_urban_jobs", origin=2018, history=h)
    with pytest.raises(ForecastError, match=r"2 years before 2018, the latest year in Nanchang's data") as info:
        forecast_for("Nanchang", "new_urban_jobs", history=h, max_gap_years=1)
    assert "an origin of 2016 or earlier" in str(info.value)


@pytest.mark.parametrize("origin", [2010.5, "2019", True])
def test_an_origin_that_is_not_a_whole_year_is_refused(origin):
    with pytest.raises(ForecastError, match="not a whole year"):
        check_origin(load_history(), "Jiangxi", "new_urban_jobs", origin)


def test_forecast_origin_minus_five_on_the_command_line_is_one_line_exit_1(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, [*COMMANDS["forecast"], "--origin", "-5"])
    assert result.exit_code == INVALID
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "--origin -5: outside the years of Jiangxi's new_urban_jobs data; allowed: a year from 2010 to 2020" in result.stderr


def test_backtest_origin_after_the_indicators_last_year_is_refused_before_calibrating():
    """Jiangxi's real GDP growth runs to 2025, but its new urban jobs end in 2020: a back-test from 2021 or
    later has nothing to check, and is refused (as invalid input, naming the option, value and range)."""
    from jobsim.calibration.backtest import BacktestError, backtest

    for origin in (2021, 2025):
        with pytest.raises(BacktestError, match=rf"--origin {origin}: outside the years of Jiangxi's new_urban_jobs "
                                                r"data; allowed: a year from 2010 to 2020"):
            backtest("Jiangxi", "new_urban_jobs", [2019, origin], horizon=2, replicates=1, workers=1)


# ---- the same checks in the other data files -------------------------------------------------------

TARGET_HEADER = "target_set,area,indicator,start_year,end_year,basis,comparison,value,unit\n"


@pytest.mark.parametrize("row, expect", [
    ("mine,Jiangxi,new_urban_jobs,2026,2030,total,>=,-5,10k persons", "must not be below 0"),
    ("mine,Jiangxi,surveyed_unemployment_rate,2026,2030,year_mean,<=,150,percent", "outside [0, 100] percent"),
    ("mine,Jiangxi,new_urban_jobs,2026,2030,total,>=,1e300,10k persons", "above the bound"),
    ("mine,Jiangxi,new_urban_jobs,2026,2030,total,>=,\"50,5\",10k persons", "decimal point"),
    ("mine,Jiangxi,new_urban_jobs,0,2030,total,>=,50,10k persons", "is not a year"),
])
def test_targets_are_checked_by_meaning_too(row, expect, tmp_path):
    from jobsim.model.inputs.targets import TargetError

    path = _write(tmp_path, TARGET_HEADER + row + "\n", name="targets.csv")
    with pytest.raises(TargetError, match=r"line 2, field (value|start_year)") as err:
        load_targets([path])
    assert expect in str(err.value)


def test_a_negative_growth_target_is_allowed(tmp_path):
    path = _write(tmp_path, TARGET_HEADER + "mine,Jiangxi,gdp_real_growth,2026,2026,end_level,>=,-1,percent\n")
    assert list(load_targets([path]).query("target_set == 'mine'")["value"]) == [-1.0]


def test_a_fact_above_its_bound_is_refused():
    from jobsim.model.inputs.regions import _check_fact_row, region_ids
    from jobsim.model.inputs.units import unit_table

    rec = {"region": "Jiangxi", "field": "population", "value": "1e300", "unit": "persons", "basis": "assumption",
           "year": "2020", "source_url": "", "quote": "", "note": "a test"}
    problems, _, _ = _check_fact_row(rec, "f.csv, line 2", Path("assumptions.csv"), ("assumption",),
                                     set(region_ids()), unit_table())
    assert problems and "f.csv, line 2: field value: 1e+300 persons is above the bound" in problems[0]

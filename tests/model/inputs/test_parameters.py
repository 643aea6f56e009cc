"""Parameters as data: shared defaults, region overrides from any data folder, calibrated and scenario
values on top, date-keyed values resolved at a run's start, clear errors, and no unnamed numbers in
the simulation core."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import yaml

import jobsim.model.inputs.parameters as parameters_module
from jobsim.model.core.population import retirement_month
from jobsim.model.inputs.parameters import (
    ParameterError, apply_region_file, available_regions, load_parameters, month_index, parse_defaults,
)
from jobsim.model.inputs.paths import PROJECT_ROOT

DATA = PROJECT_ROOT / "data" / "parameters"
CORE = PROJECT_ROOT / "model" / "core"


@pytest.fixture(autouse=True)
def fresh_cache(monkeypatch):
    """No user data folder unless a test sets one; the loader's cache emptied around each test."""
    monkeypatch.delenv("JOBSIM_DATA_DIR", raising=False)
    parameters_module._load_cached.cache_clear()
    yield
    parameters_module._load_cached.cache_clear()


@pytest.fixture
def no_calibration(tmp_path, monkeypatch) -> Path:
    """An empty calibration/params/ folder (a test may write a calibrated file into it)."""
    d = tmp_path / "calibrated"
    d.mkdir()
    monkeypatch.setattr(parameters_module, "calibration_params_dir", lambda: d)
    return d


def user_folder(tmp_path: Path, name: str, region: str, parameters: dict) -> Path:
    folder = tmp_path / name
    (folder / "parameters").mkdir(parents=True)
    text = yaml.safe_dump({"region": region, "parameters": parameters}, allow_unicode=True, sort_keys=False)
    (folder / "parameters" / f"{region.lower()}.yaml").write_text(text, encoding="utf-8")
    return folder


def use_folders(monkeypatch, *folders: Path) -> None:
    import os
    monkeypatch.setenv("JOBSIM_DATA_DIR", os.pathsep.join(str(f) for f in folders))


# --- merging and origin --------------------------------------------------------------------------

def test_bundled_region_files_hold_only_the_region_and_load_on_the_defaults(no_calibration):
    defaults = parse_defaults(DATA / "defaults.yaml")
    for path in sorted(DATA.glob("*.yaml")):
        if path.name == "defaults.yaml":
            continue
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert set(doc) <= {"region", "parameters"}, path
        pset = load_parameters(doc["region"])
        assert list(pset) == list(defaults)
        assert pset.values == {k: p.value for k, p in defaults.items()}
    assert {"China", "Hunan", "Jiangxi", "Fuzhou"} <= set(available_regions())


def test_a_region_without_a_file_of_its_own_runs_on_the_defaults(no_calibration):
    assert not (DATA / "hubei.yaml").exists()
    hubei = load_parameters("Hubei")
    assert hubei.region == "Hubei"
    assert {hubei[n].origin for n in hubei} == {"default"}
    assert hubei.values == load_parameters("Jiangxi").values
    assert all(hubei[n].origin_file == "data/parameters/defaults.yaml" for n in hubei)


def test_defaults_then_region_files_then_calibrated_then_scenario(tmp_path, monkeypatch, no_calibration):
    first = user_folder(tmp_path, "first", "Jiangxi", {
        "mortality_rate_per_year": 0.004,
        "layoff_share": {"value": 0.6, "source": "a regional survey"},
        "loan_term_months": 24,
    })
    second = user_folder(tmp_path, "second", "Jiangxi", {"mortality_rate_per_year": 0.005})
    use_folders(monkeypatch, first, second)
    (no_calibration / "jiangxi.yaml").write_text(yaml.safe_dump(
        {"region": "Jiangxi", "parameters": {"loan_term_months": {"value": 30}, "separation_rate_monthly": 0.003}}))

    p = load_parameters("Jiangxi")
    assert p["mortality_rate_per_year"].value == 0.005  # the later folder wins
    assert p["mortality_rate_per_year"].origin == "region"
    assert p["mortality_rate_per_year"].origin_file == str(second / "parameters" / "jiangxi.yaml")
    assert (p["layoff_share"].value, p["layoff_share"].origin, p["layoff_share"].source) == (0.6, "region", "a regional survey")
    assert (p["loan_term_months"].value, p["loan_term_months"].origin) == (30.0, "calibrated")
    assert p["separation_rate_monthly"].origin == "calibrated"
    assert p["skill_mean"].origin == "default" and p["skill_mean"].value == 0.45
    # unit and bounds stay those of the defaults
    assert p["layoff_share"].unit == "fraction" and p["layoff_share"].max == 0.8
    assert p.files[0].endswith("defaults.yaml") and p.files[-1].endswith("jiangxi.yaml")

    run = p.with_overrides({"layoff_share": 0.7})
    assert (run["layoff_share"].value, run["layoff_share"].origin) == (0.7, "override")
    assert load_parameters("Jiangxi", use_calibrated=False)["loan_term_months"].origin == "region"
    records = {r["name"]: r for r in run.to_records()}
    assert records["layoff_share"]["origin"] == "override" and records["skill_mean"]["origin"] == "default"


def test_the_shipped_calibrated_files_still_load():
    for path in sorted((PROJECT_ROOT / "calibration" / "params").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        p = load_parameters(doc["region"])
        fitted = set(doc["parameters"])
        assert fitted <= set(p), path
        assert {p[n].origin for n in fitted} == {"calibrated"}
        for draw in doc.get("draws") or []:
            assert set(draw) <= set(p)


# --- date-keyed values ---------------------------------------------------------------------------

def test_date_keyed_values_are_resolved_at_the_runs_first_day(tmp_path, monkeypatch, no_calibration):
    folder = user_folder(tmp_path, "dated", "Hubei", {
        "loan_cap_individual_yuan": {"values": {"2020-01-01": 200000, dt.date(2025, 1, 1): 300000}},
    })
    use_folders(monkeypatch, folder)
    p = load_parameters("Hubei")
    cap = p["loan_cap_individual_yuan"]
    assert cap.values == ((dt.date(2020, 1, 1), 200000.0), (dt.date(2025, 1, 1), 300000.0))
    assert p.at(2024)["loan_cap_individual_yuan"].value == 200000.0  # a run starting January 2024
    assert p.at(dt.date(2024, 12, 31))["loan_cap_individual_yuan"].value == 200000.0
    assert p.at(2025)["loan_cap_individual_yuan"].value == 300000.0
    assert load_parameters("Hubei", as_of=2026).values["loan_cap_individual_yuan"] == 300000.0
    assert p.at(2025).as_of == dt.date(2025, 1, 1)
    # unresolved, a value that changes over time cannot go to the model
    with pytest.raises(ParameterError, match="loan_cap_individual_yuan.*at\\(first_year\\)"):
        p.values
    with pytest.raises(ParameterError, match=r"loan_cap_individual_yuan .*no value in force on 2019-01-01"):
        p.at(2019)
    # a scenario override replaces the schedule by one value
    assert p.with_overrides({"loan_cap_individual_yuan": 250000}).values["loan_cap_individual_yuan"] == 250000.0


def test_retirement_ages_and_the_2025_reform_are_data(no_calibration):
    p = load_parameters("Jiangxi")
    assert p["retirement_age_men"].values == ((dt.date(1978, 6, 2), 60.0),)
    assert p["retirement_reform_start"].unit == "date"
    assert p["retirement_reform_start"].value == month_index(dt.date(2025, 1, 1)) == 2025 * 12
    assert p.at(2021).values == p.at(2030).values == p.values  # nothing in the bundled data changes with the run's start

    v = p.values
    men = lambda born: int(retirement_month(np.array([born], np.int32), np.array([True]), np.array([False]), v)[0])  # noqa: E731
    worker = lambda born: int(retirement_month(np.array([born], np.int32), np.array([False]), np.array([False]), v)[0])  # noqa: E731
    dec_1964, jan_1965 = 1964 * 12 + 11, 1965 * 12
    assert men(dec_1964) == dec_1964 + 60 * 12  # reaches 60 before the reform: on time
    assert men(jan_1965) == jan_1965 + 60 * 12 + 1  # the first cohort: one month later
    assert men(jan_1965 + 4) == jan_1965 + 4 + 60 * 12 + 2  # one more month per four months of birth
    assert men(1990 * 12) == 1990 * 12 + 63 * 12  # at most 36 months: 63
    assert worker(1975 * 12 + 2) == 1975 * 12 + 2 + 50 * 12 + 2  # one month per two months
    assert worker(2000 * 12) == 2000 * 12 + 55 * 12  # at most 60 months: 55
    # a later start moves the first cohort; a maximum delay of 0 switches the reform off
    later = p.with_overrides({"retirement_reform_start": "2027-01-01"}).values
    assert later["retirement_reform_start"] == 2027 * 12
    off = p.with_overrides({"retirement_delay_max_months_men": 0}).values
    assert int(retirement_month(np.array([1990 * 12], np.int32), np.array([True]), np.array([False]), off)[0]) == 1990 * 12 + 60 * 12


# --- errors name the file, the parameter and the value -------------------------------------------

def _defaults_with(tmp_path: Path, name: str, spec: dict) -> Path:
    doc = yaml.safe_load((DATA / "defaults.yaml").read_text(encoding="utf-8"))
    doc["parameters"][name] = spec
    path = tmp_path / "defaults.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def test_a_malformed_date_key_names_the_file_the_parameter_and_the_key(tmp_path):
    path = _defaults_with(tmp_path, "retirement_age_men", {
        "unit": "years", "min": 55, "max": 65, "source": "x", "values": {"2025-13-01": 60}})
    with pytest.raises(ParameterError) as err:
        parse_defaults(path)
    msg = str(err.value)
    assert str(path) in msg and "retirement_age_men" in msg and "'2025-13-01'" in msg and "YYYY-MM-DD" in msg

    region = tmp_path / "hubei.yaml"
    region.write_text("region: Hubei\nparameters:\n  loan_term_months:\n    values: {2025: 24}\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"hubei.yaml: parameters.loan_term_months.values: date key: 2025 is not a date"):
        apply_region_file(region, "Hubei", parse_defaults(DATA / "defaults.yaml"))


def test_a_value_outside_its_bounds_names_the_file_the_parameter_and_the_value(tmp_path):
    path = _defaults_with(tmp_path, "layoff_share", {
        "unit": "fraction", "min": 0.2, "max": 0.8, "source": "x", "values": {"2000-01-01": 0.5, "2025-01-01": 0.95}})
    with pytest.raises(ParameterError, match=r"defaults.yaml: parameters.layoff_share: .*0\.95 is outside \[0\.2, 0\.8\] fraction"):
        parse_defaults(path)

    region = tmp_path / "hubei.yaml"
    region.write_text("region: Hubei\nparameters:\n  retirement_reform_start: 2020-01-01\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"hubei.yaml: parameters.retirement_reform_start: .*2020-01-01 is outside \[2025-01-01, 2040-01-01\] date"):
        apply_region_file(region, "Hubei", parse_defaults(DATA / "defaults.yaml"))


@pytest.mark.parametrize("text, message", [
    ("region: Hubei\nparameters:\n  layof_share: 0.5\n", r"unknown parameter 'layof_share'.*did you mean layoff_share"),
    ("region: Hubei\nparameters:\n  layoff_share: {value: 0.5, max: 0.9}\n", r"layoff_share: unknown keys \['max'\]"),
    ("region: Hubei\nparameters:\n  layoff_share: high\n", r"layoff_share.value: 'high' is not allowed; give a number \(in fraction\)"),
    ("region: Hunan\nparameters: {}\n", r"declares region 'Hunan', expected 'Hubei'"),
])
def test_a_broken_region_file_is_reported_with_file_and_field(tmp_path, text, message):
    region = tmp_path / "hubei.yaml"
    region.write_text(text, encoding="utf-8")
    with pytest.raises(ParameterError, match=message):
        apply_region_file(region, "Hubei", parse_defaults(DATA / "defaults.yaml"))


# --- every parameter is described --------------------------------------------------------------

def test_every_parameter_has_a_unit_a_source_and_bounds():
    for name, p in parse_defaults(DATA / "defaults.yaml").items():
        assert p.unit.strip(), name
        assert p.source.strip(), name
        assert p.min is not None and p.max is not None, f"{name}: give plausible bounds"
        if p.source.strip().lower() in ("none", "none found", "none found for jiangxi"):
            assert "assumption" in p.note.lower() or p.note.lower().startswith("to be calibrated"), name


# --- no unnamed numbers in the core ------------------------------------------------------------

ALWAYS_ALLOWED = {0, 1, 2, 12}  # 12: months of a year (the calendar, not behaviour)
# Numbers the core may still write, per module, each with its reason. Anything else is a parameter
# (data/parameters/defaults.yaml, read from `self.p[...]`).
ALLOWED_LITERALS: dict[str, dict[float, str]] = {
    # The SplitMix64 hash's own constants (Steele, Lea & Flood 2014): an algorithm, not a model parameter.
    "draws.py": {0x9E3779B97F4A7C15: "SplitMix64 golden-ratio increment", 0xBF58476D1CE4E5B9: "SplitMix64 mix multiplier",
                 0x94D049BB133111EB: "SplitMix64 mix multiplier", 30: "SplitMix64 shift", 27: "SplitMix64 shift",
                 31: "SplitMix64 shift", 11: "64 - 53: the bits dropped to make a double in [0, 1)",
                 64: "bits of the hash; draw kinds (slots) per process and month",
                 65536: "ids hashed per block (speed only: the same numbers for any block size)",
                 8: "ids hashed in Python ints rather than numpy (speed only: the same numbers either way)",
                 53: "the mantissa bits of a double", 32: "a pair id packs its first int above 32 bits"},
    "agents.py": {3: "status code; the last kind of entry (0-3: first job, same-year re-hire, other, placement)",
                  4: "status code; the number of kinds of entry", 5: "status code", 6: "status code",
                  7: "status code", 8: "number of statuses",
                  1.25: "growth of a full column buffer (speed only: the same numbers for any value)",
                  64: "spare rows of a grown column buffer (speed only: the same numbers for any value)"},
    "matching.py": {1e-300: "numerical guard: a zero weight's key is made huge instead of infinite",
                    3: "slot (kind of counter-based draw) of the vacancy keys", 4: "slot of the searcher keys"},
    "model.py": {
        6: "July (month_of_year is 0-based): graduates arrive",
        11: "December: the year's last month",
        3: "the year boundaries of startup_exit_hazard_year1..3",
        15.0: "single-year ages in the facts' 0-14 census band",
        100.0: "percent to fraction (real GDP growth is given in percent)",
        1e-9: "numerical guard against division by zero",
        5: "slot of the insurance draw on hiring (slots 0-4 are the matching's)",
    },
    "population.py": {
        44: "single years 16-59 in the census band", 45: "single years 15-59 in the census band",
        9: "census years above the women workers' original retirement age", 4: "census years above the cadres' one",
        3: "tuple index (a group's college propensity)",
        1e-9: "numerical guard against division by zero",
    },
    "programmes.py": {
        6: "July (0-based): grassroots intake",
        11: "December: the year's last month",
        1e-6: "float-error epsilon of whole-agent and budget arithmetic (documented in whole_agents)",
        1e-9: "numerical guard against division by zero",
        1.5: "loans drawn in advance per expected loan (the surplus is discarded)",
        1e6: "yuan per million yuan (the unit of jobs_per_business_loan_per_million_yuan)",
    },
}


def _docstring_constants(tree: ast.AST) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


def test_no_unnamed_numbers_in_the_core():
    unnamed = []
    for path in sorted(CORE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = _docstring_constants(tree)
        allowed = ALLOWED_LITERALS.get(path.name, {})
        for node in ast.walk(tree):
            if (isinstance(node, ast.Constant) and type(node.value) in (int, float) and id(node) not in docstrings
                    and node.value not in ALWAYS_ALLOWED and node.value not in allowed):
                unnamed.append(f"model/core/{path.name}:{node.lineno}: {node.value!r}")
    assert not unnamed, ("numbers in the core that are not named parameters (add them to data/parameters/defaults.yaml "
                         "and read them from self.p, or allow-list them here with a reason):\n" + "\n".join(unnamed))


def test_the_allow_list_has_no_stale_entries():
    for module, allowed in ALLOWED_LITERALS.items():
        tree = ast.parse((CORE / module).read_text(encoding="utf-8"))
        present = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and type(n.value) in (int, float)}
        assert set(allowed) <= present, f"{module}: allow-listed but not used: {set(allowed) - present}"

"""A region as a data folder: write a template for a new region (`init_region_folder`), check a folder
(`check_region_folder`).

A region folder is a user data folder (`--data-dir DIR`, `JOBSIM_DATA_DIR`) in the bundled schemas:
`regions.csv` (the region's row), `population.csv` and `assumptions.csv` (every field of
`REQUIRED_FIELDS`), `history.csv` (its historical outcomes, optional rows), `scenarios/<name>_baseline.yaml`
and `scenarios/index.yaml` (its baseline, which calibration simulates), optionally `targets.csv` and
`parameters/<name>.yaml` (values that differ from data/parameters/defaults.yaml). The loaders lay it over
the bundled data (see jobsim.model.inputs.regions and data/README.md, "Adding a region or newer figures").

The template leaves every figure empty (value "" in the CSV files, "" for each lever and the target
value in the scenario): the checks report each empty figure as missing, naming the file, line and
field, so nothing unfilled runs by accident.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import yaml

from jobsim.model.inputs import registry
from jobsim.model.inputs.history import HISTORY_COLUMNS, load_history
from jobsim.model.inputs.paths import data_dir, user_data_dir_added
from jobsim.model.inputs.regions import (
    FACT_COLUMNS,
    REGION_COLUMNS,
    REQUIRED_FIELD_DIMENSIONS,
    REQUIRED_FIELDS,
    DataFileError,
    choices_text,
    fact_files,
    load_regions,
    population_table,
    read_csv_records,
    where,
    _ID,
)
from jobsim.model.inputs.scenario_index import INDEX_FILE, check_index_file, scenario_files, scenario_index
from jobsim.model.inputs.targets import load_targets

DATA_FILES = ("regions.csv", "population.csv", "assumptions.csv", "history.csv", "targets.csv")
FOLDERS = ("scenarios", "parameters")
INIT_LEVELS = ("province", "city")

# The unit the template writes for each dimension (others of the same dimension are allowed, e.g.
# "10k persons" or "percent"; data/registry/units.csv lists them).
TEMPLATE_UNIT = {"persons": "persons", "rate": "fraction", "posts": "posts", "yuan per month": "yuan per month"}

# Facts no statistical office publishes as such: the template puts them in assumptions.csv (basis
# assumption, the reasoning in note). Every other field starts in population.csv as `sourced`.
TEMPLATE_ASSUMED = ("graduate_stay_share", "registration_share", "labour_force_participation_16_59")

# What each required field is, for the folder's README (the bundled data/README.md has the sources).
FIELD_HELP: dict[str, str] = {
    "population": "resident population (常住人口), e.g. the 2020 census",
    "urbanisation_rate": "urban share of the resident population (城镇化率)",
    "share_age_0_14": "share of the population aged 0-14",
    "share_age_15_59": "share aged 15-59 (the three bands 0-14, 15-59, 60+ add up to 1)",
    "share_age_60_plus": "share aged 60 and over",
    "share_age_65_plus": "share aged 65 and over (at most the 60+ share)",
    "male_share": "share of men in the population",
    "college_share": "share of the population with college education or more (大专及以上)",
    "employed_persons": "total employed persons (就业人员)",
    "urban_employed": "urban employed persons (城镇就业人员), at most employed_persons",
    "primary_sector_employment_share": "share of employment in agriculture (第一产业就业占比)",
    "rural_outmigrant_workers_outside_province": "rural migrant workers working outside the province (省外务工)",
    "outside_province_share_of_transfers": "share of new rural labour transfers that go outside the province",
    "graduates_per_year": "college graduates per year (高校毕业生)",
    "graduate_stay_share": "share of graduates who stay in the region to work",
    "registered_unemployment_rate": "registered urban unemployment rate (城镇登记失业率)",
    "surveyed_unemployment_rate": "surveyed urban unemployment rate (城镇调查失业率)",
    "registration_share": "registered unemployed / surveyed unemployed (a count ratio, about 0.41 nationally)",
    "minimum_wage_monthly_yuan": "monthly minimum wage (最低工资标准), the tier most workers are on",
    "ui_insured": "persons insured against unemployment (失业保险参保人数)",
    "public_welfare_posts": "public-welfare posts (公益性岗位) in place",
    "labour_force_participation_16_59": "labour-force participation of persons aged 16-59",
}


class RegionFolderError(DataFileError):
    """`region init` cannot write the folder: a bad name, level or parent, or files already there."""


# ---- init ----------------------------------------------------------------------------------------


def init_region_folder(name: str, out: Path, parent: str | None = None, level: str | None = None,
                       name_zh: str = "", name_en: str | None = None,
                       first_year: int = 2021, last_year: int | None = None) -> list[Path]:
    """Write a template data folder for the new region `name` into `out`; return the files written.

    `level` is province (default when `parent` is a country or not given; the parent then defaults to
    the country of regions.csv) or city (the parent must be a province). The region must not exist yet
    (bundled or in the user's data folders) and no file the template writes may exist in `out`: nothing
    is overwritten. RegionFolderError says what is wrong and what is allowed.
    """
    out = Path(out)
    regions = load_regions()
    if not _ID.match(name):
        raise RegionFolderError(f"region name {name!r} is not an id; use ASCII letters, digits and _ starting with a letter (e.g. Hubei, Wuhan, Jian for 吉安)")
    if name in regions.index:
        raise RegionFolderError(
            f"region {name!r} already exists ({regions.at[name, 'level']}, {regions.at[name, 'name_zh']}); a template is for a new region. "
            f"To give newer figures for {name}, put rows for it in population.csv / history.csv of a data folder (they replace the bundled ones)")
    if level is not None and level not in INIT_LEVELS:
        raise RegionFolderError(f"--level {level!r} is not allowed; allowed: {', '.join(INIT_LEVELS)}")
    countries = [r for r in regions.index if regions.at[r, "level"] == "country"]
    if parent is None:
        if level == "city":
            provinces = [r for r in regions.index if regions.at[r, "level"] == "province"]
            raise RegionFolderError(f"a city needs --parent, its province; provinces: {', '.join(provinces)}")
        parent = countries[0]
    if parent not in regions.index:
        raise RegionFolderError(f"--parent {parent!r} is not a region; {choices_text(parent, list(regions.index), 'regions')}")
    parent_level = str(regions.at[parent, "level"])
    want = {"country": "province", "province": "city"}.get(parent_level)
    if want is None:
        raise RegionFolderError(f"--parent {parent!r} is a city; a new region's parent is a country (for a province) or a province (for a city)")
    if level is None:
        level = want
    elif level != want:
        raise RegionFolderError(f"--level {level}: the parent of a {level} must be a {'country' if level == 'province' else 'province'}; {parent!r} is a {parent_level}")
    last_year = first_year + 4 if last_year is None else last_year
    if not 2000 <= first_year <= last_year <= 2100:
        raise RegionFolderError(f"the baseline's years {first_year}-{last_year} must lie in 2000-2100, first <= last")
    slug = name.lower()
    scenario_name = f"{slug}_baseline"
    files = {
        # Without --name-zh the English name stands in (regions.csv needs both); the README says so.
        "regions.csv": _csv_text(REGION_COLUMNS, [[name, name_zh or name_en or name, name_en or name, level, parent]]),
        "population.csv": _csv_text(FACT_COLUMNS, [_template_fact(name, f, "sourced") for f in REQUIRED_FIELDS if f not in TEMPLATE_ASSUMED]),
        "assumptions.csv": _csv_text(FACT_COLUMNS, [_template_fact(name, f, "assumption") for f in REQUIRED_FIELDS if f in TEMPLATE_ASSUMED]),
        "history.csv": _csv_text(HISTORY_COLUMNS, []),
        f"scenarios/{scenario_name}.yaml": _template_scenario(name, name_zh, scenario_name, first_year, last_year),
        f"scenarios/{INDEX_FILE}": _template_index(name, scenario_name),
        "README.md": _template_readme(name, name_zh, level, parent, scenario_name, out),
    }
    existing = [rel for rel in files if (out / rel).exists()]
    if existing:
        raise RegionFolderError(
            f"{out} already holds {', '.join(existing)}; region init writes a new folder and overwrites nothing: "
            "choose another --out (several data folders can be used together: --data-dir A --data-dir B)")
    written = []
    for rel, text in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def _csv_text(columns: tuple[str, ...], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    w.writerows(rows)
    return buf.getvalue()


def _template_fact(region: str, field: str, basis: str) -> list[str]:
    """One unfilled fact row: the value, year, source and note left empty for the user."""
    unit = TEMPLATE_UNIT[REQUIRED_FIELD_DIMENSIONS[field]]
    return [region, field, "", unit, basis, "", "", "", ""]


def _lever_comment(lever: str) -> str:
    info = registry.levers().loc[lever]
    return f"{info['label_zh']} {info['label_en']}, in {info['unit']} a year"


def _template_scenario(region: str, name_zh: str, scenario_name: str, first_year: int, last_year: int) -> str:
    levers = "\n".join(f'  {lever}: ""{" " * max(1, 34 - len(lever))}# {_lever_comment(lever)}' for lever in registry.lever_ids())
    title_zh = f"{name_zh or region}基线"
    return f"""# {region}'s baseline: the region's current programme volumes held over {first_year}-{last_year}.
# Calibration simulates this scenario (`jobsim calibrate --region {region}`), so it should hold the
# volumes of the latest year you have, not a plan's. Fill in every "" below: a plain number is in the
# lever's unit; "65万", "12亿" and {{value: 12, unit: 100M yuan}} are allowed too (scenarios/*.yaml of
# jobsim show examples). Values by year: {{{first_year}: 65万, {first_year + 2}: 70万}}.
name: {scenario_name}
title:
  zh: {title_zh}
  en: "{region} baseline"
description: >
  {region} keeps its current volumes of training, loans and subsidised posts for {first_year}-{last_year}.
region: {region}
period: {{first_year: {first_year}, last_year: {last_year}}}
levers:
{levers}
# A scenario needs a target; this one is a placeholder until the region's plan is entered
# (as a list like this, or as a named set in targets.csv: `targets: {region.lower()}_plan`).
targets:
  - indicator: new_urban_jobs
    area: {region}
    start_year: {first_year}
    end_year: {last_year}
    basis: total
    comparison: ">="
    value: ""                         # new urban jobs over the period, in 10k persons (万人)
    unit: 10k persons
seed: {first_year}
replicates: 20
scale: 1000                           # persons per agent: about population x 0.6 / 10000 gives 10 000 workers
"""


def _template_index(region: str, scenario_name: str) -> str:
    return f"""# Which scenario is {region}'s baseline (calibration and back-tests simulate it).
baselines:
  {region}: {scenario_name}
"""


def _template_readme(region: str, name_zh: str, level: str, parent: str, scenario_name: str, out: Path) -> str:
    fields = "\n".join(
        f"| `{f}` | {'assumptions.csv' if f in TEMPLATE_ASSUMED else 'population.csv'} | "
        f"{TEMPLATE_UNIT[REQUIRED_FIELD_DIMENSIONS[f]]} | {FIELD_HELP[f]} |"
        for f in REQUIRED_FIELDS
    )
    return f"""# {region} ({name_zh or 'name_zh to fill in'}): a jobsim region folder

Written by `jobsim region init {region}`. A {level} under {parent}. Use it with any command:

    jobsim --data-dir {out} run {out}/scenarios/{scenario_name}.yaml
    export JOBSIM_DATA_DIR={out}          # or for every command (several folders: A:B)

The folder is laid over jobsim's bundled data: new regions are added, a row for a region and field
the bundled data already has replaces it. `jobsim region check {out}` (or `jobsim validate {out}`) lists
everything still missing or wrong, naming the file, line and field. Nothing here runs until every
figure is filled in.

## What to fill in

1. `regions.csv`: `name_zh`, the Chinese name (e.g. 湖北省), if the template wrote the English one there.
2. `population.csv` and `assumptions.csv`: one row per fact, 22 facts. In each row write `value` (in
   `unit`), `year` (the year the figure refers to, e.g. 2020 for the census), and:
   - in `population.csv`, `basis` `sourced` (the figure is on the page) with `source_url` (the page's
     address) and `quote` (the sentence it comes from), or `derived` (arithmetic on sourced figures)
     with the arithmetic in `note`;
   - in `assumptions.csv`, `basis` `assumption` with the reasoning in `note`.
   Move a row to the other file when its basis changes (a fact is in one of the two, once).
   Units: rates and shares as `fraction` (0.052) or `percent` (5.2); people as `persons` or `10k persons`
   (万人); posts as `posts`; the minimum wage in `yuan per month` (data/registry/units.csv lists all).
3. `scenarios/{scenario_name}.yaml`: the lever values (training person-times, loans in yuan, post
   budgets...) and the placeholder target's value. `scenarios/index.yaml` names it as the baseline.
4. `history.csv` (optional, but calibration needs it): the region's published outcomes, one row per
   figure, in the bundled `history.csv` schema (`region,indicator,start,end,stat,value,unit,...`;
   e.g. `{region},new_urban_jobs,2021-01,2021-12,sum,70,10k persons,<url>,<quote>,`).
5. Optional: `targets.csv` (named target sets, the bundled schema) and `parameters/{region.lower()}.yaml`
   (`region: {region}` and only the parameters whose values differ from data/parameters/defaults.yaml;
   each within its bounds). Without a parameter file the region runs on the defaults.

| field | file | unit | what |
|---|---|---|---|
{fields}

The bundled data/README.md explains each field's sources for Jiangxi, Hunan and China, and the
checks the figures must pass (age bands add up to 1, urban employed at most employed, ...).
"""


# ---- check ---------------------------------------------------------------------------------------


def is_data_folder(folder: Path) -> bool:
    """Whether `folder` looks like a data (region) folder: it holds a data file (regions.csv,
    population.csv, ...) or a parameters/ or scenarios/ folder. A folder of scenario files alone is not."""
    folder = Path(folder)
    return folder.is_dir() and (any((folder / n).is_file() for n in DATA_FILES) or any((folder / d).is_dir() for d in FOLDERS))


def check_region_folder(folder: Path) -> list[str]:
    """Every problem of a region (or data) folder, read over the bundled data and the user's other
    folders: missing files, malformed rows, missing or unfilled required facts, units of the wrong
    dimension, an unknown parent, scenarios that do not validate, a region without a baseline, and
    parameter files with unknown names or values out of bounds. Each names the file, line and field;
    [] when the folder is usable."""
    folder = Path(folder)
    if not folder.exists():
        return [f"{folder}: no such folder"]
    if not folder.is_dir():
        return [f"{folder}: not a folder; a region folder holds regions.csv, population.csv, ... (jobsim region init writes one)"]
    if not is_data_folder(folder):
        return [f"{folder}: holds none of the files of a data folder ({', '.join(DATA_FILES)}, scenarios/, parameters/); "
                f"`jobsim region init NAME --out {folder}` writes a template"]
    problems: list[str] = []
    with user_data_dir_added(folder):
        try:
            regions = load_regions()
        except DataFileError as exc:
            # The other files are checked against the regions: report these first and alone.
            return list(dict.fromkeys(exc.problems))
        own = _own_regions(folder)
        if (folder / "population.csv").is_file() or (folder / "assumptions.csv").is_file() or own:
            problems += _fact_problems(folder, own)
        for loader in (load_history, load_targets):
            try:
                loader()
            except DataFileError as exc:
                problems += exc.problems
        problems += _scenario_problems(folder, own, set(regions.index))
        problems += _parameter_problems(folder, set(regions.index))
    return list(dict.fromkeys(problems))


def _own_regions(folder: Path) -> list[str]:
    """The region ids the folder's regions.csv defines (it has been read without error)."""
    path = folder / "regions.csv"
    return [rec["id"] for _, rec in read_csv_records(path, REGION_COLUMNS)] if path.is_file() else []


def _fact_problems(folder: Path, own: list[str]) -> list[str]:
    problems: list[str] = []
    try:
        population_table()
    except DataFileError as exc:
        problems += exc.problems
    # Rows present in any fact file, read raw: an unfilled row is reported above, not again as missing.
    present: set[tuple[str, str]] = set()
    for pair in fact_files():
        for path in pair:
            if path is None:
                continue
            try:
                present |= {(rec["region"], rec["field"]) for _, rec in read_csv_records(path, FACT_COLUMNS)}
            except DataFileError:
                continue
    target = folder / "population.csv"
    for region in own:
        for f in REQUIRED_FIELDS:
            if (region, f) not in present:
                unit = TEMPLATE_UNIT[REQUIRED_FIELD_DIMENSIONS[f]]
                problems.append(f"{target}: field {f}: {region} has no {f} ({FIELD_HELP[f]}, in {unit}); add a row to "
                                f"population.csv (sourced or derived) or assumptions.csv (assumed)")
    return problems


def _scenario_problems(folder: Path, own: list[str], known_regions: set[str]) -> list[str]:
    from jobsim.model.inputs.scenario import ScenarioError, load_scenario

    problems: list[str] = []
    scen_dir = folder / "scenarios"
    for path in scenario_files(scen_dir) if scen_dir.is_dir() else []:
        try:
            load_scenario(path)
        except ScenarioError as err:
            problems += str(err).splitlines()
        except OSError as err:
            problems.append(f"{path}: cannot read ({err.strerror or err})")
    index_path = scen_dir / INDEX_FILE
    index_ok = True
    if index_path.is_file():
        errs = check_index_file(index_path)
        problems += errs
        index_ok = not errs
    try:
        index = scenario_index()
    except DataFileError as exc:
        return problems + [p for p in exc.problems if p not in problems]
    for region, source in index.baseline_sources.items():
        if source.startswith(f"{index_path},") and region not in known_regions:
            problems.append(f"{source}, field baselines.{region}: {region!r} is not a region id; "
                            f"{choices_text(region, sorted(known_regions), 'regions')}")
    for region in own:
        if index.baseline(region) is None and index_ok:
            problems.append(f"{index_path}, field baselines.{region}: no baseline scenario for {region}; calibration "
                            f"simulates one: add `{region}: {region.lower()}_baseline` under baselines: and the scenario file "
                            f"scenarios/{region.lower()}_baseline.yaml (jobsim region init writes both)")
    return problems


def _parameter_problems(folder: Path, known_regions: set[str]) -> list[str]:
    from jobsim.model.inputs.parameters import DEFAULTS_FILE, ParameterError, apply_region_file, parse_defaults

    problems: list[str] = []
    param_dir = folder / "parameters"
    for path in sorted(param_dir.glob("*.yaml")) if param_dir.is_dir() else []:
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            mark = getattr(exc, "problem_mark", None)
            problems.append(f"{where(path, mark.line + 1) if mark else path}: not readable as YAML ({exc})")
            continue
        region = doc.get("region") if isinstance(doc, dict) else None
        if not isinstance(region, str) or region not in known_regions:
            problems.append(f"{where(path, _line_of_key(path, 'region'))}, field region: {region!r} is not a region id; "
                            f"{choices_text(str(region), sorted(known_regions), 'regions')}")
            continue
        if path.stem != region.lower():
            problems.append(f"{path}: a parameter file is named after its region: {region.lower()}.yaml for region {region}")
            continue
        try:
            # The file itself over the shared defaults (not load_parameters, whose cache may hold an
            # earlier version of this file).
            apply_region_file(path, region, parse_defaults(data_dir() / "parameters" / DEFAULTS_FILE))
        except (ParameterError, DataFileError, KeyError, ValueError) as exc:
            message = str(exc)
            named = re.search(r"parameters\.(\w+)", message)
            line = _line_of_key(path, named.group(1), nested=True) if named else None
            at = where(path, line) if line else str(path)
            problems.append(f"{at}: {message.split(': ', 1)[1] if ': ' in message and path.name in message.split(': ', 1)[0] else message}")
    return problems


def _line_of_key(path: Path, key: str, nested: bool = False) -> int | None:
    """The line of a key in a YAML file (top-level, or indented when `nested`); 1 / None when not found."""
    pattern = re.compile(rf"^\s+{re.escape(key)}\s*:" if nested else rf"^{re.escape(key)}\s*:")
    try:
        for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if pattern.match(text):
                return i
    except (OSError, UnicodeDecodeError):
        pass
    return None if nested else 1

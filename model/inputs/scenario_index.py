"""Which scenario is what, as data: each region's baseline scenario and the bundled comparison.

`scenarios/index.yaml` (bundled) says which scenario file is each region's "no policy change" baseline
(what calibration simulates and back-tests move to other years) and which scenarios `jobsim
run-bundled` compares:

    baselines:                 # region id -> scenario name (a file <name>.yaml)
      Jiangxi: jiangxi_baseline
      Hunan: hunan_2021
    bundled_comparison: [jiangxi_baseline, jiangxi_more_training]   # the first is the baseline

A user data folder (`--data-dir DIR`, `JOBSIM_DATA_DIR`) may hold `scenarios/*.yaml` and its own
`scenarios/index.yaml` with `baselines:` only: its baselines are ADDED, and one for a region the bundled
index (or an earlier folder) already names REPLACES it. A scenario name is looked up in the user folders
first (the last folder first), then in the bundled `scenarios/`, so a user file of the same name
replaces a bundled one.

Every problem (unreadable YAML, an unknown key, a name that is not a scenario file) is a
ScenarioIndexError naming the file, the line and the field. Region ids are checked where they are used
(calibration, `jobsim validate` of a region folder), not here, so that a broken regions file does not
hide the index.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

import yaml

from jobsim.model.inputs.paths import scenario_dirs, scenarios_dir
from jobsim.model.inputs.regions import DataFileError, choices_text, file_key, where

INDEX_FILE = "index.yaml"
INDEX_KEYS = ("baselines", "bundled_comparison")
# Scenario names follow the scenario files' own rule (a slug); region ids that of regions.csv.
_SCENARIO_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_REGION_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class ScenarioIndexError(DataFileError):
    """A malformed scenarios/index.yaml, or a scenario name that no scenario folder holds."""


@dataclass(frozen=True)
class ScenarioIndex:
    """The combined index: baselines by region, the bundled comparison, and where each came from."""

    baselines: Mapping[str, str]
    bundled_comparison: tuple[str, ...]
    baseline_sources: Mapping[str, str]  # region -> "<index file>, line N"
    files: tuple[Path, ...]

    def baseline(self, region: str) -> str | None:
        """The name of the region's baseline scenario, or None when no index names one."""
        return self.baselines.get(region)


def scenario_files(folder: Path) -> list[Path]:
    """The scenario files of a folder (*.yaml, *.yml), without the index file."""
    folder = Path(folder)
    found = [*folder.glob("*.yaml"), *folder.glob("*.yml")]
    return sorted(p for p in found if p.name != INDEX_FILE and p.is_file())


def scenario_names() -> list[str]:
    """Every scenario name of the bundled folder and the user folders (each once, bundled first)."""
    return list(dict.fromkeys(p.stem for d in scenario_dirs() for p in scenario_files(d)))


def scenario_paths(name: str) -> list[Path]:
    """Every file of the scenario `name`, in lookup order: the last user folder first, the bundled folder
    last (a scenario's `base:` that names its own file takes the next one; scenario/inheritance.py)."""
    return [folder / f"{name}{suffix}" for folder in reversed(scenario_dirs()) for suffix in (".yaml", ".yml")
            if (folder / f"{name}{suffix}").is_file()]


def scenario_path(name: str) -> Path:
    """The file of the scenario `name`: from the last user folder holding it, else the bundled one.

    An unknown name raises ScenarioIndexError listing the known names.
    """
    found = scenario_paths(name)
    if found:
        return found[0]
    raise ScenarioIndexError(
        f"no scenario {name!r} in {', '.join(str(d) for d in scenario_dirs())}; "
        f"{choices_text(str(name), scenario_names(), 'scenarios')}"
    )


def index_files() -> list[Path]:
    """The bundled scenarios/index.yaml, then each user folder's scenarios/index.yaml that exists."""
    dirs = scenario_dirs()
    return [dirs[0] / INDEX_FILE, *[d / INDEX_FILE for d in dirs[1:] if (d / INDEX_FILE).is_file()]]


def scenario_index() -> ScenarioIndex:
    """The bundled index with the user folders' indexes laid over it (see the module docstring).

    Cached while the index files and the scenario folders' listings are unchanged.
    """
    key = (tuple(file_key(p) for p in index_files()), tuple(scenario_names()))
    return _scenario_index(key)


def baseline_scenario_name(region: str) -> str | None:
    """The name of `region`'s baseline scenario, or None when no index names one."""
    return scenario_index().baseline(region)


def no_baseline_message(region: str) -> str:
    """Why `region` (a region with data) cannot be calibrated yet and how to give it a baseline."""
    slug = f"{region.lower()}_baseline"
    return (f"region {region!r} has data but no baseline scenario, so it cannot be calibrated or back-tested yet. "
            f"Add one: write a scenario file (e.g. {slug}.yaml, the region's current volumes) into the scenarios/ "
            f"folder of your data folder and name it in that folder's scenarios/index.yaml "
            f"(`baselines: {{{region}: {slug}}}`); `jobsim region init {region} --out DIR` writes both for a new "
            f"region. Regions with a baseline: {', '.join(scenario_index().baselines)}")


def check_index_file(path: Path) -> list[str]:
    """The problems of one index file (as a user folder's, or the bundled one's when it is that file)."""
    path = Path(path)
    bundled = path.resolve() == (scenarios_dir() / INDEX_FILE).resolve()
    _, _, problems = _parse_index(path, bundled, set(scenario_names()))
    return problems


# ---- internals -------------------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _scenario_index(key: tuple) -> ScenarioIndex:
    files = [Path(k[0]) for k in key[0]]
    known = set(key[1])
    baselines: dict[str, str] = {}
    sources: dict[str, str] = {}
    comparison: tuple[str, ...] = ()
    problems: list[str] = []
    for i, path in enumerate(files):
        found, comp, errs = _parse_index(path, bundled=i == 0, known=known)
        problems.extend(errs)
        for region, (name, line) in found.items():
            baselines[region] = name
            sources[region] = where(path, line)
        if i == 0:
            comparison = tuple(comp)
    if problems:
        raise ScenarioIndexError(problems)
    return ScenarioIndex(MappingProxyType(baselines), comparison, MappingProxyType(sources), tuple(files))


def _parse_index(path: Path, bundled: bool, known: set[str]) -> tuple[dict[str, tuple[str, int]], list[str], list[str]]:
    """(region -> (scenario name, line), the comparison list, problems) of one index file."""
    problems: list[str] = []
    baselines: dict[str, tuple[str, int]] = {}
    comparison: list[str] = []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        return baselines, comparison, [f"{path}: cannot read the scenario index ({exc.strerror or exc})"]
    except UnicodeDecodeError:
        return baselines, comparison, [f"{path}: not UTF-8 text"]
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        return baselines, comparison, [f"{where(path, line)}: not readable as YAML ({getattr(exc, 'problem', None) or exc})"]
    if root is None:
        return baselines, comparison, ([f"{where(path, 1)}: the index is empty; expected `baselines:`"
                                        + (" and `bundled_comparison:`" if bundled else "")] if bundled else [])
    if not isinstance(root, yaml.MappingNode):
        return baselines, comparison, [f"{where(path, root.start_mark.line + 1)}: the index must be a mapping with {', '.join(INDEX_KEYS)}"]
    allowed = INDEX_KEYS if bundled else ("baselines",)

    def line_of(node: yaml.Node) -> int:
        return node.start_mark.line + 1

    def scalar(node: yaml.Node) -> str | None:
        return str(node.value) if isinstance(node, yaml.ScalarNode) and node.value != "" else None

    def check_name(node: yaml.Node, field: str) -> str | None:
        name = scalar(node)
        at = f"{where(path, line_of(node))}, field {field}"
        if name is None:
            problems.append(f"{at}: expected a scenario name (the file name without .yaml)")
        elif not _SCENARIO_NAME.match(name):
            problems.append(f"{at}: {name!r} is not a scenario name (lowercase letters, digits and _, e.g. hubei_baseline)")
        elif name not in known:
            problems.append(f"{at}: no scenario file {name}.yaml in the scenario folders; {choices_text(name, sorted(known), 'scenarios')}")
        else:
            return name
        return None

    for key_node, value_node in root.value:
        key = scalar(key_node)
        at = where(path, line_of(key_node))
        if key not in allowed:
            extra = " (only the bundled scenarios/index.yaml sets bundled_comparison)" if key == "bundled_comparison" else ""
            problems.append(f"{at}, field {key}: unknown key {key!r}; allowed here: {', '.join(allowed)}{extra}")
            continue
        if key == "baselines":
            if not isinstance(value_node, yaml.MappingNode):
                problems.append(f"{at}, field baselines: expected a mapping region id -> scenario name, e.g. `Hubei: hubei_baseline`")
                continue
            for region_node, name_node in value_node.value:
                region = scalar(region_node)
                if region is None or not _REGION_ID.match(region):
                    problems.append(f"{where(path, line_of(region_node))}, field baselines: {region!r} is not a region id (ASCII letters, digits and _)")
                    continue
                if region in baselines:
                    problems.append(f"{where(path, line_of(region_node))}, field baselines.{region}: given twice (first on line {baselines[region][1]})")
                    continue
                name = check_name(name_node, f"baselines.{region}")
                if name is not None:
                    baselines[region] = (name, line_of(region_node))
        else:
            if not isinstance(value_node, yaml.SequenceNode) or not value_node.value:
                problems.append(f"{at}, field bundled_comparison: expected a list of scenario names, the baseline first")
                continue
            for i, item in enumerate(value_node.value):
                name = check_name(item, f"bundled_comparison.{i}")
                if name is not None:
                    comparison.append(name)
    if bundled:
        present = {scalar(k) for k, _ in root.value}
        for key in INDEX_KEYS:
            if key not in present:
                problems.append(f"{where(path, 1)}: field {key}: missing; the bundled index needs {', '.join(INDEX_KEYS)}")
    return baselines, comparison, problems

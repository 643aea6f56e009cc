"""Scenario files as YAML: bounded parsing with the line of every field (duplicate keys, syntax errors and
refused files as `ScenarioError`), loading and validating a file or text, and writing a scenario back
as readable YAML. The caps (size, nesting, nodes) are jobsim.model.inputs.bounded_yaml's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from jobsim.model.inputs import registry
from jobsim.model.inputs.bounded_yaml import (
    MAX_NESTING_DEPTH,
    MAX_NODES,
    MAX_SCENARIO_BYTES,
    BoundedInputError,
    load_bounded_yaml,
    read_bounded_text,
)
from jobsim.model.inputs.scenario.errors import DOCUMENT, ScenarioError, _Issues
from jobsim.model.inputs.scenario.schema import Scenario


def _bounded_issue(err: BoundedInputError) -> tuple[tuple[str, str], dict[str, int]]:
    """The issue (path, message) of a refused file, and the line of its path: a field path when the
    refusal has one, `line N` for a syntax error, `(document)` for the file as a whole."""
    if err.path:
        return (err.path, err.problem), ({err.path: err.line} if err.line else {})
    if err.line:
        return (f"line {err.line}", err.problem), {}
    return (DOCUMENT, err.problem), {}


def _refused(source: str, err: BoundedInputError) -> ScenarioError:
    issue, lines = _bounded_issue(err)
    return ScenarioError(source, [issue], lines)


def parse_yaml(text: str, source: str = "<text>") -> tuple[Any, dict[str, int]]:
    """The YAML document in `text` and the line of each field path; ScenarioError on any YAML problem.

    Parsing is bounded (jobsim.model.inputs.bounded_yaml): no anchors or aliases, at most
    MAX_NESTING_DEPTH levels and MAX_NODES nodes, checked on the event stream before anything is composed.
    """
    if not text.strip():
        raise ScenarioError(source, [(DOCUMENT, "the file is empty: a scenario needs name, region, period, levers, targets, seed, replicates and scale")])
    try:
        doc = load_bounded_yaml(text, source, MAX_NESTING_DEPTH, MAX_NODES, kind="scenario file")
    except BoundedInputError as err:
        raise _refused(source, err) from None
    if doc is None:
        raise ScenarioError(source, [(DOCUMENT, "the file holds no YAML document (only comments or blank lines)")])
    if doc.duplicates:
        issues = _Issues()
        for path, key, first, again in doc.duplicates:
            issues.add(path, f"duplicate key {key!r}: given on line {first} and again on line {again}")
        raise ScenarioError(source, issues.items, doc.lines)
    if doc.data is None:
        raise ScenarioError(source, [(DOCUMENT, "the file holds no scenario (the document is empty)")])
    return doc.data, doc.lines


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file. FileNotFoundError if it does not exist; ScenarioError if invalid
    (including a file that is not a regular file, larger than MAX_SCENARIO_BYTES, or not UTF-8)."""
    path = Path(path)
    try:
        text = read_bounded_text(path, MAX_SCENARIO_BYTES, kind="scenario files")
    except BoundedInputError as err:
        raise _refused(str(path), err) from None
    data, lines = parse_yaml(text, str(path))
    return Scenario.model_validate(data, context={"source": str(path), "lines": lines})


def scenario_from_yaml(text: str, source: str = "<text>") -> Scenario:
    """Validate a scenario given as YAML text."""
    data, lines = parse_yaml(text, source)
    return Scenario.model_validate(data, context={"source": source, "lines": lines})


class _FlowMap(dict):
    """A mapping written on one line ({2021: 650000, 2022: 650000})."""


class _Dumper(yaml.SafeDumper):
    pass


def _represent_flow_map(dumper: yaml.SafeDumper, data: _FlowMap):
    return dumper.represent_mapping("tag:yaml.org,2002:map", data.items(), flow_style=True)


def _represent_str(dumper: yaml.SafeDumper, data: str):
    # Characters YAML reads as line breaks or byte-order marks (NEL, LS, PS, BOM, CR) or that are not
    # printable would not survive plain or block style: write them escaped in double quotes.
    if any(ch in "\x85\u2028\u2029\ufeff\r" or not (ch.isprintable() or ch == "\n") for ch in data):
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style='"')
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(_FlowMap, _represent_flow_map)
_Dumper.add_representer(str, _represent_str)


def scenario_to_yaml(s: Scenario) -> str:
    """The scenario as a readable YAML file (fields in order, lever values per year in base units)."""
    d = s.to_dict()
    d["levers"] = {lever: _FlowMap(values) for lever, values in d["levers"].items()}
    d["period"] = _FlowMap(d["period"])
    if "uncertainties" in d:  # year mappings on one line, as the levers'
        u = d["uncertainties"]
        d["uncertainties"] = {k: ({p: _FlowMap(v) for p, v in u[k].items()} if k == "parameters" else _FlowMap(u[k]))
                              for k in u}
    body = yaml.dump(d, Dumper=_Dumper, sort_keys=False, allow_unicode=True, default_flow_style=False, width=4096)
    lever_table = registry.levers()
    lines = []
    in_levers = False
    for line in body.splitlines():
        if line == "levers:":
            in_levers = True
        elif not line.startswith(" "):
            in_levers = False
        m = re.match(r"^  ([a-z0-9_]+): \{.*\}$", line) if in_levers else None
        if m and m.group(1) in lever_table.index:
            row = lever_table.loc[m.group(1)]
            line = f"{line}  # {row['unit']}, {row['label_zh']}"
        lines.append(line)
    header = (
        f"# jobsim scenario {s.name}: lever values are per year, in base units "
        "(person-times, fraction, yuan, posts).\n"
    )
    return header + "\n".join(lines) + "\n"

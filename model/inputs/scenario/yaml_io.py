"""Scenario files as YAML: parsing with the line of every field (duplicate keys and syntax errors as
`ScenarioError`), loading and validating a file or text, and writing a scenario back as readable YAML.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from jobsim.model.inputs import registry
from jobsim.model.inputs.scenario.errors import DOCUMENT, ScenarioError, _Issues, _join
from jobsim.model.inputs.scenario.schema import Scenario


def _yaml_error_issue(err: yaml.YAMLError) -> tuple[str, str]:
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    path = f"line {mark.line + 1}" if mark is not None else DOCUMENT
    problem = getattr(err, "problem", None) or str(err)
    context = getattr(err, "context", None)
    if "expected a single document" in f"{context} {problem}":
        return path, "the file holds more than one YAML document ('---'); a scenario file is one document"
    if context:
        cmark = getattr(err, "context_mark", None)
        where = f" (line {cmark.line + 1})" if cmark is not None and mark is not None and cmark.line != mark.line else ""
        return path, f"YAML syntax error: {context}{where}: {problem}"
    return path, f"YAML syntax error: {problem}"


def _walk(node: yaml.Node, path: str, lines: dict[str, int], issues: _Issues) -> None:
    """Record the line of every field; report duplicate keys (PyYAML would silently keep the last)."""
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            line = key_node.start_mark.line + 1
            if key is None:
                _walk(value_node, path, lines, issues)
                continue
            child = _join(path, key)
            if key in seen:
                issues.add(child, f"duplicate key {key!r}: given on line {seen[key]} and again on line {line}")
            else:
                seen[key] = line
                lines.setdefault(child, line)
            _walk(value_node, child, lines, issues)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            child = _join(path, i)
            lines.setdefault(child, item.start_mark.line + 1)
            _walk(item, child, lines, issues)


def parse_yaml(text: str, source: str = "<text>") -> tuple[Any, dict[str, int]]:
    """The YAML document in `text` and the line of each field path; ScenarioError on any YAML problem."""
    issues = _Issues()
    lines: dict[str, int] = {}
    if not text.strip():
        raise ScenarioError(source, [(DOCUMENT, "the file is empty: a scenario needs name, region, period, levers, targets, seed, replicates and scale")])
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ScenarioError(source, [(DOCUMENT, "the file holds no YAML document (only comments or blank lines)")])
        _walk(node, "", lines, issues)
        if len(issues):
            raise ScenarioError(source, issues.items, lines)
        data = loader.construct_document(node)
    except yaml.YAMLError as err:
        raise ScenarioError(source, [_yaml_error_issue(err)]) from None
    finally:
        loader.dispose()
    if data is None:
        raise ScenarioError(source, [(DOCUMENT, "the file holds no scenario (the document is empty)")])
    return data, lines


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file. FileNotFoundError if it does not exist; ScenarioError if invalid."""
    path = Path(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ScenarioError(str(path), [(DOCUMENT, f"the file is not UTF-8 text ({err.reason} at byte {err.start})")]) from None
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

"""Scenario files as YAML: loading and validating a file or text (read under bounded_yaml's caps by
reading.py, its `base:` chain resolved by inheritance.py), and writing a scenario back as a readable
standalone file (`scenario_to_yaml`) or as only its changes from a base (`scenario_diff_yaml`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from jobsim.model.inputs import registry
from jobsim.model.inputs.scenario.inheritance import (
    BASE_FIELD,
    is_base_path,
    merge_documents,
    scenario_changes,
)
from jobsim.model.inputs.scenario.reading import parse_yaml, read_document
from jobsim.model.inputs.scenario.schema import Scenario, scenario_from_dict

__all__ = ["load_scenario", "parse_yaml", "scenario_diff_yaml", "scenario_from_yaml", "scenario_to_yaml"]


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file, its chain of bases resolved (`base:`, inheritance.py).
    FileNotFoundError if it does not exist; ScenarioError if invalid (including a file that is not a
    regular file, larger than MAX_SCENARIO_BYTES, or not UTF-8; a base that cannot be found or read)."""
    path = Path(path)
    data, lines = read_document(path)
    return Scenario.model_validate(data, context={"source": str(path), "lines": lines, "path": path})


def scenario_from_yaml(text: str, source: str = "<text>", folder: str | Path | None = None) -> Scenario:
    """Validate a scenario given as YAML text; a `base:` path is taken from `folder` (default: the working
    folder)."""
    data, lines = parse_yaml(text, source)
    return Scenario.model_validate(data, context={"source": source, "lines": lines, "folder": folder})


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


def _schedule_block(values: Any) -> Any:
    """A lever's or an uncertainty's values: year mappings on one line; one value as it is."""
    return _FlowMap(values) if isinstance(values, dict) else values


def _dump(d: dict[str, Any]) -> str:
    """A scenario document as YAML: year mappings on one line, each lever with its unit and Chinese label."""
    d = dict(d)
    if isinstance(d.get("levers"), dict):
        d["levers"] = {lever: _schedule_block(values) for lever, values in d["levers"].items()}
    if isinstance(d.get("period"), dict):
        d["period"] = _FlowMap(d["period"])
    if isinstance(d.get("uncertainties"), dict):  # year mappings on one line, as the levers'
        u = d["uncertainties"]
        d["uncertainties"] = {k: ({p: _schedule_block(v) for p, v in u[k].items()}
                                  if k == "parameters" and isinstance(u[k], dict) else _schedule_block(u[k]))
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
        m = re.match(r"^  ([a-z0-9_]+): \S.*$", line) if in_levers else None
        if m and m.group(1) in lever_table.index:
            row = lever_table.loc[m.group(1)]
            line = f"{line}  # {row['unit']}, {row['label_zh']}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def _chain_note(s: Scenario) -> str:
    """A header line saying which bases a resolved scenario came from ('' without any)."""
    if not s.base_chain:
        return ""
    from jobsim.model.inputs.provenance import relative_path

    steps = " <- ".join(f"{b.ref} ({relative_path(b.path)})" for b in s.base_chain)
    return f"# resolved from its bases: {s.name} <- {steps}; written in full, it needs none of them.\n"


def scenario_to_yaml(s: Scenario) -> str:
    """The scenario as a readable, standalone YAML file (fields in order, lever values per year in base
    units); a scenario resolved from bases is written in full, its chain in the header."""
    header = (
        f"# jobsim scenario {s.name}: lever values are per year, in base units "
        "(person-times, fraction, yuan, posts).\n"
    )
    return header + _chain_note(s) + _dump(s.to_dict())


def _path_ref(path: str | Path, written: str, folder: str | Path | None) -> str:
    """How a file saved in `folder` names the base file `path`: relative to that folder (a path starting
    with ./ or ../, so that it reads as a path), else as it was `written`."""
    if folder is None:
        return written
    rel = Path(os.path.relpath(Path(path).resolve(), Path(folder).resolve())).as_posix()
    return rel if rel.startswith(("../", "/")) else f"./{rel}"


def _base_of(scenario: Scenario, base: Scenario | str | Path | None, base_ref: str | None,
             folder: str | Path | None) -> tuple[Scenario, str]:
    """The base scenario and how the file should name it (`base:`)."""
    from jobsim.model.inputs.scenario_index import scenario_path

    if base is None:
        if not scenario.base_chain:
            raise ValueError(f"scenario {scenario.name!r} has no base: give the base to state its changes from "
                             "(a Scenario, a scenario name or the path of a scenario file)")
        nearest = scenario.base_chain[0]
        ref = _path_ref(nearest.path, nearest.ref, folder) if is_base_path(nearest.ref) else nearest.ref
        return load_scenario(nearest.path), base_ref or ref
    if isinstance(base, Scenario):
        return base, base_ref or base.name
    if isinstance(base, Path) or is_base_path(str(base)):
        return load_scenario(base), base_ref or _path_ref(base, str(base), folder)
    return load_scenario(scenario_path(str(base))), base_ref or str(base)


def scenario_diff_yaml(scenario: Scenario, base: Scenario | str | Path | None = None,
                       base_ref: str | None = None, folder: str | Path | None = None) -> str:
    """`scenario` as a file that states only its changes from `base` (`base:` and what differs; see
    inheritance.scenario_changes). `base`: a Scenario, a scenario name, the path of a scenario file, or
    None for the scenario's own nearest base (`base_chain`). `base_ref` is what the file writes after
    `base:`; by default the name, or for a base named by its path that path relative to `folder` (the
    folder the text will be saved in; without it, the path as given). Levers and uncertainties are
    written in base units.

    The result is checked: merged onto the base it resolves to `scenario` again (a ValueError otherwise,
    which would be a fault of this function, not of the scenario)."""
    base_scenario, ref = _base_of(scenario, base, base_ref, folder)
    changes = scenario_changes(scenario.to_dict(), base_scenario.to_dict(), ref)
    again = scenario_from_dict(merge_documents(changes, base_scenario.to_dict()), source="<changes merged onto base>")
    if again != scenario:
        raise ValueError(f"the changes of {scenario.name!r} from {ref!r} do not resolve to it again")
    header = (f"# jobsim scenario {scenario.name}: only its changes from {ref}; everything else is inherited "
              f"from it (`{BASE_FIELD}:`). Lever values in base units (person-times, fraction, yuan, posts).\n")
    return header + _dump(changes)

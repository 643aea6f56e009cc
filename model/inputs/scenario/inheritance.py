"""Scenarios that say only what changes: a file's `base:` (a scenario name, or a path relative to the file)
resolved into one merged document that records the file and line each value came from, and the
changes of one scenario from another (what a file based on it must state).

    base: jiangxi_baseline            # or ./other.yaml, ../x/y.yaml: a path from this file's folder
    name: jiangxi_more_training       # never inherited: a file with base: gives its own name
    levers:
      training_volume_person_times: 80万       # one value: replaces the inherited lever in every year
      grassroots_posts: {2023: 3000}           # years without the first: change the inherited schedule

The merge rule (docs/scenarios.md, "A scenario that says only what changes"), applied from the last base
to the file itself:
- A mapping merges key by key, recursively (`period: {last_year: 2030}` keeps the inherited first year;
  `parameters:` adds to or changes the inherited overrides). Anything else (a number, a text, a list
  such as inline targets, a named target set) replaces the inherited value.
- `null` removes an inherited key (`description: null`, `parameters: {loan_loss_rate: null}`,
  `uncertainties: {gdp_real_growth_percent: null}`); a null for something no base gives is an error.
- A schedule (a lever, `uncertainties.gdp_real_growth_percent`, `uncertainties.graduates_multiplier`,
  `uncertainties.parameters.NAME`) stated in full, as one value or as years that give the first year of
  the period, replaces the inherited one: it means what it would mean in a file without a base. Years
  that do not give the first year change the inherited schedule in those years (an inherited single
  value counts as the first year's); then the missing-year rule applies to the merged years. The first
  year is the resolved scenario's (its period after the merge).
- `name` is not inherited; `base` is not a field of the result.

Chains resolve (a base may have a base), at most MAX_BASE_DEPTH bases deep; a cycle is refused with the
chain. A name is looked up as scenario_index.scenario_path does (the user data folders, the last
first, then the bundled scenarios/); a name whose file is already in the chain (a user file replacing
a bundled one of the same name and based on it) takes the next file of that name. Every file is read
with the bounded reader (reading.py), so that a hostile base fails as fast as a hostile scenario.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jobsim.model.inputs.scenario.errors import DOCUMENT, ScenarioError, _choices, _describe
from jobsim.model.inputs.scenario.fields import NAME_PATTERN
from jobsim.model.inputs.scenario.levers import _as_year, _is_year_mapping
from jobsim.model.inputs.scenario.reading import read_document

BASE_FIELD = "base"
# A chain of bases is at most this many files deep: a planner's chain is two or three (a region's baseline,
# a what-if, a variant of it); the bound keeps a hostile chain from reading files without end.
MAX_BASE_DEPTH = 16
# Fields a file never inherits: the name says which scenario this is, not which one it came from.
NOT_INHERITED = ("name",)
PATH_SUFFIXES = (".yaml", ".yml")
_UNCERTAINTY_SCHEDULES = ("gdp_real_growth_percent", "graduates_multiplier")


@dataclass(frozen=True)
class ScenarioBase:
    """One base of a resolved scenario: `ref` as its `base:` wrote it, the file it named (absolute), and
    that file's own `name:` (None when it gives none)."""

    ref: str
    path: str
    name: str | None


@dataclass
class ResolvedDocument:
    """A document with its bases merged in: the data (no `base`), each field's line in the file it came
    from and that file (`origins`), the bases (nearest first), the problems of the merge itself, and
    better messages for required fields missing because they are not inherited."""

    data: dict[str, Any]
    lines: dict[str, int]
    origins: dict[str, str]
    chain: tuple[ScenarioBase, ...]
    issues: list[tuple[str, str]] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)


@dataclass
class _Layer:
    """One file of the chain: how messages name it, its document and lines, its resolved path (for
    cycles), its folder (for relative bases) and how the file above named it."""

    source: str
    data: Mapping
    lines: Mapping[str, int]
    path: Path | None
    folder: Path
    ref: str | None = None


class _Node:
    """Which layer wrote a value of the merged document: `owner` for this value and, unless a kid says
    otherwise, everything under it; `line` overrides the owner's line map (an inherited single value
    that became the first year of a schedule keeps the line of the lever)."""

    __slots__ = ("owner", "kids", "line")

    def __init__(self, owner: int, line: int | None = None):
        self.owner = owner
        self.kids: dict[str, _Node] = {}
        self.line = line


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def is_base_path(ref: str) -> bool:
    """Whether a `base:` value is a path (it names a .yaml/.yml file or holds a folder separator), not a name."""
    return ref.endswith(PATH_SUFFIXES) or "/" in ref or "\\" in ref


def _shown(path: Path) -> str:
    """A file as messages name it: relative to the working folder when inside it, else absolute."""
    resolved = path.resolve()
    try:
        return str(resolved.relative_to(Path.cwd()))
    except ValueError:
        return str(resolved)


# ---- finding the bases -------------------------------------------------------------------------------


def resolve_document(data: Mapping, lines: Mapping[str, int], source: str, path: str | Path | None = None,
                     folder: str | Path | None = None) -> ResolvedDocument:
    """`data` (a document with `base:`) with its chain of bases merged in. `path` is its file (for
    cycles), `folder` where a relative base is taken from (default: the file's folder, else the working
    folder). ScenarioError, against the file whose `base:` is at fault, for a base that cannot be found
    or read, a cycle, or a chain deeper than MAX_BASE_DEPTH."""
    own_path = Path(path).resolve() if path is not None else None
    own_folder = Path(folder) if folder is not None else (Path(path).parent if path is not None else Path.cwd())
    layers = [_Layer(str(source), data, dict(lines), own_path, own_folder)]
    while isinstance(layers[-1].data, Mapping) and BASE_FIELD in layers[-1].data:
        layers.append(_read_base(layers))
    return _merge(layers)


def _via(layers: list[_Layer]) -> list[tuple[str, int | None]]:
    """The files whose `base:` led to the last layer, each with the line of its `base:`."""
    return [(layer.source, layer.lines.get(BASE_FIELD)) for layer in layers[:-1]]


def _read_base(layers: list[_Layer]) -> _Layer:
    """The base named by the last layer, read under the caps; ScenarioError against the last layer's
    `base:` when it cannot be found, closes a cycle or goes deeper than MAX_BASE_DEPTH."""
    current = layers[-1]
    ref = current.data[BASE_FIELD]
    line = current.lines.get(BASE_FIELD)
    via = _via(layers)

    def refuse(message: str) -> ScenarioError:
        return ScenarioError(current.source, [(BASE_FIELD, message)], {BASE_FIELD: line} if line else {}, via=via)

    if len(layers) - 1 >= MAX_BASE_DEPTH:
        raise refuse(f"the chain of bases is deeper than {MAX_BASE_DEPTH} files "
                     f"({' -> '.join(layer.source for layer in layers)} -> {ref!r}); a scenario's bases are at "
                     f"most {MAX_BASE_DEPTH} deep: base this file on one nearer the end of the chain")
    if not isinstance(ref, str) or not ref.strip():
        one = " (a scenario has one base)" if isinstance(ref, list) else ""
        raise refuse(f"must be one scenario name (e.g. jiangxi_baseline) or the path of a scenario file from this "
                     f"file's folder (e.g. ./other.yaml); got {_describe(ref)}{one}")
    in_chain = {layer.path for layer in layers if layer.path is not None}

    def cycle(target: Path) -> ScenarioError:
        files = [layer.source for layer in layers] + [_shown(target)]
        return refuse(f"the bases form a cycle: {' -> '.join(files)}; a scenario cannot be based on itself, "
                      "directly or through its bases")

    if is_base_path(ref):
        target = Path(ref) if Path(ref).is_absolute() else current.folder / ref
        try:
            found = target.exists() and target.resolve()
        except (OSError, ValueError, RuntimeError):  # a name too long, a NUL byte, a loop of symbolic links
            found = None
        if not found:
            looked = str(target) if str(target).isprintable() else repr(str(target))
            raise refuse(f"{ref!r}: no such file {looked} (a path is taken from the folder of the file that "
                         f"says it, {current.folder}); give a path to a scenario file or a scenario name")
        if found in in_chain:
            raise cycle(target)
    else:
        target = _named_base(ref, in_chain, refuse, cycle)
    shown = _shown(target)
    via_here = [*via, (current.source, line)]
    try:
        doc, doc_lines = read_document(target, shown, via=via_here)
    except OSError as err:  # a file removed or unreadable between the check and the read
        raise refuse(f"{ref!r}: cannot read {shown} ({err.strerror or err})") from None
    if not isinstance(doc, Mapping):
        raise ScenarioError(shown, [(DOCUMENT, f"a base must be a scenario file, a mapping of fields; got "
                                               f"{_describe(doc)}")], via=via_here)
    return _Layer(shown, doc, doc_lines, target.resolve(), target.parent, ref)


def _named_base(ref: str, in_chain: set[Path], refuse, cycle) -> Path:
    """The file of the scenario named `ref` that is not already in the chain (scenario_index's lookup order)."""
    from jobsim.model.inputs.paths import scenario_dirs
    from jobsim.model.inputs.scenario_index import scenario_names, scenario_paths

    if not NAME_PATTERN.fullmatch(ref):
        raise refuse(f"{ref!r} is neither a scenario name (lowercase letters, digits and _, e.g. jiangxi_baseline) "
                     f"nor a path to a scenario file (ending in {' or '.join(PATH_SUFFIXES)}, e.g. ./other.yaml)")
    found = scenario_paths(ref)
    fresh = [p for p in found if p.resolve() not in in_chain]
    if fresh:
        return fresh[0]
    if found:
        raise cycle(found[-1])
    folders = ", ".join(_shown(d) for d in scenario_dirs())
    raise refuse(f"no scenario named {ref!r} in {folders}; {_choices(ref, scenario_names(), 'scenarios', 'scenarios/')}"
                 "; or give the path of a scenario file from this file's folder (e.g. ./other.yaml)")


# ---- merging -----------------------------------------------------------------------------------------


class _Merge:
    """The state of one merge: the layers, the resolved period's first year, the problems found, and the
    lines of keys a null removed (so that a required field removed is reported at its null)."""

    def __init__(self, layers: list[_Layer], first_year: int | None):
        self.layers = layers
        self.first_year = first_year
        self.issues: list[tuple[str, str]] = []
        self.issue_at: dict[str, int] = {}  # issue path -> layer
        self.removed: dict[str, int] = {}  # path removed by a null -> layer

    def problem(self, path: str, layer: int, message: str) -> None:
        self.issues.append((path, message))
        self.issue_at[path] = layer

    def line(self, layer: int, path: str) -> int | None:
        return self.layers[layer].lines.get(path)


def _without_base(doc: Mapping) -> dict:
    return {k: v for k, v in doc.items() if k != BASE_FIELD}


def _first_year(layers: list[_Layer]) -> int | None:
    """The first year of the resolved period (its mappings merged key by key, a null removing a key), or
    None when it is not a whole number (validation reports the period)."""
    period: Any = None
    for layer in reversed(layers):
        if "period" not in layer.data:
            continue
        given = layer.data["period"]
        if isinstance(given, Mapping) and isinstance(period, Mapping):
            period = {**period, **given}
            period = {k: v for k, v in period.items() if v is not None}
        else:
            period = given
    first = period.get("first_year") if isinstance(period, Mapping) else None
    return first if isinstance(first, int) and not isinstance(first, bool) else None


def _merge(layers: list[_Layer]) -> ResolvedDocument:
    """The layers merged from the last base up to the file itself (the module docstring's rule)."""
    m = _Merge(layers, _first_year(layers))
    root = len(layers) - 1
    data: dict[str, Any] = _without_base(layers[root].data)
    node = _Node(root)
    for i in range(root - 1, -1, -1):
        data, node = _merge_mapping(data, node, _without_base(layers[i].data), i, "", m)
    top = layers[0].data
    missing: dict[str, str] = {}
    for key in NOT_INHERITED:
        if top.get(key) is None:
            data.pop(key, None)
            node.kids.pop(key, None)
            named = layers[1].data.get(key)
            missing[key] = (f"required: a scenario with `base:` gives its own {key} (it is not inherited"
                            + (f"; its base is {named!r})" if isinstance(named, str) else ")"))
    lines: dict[str, int] = {}
    origins: dict[str, str] = {}
    _locate(data, node, "", layers, lines, origins)
    for path, i in [*m.removed.items(), *m.issue_at.items()]:
        if path not in origins:  # a key removed by a null (or a null that removes nothing): its own line
            origins[path] = layers[i].source
            line = m.line(i, path)
            if line:
                lines[path] = line
    chain = tuple(ScenarioBase(str(layer.ref), str(layer.path), layer.data.get("name")
                               if isinstance(layer.data.get("name"), str) else None) for layer in layers[1:])
    return ResolvedDocument(data, lines, origins, chain, m.issues, missing)


def _merge_value(base: Any, base_node: _Node, child: Any, i: int, path: str, m: _Merge) -> tuple[Any, _Node]:
    if _is_schedule(path):
        return _merge_schedule(base, base_node, child, i, path, m)
    if isinstance(base, Mapping) and isinstance(child, Mapping):
        return _merge_mapping(base, base_node, child, i, path, m)
    return child, _Node(i)


def _is_schedule(path: str) -> bool:
    """Whether the field at `path` takes one value or values by year (the missing-year rule)."""
    parts = path.split(".")
    return ((len(parts) == 2 and parts[0] == "levers")
            or (len(parts) == 2 and parts[0] == "uncertainties" and parts[1] in _UNCERTAINTY_SCHEDULES)
            or (len(parts) == 3 and parts[:2] == ["uncertainties", "parameters"]))


def _inherited(base_node: _Node, key: str) -> _Node:
    return base_node.kids.get(key) or _Node(base_node.owner)


def _merge_mapping(base: Mapping, base_node: _Node, child: Mapping, i: int, path: str,
                   m: _Merge) -> tuple[dict, _Node]:
    """Key by key: a child's key replaces or merges into the inherited one, a null removes it."""
    out = dict(base)
    node = _Node(i)
    node.kids = {str(k): _inherited(base_node, str(k)) for k in base}
    for key, value in child.items():
        at = _join(path, key)
        if value is None:
            if key in out:
                del out[key]
                node.kids.pop(str(key), None)
                m.removed[at] = i
            else:
                m.problem(at, i, f"null removes an inherited value, but no base gives {at}")
            continue
        if key in out:
            out[key], node.kids[str(key)] = _merge_value(out[key], node.kids[str(key)], value, i, at, m)
        elif isinstance(value, Mapping) and not _is_schedule(at):
            # new here, but a null inside it still removes nothing: said so, as for any other null
            out[key], node.kids[str(key)] = _merge_mapping({}, _Node(i), value, i, at, m)
        else:
            out[key], node.kids[str(key)] = value, _Node(i)
    return out, node


def _gives_year(schedule: Mapping, year: int) -> bool:
    return any(_as_year(k) == year and v is not None for k, v in schedule.items())


def _merge_schedule(base: Any, base_node: _Node, child: Any, i: int, path: str, m: _Merge) -> tuple[Any, _Node]:
    """A schedule in full (one value, or years giving the first year) replaces the inherited one; years
    without the first change the inherited schedule in those years (a null removes a year)."""
    if not (isinstance(child, Mapping) and _is_year_mapping(child)):
        return child, _Node(i)
    first = m.first_year
    if first is None or _gives_year(child, first):
        return child, _Node(i)
    node = _Node(i)
    if isinstance(base, Mapping) and _is_year_mapping(base):
        out = dict(base)
        node.kids = {str(k): _inherited(base_node, str(k)) for k in base}
    else:
        # An inherited single value is the first year's value: what the missing-year rule makes of it.
        out = {first: base}
        node.kids[str(first)] = _Node(base_node.owner, line=m.line(base_node.owner, path))
    for key, value in child.items():
        year = _as_year(key)
        at = _join(path, key)
        same = [k for k in out if year is not None and _as_year(k) == year] or ([key] if key in out else [])
        for k in same:
            del out[k]
            node.kids.pop(str(k), None)
        if value is None:
            if same:
                m.removed[at] = i
            else:
                m.problem(at, i, f"null removes an inherited year, but {path} inherits no value for {key}")
            continue
        out[key] = value
        node.kids[str(key)] = _Node(i)
    return out, node


def _locate(data: Any, node: _Node, path: str, layers: list[_Layer], lines: dict[str, int],
            origins: dict[str, str]) -> None:
    """Every field of the merged document: the file it came from and its line there."""
    if isinstance(data, Mapping):
        items = [(str(k), v) for k, v in data.items()]
    elif isinstance(data, list):
        items = [(str(k), v) for k, v in enumerate(data)]
    else:
        return
    for key, value in items:
        at = _join(path, key)
        kid = node.kids.get(key) or _Node(node.owner)
        line = kid.line if kid.line is not None else layers[kid.owner].lines.get(at)
        origins[at] = layers[kid.owner].source
        if line:
            lines[at] = line
        _locate(value, kid, at, layers, lines, origins)


def merge_documents(child: Mapping, base: Mapping) -> dict[str, Any]:
    """`child` merged onto `base` (two documents in memory, by the module's rule; `base:` keys ignored)."""
    layers = [_Layer("<child>", child, {}, None, Path.cwd()), _Layer("<base>", base, {}, None, Path.cwd())]
    resolved = _merge(layers)
    if resolved.issues:
        raise ScenarioError("<child>", resolved.issues)
    return resolved.data


# ---- the changes from a base -------------------------------------------------------------------------


def _schedule(per_year: Mapping[int, Any]) -> Any:
    """A schedule in full, as short as the missing-year rule allows: one value when every year has it,
    else the first year and each year whose value changes (so that it replaces whatever a base wrote)."""
    values = list(per_year.values())
    if all(v == values[0] for v in values):
        return values[0]
    out: dict[int, Any] = {}
    previous: Any = object()
    for year, value in per_year.items():
        if value != previous:
            out[year] = value
        previous = value
    return out


def _schedules_changed(mine: Mapping[str, Mapping], theirs: Mapping[str, Mapping]) -> dict[str, Any]:
    """The schedules of `mine` that differ from `theirs` (in full), and null for those only `theirs` has."""
    out: dict[str, Any] = {k: _schedule(v) for k, v in mine.items() if theirs.get(k) != v}
    out.update({k: None for k in theirs if k not in mine})
    return out


def scenario_changes(mine: Mapping[str, Any], theirs: Mapping[str, Any], base_ref: str) -> dict[str, Any]:
    """The document of a file based on `base_ref` that resolves to `mine`, given that the base resolves to
    `theirs` (both as Scenario.to_dict gives them). Levers and uncertainties that differ are written in
    full (one value, or from the first year), so that the result does not depend on how the base's file
    writes them; what the base has and `mine` has not is removed with null."""
    out: dict[str, Any] = {BASE_FIELD: base_ref, "name": mine["name"]}
    for key in ("title", "description", "region"):
        if mine.get(key) != theirs.get(key):
            out[key] = mine.get(key)
    if mine["period"] != theirs["period"]:
        out["period"] = {k: v for k, v in mine["period"].items() if theirs["period"].get(k) != v}
    levers = _schedules_changed(mine["levers"], theirs["levers"])
    if levers:
        out["levers"] = levers
    params = {k: v for k, v in mine.get("parameters", {}).items() if theirs.get("parameters", {}).get(k) != v}
    params.update({k: None for k in theirs.get("parameters", {}) if k not in mine.get("parameters", {})})
    if params:
        out["parameters"] = params
    mine_u, theirs_u = mine.get("uncertainties", {}), theirs.get("uncertainties", {})
    uncertainties = _schedules_changed({k: v for k, v in mine_u.items() if k != "parameters"},
                                       {k: v for k, v in theirs_u.items() if k != "parameters"})
    paths = _schedules_changed(mine_u.get("parameters", {}), theirs_u.get("parameters", {}))
    if paths:
        uncertainties["parameters"] = paths
    if uncertainties:
        out["uncertainties"] = uncertainties
    for key in ("targets", "seed", "replicates", "scale"):
        if mine[key] != theirs[key]:
            out[key] = mine[key]
    return out

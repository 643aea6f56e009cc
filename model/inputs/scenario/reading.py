"""Reading scenario files from untrusted hands: bounded parsing (jobsim.model.inputs.bounded_yaml's caps on
size, nesting, nodes, no anchors or aliases) with the line of every field; duplicate keys, syntax errors
and refused files become `ScenarioError`. Shared by yaml_io (one file) and inheritance (each file of a
chain of bases), so that every file of a chain is read under the same caps.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jobsim.model.inputs.bounded_yaml import (
    MAX_NESTING_DEPTH,
    MAX_NODES,
    MAX_SCENARIO_BYTES,
    BoundedInputError,
    load_bounded_yaml,
    read_bounded_text,
)
from jobsim.model.inputs.scenario.errors import DOCUMENT, ScenarioError, _Issues


def _bounded_issue(err: BoundedInputError) -> tuple[tuple[str, str], dict[str, int]]:
    """The issue (path, message) of a refused file, and the line of its path: a field path when the
    refusal has one, `line N` for a syntax error, `(document)` for the file as a whole."""
    if err.path:
        return (err.path, err.problem), ({err.path: err.line} if err.line else {})
    if err.line:
        return (f"line {err.line}", err.problem), {}
    return (DOCUMENT, err.problem), {}


def _refused(source: str, err: BoundedInputError, via=()) -> ScenarioError:
    issue, lines = _bounded_issue(err)
    return ScenarioError(source, [issue], lines, via=via)


def parse_yaml(text: str, source: str = "<text>", via=()) -> tuple[Any, dict[str, int]]:
    """The YAML document in `text` and the line of each field path; ScenarioError on any YAML problem.

    Parsing is bounded (jobsim.model.inputs.bounded_yaml): no anchors or aliases, at most
    MAX_NESTING_DEPTH levels and MAX_NODES nodes, checked on the event stream before anything is composed.
    `via` (ScenarioError.via) says which files' `base:` led to this one, when it is a base.
    """
    if not text.strip():
        raise ScenarioError(source, [(DOCUMENT, "the file is empty: a scenario needs name, region, period, levers, "
                                                "targets, seed, replicates and scale")], via=via)
    try:
        doc = load_bounded_yaml(text, source, MAX_NESTING_DEPTH, MAX_NODES, kind="scenario file")
    except BoundedInputError as err:
        raise _refused(source, err, via) from None
    if doc is None:
        raise ScenarioError(source, [(DOCUMENT, "the file holds no YAML document (only comments or blank lines)")],
                            via=via)
    if doc.duplicates:
        issues = _Issues()
        for path, key, first, again in doc.duplicates:
            issues.add(path, f"duplicate key {key!r}: given on line {first} and again on line {again}")
        raise ScenarioError(source, issues.items, doc.lines, via=via)
    if doc.data is None:
        raise ScenarioError(source, [(DOCUMENT, "the file holds no scenario (the document is empty)")], via=via)
    return doc.data, doc.lines


def read_document(path: str | Path, source: str | None = None, via=()) -> tuple[Any, dict[str, int]]:
    """The document of the scenario file `path` and the line of each field, read under the caps.
    FileNotFoundError (and other OSErrors) pass through; anything that makes the file unusable (not a
    regular file, larger than MAX_SCENARIO_BYTES, not UTF-8, bad YAML) raises ScenarioError."""
    path = Path(path)
    source = str(path) if source is None else source
    try:
        text = read_bounded_text(path, MAX_SCENARIO_BYTES, kind="scenario files")
    except BoundedInputError as err:
        raise _refused(source, err, via) from None
    return parse_yaml(text, source, via)

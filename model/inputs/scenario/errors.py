"""Scenario errors: `ScenarioError` (every problem found, as `(path, message)` issues), the collector used
while validating, and the helpers that word messages (close matches, allowed values, pydantic errors).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

DOCUMENT = "(document)"  # the path of issues about the file as a whole
REQUIRED_MISSING = "required field missing"  # the message of a required field not given

# How many allowed values an error message lists in full before it switches to close matches.
_LIST_IN_FULL = 12
# str(ScenarioError) lists the first MAX_ISSUES_SHOWN problems, then "... and N more problems": a file with
# thousands of unknown keys gives a short report, not one line each (all stay in `.issues`).
MAX_ISSUES_SHOWN = 20
# A message longer than this is shortened in the middle (its start names the value, its end what is allowed).
MAX_MESSAGE_CHARS = 600
_KEEP_HEAD, _KEEP_TAIL = 300, 250


class ScenarioError(Exception):
    """An invalid scenario: every problem found, as `(path, message)` issues.

    `source` is the file validated. For a scenario with `base:` (inheritance.py) a value may come from
    a base file: `origins` maps such field paths to the file they were written in, and `lines` gives
    each path's line in that file, so that every issue is reported against the file that caused it.
    `via` lists how the file at fault was reached when it is a base of the file validated: the files
    whose `base:` led to it, each with the line of its `base:` key.

    Deliberately not a ValueError, so that it passes through pydantic's validators unchanged.
    """

    def __init__(self, source: str, issues: Iterable[tuple[str, str]], lines: Mapping[str, int] | None = None,
                 origins: Mapping[str, str] | None = None, via: Iterable[tuple[str, int | None]] = ()):
        self.source = str(source)
        self.issues: list[tuple[str, str]] = list(issues)
        self.lines: dict[str, int] = dict(lines or {})
        self.origins: dict[str, str] = dict(origins or {})
        self.via: tuple[tuple[str, int | None], ...] = tuple(via)
        super().__init__(self.__str__())

    def _nearest(self, path: str, table: Mapping[str, Any]) -> str | None:
        """The field `path` or its nearest enclosing field that `table` knows."""
        parts = path.split(".") if path else []
        while parts:
            key = ".".join(parts)
            if key in table:
                return key
            parts.pop()
        return None

    def line_of(self, path: str) -> int | None:
        """The line of the field `path` (or of its nearest enclosing field), if known, in the file it is
        written in (`file_of`)."""
        key = self._nearest(path, self.lines)
        return self.lines[key] if key is not None else None

    def file_of(self, path: str) -> str:
        """The file the field `path` was written in: a base file for an inherited value, else `source`.
        Found at the same enclosing field as its line, so that file and line always agree."""
        key = self._nearest(path, self.lines) or self._nearest(path, self.origins)
        return self.origins.get(key, self.source) if key is not None else self.source

    def paths(self) -> list[str]:
        return [p for p, _ in self.issues]

    def __str__(self) -> str:
        out = []
        for path, message in self.issues[:MAX_ISSUES_SHOWN]:
            at_line = not path.startswith("line ")
            line = self.line_of(path) if at_line else None
            file = self.file_of(path) if at_line else self.source
            where = [f"line {line}"] if line else []
            if file != self.source:
                where.append(f"inherited by {self.source}")
            suffix = f" ({'; '.join(where)})" if where else ""
            out.append(f"{file}: {_shortened(path)}: {_shortened(message)}{suffix}")
        hidden = len(self.issues) - MAX_ISSUES_SHOWN
        if hidden > 0:
            out.append(f"{self.source}: ... and {hidden:,} more problem{'s' if hidden != 1 else ''}")
        if self.via:
            steps = " -> ".join(f"{file} (base: on line {line})" if line else f"{file} (base:)" for file, line in self.via)
            out.append(f"{self.source}: reached as a base: {steps} -> {self.source}")
        return "\n".join(out)


def _shortened(text: str) -> str:
    """`text`, cut in the middle when longer than MAX_MESSAGE_CHARS (a value of thousands of characters)."""
    if len(text) <= MAX_MESSAGE_CHARS:
        return text
    cut = len(text) - _KEEP_HEAD - _KEEP_TAIL
    return f"{text[:_KEEP_HEAD]} … ({cut:,} characters left out) … {text[-_KEEP_TAIL:]}"


class _Issues:
    """Collects issues while validating."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, path: str, message: str) -> None:
        self.items.append((path, message))

    def __len__(self) -> int:
        return len(self.items)


def _join(*parts: object) -> str:
    return ".".join(str(p) for p in parts if p != "")


def _choices(value: object, allowed: list[str], what: str, full_list_at: str) -> str:
    """'; did you mean X? allowed: a, b, c' (short lists) or close matches and where the full list is."""
    close = difflib.get_close_matches(str(value), allowed, n=3, cutoff=0.6)
    lower = {a.lower(): a for a in allowed}
    if str(value).lower() in lower and lower[str(value).lower()] not in close:
        close.insert(0, lower[str(value).lower()])
    hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
    if len(allowed) <= _LIST_IN_FULL:
        return f"{hint}allowed {what}: {', '.join(allowed)}"
    return f"{hint}{len(allowed)} {what} are known; the full list is in {full_list_at}"


def _describe(value: object) -> str:
    """'a list ([1, 2])', 'nothing (an empty value)', 'the number 5', 'the text 'abc'' for messages."""
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return f"the boolean {value!r}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the text {value!r}"
    kind = {dict: "a mapping", list: "a list"}.get(type(value), f"a {type(value).__name__}")
    text = repr(value)
    return f"{kind} ({text[:60]}{'…' if len(text) > 60 else ''})"


def _pydantic_issues(err: ValidationError, prefix: str, model: type[BaseModel] | None, issues: _Issues) -> None:
    """Turn pydantic's errors into `(path, message)` issues: no boilerplate, no URLs."""
    for e in err.errors(include_url=False):
        loc = [str(x) for x in e["loc"]]
        path = _join(prefix, *loc)
        kind = e["type"]
        value = e.get("input")
        if kind == "extra_forbidden":
            allowed = list(model.model_fields) if model is not None else []
            msg = f"unknown field {loc[-1]!r}" if loc else "unknown field"
            if allowed:
                msg += "; " + _choices(loc[-1] if loc else "", allowed, "fields", "docs/scenarios.md")
        elif kind == "missing":
            msg = REQUIRED_MISSING
        elif kind in ("model_type", "model_attributes_type", "dict_type"):
            fields = f" with {', '.join(model.model_fields)}" if model is not None else ""
            msg = f"must be a mapping{fields}; got {_describe(value)}"
        else:
            text = e["msg"]
            text = re.sub(r"^Input should be ", "must be ", text)
            text = re.sub(r"^Value error, ", "", text)
            msg = f"{text[0].lower()}{text[1:]} (got {value!r})" if text else f"invalid value {value!r}"
        issues.add(path, msg)


def _validate_part(adapter: TypeAdapter, value: Any, path: str, model: type[BaseModel] | None, issues: _Issues):
    """Validate one part of the document with pydantic; None (and issues added) when invalid."""
    try:
        return adapter.validate_python(value)
    except ValidationError as err:
        _pydantic_issues(err, path, model, issues)
        return None

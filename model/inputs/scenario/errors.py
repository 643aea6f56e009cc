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

    Deliberately not a ValueError, so that it passes through pydantic's validators unchanged.
    """

    def __init__(self, source: str, issues: Iterable[tuple[str, str]], lines: Mapping[str, int] | None = None):
        self.source = str(source)
        self.issues: list[tuple[str, str]] = list(issues)
        self.lines: dict[str, int] = dict(lines or {})
        super().__init__(self.__str__())

    def line_of(self, path: str) -> int | None:
        """The line in the source file of the field `path` (or of its nearest enclosing field), if known."""
        parts = path.split(".") if path else []
        while parts:
            key = ".".join(parts)
            if key in self.lines:
                return self.lines[key]
            parts.pop()
        return None

    def paths(self) -> list[str]:
        return [p for p, _ in self.issues]

    def __str__(self) -> str:
        out = []
        for path, message in self.issues[:MAX_ISSUES_SHOWN]:
            line = self.line_of(path) if not path.startswith("line ") else None
            suffix = f" (line {line})" if line else ""
            out.append(f"{self.source}: {_shortened(path)}: {_shortened(message)}{suffix}")
        hidden = len(self.issues) - MAX_ISSUES_SHOWN
        if hidden > 0:
            out.append(f"{self.source}: ... and {hidden:,} more problem{'s' if hidden != 1 else ''}")
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
            msg = "required field missing"
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

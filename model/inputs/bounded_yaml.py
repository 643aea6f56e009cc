"""Reading small YAML files (scenarios, sweeps) from untrusted hands: bounded in bytes, nesting and nodes.

A hostile or broken file must be refused within a second, with a message naming the line, and never
exhaust memory, recurse without bound or take quadratic time. So:

- `read_bounded_text(path, max_bytes)` refuses anything that is not a regular file (`/dev/zero`, a
  FIFO, a directory) before opening it, refuses a file larger than `max_bytes`, and never reads more
  than `max_bytes + 1` bytes (a file that grows while it is read is caught too). The text must be
  UTF-8 and free of the control characters YAML forbids (a NUL byte, for instance): the message gives
  the line and column.
- `load_bounded_yaml(text, source, max_depth, max_nodes)` checks the YAML *event stream* before anything
  is composed: anchors and aliases (`&a`, `*a`) are refused outright (the "billion laughs" expansion;
  a scenario never needs them), as is nesting deeper than `max_depth` mappings and lists, more than
  `max_nodes` nodes (values, lists and mappings), a text value longer than `MAX_SCALAR_CHARS` characters,
  and more than one document. Only then are the checked events composed and constructed (PyYAML's
  safe constructor), so the recursive composer only ever sees a small tree. The events come from
  libyaml's parser where PyYAML has it (the pure-Python parser takes seconds for 100,000 nodes). The same pass records the
  line of every field path and the duplicate keys (YAML would silently keep the last).

The caps scenario files use (`MAX_SCENARIO_BYTES`, `MAX_NESTING_DEPTH`, `MAX_NODES`, `MAX_SCALAR_CHARS`)
are documented in docs/scenarios.md ("Limits"). Every refusal raises `BoundedInputError`.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml import events as ev

MAX_SCENARIO_BYTES = 1_000_000  # 1 MB: the bundled scenarios are about 2-3 KB
MAX_NESTING_DEPTH = 20  # levels of mappings and lists; a scenario uses at most 5 (levers.X.YEAR.{value, unit})
MAX_NODES = 10_000  # values, lists and mappings; a scenario has about 60 (each inline target adds about 26)
MAX_SCALAR_CHARS = 10_000  # characters in one value; a long description is a few hundred

_BYTES_PER_MB = 1_000_000

# The characters YAML 1.1 allows in a stream (PyYAML's reader refuses the others): tab, line feed,
# carriage return, printable ASCII, NEL and the printable Unicode planes.
_NOT_ALLOWED_IN_YAML = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_CONTROL_NAMES = {0: "NUL", 7: "BEL", 8: "backspace", 0x1B: "ESC", 0x7F: "DEL"}


class BoundedInputError(Exception):
    """A file refused before or while parsing: `problem`, with the `line` (1-based) and field `path` when known.

    Not a ValueError, so it passes through pydantic validators and PyYAML's constructor unchanged.
    """

    def __init__(self, source: str, problem: str, line: int | None = None, path: str | None = None):
        self.source = str(source)
        self.problem = problem
        self.line = line
        self.path = path
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path or (f"line {self.line}" if self.line else "(document)")
        line = f" (line {self.line})" if self.line and self.path else ""
        return f"{self.source}: {where}: {self.problem}{line}"


@dataclass
class YamlDocument:
    """A parsed document: its data, the line of each field path ('levers.loan_issuance_yuan', 'targets.0'),
    and the duplicate keys as (field path, key, first line, repeated line)."""

    data: Any
    lines: dict[str, int] = field(default_factory=dict)
    duplicates: list[tuple[str, str, int, int]] = field(default_factory=list)


# ---- reading the bytes -----------------------------------------------------------------------------


def _file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode):
        return "a character device (such as /dev/zero)"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _megabytes(n_bytes: int) -> str:
    return f"{n_bytes / _BYTES_PER_MB:.1f} MB ({n_bytes:,} bytes)"


def read_bounded_text(path: str | Path, max_bytes: int = MAX_SCENARIO_BYTES, kind: str = "scenario files") -> str:
    """The UTF-8 text of the regular file `path`, read without ever holding more than `max_bytes + 1` bytes.

    FileNotFoundError (and other OSErrors) pass through; anything else that makes the file unusable
    (not a regular file, too large, not UTF-8, a control character) raises BoundedInputError.
    `kind` names the files in messages ("scenario files are at most 1 MB").
    """
    path = Path(path)
    source = str(path)
    info = os.stat(path)  # follows symbolic links: a link to a regular file is fine
    if not stat.S_ISREG(info.st_mode):
        raise BoundedInputError(source, f"is {_file_kind(info.st_mode)}, not a file; {kind} must be regular files")
    cap = f"{kind} are at most {max_bytes / _BYTES_PER_MB:g} MB"
    if info.st_size > max_bytes:
        raise BoundedInputError(source, f"{cap}; this one is {_megabytes(info.st_size)}")
    # O_NONBLOCK: a FIFO put in the file's place after the check above must not block the open.
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        mode = os.fstat(handle.fileno()).st_mode
        if not stat.S_ISREG(mode):  # replaced between the check and the open
            raise BoundedInputError(source, f"is {_file_kind(mode)}, not a file; {kind} must be regular files")
        raw = handle.read(max_bytes + 1)  # one byte more than allowed: a file that grew is caught as well
    if len(raw) > max_bytes:
        raise BoundedInputError(source, f"{cap}; this one grew to more than that while it was read")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise BoundedInputError(
            source, f"the file is not UTF-8 text ({err.reason} at byte {err.start}, line {line}); save it as UTF-8"
        ) from None
    check_characters(text, source)
    return text


def check_characters(text: str, source: str) -> None:
    """BoundedInputError naming the line and column of the first character YAML does not allow (a NUL byte ...)."""
    bad = _NOT_ALLOWED_IN_YAML.search(text)
    if bad is None:
        return
    i = bad.start()
    code = ord(bad.group())
    name = _CONTROL_NAMES.get(code, "a control character" if code < 0x20 or 0x7F <= code < 0xA0 else "a non-character")
    line = text.count("\n", 0, i) + 1
    column = i - (text.rfind("\n", 0, i) + 1) + 1
    hint = " (a NUL byte usually means a binary file, or text saved as UTF-16)" if code == 0 else ""
    raise BoundedInputError(
        source,
        f"column {column}: the character U+{code:04X} ({name}) is not allowed in a YAML file{hint}; remove it",
        line=line,
    )


# ---- checking the event stream ---------------------------------------------------------------------


def _join(path: str, key: object) -> str:
    key = str(key)
    if path == "":
        return key
    return path if key == "" else f"{path}.{key}"


class _Container:
    """One open mapping or list while the event stream is walked."""

    __slots__ = ("is_mapping", "path", "expect_key", "key", "index", "seen", "in_key")

    def __init__(self, is_mapping: bool, path: str, in_key: bool):
        self.is_mapping = is_mapping
        self.path = path
        self.expect_key = True  # mapping: the next node is a key
        self.key: str | None = None  # mapping: the current key (None for a key that is a mapping or a list)
        self.index = 0  # list: the position of the next item
        self.seen: dict[str, int] = {}
        self.in_key = in_key  # inside a complex key (a mapping or list used as a key): no paths recorded


def _too_deep(max_depth: int, kind: str) -> str:
    return f"mappings and lists nested more than {max_depth} levels deep; a {kind} needs a few levels"


def _marked_problem(err: yaml.YAMLError, kind: str) -> tuple[int | None, str]:
    """(line, message) for PyYAML's syntax errors, without its boilerplate."""
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    problem = getattr(err, "problem", None) or str(err)
    context = getattr(err, "context", None)
    if "maximum nesting depth" in problem:  # libyaml's own cap (1,000), met while it scans ahead of the events
        return line, _too_deep(MAX_NESTING_DEPTH, kind)
    if "expected a single document" in f"{context} {problem}":
        return line, f"the file holds more than one YAML document ('---'); a {kind} is one document"
    if context:
        cmark = getattr(err, "context_mark", None)
        where = f" (line {cmark.line + 1})" if cmark is not None and mark is not None and cmark.line != mark.line else ""
        return line, f"YAML syntax error: {context}{where}: {problem}"
    return line, f"YAML syntax error: {problem}"


def _checked_events(text: str, source: str, max_depth: int, max_nodes: int, kind: str) -> tuple[list, YamlDocument]:
    """Every event of `text`, checked against the caps, with the line map and duplicates of the document."""
    doc = YamlDocument(data=None)
    out: list = []
    stack: list[_Container] = []
    n_nodes = 0
    n_documents = 0
    parser = _event_parser(text)
    try:
        while parser.check_event():
            event = parser.get_event()
            line = event.start_mark.line + 1
            if isinstance(event, ev.DocumentStartEvent):
                n_documents += 1
                if n_documents > 1:
                    raise BoundedInputError(
                        source, f"the file holds more than one YAML document ('---'); a {kind} is one document", line=line
                    )
            if isinstance(event, (ev.CollectionEndEvent,)):
                stack.pop()
                out.append(event)
                continue
            if not isinstance(event, ev.NodeEvent):
                out.append(event)
                continue

            # Where this node sits: a key of a mapping, a value under a key, or an item of a list.
            parent = stack[-1] if stack else None
            path = ""
            is_key = False
            in_key = parent.in_key if parent is not None else False
            if parent is not None:
                if parent.is_mapping:
                    if parent.expect_key:
                        is_key = True
                        path = parent.path
                    else:
                        path = _join(parent.path, parent.key) if parent.key is not None else parent.path
                    parent.expect_key = not parent.expect_key
                else:
                    path = _join(parent.path, parent.index)
                    if not in_key:
                        doc.lines.setdefault(path, line)
                    parent.index += 1

            if isinstance(event, ev.AliasEvent) or getattr(event, "anchor", None) is not None:
                mark = f"*{event.anchor}" if isinstance(event, ev.AliasEvent) else f"&{event.anchor}"
                raise BoundedInputError(
                    source,
                    f"YAML anchors and aliases ({mark}) are not allowed in {kind}s: write the value out in full",
                    line=line, path=path or None,
                )
            n_nodes += 1
            if n_nodes > max_nodes:
                raise BoundedInputError(
                    source, f"the file holds more than {max_nodes:,} YAML nodes (values, lists and mappings); "
                    f"a {kind} needs far fewer", line=line,
                )
            if isinstance(event, ev.ScalarEvent) and len(event.value) > MAX_SCALAR_CHARS:
                raise BoundedInputError(
                    source, f"a value of {len(event.value):,} characters; at most {MAX_SCALAR_CHARS:,} are allowed",
                    line=line, path=path or None,
                )

            if is_key:
                if isinstance(event, ev.ScalarEvent):
                    key = event.value
                    parent.key = key
                    if not in_key:
                        child = _join(parent.path, key)
                        if key in parent.seen:
                            doc.duplicates.append((child, key, parent.seen[key], line))
                        else:
                            parent.seen[key] = line
                            doc.lines.setdefault(child, line)
                else:
                    parent.key = None  # a mapping or list as a key: its value is filed under the parent's path
                    in_key = True

            if isinstance(event, ev.CollectionStartEvent):
                if len(stack) >= max_depth:
                    raise BoundedInputError(source, _too_deep(max_depth, kind), line=line, path=path or None)
                stack.append(_Container(isinstance(event, ev.MappingStartEvent), path, in_key))
            out.append(event)
    except yaml.YAMLError as err:
        line, problem = _marked_problem(err, kind)
        raise BoundedInputError(source, problem, line=line) from None
    finally:
        getattr(parser, "dispose", lambda: None)()
    return out, doc


def _event_parser(text: str):
    """libyaml's parser when PyYAML was built with it (about 30 times faster: 100,000 nodes in 0.1 s),
    else PyYAML's own; both give the same events and lines."""
    if yaml.__with_libyaml__:
        from yaml._yaml import CParser

        return CParser(text)
    return yaml.SafeLoader(text)


class _ReplayLoader(yaml.composer.Composer, yaml.constructor.SafeConstructor, yaml.resolver.Resolver):
    """Composes and constructs a document from events already checked (PyYAML's composer reads the parser's
    check_event / peek_event / get_event; these replay the list instead of parsing again)."""

    def __init__(self, events: list, source: str):
        self._events = events
        self._next = 0
        self._source = source
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)

    def check_event(self, *choices) -> bool:
        if self._next >= len(self._events):
            return False
        return not choices or isinstance(self._events[self._next], choices)

    def peek_event(self):
        return self._events[self._next] if self._next < len(self._events) else None

    def get_event(self):
        event = self._events[self._next]
        self._next += 1
        return event

    def construct_object(self, node, deep=False):
        # A value the constructor cannot turn into Python (a date 2021-13-45, an integer of 5,000
        # digits) raises ValueError or OverflowError: report it with its line, not as a traceback.
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError, TypeError) as err:
            shown = node.value if isinstance(node.value, str) else node.tag
            shown = shown if len(shown) <= 60 else shown[:60] + "…"
            raise BoundedInputError(
                self._source, f"cannot read the value {shown!r}: {err}", line=node.start_mark.line + 1
            ) from None


def load_bounded_yaml(text: str, source: str = "<text>", max_depth: int = MAX_NESTING_DEPTH,
                      max_nodes: int = MAX_NODES, kind: str = "scenario file") -> YamlDocument | None:
    """The one YAML document in `text` (None when it holds none: only comments or blank lines), checked
    against the caps before anything is composed; BoundedInputError for any problem, with its line."""
    check_characters(text, source)
    events, doc = _checked_events(text, source, max_depth, max_nodes, kind)
    loader = _ReplayLoader(events, source)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        doc.data = loader.construct_document(node)
    except yaml.YAMLError as err:
        line, problem = _marked_problem(err, kind)
        raise BoundedInputError(source, problem, line=line) from None
    return doc

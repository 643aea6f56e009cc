"""`jobsim runs list|show|rm`: what a results folder's run catalogue holds (its stored runs, ensembles,
comparisons and sweeps), one entry in full, and removing an entry (with --delete-files, its result too).

The catalogue itself (ids, statuses, what is served) is jobsim.model.outputs.run_catalogue, reached through
the API; this module only renders it.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from jobsim.model.cli import render
from jobsim.model.cli.errors import UsageError, handle_errors
from jobsim.model.cli.options import FormatOption
from jobsim.model.cli.render import OutputFormat

# The results folder `jobsim run-bundled` writes by default (its --out-dir), and so where runs look.
DEFAULT_RESULTS = Path("out")
# Summary fields shown in the list's table (all of them in `show` and in csv/json).
LIST_SUMMARY_FIELDS = 4
LIST_SUMMARY_FIRST = ("scenario", "replicates", "seed", "scale")  # shown first when a summary has them
SIGNIFICANT_DIGITS = 6  # of a summary's figures in tables (json and csv keep them all)
SHOWN_REQUEST_FIELDS = ("replicates", "seed", "scale", "data_sha256", "run_specs_sha256")

runs_app = typer.Typer(
    help="The run catalogue of a results folder: list its entries, show one, remove one.",
    no_args_is_help=True,
)

ResultsOption = typer.Option(DEFAULT_RESULTS, "--results", metavar="DIR",
                             help="the results folder whose catalogue.sqlite to read")


def _catalogue(results: Path, missing_ok: bool = False):
    """The results folder's catalogue; None when it has none and `missing_ok`."""
    from jobsim.model import api

    if results.exists() and not results.is_dir():
        raise UsageError(f"--results {results}: is a file, not a folder; give the results folder")
    if not results.is_dir() and missing_ok:  # no folder yet: nothing has been stored there
        return None
    if not results.is_dir():
        raise UsageError(f"--results {results}: no such folder; give the folder of `jobsim run --out` or "
                         "`run-bundled --out-dir` (default: out)")
    try:
        return api.Catalogue(results, create=False)
    except api.CatalogueNotFoundError as exc:
        if missing_ok:
            return None
        raise UsageError(f"--results {results}: {exc}") from None


def _entry(catalogue, id_or_prefix: str):
    from jobsim.model import api

    try:
        return catalogue.show(id_or_prefix)
    except api.EntryNotFoundError as exc:
        raise UsageError(f"ID {id_or_prefix}: {exc}") from None


def _flat(value: object, prefix: str = "") -> list[tuple[str, object]]:
    """Nested mappings as (dotted key, value) pairs, for one-line cells and two-column tables."""
    if isinstance(value, dict):
        out = []
        for key, item in value.items():
            out += _flat(item, f"{prefix}.{key}" if prefix else str(key))
        return out
    if isinstance(value, list):
        return [(prefix, json.dumps(value, ensure_ascii=False))]
    return [(prefix, value)]


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.{SIGNIFICANT_DIGITS}g}"
    return "" if value is None else str(value)


LIST_COLUMNS = ["id", "kind", "status", "created_at", "finished_at", "path", "result_size", "summary", "message",
                "jobsim_version"]


def _row(e) -> dict:
    """An entry as list/CSV/JSON give it: everything but the request (`show` has it)."""
    return {"id": e.id, "kind": e.kind, "status": e.status, "created_at": e.created_at,
            "finished_at": e.finished_at, "path": e.stored_path, "result_size": e.result_size,
            "summary": e.summary, "message": e.message, "jobsim_version": e.jobsim_version}


@runs_app.command("list")
@handle_errors
def list_runs(
    results: Path = ResultsOption,
    kind: str | None = typer.Option(None, "--kind", help="only entries of this kind: run, ensemble, comparison, sweep"),
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """The entries of the catalogue, newest first: id, kind, status, times, where the result is, a summary."""
    from jobsim.model import api

    catalogue = _catalogue(results, missing_ok=True)
    try:
        entries = catalogue.list(kind) if catalogue is not None else []
    except api.CatalogueError as exc:
        raise UsageError(f"--kind: {exc}") from None
    if catalogue is None:
        typer.echo(f"no run catalogue in {results}: nothing has been stored there yet", err=True)
    rows = [_row(e) for e in entries]
    if fmt is OutputFormat.json:
        render.emit_data(fmt, document=rows)
        return
    if fmt is OutputFormat.csv:
        import pandas as pd

        frame = pd.DataFrame([{**r, "summary": json.dumps(r["summary"], ensure_ascii=False, sort_keys=True)}
                              for r in rows], columns=LIST_COLUMNS)
        render.emit_data(fmt, frame)
        return
    if not entries:
        if catalogue is not None:
            render.say(f"no entries in {catalogue.file}")
        return
    table_rows = []
    for e in entries:
        scalars = sorted(((k, v) for k, v in _flat(e.summary) if "." not in k),
                         key=lambda kv: LIST_SUMMARY_FIRST.index(kv[0]) if kv[0] in LIST_SUMMARY_FIRST
                         else len(LIST_SUMMARY_FIRST))[:LIST_SUMMARY_FIELDS]
        note = ", ".join(f"{k} {_cell(v)}" for k, v in scalars) or (e.message or "")
        table_rows.append([e.short_id, e.kind, e.status, e.created_at, e.finished_at or "", e.stored_path, note])
    render.table(["id", "kind", "status", "created", "finished", "result",
                  "summary"], table_rows, title=str(catalogue.file))


@runs_app.command("show")
@handle_errors
def show(
    id: str = typer.Argument(..., metavar="ID", help="an entry's id, or its first characters (unique)"),
    results: Path = ResultsOption,
    fmt: FormatOption = OutputFormat.table,
) -> None:
    """One entry in full: its status, times, owner, result (path, size, sha256), summary and request."""
    e = _entry(_catalogue(results), id)
    if fmt is OutputFormat.json:
        render.emit_data(fmt, document=e.to_dict())
        return
    fields = [("id", e.id), ("kind", e.kind), ("status", e.status), ("created_at", e.created_at),
              ("finished_at", e.finished_at), ("path", str(e.path)), ("result_size", e.result_size),
              ("result_sha256", e.result_sha256), ("owner", f"pid {e.owner_pid} on {e.owner_host}"),
              ("message", e.message), ("jobsim_version", e.jobsim_version),
              *((f"summary.{k}", v) for k, v in _flat(e.summary))]
    request = e.request.get("request", {})
    if fmt is OutputFormat.csv:
        import pandas as pd

        fields += [(f"request.{k}", v) for k, v in _flat(request)]
        render.emit_data(fmt, pd.DataFrame(fields, columns=["field", "value"]))
        return
    scenario = request.get("scenario") if isinstance(request.get("scenario"), dict) else None
    fields += [("request.scenario", scenario.get("name"))] if scenario else []
    fields += [(f"request.{k}", request[k]) for k in SHOWN_REQUEST_FIELDS if k in request]
    render.table(["field", "value"], [[k, _cell(v)] for k, v in fields if v is not None])
    render.say("the whole request: `jobsim runs show ID --format json`")


@runs_app.command("rm")
@handle_errors
def rm(
    id: str = typer.Argument(..., metavar="ID", help="an entry's id, or its first characters (unique)"),
    results: Path = ResultsOption,
    delete_files: bool = typer.Option(False, "--delete-files",
                                      help="delete the entry's result (file or store) too; without it, only the "
                                           "catalogue's row goes and the result stays where it is"),
) -> None:
    """Remove an entry from the catalogue (the next identical request is computed again)."""
    catalogue = _catalogue(results)
    entry, deleted = catalogue.remove(_entry(catalogue, id).id, delete_files=delete_files)
    what = f"and deleted {', '.join(str(p) for p in deleted)}" if deleted else (
        f"(its result {entry.stored_path} kept)" if entry.path.exists() else "(its result was already gone)")
    render.say(f"removed {entry.kind} {entry.short_id} from {catalogue.file} {what}")

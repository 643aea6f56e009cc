"""Evaluators: how a list of run specifications (or any picklable tasks) is carried out.

An evaluator maps a top-level function over tasks and yields the results in task order, so the
result of an ensemble never depends on who ran it. `SequentialEvaluator` runs in this process;
`ProcessEvaluator` in local worker processes, started with `fork` or `spawn` (the function and its
tasks are pickled, nothing is taken from module globals, so both work); the experiments issue adds
Dask. Evaluators are context managers, as EMA Workbench's are: the pool lives as long as the `with`.

    with ProcessEvaluator(workers=2) as ev:
        results = list(ev.map(run_spec, specs))
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Protocol

START_METHOD_VARIABLE = "JOBSIM_START_METHOD"


class Evaluator(Protocol):
    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]: ...

    def __enter__(self) -> "Evaluator": ...

    def __exit__(self, *exc) -> None: ...


class SequentialEvaluator:
    """Runs every task here, one after another."""

    workers = 1

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        for task in tasks:
            yield fn(task)

    def __enter__(self) -> "SequentialEvaluator":
        return self

    def __exit__(self, *exc) -> None:
        return None


def default_start_method() -> str:
    """`fork` where the platform has it and it is safe (Linux: cheap start, no re-import), else `spawn`;
    the environment variable JOBSIM_START_METHOD chooses explicitly (fork, spawn or forkserver).

    Importing mesa sets multiprocessing's *global* start method to spawn, so the method is always
    passed explicitly as a context, never taken from the global default."""
    chosen = os.environ.get(START_METHOD_VARIABLE, "").strip()
    methods = multiprocessing.get_all_start_methods()
    if chosen:
        if chosen not in methods:
            raise ValueError(f"{START_METHOD_VARIABLE}={chosen!r} is not a start method here; allowed: {', '.join(methods)}")
        return chosen
    return "fork" if sys.platform.startswith("linux") and "fork" in methods else "spawn"


class ProcessEvaluator:
    """Runs tasks in `workers` local processes; results come back in task order."""

    def __init__(self, workers: int = 2, start_method: str | None = None):
        if workers < 1:
            raise ValueError(f"workers: {workers} is not allowed; give at least 1")
        self.workers = int(workers)
        self.start_method = start_method or default_start_method()
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> "ProcessEvaluator":
        ctx = multiprocessing.get_context(self.start_method)
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx)
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            # On an error or interrupt, queued tasks are dropped rather than run to no purpose.
            self._pool.shutdown(wait=True, cancel_futures=exc[0] is not None)
            self._pool = None

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        if self._pool is None:
            raise RuntimeError("use a ProcessEvaluator inside `with` (it owns a pool of processes)")
        return self._pool.map(fn, list(tasks))


def evaluator_for(workers: int, n_tasks: int, start_method: str | None = None) -> SequentialEvaluator | ProcessEvaluator:
    """Sequential for one worker or one task, else local processes (never more than there are tasks)."""
    if workers <= 1 or n_tasks <= 1:
        return SequentialEvaluator()
    return ProcessEvaluator(min(workers, n_tasks), start_method)

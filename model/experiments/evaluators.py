"""Evaluators: how a list of run specifications (or any picklable tasks) is carried out.

An evaluator maps a top-level function over tasks and yields the results in task order, so the
result of an ensemble never depends on who ran it. `SequentialEvaluator` runs in this process;
`ProcessEvaluator` in local worker processes, started with `fork` or `spawn` (the function and its
tasks are pickled, nothing is taken from module globals, so both work); the experiments issue adds
Dask. Evaluators are context managers, as EMA Workbench's are: the pool lives as long as the `with`
(`KeptProcessEvaluator`'s lives on, for a server that runs many small ensembles).

    with ProcessEvaluator(workers=2) as ev:
        results = list(ev.map(run_spec, specs))

Worker processes end with their parent: each starts with `_worker_start`, which on Linux asks the kernel
to send it SIGTERM when its parent dies (PR_SET_PDEATHSIG) and, everywhere, watches its parent's pid, so
that killing a run (even with SIGKILL) ends its workers within about a second instead of leaving them
blocked on a pipe nobody reads. Workers ignore SIGINT: Ctrl-C reaches the whole process group, and the
parent alone handles it, stopping the workers (`__exit__`) without a traceback from each of them.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any, Protocol

START_METHOD_VARIABLE = "JOBSIM_START_METHOD"
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>: the signal a process gets when its parent dies
# How often a worker looks at its parent's pid: a worker of a killed run ends within about this long
# even where PR_SET_PDEATHSIG is missing.
PARENT_CHECK_SECONDS = 0.5
EXIT_PARENT_GONE = 1  # a worker's exit status when it ends because its parent has gone
# How long stopping the workers of an interrupted ensemble may wait for each to end after SIGTERM.
WORKER_STOP_SECONDS = 5.0


def _worker_start(parent_pid: int | None) -> None:
    """The initializer of every worker process (top level, so that fork and spawn can both run it): end
    with the parent, leave Ctrl-C to the parent, and die quietly on SIGTERM.

    `parent_pid` is the pid of the process that made the pool; None when the worker's parent is another
    process (a forkserver), so that only the kernel's death signal applies."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the command's handler, copied by fork
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM))
        except (OSError, AttributeError):  # no C library to ask: the watch below still applies
            pass
    if parent_pid is None:
        return
    if os.getppid() != parent_pid:  # the parent died before the death signal was asked for
        os._exit(EXIT_PARENT_GONE)
    threading.Thread(target=_watch_parent, args=(parent_pid,), name="jobsim-parent-watch", daemon=True).start()


def _watch_parent(parent_pid: int) -> None:
    """End this worker as soon as its parent is gone (it is re-parented: the pid changes)."""
    while True:
        time.sleep(PARENT_CHECK_SECONDS)
        if os.getppid() != parent_pid:
            os._exit(EXIT_PARENT_GONE)


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
        # Under fork and spawn a worker's parent is this process; under forkserver it is the server.
        parent = os.getpid() if self.start_method in ("fork", "spawn") else None
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=ctx,
                                         initializer=_worker_start, initargs=(parent,))
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if exc_type is not None:
            # On an error or interrupt the results are lost anyway: queued tasks are dropped and running
            # ones stopped rather than run to no purpose (a replicate may take minutes).
            _stop_workers(pool)
        pool.shutdown(wait=True, cancel_futures=exc_type is not None)

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        if self._pool is None:
            raise RuntimeError("use a ProcessEvaluator inside `with` (it owns a pool of processes)")
        return self._pool.map(fn, list(tasks))


class KeptProcessEvaluator(ProcessEvaluator):
    """A ProcessEvaluator whose workers outlive each `with`: for a long-lived process (the app's server)
    that runs many small ensembles. Starting workers and importing jobsim into them costs about 1.5 s of
    CPU each, more than a preview's whole ensemble, so a pool made for every ensemble is slower than
    running in turn; a kept, warmed pool runs a four-replicate preview on two workers in about two thirds
    of the time of one after another (benchmarks/README.md, "The app").

    Entering starts the workers if they are not running; leaving keeps them, unless the block raised (the
    pool is stopped, and the next `with` starts a fresh one). `warm_up(fn, tasks)` sends tasks (without
    waiting) that import and load what a run needs; `close()` ends the workers. Default start method:
    forkserver where the platform has it, since forking a server that runs threads is unsafe."""

    def __init__(self, workers: int = 2, start_method: str | None = None):
        if start_method is None and "forkserver" in multiprocessing.get_all_start_methods():
            start_method = "forkserver"
        super().__init__(workers, start_method)
        self._lock = threading.Lock()  # one ensemble at a time; a server runs sessions in threads

    def __enter__(self) -> "KeptProcessEvaluator":
        self._lock.acquire()
        try:
            if self._pool is None:
                super().__enter__()
        except BaseException:
            self._lock.release()
            raise
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is not None:
                super().__exit__(exc_type, exc, tb)  # stops the workers; the next `with` starts fresh ones
        finally:
            self._lock.release()

    def warm_up(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> None:
        """Send `tasks` to the workers without waiting for them (one per worker: the first task a worker
        runs pays its imports)."""
        with self._lock:
            if self._pool is None:
                super().__enter__()
            for task in tasks:
                self._pool.submit(fn, task)

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """End a pool's workers now (SIGTERM, which they do not handle), dropping its queued tasks."""
    stop = getattr(pool, "terminate_workers", None)  # Python >= 3.14
    if stop is not None:
        stop()
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(WORKER_STOP_SECONDS)


@contextmanager
def frozen_heap() -> Iterator[None]:
    """For the block, keep every object alive at its start out of the cycle collector's sight (gc.freeze).

    For many short simulations that each end with `gc.collect()` (a model is a web of references that
    only the cycle collector frees): a full collection looks at every tracked object, and a process that
    imported pandas, statsmodels and xarray holds about 150,000 of them, 0.14 s a collection on this
    machine; frozen, a collection looks only at what the simulation made. Worker processes forked inside
    the block inherit the frozen heap. Leaves the state alone when something froze the heap before."""
    if gc.get_freeze_count():
        yield
        return
    gc.collect()  # what is garbage now is freed, not frozen
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def evaluator_for(workers: int, n_tasks: int, start_method: str | None = None) -> SequentialEvaluator | ProcessEvaluator:
    """Sequential for one worker or one task, else local processes (never more than there are tasks)."""
    if workers <= 1 or n_tasks <= 1:
        return SequentialEvaluator()
    return ProcessEvaluator(min(workers, n_tasks), start_method)

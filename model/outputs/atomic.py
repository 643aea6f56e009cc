"""Writing files whole or not at all, one writer at a time: a lock beside the target, a temporary file
beside it, then one rename.

- Temporary files are named `.<name>.jobsim-<pid>.tmp`, so that a later write of the same target can
  tell whose they are: before writing, the temporary files of the same target whose process is no longer
  alive are removed (what a run killed with SIGKILL, which nothing can catch, leaves behind). On every
  exit that can be caught (an error, Ctrl-C, SIGTERM: the command line turns it into an exception) the
  temporary file is removed by the `finally` of `atomic_path`.
- The lock is `fcntl.flock` on `.<name>.lock` beside the target, holding the writer's pid. It is taken
  without waiting: a second writer of the same target is refused at once (OutputBusyError, naming the
  pid of the first) rather than queued, so that two runs never silently overwrite each other's result and
  the second learns immediately. A command takes it when it checks its outputs, before any work
  (`output_lock`), and holds it until the rename; `atomic_path` takes it itself when no caller holds it.
  The kernel releases a lock when its process dies, so a lock file left by a killed process never blocks:
  the next writer takes it, and removes the file when it is done.
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TEMP_MARK = "jobsim"
LOCK_SUFFIX = ".lock"
TEMP_SUFFIX = ".tmp"
RESULT_FILE_MODE = 0o644  # results are for everyone to read
# Kernel and device filesystems (types of /proc/self/mounts): not places for a result file, though some
# (devtmpfs) accept one, it would be lost at the next boot; others (proc, sysfs) refuse it only at the end.
SPECIAL_FILESYSTEMS = frozenset({
    "proc", "sysfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "debugfs", "tracefs", "securityfs", "configfs",
    "bpf", "pstore", "efivarfs", "fusectl", "mqueue", "hugetlbfs", "binfmt_misc", "autofs", "rpc_pipefs", "nsfs",
})
MOUNTS_FILE = "/proc/self/mounts"
# How often a lock is taken again when its file was replaced between opening and locking (a writer that
# finished removes it): a few retries suffice, this bounds the loop.
LOCK_ATTEMPTS = 5


class OutputBusyError(RuntimeError):
    """Another process is writing the same output file (it holds the lock); the message names its pid."""

    def __init__(self, path: Path, pid: int | None):
        self.path = path
        self.pid = pid
        who = f"another jobsim process (pid {pid})" if pid else "another jobsim process"
        super().__init__(f"{who} is writing {path}; wait for it to finish, or write to another file")


def temp_path(path: Path, pid: int | None = None) -> Path:
    """The temporary file a process writes before renaming it over `path`."""
    return path.with_name(f".{path.name}.{TEMP_MARK}-{pid if pid is not None else os.getpid()}{TEMP_SUFFIX}")


def lock_path(path: Path) -> Path:
    """The lock file of the output `path`."""
    return path.with_name(f".{path.name}{LOCK_SUFFIX}")


def _temp_pattern(path: Path) -> re.Pattern:
    return re.compile(rf"\.{re.escape(path.name)}\.{TEMP_MARK}-(\d+){re.escape(TEMP_SUFFIX)}")


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists (a zombie counts: it has not been reaped yet)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    return True


def remove_stale_temp_files(path: str | Path) -> list[Path]:
    """Remove the temporary files of `path` left by processes that are no longer alive; returns those removed.
    (One left by an earlier process with this one's recycled pid is replaced when this process writes.)"""
    path = Path(path)
    pattern = _temp_pattern(path)
    removed = []
    try:
        names = os.listdir(path.parent if str(path.parent) else ".")
    except OSError:
        return removed
    for name in names:
        match = pattern.fullmatch(name)
        if match is None:
            continue
        pid = int(match.group(1))
        if not process_alive(pid):
            try:
                os.unlink(path.with_name(name))
                removed.append(path.with_name(name))
            except FileNotFoundError:
                pass
    return removed


def special_filesystem(folder: str | Path) -> str | None:
    """The type of the kernel or device filesystem `folder` is on (e.g. 'proc', 'sysfs'), or None: an
    ordinary filesystem, or no mount table to read (not Linux)."""
    try:
        with open(MOUNTS_FILE, encoding="utf-8", errors="replace") as mounts:
            table = [line.split()[1:3] for line in mounts if len(line.split()) >= 3]
    except OSError:
        return None
    where = os.path.realpath(folder)
    best, kind = "", None
    for mount_point, fs_type in table:
        mount_point = mount_point.replace("\\040", " ")  # the mount table escapes spaces
        inside = where == mount_point or where.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) >= len(best):
            best, kind = mount_point, fs_type
    return kind if kind in SPECIAL_FILESYSTEMS else None


# ---- the lock -----------------------------------------------------------------------------------------


class _Lock:
    """A held lock: the open lock file and how many `output_lock` blocks of this process hold it."""

    def __init__(self, fd: int, file: Path):
        self.fd = fd
        self.file = file
        self.depth = 1


_held: dict[Path, _Lock] = {}
_held_guard = threading.Lock()


def _forget_locks_in_child() -> None:
    """A forked child (a worker process) does not own its parent's locks: drop its copies of the lock
    files, so that the locks end with the parent alone."""
    for lock in _held.values():
        try:
            os.close(lock.fd)
        except OSError:
            pass
    _held.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_locks_in_child)


def _holder_pid(file: Path) -> int | None:
    try:
        text = file.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def _acquire(target: Path) -> _Lock:
    file = lock_path(target)
    for _ in range(LOCK_ATTEMPTS):
        fd = os.open(file, os.O_RDWR | os.O_CREAT, RESULT_FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise OutputBusyError(target, _holder_pid(file)) from None
            raise
        try:
            same_file = os.path.samestat(os.fstat(fd), os.stat(file))
        except FileNotFoundError:
            same_file = False
        if not same_file:  # the previous holder removed it between our open and our lock: try again
            os.close(fd)
            continue
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        return _Lock(fd, file)
    raise OutputBusyError(target, _holder_pid(file))


def _release(lock: _Lock) -> None:
    # Remove the file while still holding the lock, so that nobody locks a file that is about to go.
    try:
        os.unlink(lock.file)
    except FileNotFoundError:
        pass
    os.close(lock.fd)


@contextmanager
def output_lock(path: str | Path) -> Iterator[Path]:
    """Hold the write lock of `path` (re-entrant within this process); OutputBusyError at once when another
    process holds it. The folder must exist (the lock file is made in it)."""
    target = Path(path).resolve()
    with _held_guard:
        lock = _held.get(target)
        if lock is not None:
            lock.depth += 1
        else:
            lock = _held[target] = _acquire(target)
    try:
        yield target
    finally:
        with _held_guard:
            lock.depth -= 1
            if lock.depth == 0 and _held.get(target) is lock:
                del _held[target]
                _release(lock)


# ---- writing ------------------------------------------------------------------------------------------


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path in the target's folder (made if missing); on success it replaces `path` in
    one rename, on any exit that can be caught it is removed and `path` is left as it was. The write lock
    of `path` is held throughout, and stale temporary files of `path` are removed first."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with output_lock(path):
        remove_stale_temp_files(path)
        tmp = temp_path(path)
        try:
            # O_EXCL: a file of this name can only be one left by an earlier process with a recycled pid.
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, RESULT_FILE_MODE)
        except FileExistsError:
            os.unlink(tmp)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, RESULT_FILE_MODE)
        os.close(fd)
        try:
            yield tmp
            os.chmod(tmp, RESULT_FILE_MODE)  # whatever the writer did, results are for everyone to read
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


# The interrupts a command turns into exceptions (Ctrl-C; SIGTERM, model/cli/main.py).
INTERRUPTS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM until the block ends, then deliver them (each once, in the order of arrival),
    so that their handlers act after it.

    Why: a library write must not be interrupted halfway. xarray takes its per-process HDF5 lock in Python
    code (`SerializableLock.__enter__`, `CombinedLock.acquire`); an interrupt raised between the lock's
    acquisition and the `with` that releases it leaves the lock held, and the clean-up's `close()`, which
    takes it again, then waits for ever: the killed run hangs instead of ending. Held, the interrupt waits
    for the write (well under a second for a result file) and then ends the command as before, so the
    temporary file is still removed and nothing is written. Outside the main thread, where handlers cannot
    be set (an app's thread, a Dask worker), the block runs as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def hold(signum, frame):
        received.append(signum)

    previous = {s: signal.signal(s, hold) for s in INTERRUPTS}
    try:
        yield
    finally:
        for s, handler in previous.items():  # None: a handler set outside Python, which cannot be put back
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)
        for s in dict.fromkeys(received):
            signal.raise_signal(s)  # the restored handler acts now (KeyboardInterrupt, Terminated, ...)


def atomic_write_text(path: str | Path, text: str) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)

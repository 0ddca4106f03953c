"""A lock file beside a file that several processes may rewrite (git's `index.lock` idea).

The lock is a small file created with O_CREAT | O_EXCL, so exactly one process can make
it, on Windows, macOS and Linux alike, and on network shares where fcntl and msvcrt
locks are unreliable. It holds the holder's pid, host and start time, so a process that
finds it can say who holds it, and can tell a lock left by a process that died (its pid
is gone on this host) or one far older than any hold (STALE_AFTER_S) from a live one;
such a stale lock is removed and the removal reported. Holds are short: one
read-modify-write of the file.

Within one process the lock is reentrant (a thread may take it again; other threads
wait), so a command can hold it across load, plan and save while the save takes it too.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

STALE_AFTER_S = 600.0  # a hold is one load-plan-save: seconds; ten minutes is long dead
UNREADABLE_STALE_S = 10.0  # a holder writes its details right after creating the file
POLL_S = 0.05


class LockBusyError(Exception):
    """The lock is held by another live process (or another thread) past the wait."""

    def __init__(self, lock_path: Path, message: str):
        self.lock_path = lock_path
        super().__init__(message)


@dataclass(frozen=True)
class Holder:
    """Who holds a lock, as written in the lock file."""

    pid: int
    host: str
    time: float  # seconds since the epoch
    token: str

    @property
    def when(self) -> str:
        return datetime.fromtimestamp(self.time).strftime("%Y-%m-%d %H:%M:%S")

    def describe(self) -> str:
        return f"pid {self.pid} on {self.host} since {self.when}"

    def to_bytes(self) -> bytes:
        fields = {"pid": self.pid, "host": self.host, "time": self.time, "token": self.token}
        return (json.dumps(fields) + "\n").encode("utf-8")

    @staticmethod
    def from_bytes(raw: bytes) -> Holder | None:
        try:
            data = json.loads(raw.decode("utf-8"))
            return Holder(int(data["pid"]), str(data["host"]), float(data["time"]), data["token"])
        except (ValueError, KeyError, TypeError):
            return None


def this_host() -> str:
    return socket.gethostname() or "localhost"


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid runs on this machine (True when unsure)."""
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        import ctypes
        from ctypes import wintypes

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        kernel32.OpenProcess.restype = wintypes.HANDLE
        kernel32.OpenProcess.argtypes = (wintypes.DWORD, wintypes.BOOL, wintypes.DWORD)
        kernel32.GetExitCodeProcess.argtypes = (wintypes.HANDLE, ctypes.POINTER(wintypes.DWORD))
        kernel32.CloseHandle.argtypes = (wintypes.HANDLE,)
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return ctypes.get_last_error() == 5  # ERROR_ACCESS_DENIED: it exists
        try:
            code = wintypes.DWORD()
            if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                return True
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, under another user
        return True
    return True


@dataclass
class FileLock:
    """A held lock; `notes` says what was done on the way in (a stale lock removed)."""

    path: Path
    holder: Holder
    notes: list[str] = field(default_factory=list)
    depth: int = 0


_registry_guard = threading.Lock()
_thread_locks: dict[tuple[int, str], threading.RLock] = {}
_held: dict[tuple[int, str], FileLock] = {}


def _key(lock_path: Path) -> tuple[int, str]:
    # The pid is part of the key so a forked child never believes it holds its parent's lock.
    return os.getpid(), os.path.normcase(os.path.abspath(lock_path))


@contextlib.contextmanager
def hold(lock_path: Path, wait_s: float) -> Iterator[FileLock]:
    """Hold the lock file `lock_path`, waiting up to `wait_s` seconds for another holder.

    LockBusyError names the holder when the wait runs out; OSError when the lock file
    cannot be made at all (a missing or read-only folder).
    """
    key = _key(lock_path)
    with _registry_guard:
        thread_lock = _thread_locks.setdefault(key, threading.RLock())
    if not thread_lock.acquire(timeout=max(wait_s, 0.0)):
        raise LockBusyError(
            lock_path,
            f"{lock_path} is held by another task of this program; waited {wait_s:g} s",
        )
    try:
        lock = _held.get(key)
        if lock is None:
            lock = _acquire(Path(lock_path), wait_s)
            _held[key] = lock
        lock.depth += 1
        try:
            yield lock
        finally:
            lock.depth -= 1
            if lock.depth == 0:
                del _held[key]
                _release(lock)
    finally:
        thread_lock.release()


def held_here(lock_path: Path) -> bool:
    """Whether this process holds the lock."""
    return _key(lock_path) in _held


def in_use(lock_path: Path) -> bool:
    """Whether another live process may hold the lock (a stale lock is not in use)."""
    if held_here(lock_path) or not lock_path.exists():
        return False
    stale, _ = _judge(lock_path)
    return stale is None


def _acquire(lock_path: Path, wait_s: float) -> FileLock:
    me = Holder(os.getpid(), this_host(), time.time(), secrets.token_hex(8))
    notes: list[str] = []
    deadline = time.monotonic() + wait_s
    last: Holder | None = None
    while True:
        try:
            flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0)
            fd = os.open(lock_path, flags, 0o644)
        except FileExistsError:
            pass
        except PermissionError:
            # Windows refuses to create a file that is still being deleted; a folder
            # we may not write to is a real refusal.
            if not os.access(lock_path.parent, os.W_OK) or sys.platform != "win32":
                raise
        else:
            try:
                os.write(fd, me.to_bytes())
            finally:
                os.close(fd)
            return FileLock(lock_path, me, notes)
        stale, last = _judge(lock_path)
        if stale is not None:
            if _break(lock_path, stale):
                notes.append(stale.note)
            continue
        if time.monotonic() >= deadline:
            raise LockBusyError(lock_path, _busy_message(lock_path, last, wait_s))
        time.sleep(POLL_S)


@dataclass(frozen=True)
class _Stale:
    raw: bytes
    note: str


def _judge(lock_path: Path) -> tuple[_Stale | None, Holder | None]:
    """(the stale lock to remove, or None; the holder named in the file)."""
    try:
        raw = lock_path.read_bytes()
        age_s = time.time() - lock_path.stat().st_mtime
    except FileNotFoundError:
        return None, None  # released meanwhile: try again
    except OSError:
        return None, None  # Windows: being deleted or written
    holder = Holder.from_bytes(raw)
    if holder is None:
        if age_s > UNREADABLE_STALE_S:
            return _Stale(raw, f"an unreadable stale lock {lock_path} was removed"), None
        return None, None
    left = f"a stale lock left by pid {holder.pid} on {holder.host} at {holder.when}"
    # A lock naming this very process is a leftover of an earlier process with the same
    # pid (containers reuse small pids): this one does not hold it, or it would not ask.
    mine = holder.pid == os.getpid()
    if holder.host == this_host() and (mine or not pid_alive(holder.pid)):
        return _Stale(raw, f"{left} was removed (that process is gone)"), holder
    if time.time() - holder.time > STALE_AFTER_S:
        old = f"{left} was removed (older than {STALE_AFTER_S / 60:g} minutes)"
        return _Stale(raw, old), holder
    return None, holder


def _break(lock_path: Path, stale: _Stale) -> bool:
    """Remove the stale lock; False when another process got there first.

    The file is first renamed to a name of our own (atomic: one process wins), then
    checked: if what we moved is not the stale lock (another process broke it and locked
    again in between), it is put back.
    """
    moved = lock_path.with_name(f".{secrets.token_hex(6)}.stale-lock")
    try:
        os.rename(lock_path, moved)
    except OSError:
        return False
    try:
        if moved.read_bytes() == stale.raw:
            return True
        # Put it back, unless a new lock is already there (link and Windows' rename never
        # replace an existing file).
        try:
            os.link(moved, lock_path)
        except FileExistsError:
            pass
        except OSError:
            if sys.platform == "win32":
                with contextlib.suppress(OSError):
                    os.rename(moved, lock_path)
        return False
    finally:
        with contextlib.suppress(OSError):
            moved.unlink()


def _release(lock: FileLock) -> None:
    for _ in range(50):
        try:
            if Holder.from_bytes(lock.path.read_bytes()) == lock.holder:
                lock.path.unlink()
            return
        except PermissionError:
            time.sleep(0.01)  # Windows: another process is reading it this instant
        except OSError:
            return  # already gone, or broken by another process: nothing of ours to remove


def _busy_message(lock_path: Path, holder: Holder | None, wait_s: float) -> str:
    if holder is None:
        return f"{lock_path} is locked; waited {wait_s:g} s"
    if holder.host == this_host():
        hint = "another planner is writing this file; try again when it has finished"
    else:
        hint = f"if no planner is running on {holder.host}, delete {lock_path}"
    return f"{lock_path} is held by {holder.describe()}; waited {wait_s:g} s ({hint})"

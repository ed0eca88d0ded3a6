"""Which process this is, and whether another one on this machine is still running.

An in-flight idempotency key records its owner: host name, PID namespace, PID and the process's
start time (so a PID reused by a new process is not taken for the old one). A process on the same
machine and in the same PID namespace can then tell at once that the owner died (a SIGKILL, a
crash, a deploy), instead of waiting for the key's lock to expire. An owner elsewhere is never
judged: its key waits for its lock to expire, as before.
"""

from __future__ import annotations

import os
import socket
from functools import cache
from pathlib import Path

_PROC = Path("/proc")


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (field 22 of /proc/PID/stat), or None if it is gone."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after its closing one.
    return stat.rpartition(")")[2].split()[19]


@cache
def _machine() -> str:
    try:
        namespace = os.stat(_PROC / "self" / "ns" / "pid").st_ino
    except OSError:
        namespace = 0
    return f"{socket.gethostname()}|{namespace}"


def identity() -> str:
    """This process, as another process on this machine can check it: `host|pidns|pid|start`."""
    return _identity_of(os.getpid())  # a forked child has a pid of its own, so an identity of its own


@cache
def _identity_of(pid: int) -> str:
    """Read once per process: every idempotent request and processor attempt records it."""
    return f"{_machine()}|{pid}|{_start_time(pid) or '?'}"


def gone(owner: str | None) -> bool:
    """True only when `owner` ran on this machine and is certainly no longer running."""
    if not owner:
        return False
    machine, _, rest = owner.rpartition("|")  # rest: start time
    machine, _, pid = machine.rpartition("|")
    if machine != _machine() or not pid.isdigit() or rest == "?":
        return False
    return _start_time(int(pid)) != rest

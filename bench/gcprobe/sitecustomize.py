"""A probe of Python's garbage collector in every process started with this directory on PYTHONPATH.

Each process times its collections (`gc.callbacks`) and rewrites `$LYNK_GC_PROBE_DIR/gc.<pid>` (default: the
system's temporary directory) every 200 young collections and at exit: its command line, each full collection as
(seconds since start, young collections so far, ms), and per generation the count, total, p50 and max in ms.

    PYTHONPATH=.:bench/gcprobe .venv/bin/python bench/payments.py ...
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
import tempfile
import time

_OUT = os.path.join(os.environ.get("LYNK_GC_PROBE_DIR", tempfile.gettempdir()), f"gc.{os.getpid()}")
_STARTED = time.monotonic()
_durations: dict[int, list[float]] = {0: [], 1: [], 2: []}
_full: list[tuple[float, int, float]] = []
_began = [0.0]


def _dump() -> None:
    lines = [" ".join(sys.argv)[:100], f"full collections: {_full}"]
    for generation, seconds in _durations.items():
        ordered = sorted(seconds)
        if ordered:
            lines.append(
                f"gen{generation}: {len(ordered)}, total {sum(ordered) * 1000:.0f} ms, "
                f"p50 {ordered[len(ordered) // 2] * 1000:.2f} ms, max {ordered[-1] * 1000:.2f} ms"
            )
    with open(_OUT, "w") as out:
        out.write("\n".join(lines) + "\n")


def _on_collection(phase: str, info: dict[str, int]) -> None:
    if phase == "start":
        _began[0] = time.perf_counter()
        return
    took = time.perf_counter() - _began[0]
    _durations[info["generation"]].append(took)
    if info["generation"] == 2:
        _full.append((round(time.monotonic() - _STARTED, 1), len(_durations[0]), round(took * 1000, 1)))
    if len(_durations[0]) % 200 == 0:
        _dump()  # a server stopped by a signal may never reach atexit


gc.callbacks.append(_on_collection)
atexit.register(_dump)

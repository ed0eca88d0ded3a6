"""Fixed-window counters against enumeration and code flooding (lookups and sends per IP, per merchant).

Counters live in the serving process, one `Limiter` per database (so two servers in one test
process do not share them). Per-account limits and the account lock are in the database instead
(`codes.py`), so they hold across processes.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

from lynk.link.errors import TooManyRequests


class Limiter:
    def __init__(self) -> None:
        self._counts: dict[tuple[str, str, int], int] = {}
        self._lock = threading.Lock()
        self._newest_window = 0

    def hit(self, kind: str, subject: str, *, limit: int, window: int, now: int, what: str) -> None:
        """Count one event; refuse (429) once `limit` events happened in the current window."""
        slot = now // window
        with self._lock:
            if slot > self._newest_window:
                self._newest_window = slot
                self._counts = {k: v for k, v in self._counts.items() if k[2] >= slot - 1}
            key = (kind, subject, slot)
            count = self._counts.get(key, 0)
            if count >= limit:
                raise TooManyRequests(what, (slot + 1) * window - now)
            self._counts[key] = count + 1


_limiters: weakref.WeakKeyDictionary[Any, Limiter] = weakref.WeakKeyDictionary()
_registry_lock = threading.Lock()


def limiter_for(owner: Any) -> Limiter:
    """The limiter of one server (keyed by its database object)."""
    with _registry_lock:
        found = _limiters.get(owner)
        if found is None:
            found = _limiters[owner] = Limiter()
        return found

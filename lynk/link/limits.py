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

PRUNE_EVERY_SECONDS = 60


class Limiter:
    def __init__(self) -> None:
        # (kind, subject, window length) -> (window number, count)
        self._counts: dict[tuple[str, str, int], tuple[int, int]] = {}
        self._lock = threading.Lock()
        self._pruned_at = 0

    def hit(self, kind: str, subject: str, *, limit: int, window: int, now: int, what: str) -> None:
        """Count one event; refuse (429) once `limit` events happened in the current window."""
        slot = now // window
        with self._lock:
            if now - self._pruned_at >= PRUNE_EVERY_SECONDS:
                self._pruned_at = now
                self._counts = {k: v for k, v in self._counts.items() if v[0] >= now // k[2]}
            key = (kind, subject, window)
            seen_slot, count = self._counts.get(key, (slot, 0))
            if seen_slot != slot:
                count = 0
            if count >= limit:
                raise TooManyRequests(what, (slot + 1) * window - now)
            self._counts[key] = (slot, count + 1)


_limiters: weakref.WeakKeyDictionary[Any, Limiter] = weakref.WeakKeyDictionary()
_registry_lock = threading.Lock()


def limiter_for(owner: Any) -> Limiter:
    """The limiter of one server (keyed by its database object)."""
    with _registry_lock:
        found = _limiters.get(owner)
        if found is None:
            found = _limiters[owner] = Limiter()
        return found

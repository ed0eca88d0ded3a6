"""Time, always read through a Clock so retries, expiry and settlement can be tested."""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the Unix epoch."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock that moves only when told to; tests advance it instead of sleeping."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    def set(self, timestamp: float) -> None:
        with self._lock:
            self._now = timestamp


def unix(clock: Clock) -> int:
    """Whole Unix seconds, as Stripe's `created` fields carry them."""
    return int(clock.now())


class ShiftedClock:
    """The wall clock plus an offset that tests move forward, so time still flows."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds


def year_month(timestamp: float) -> tuple[int, int]:
    """(year, month) in UTC, for card expiry checks."""
    moment = time.gmtime(timestamp)
    return moment.tm_year, moment.tm_mon

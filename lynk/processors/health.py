"""Per-processor health: success rate and latency over a sliding window, and a circuit breaker.

Kept in the serving process (each process judges from the calls it made itself; nothing is shared or
stored). A call *succeeds* when the processor answered, a decline included; it *fails* when the outcome
was unknown or the processor unreachable (`ConnectorUnavailable`). Over the last `WINDOW` calls of the
last `WINDOW_SECONDS`, a processor with at least `MIN_CALLS` calls and a success rate under
`OPEN_BELOW` is skipped by routing (the breaker opens). After `COOLDOWN_SECONDS` one call is let through
as a probe (half-open): its success closes the breaker and forgets the window, its failure opens it again.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

WINDOW = 50
WINDOW_SECONDS = 300.0
MIN_CALLS = 5
OPEN_BELOW = 0.5
COOLDOWN_SECONDS = 30.0


@dataclass
class _Health:
    calls: deque[tuple[float, bool, float]] = field(default_factory=lambda: deque(maxlen=WINDOW))
    opened_at: float | None = None
    probing: bool = False

    def recent(self, now: float) -> list[tuple[float, bool, float]]:
        return [call for call in self.calls if now - call[0] <= WINDOW_SECONDS]


class HealthBoard:
    """Every processor's health in this process. `clock` is monotonic seconds (tests move it)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._by_id: dict[str, _Health] = {}
        self._lock = threading.Lock()  # servers in threads (tests) share the board

    def _of(self, processor_id: str) -> _Health:
        return self._by_id.setdefault(processor_id, _Health())

    def record(self, processor_id: str, *, ok: bool, latency_s: float) -> None:
        with self._lock:
            now, health = self.clock(), self._of(processor_id)
            health.calls.append((now, ok, latency_s))
            if health.probing or health.opened_at is not None:
                health.probing = False
                if ok:  # the probe answered: close and start afresh
                    health.opened_at = None
                    health.calls.clear()
                    health.calls.append((now, ok, latency_s))
                else:
                    health.opened_at = now
                return
            recent = health.recent(now)
            successes = sum(1 for _, good, _ in recent if good)
            if len(recent) >= MIN_CALLS and successes / len(recent) < OPEN_BELOW:
                health.opened_at = now

    def allows(self, processor_id: str) -> bool:
        """Whether routing may send a call now: closed, or open long enough for one probe."""
        with self._lock:
            health = self._of(processor_id)
            if health.opened_at is None:
                return True
            if health.probing or self.clock() - health.opened_at < COOLDOWN_SECONDS:
                return False
            health.probing = True
            return True

    def report(self, processor_id: str) -> dict[str, Any]:
        """What the API shows: calls and success rate in the window, mean latency, the breaker's state."""
        with self._lock:
            now, health = self.clock(), self._of(processor_id)
            recent = health.recent(now)
            if health.opened_at is None:
                state = "closed"
            elif health.probing or now - health.opened_at >= COOLDOWN_SECONDS:
                state = "half_open"
            else:
                state = "open"
            latencies = [latency for _, _, latency in recent]
            return {
                "calls": len(recent),
                "success_rate": round(sum(1 for _, good, _ in recent if good) / len(recent), 4) if recent else None,
                "mean_latency_ms": round(1000 * sum(latencies) / len(latencies)) if latencies else None,
                "breaker": state,
                "window_seconds": int(WINDOW_SECONDS),
            }


BOARD = HealthBoard()

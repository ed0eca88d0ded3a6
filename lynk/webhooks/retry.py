"""When a failed delivery is tried again: exponential backoff with jitter, for up to 3 days.

The n-th retry waits `min(60 s * 3^(n-1), 12 h)`, ±10 % jitter: 1 min, 3 min, 9 min, 27 min,
81 min, ~4 h, then every 12 h. A delivery whose next try would fall after the window
(counted from its creation) is given up: 12 attempts in all over ~2.75 days.
"""

from __future__ import annotations

import random

FIRST_RETRY_SECONDS = 60
GROWTH = 3
LONGEST_WAIT_SECONDS = 12 * 3600
JITTER = 0.10
RETRY_WINDOW_SECONDS = 3 * 24 * 3600


def base_delay(retry: int) -> int:
    """The wait before retry number `retry` (1-based), without jitter."""
    return int(min(FIRST_RETRY_SECONDS * GROWTH ** min(retry - 1, 20), LONGEST_WAIT_SECONDS))


def next_attempt_at(*, attempts_made: int, now: int, created: int, window: int = RETRY_WINDOW_SECONDS) -> int | None:
    """When to try again after `attempts_made` attempts, or None to give up."""
    delay = base_delay(attempts_made)
    jittered = round(delay * random.uniform(1 - JITTER, 1 + JITTER))
    when = now + max(1, jittered)
    return None if when > created + window else when

"""The fixed-window counters behind the lookup and send limits (unit tests of `lynk.link.limits`)."""

from __future__ import annotations

import pytest

from lynk.link.errors import TooManyRequests
from lynk.link.limits import MemoryLimiter


def test_windows_of_different_lengths_count_apart() -> None:
    limiter = MemoryLimiter()
    now = 1_000_000_020
    for _ in range(3):
        limiter.hit_now("send_ip", "1.2.3.4", limit=3, window=600, now=now, what="codes sent")
    # A minute of lookups later (their short window rolls over, and the counters are pruned)…
    for step in range(3):
        limiter.hit_now("lookup_ip", "1.2.3.4", limit=100, window=60, now=now + 61 * step, what="lookups")
    # …the long send window still remembers its three.
    with pytest.raises(TooManyRequests) as refused:
        limiter.hit_now("send_ip", "1.2.3.4", limit=3, window=600, now=now + 150, what="codes sent")
    assert refused.value.extra["retry_after"] == 600 - (now + 150) % 600
    limiter.hit_now("send_ip", "5.6.7.8", limit=3, window=600, now=now + 150, what="codes sent")  # another IP
    limiter.hit_now("send_ip", "1.2.3.4", limit=3, window=600, now=(now // 600 + 1) * 600, what="codes sent")

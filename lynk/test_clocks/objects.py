"""The `test_helpers.test_clock` object as Stripe renders it."""

from __future__ import annotations

from typing import Any

from lynk.models import TestClock


def test_clock_object(clock: TestClock) -> dict[str, Any]:
    return {
        "id": clock.id,
        "object": "test_helpers.test_clock",
        "created": clock.created,
        "deletes_after": clock.deletes_after,
        "frozen_time": clock.frozen_time,
        "livemode": clock.livemode,
        "name": clock.name,
        "status": clock.status,
        "status_details": {},
    }

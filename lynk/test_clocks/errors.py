"""Errors of the test clocks domain."""

from __future__ import annotations

from lynk.core.errors import InvalidRequestError, ResourceMissing


class TestClockNotFound(ResourceMissing):
    __test__ = False

    def __init__(self, clock_id: str, *, param: str = "id") -> None:
        super().__init__("test_clock", clock_id, param=param)


class TestClocksTestModeOnly(InvalidRequestError):
    __test__ = False

    def __init__(self) -> None:
        super().__init__("Test clocks are only available in test mode: use a sk_test_ key.")


class FrozenTimeNotAhead(InvalidRequestError):
    def __init__(self, current: int) -> None:
        super().__init__(
            f"The test clock can only move forward: frozen_time must be after its current time ({current}).",
            param="frozen_time",
        )

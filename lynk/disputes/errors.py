"""Errors of the disputes domain."""

from __future__ import annotations

from lynk.core.errors import InvalidRequestError, ResourceMissing


class DisputeNotFound(ResourceMissing):
    def __init__(self, dispute_id: str) -> None:
        super().__init__("dispute", dispute_id)


class DisputeClosed(InvalidRequestError):
    """The dispute can no longer take this action (it was submitted, or it is closed)."""

    def __init__(self, dispute_id: str, status: str, action: str) -> None:
        super().__init__(
            f"You cannot {action} dispute {dispute_id} because it has a status of {status}.",
            code="dispute_already_closed"
            if status in ("won", "lost", "warning_closed")
            else "dispute_unexpected_state",
        )

"""Errors of the radar domain."""

from __future__ import annotations

from lynk.core.errors import ResourceMissing


class EarlyFraudWarningNotFound(ResourceMissing):
    def __init__(self, warning_id: str) -> None:
        super().__init__("radar.early_fraud_warning", warning_id)

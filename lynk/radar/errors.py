"""Errors of the radar domain."""

from __future__ import annotations

from lynk.core.errors import ResourceMissing


class EarlyFraudWarningNotFound(ResourceMissing):
    def __init__(self, warning_id: str) -> None:
        super().__init__("radar.early_fraud_warning", warning_id)


class RuleNotFound(ResourceMissing):
    def __init__(self, rule_id: str) -> None:
        super().__init__("radar.rule", rule_id)


class ValueListNotFound(ResourceMissing):
    def __init__(self, list_id: str, *, param: str = "id") -> None:
        super().__init__("radar.value_list", list_id, param=param)


class ValueListItemNotFound(ResourceMissing):
    def __init__(self, item_id: str) -> None:
        super().__init__("radar.value_list_item", item_id)


class ReviewNotFound(ResourceMissing):
    def __init__(self, review_id: str) -> None:
        super().__init__("review", review_id)

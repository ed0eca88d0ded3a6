"""Errors of the processors domain."""

from __future__ import annotations

from lynk.core.errors import InvalidRequestError, ResourceMissing


class ProcessorAccountNotFound(ResourceMissing):
    def __init__(self, processor_id: str, *, param: str = "id") -> None:
        super().__init__("processor", processor_id, param=param)


class UnknownProcessorKind(InvalidRequestError):
    def __init__(self, kind: str, known: list[str]) -> None:
        super().__init__(f"Unknown processor kind: {kind!r}. Use one of: {', '.join(known)}.", param="kind")


class InvalidRoutingRule(InvalidRequestError):
    def __init__(self, message: str, param: str) -> None:
        super().__init__(message, param=param)

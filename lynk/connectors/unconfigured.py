"""The connector live mode gets when the operator configured no real processor: it refuses everything.

The test-card simulator never serves live mode, so a live payment with no processor behind it fails
at the first call instead of reaching a fake that would approve it.
"""

from __future__ import annotations

from typing import NoReturn

from lynk.connectors.protocol import (
    AuthorizeRequest,
    CaptureRequest,
    CompleteRequest,
    ConnectorError,
    DebitRequest,
    IncrementRequest,
    RefundRequest,
    VoidRequest,
)


class ProcessorNotConfigured(ConnectorError):
    """Live mode has no processor to send the call to; nothing was sent anywhere."""


def _refuse() -> NoReturn:
    raise ProcessorNotConfigured("no live-mode processor is configured")


class NoProcessor:
    """A `Connector` whose every call raises `ProcessorNotConfigured`."""

    async def authorize(self, request: AuthorizeRequest) -> NoReturn:
        _refuse()

    async def capture(self, request: CaptureRequest) -> NoReturn:
        _refuse()

    async def increment_authorization(self, request: IncrementRequest) -> NoReturn:
        _refuse()

    async def void(self, request: VoidRequest) -> NoReturn:
        _refuse()

    async def refund(self, request: RefundRequest) -> NoReturn:
        _refuse()

    async def debit(self, request: DebitRequest) -> NoReturn:
        _refuse()

    async def status(self, idempotency_key: str) -> NoReturn:
        _refuse()

    async def complete(self, request: CompleteRequest) -> NoReturn:
        _refuse()

"""The conformance test every connector must pass (docs/processors.md, "Adding a connector").

`check_connector(connector, prefix)` runs the contract of `lynk.connectors.protocol` against a live
connector, with Stripe's test cards (the connector's processor must be in its test mode): approvals,
declines with Stripe's codes, 3-D Secure, idempotent replays, `status` by key, partial capture, void,
refund, and the failures capture and refund must report. `prefix` makes its idempotency keys unique
to one run. Cards are `tests.connectors.support.card` references: a connector that needs numbers is
built with `detokenize` below, which the vault plays in production.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from lynk.connectors import (
    AuthorizeRequest,
    AuthorizeResult,
    AuthorizeStatus,
    CaptureRequest,
    CardNumber,
    CardRef,
    CompleteRequest,
    Connector,
    IdempotencyKeyReused,
    OperationStatus,
    RefundRequest,
    VoidRequest,
)
from lynk.vault.sandbox_cards import TEST_PAGE_NUMBERS
from tests.connectors.support import auth_request as _request
from tests.connectors.support import card

_BY_LAST4 = {number[-4:] + number[:6]: number for number in TEST_PAGE_NUMBERS}


async def detokenize(card: CardRef) -> CardNumber:
    """What the vault does for a connector, for the test cards `support.card` refers to."""
    return CardNumber(_BY_LAST4[card.last4 + card.bin])


def auth_request(number: str = "4242424242424242", *, key: str, **options: object) -> AuthorizeRequest:
    """20.00 usd, no CVC (the vault keeps none), a card valid for five more years (processors refuse 2099)."""
    request = _request(number, key=key, **options)
    return replace(request, cvc_provided=False, card=card(number, exp_year=date.today().year + 5))


async def check_connector(connector: Connector, prefix: str) -> None:
    # An approval, replayed under its key: the same answer, one authorization.
    request = auth_request(key=f"{prefix}:a")
    first = await connector.authorize(request)
    assert first.status is AuthorizeStatus.AUTHORIZED and first.reference, first
    again = await connector.authorize(request)
    assert (again.status, again.reference) == (first.status, first.reference)
    found = await connector.status(request.idempotency_key)
    assert isinstance(found, AuthorizeResult) and found.reference == first.reference
    assert await connector.status(f"{prefix}:never-sent") is None

    # The same key with other parameters is the caller's bug, never a second payment.
    try:
        await connector.authorize(replace(request, amount=request.amount + 1))
    except IdempotencyKeyReused:
        pass
    else:
        raise AssertionError("a key reused with another amount must raise IdempotencyKeyReused")

    # Partial capture, then nothing more to capture; refunds up to the capture and no further.
    captured = await connector.capture(CaptureRequest(f"{prefix}:c", first.reference, 1500))
    assert captured.status is OperationStatus.SUCCEEDED, captured
    twice = await connector.capture(CaptureRequest(f"{prefix}:c2", first.reference, 100))
    assert twice.status is OperationStatus.FAILED and twice.code, twice
    refund = await connector.refund(RefundRequest(f"{prefix}:r", first.reference, 500))
    assert refund.status is OperationStatus.SUCCEEDED and refund.reference, refund
    too_much = await connector.refund(RefundRequest(f"{prefix}:r2", first.reference, 5000))
    assert too_much.status is OperationStatus.FAILED and too_much.code, too_much

    # A void releases an authorization.
    held = await connector.authorize(auth_request("5555555555554444", key=f"{prefix}:v"))
    voided = await connector.void(VoidRequest(f"{prefix}:v:void", held.reference))
    assert voided.status is OperationStatus.SUCCEEDED, voided

    # Automatic capture.
    taken = await connector.authorize(auth_request(key=f"{prefix}:auto", capture=True))
    assert taken.status is AuthorizeStatus.CAPTURED, taken

    # Declines carry Stripe's code and decline code, 1:1.
    for number, code, decline_code in [
        ("4000000000000002", "card_declined", "generic_decline"),
        ("4000000000009995", "card_declined", "insufficient_funds"),
        ("4000000000000069", "expired_card", "expired_card"),
    ]:
        declined = await connector.authorize(auth_request(number, key=f"{prefix}:d{number}"))
        assert declined.status is AuthorizeStatus.DECLINED, declined
        assert (declined.code, declined.decline_code) == (code, decline_code), declined

    # 3-D Secure: on session the shopper is asked to authenticate.
    challenged = await connector.authorize(auth_request("4000002760003184", key=f"{prefix}:3ds"))
    assert challenged.status is AuthorizeStatus.AUTHENTICATION_REQUIRED, challenged
    # The shopper back without anything from the processor (or nothing it knows): it still waits, and
    # the bare query is never the outcome.
    back = CompleteRequest(f"{prefix}:3ds", {"redirect_status": "succeeded"}, currency="usd", capture=False)
    waiting = await connector.complete(back)
    assert waiting is not None and waiting.status is AuthorizeStatus.AUTHENTICATION_REQUIRED, waiting
    assert await connector.complete(replace(back, idempotency_key=f"{prefix}:never-sent")) is None

"""The contract between Lynk and a card processor.

A connector is what the confirm pipeline calls to move money. It never sees a card
number: the vault hands it a `CardRef` (BIN, last four, brand, expiry and the vault's
id), and a real connector asks the vault for the number at the last moment.

    Connector
    ├── authorize(AuthorizeRequest) -> AuthorizeResult   hold (or take, with capture=True) funds
    ├── capture(CaptureRequest)     -> OperationResult   take up to the authorized amount, once
    ├── increment_authorization(IncrementRequest) -> OperationResult  raise an open authorization's total
    ├── void(VoidRequest)           -> OperationResult   release an authorization
    ├── refund(RefundRequest)       -> OperationResult   give back up to what was captured
    ├── debit(DebitRequest)         -> DebitResult       start an ACH debit of a bank account (pending)
    ├── status(idempotency_key)     -> AuthorizeResult | OperationResult | DebitResult | None
    └── complete(CompleteRequest)   -> AuthorizeResult | None  an authorization once the shopper is back
                                                                from the processor's 3-D Secure page

A bank debit is asynchronous: `debit` answers `pending`, and the bank's verdict (settled, or
returned with an ACH return code) is what `status(key)` answers later.

Every call carries an idempotency key (the pipeline sends its attempt id). The same key
again returns the same result and moves no money a second time; the same key with
different parameters raises `IdempotencyKeyReused`. `status()` answers what the connector
did for a key, or None if it never saw it: that is how a crash between the call and the
recording of its result is recovered.

A processor's "no" is a result, not an exception: declines, authentication demands and
failed captures come back as values with Stripe's `code` and `decline_code`. Exceptions
mean the outcome is unknown or the caller is wrong:

    ConnectorError
    ├── ConnectorUnavailable     the processor could not be reached, or its answer was lost:
    │   ├── ConnectorTimeout     the operation may or may not have happened; ask status()
    │   └── ConnectorNotReached  the request never left (connection refused): nothing happened there
    └── IdempotencyKeyReused     a key came back with other parameters (a bug in the caller)

A connector that sends card numbers to a processor (Stripe, Adyen…) is built with a `Detokenize`:
an async callable the payment pipeline hands it, which the vault resolves into a `CardNumber` only
when the request is being built. The connector never imports the vault, and a `CardNumber` prints
as its last four digits only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

NetworkStatus = Literal["approved_by_network", "declined_by_network", "not_sent_to_network"]
CheckResult = Literal["pass", "fail", "unavailable"]
RETURN_KEY_PARAM = "lynk_attempt"  # in the return URL: the key of the attempt the shopper authenticated


def return_url_for(base: str, idempotency_key: str) -> str:
    """Lynk's return page for a processor's 3-D Secure, naming the attempt (the processor's own key)."""
    parts = urlsplit(base)
    query = urlencode([*parse_qsl(parts.query), (RETURN_KEY_PARAM, idempotency_key)])
    return urlunsplit(parts._replace(query=query))


class ConnectorError(Exception):
    """Base of the errors a connector raises; a decline is never one of them."""


class ConnectorUnavailable(ConnectorError):
    """The outcome is unknown: the request may have reached the processor. Ask `status()`."""


class ConnectorTimeout(ConnectorUnavailable):
    """No answer in time. As with every `ConnectorUnavailable`, the processor may have acted."""


class ConnectorNotReached(ConnectorUnavailable):
    """The request never reached the processor (connection refused, no route): it did nothing."""


class IdempotencyKeyReused(ConnectorError):
    """An idempotency key was sent again with different parameters, or for another operation."""

    def __init__(self, idempotency_key: str) -> None:
        super().__init__(f"Idempotency key {idempotency_key!r} was already used with different parameters.")
        self.idempotency_key = idempotency_key


class WebhookRejected(Exception):
    """A processor's webhook whose signature does not verify with its secret (or that is no event)."""


class AuthorizeStatus(StrEnum):
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    DECLINED = "declined"
    AUTHENTICATION_REQUIRED = "authentication_required"
    ERROR = "error"


class OperationStatus(StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"


def _require_key(idempotency_key: str) -> None:
    if not idempotency_key:
        raise ValueError("idempotency_key must not be empty")


@dataclass(frozen=True)
class CardRef:
    """A card as a connector may know it: never the number, only what identifies it."""

    vault_card_id: str
    bin: str
    last4: str
    brand: str
    exp_month: int
    exp_year: int

    def __post_init__(self) -> None:
        if not (self.bin.isdigit() and len(self.bin) == 6):
            raise ValueError("bin must be the first 6 digits of the card number")
        if not (self.last4.isdigit() and len(self.last4) == 4):
            raise ValueError("last4 must be the last 4 digits of the card number")


class CardNumber:
    """A card number on its way to a processor. It prints as `CardNumber(…4242)`, never the digits:
    only `reveal()`, called while the processor's request is built, gives them."""

    __slots__ = ("_digits",)

    def __init__(self, digits: str) -> None:
        self._digits = digits

    def reveal(self) -> str:
        return self._digits

    def __repr__(self) -> str:
        return f"CardNumber(…{self._digits[-4:]})"

    __str__ = __repr__


Detokenize = Callable[[CardRef], Awaitable[CardNumber]]
"""What a connector is given to turn a `CardRef` into its number, at the moment it builds a request."""


@dataclass(frozen=True)
class AuthorizeRequest:
    """One authorization attempt. `amount` is in minor units; 0 verifies a card being set up."""

    idempotency_key: str
    amount: int
    currency: str
    card: CardRef
    cvc_provided: bool = False
    postal_code: str | None = None
    authenticated: bool = False
    """3-D Secure was completed for this payment."""
    off_session: bool = False
    """The customer is not present (a merchant-initiated payment)."""
    setup_for_future: bool = False
    """The card is being saved (SetupIntent or `setup_future_usage`)."""
    previously_setup: bool = False
    """The card was set up for off-session use before."""
    capture: bool = False
    """Authorize and capture at once (automatic capture)."""
    incremental_authorization: bool = False
    """The merchant asks that the authorization may be incremented later (`request_incremental_authorization`)."""

    def __post_init__(self) -> None:
        _require_key(self.idempotency_key)
        if self.amount < 0:
            raise ValueError("amount must not be negative")


@dataclass(frozen=True)
class AuthorizeResult:
    """What the processor answered. `reference` is its id for the attempt, whatever the outcome."""

    status: AuthorizeStatus
    reference: str
    network_status: NetworkStatus
    message: str
    code: str | None = None
    decline_code: str | None = None
    cvc_check: CheckResult | None = None
    postal_code_check: CheckResult | None = None
    authentication_url: str | None = None
    """With `authentication_required`: the processor's own 3-D Secure page (live mode sends the shopper
    only there; the simulator leaves it None and test mode uses Lynk's challenge page)."""
    incremental_authorization: bool = False
    """The authorization may be incremented (it was asked for and the card and processor support it)."""

    @property
    def succeeded(self) -> bool:
        return self.status in (AuthorizeStatus.AUTHORIZED, AuthorizeStatus.CAPTURED)


@dataclass(frozen=True)
class CaptureRequest:
    """Capture `amount` (at most what was authorized) of the authorization `reference`."""

    idempotency_key: str
    reference: str
    amount: int

    def __post_init__(self) -> None:
        _require_key(self.idempotency_key)
        if self.amount <= 0:
            raise ValueError("amount must be positive")


@dataclass(frozen=True)
class IncrementRequest:
    """Raise the open authorization `reference` to `amount` in total (more than it holds now). A refusal
    is a failed `OperationResult`: `card_declined` (the issuer said no; the authorization stays as it was)
    or `incremental_authorization_not_available` (the processor or card does not support it)."""

    idempotency_key: str
    reference: str
    amount: int

    def __post_init__(self) -> None:
        _require_key(self.idempotency_key)
        if self.amount <= 0:
            raise ValueError("amount must be positive")


NOT_INCREMENTABLE = "incremental_authorization_not_available"


def cards_only(request: DebitRequest) -> DebitResult:
    """The answer of a processor that takes cards only to a bank debit: failed, nothing sent."""
    return DebitResult(
        DebitStatus.FAILED, "", code="payment_method_unactivated", message="This processor takes cards only."
    )


def not_incrementable(reference: str) -> OperationResult:
    """The answer of a processor that cannot increment authorizations."""
    return OperationResult(
        OperationStatus.FAILED,
        reference,
        code=NOT_INCREMENTABLE,
        message="This processor does not support incremental authorizations.",
    )


@dataclass(frozen=True)
class VoidRequest:
    """Release the uncaptured authorization `reference`."""

    idempotency_key: str
    reference: str

    def __post_init__(self) -> None:
        _require_key(self.idempotency_key)


@dataclass(frozen=True)
class RefundRequest:
    """Refund `amount` of the captured payment `reference`; several refunds may add up to the capture."""

    idempotency_key: str
    reference: str
    amount: int

    def __post_init__(self) -> None:
        _require_key(self.idempotency_key)
        if self.amount <= 0:
            raise ValueError("amount must be positive")


@dataclass(frozen=True)
class OperationResult:
    """The outcome of a capture, void or refund.

    `reference` is the authorization's for a capture or void, and the refund's own id for a
    refund. A failure carries a Stripe-like `code` (`resource_missing`, `amount_too_large`,
    `charge_already_captured`, `charge_already_refunded`, `charge_not_capturable`,
    `charge_not_refundable`).
    """

    status: OperationStatus
    reference: str
    code: str | None = None
    message: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status is OperationStatus.SUCCEEDED


class DebitStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True)
class BankRef:
    """A bank account as a connector may know it: the routing number and last four, never the number."""

    vault_bank_account_id: str
    routing_number: str
    last4: str

    def __post_init__(self) -> None:
        if not (self.routing_number.isdigit() and len(self.routing_number) == 9):
            raise ValueError("routing_number must be 9 digits")
        if not (self.last4.isdigit() and len(self.last4) == 4):
            raise ValueError("last4 must be the last 4 digits of the account number")


@dataclass(frozen=True)
class DebitRequest:
    """Debit `amount` from a bank account (ACH), under a mandate the customer accepted."""

    idempotency_key: str
    amount: int
    currency: str
    bank: BankRef

    def __post_init__(self) -> None:
        _require_key(self.idempotency_key)
        if self.amount <= 0:
            raise ValueError("amount must be positive")


@dataclass(frozen=True)
class DebitResult:
    """Where a debit stands. A failure carries Stripe's `code` (`account_closed`, …) and the ACH `return_code`."""

    status: DebitStatus
    reference: str
    code: str | None = None
    message: str = ""
    return_code: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status is DebitStatus.SUCCEEDED


@dataclass(frozen=True)
class CompleteRequest:
    """The shopper is back from the processor's own 3-D Secure page for the authorization made under
    `idempotency_key`. `details` is what the processor sent back with them (the return URL's query and a
    POSTed form, Lynk's own parameter left out): opaque values such as Adyen's `redirectResult`, which the
    connector hands the processor to finish the payment. They are never the outcome: the outcome is what
    the processor answers. `currency` and `capture` are the attempt's, for a processor whose answer names
    neither."""

    idempotency_key: str
    details: dict[str, str]
    currency: str
    capture: bool

    def __post_init__(self) -> None:
        _require_key(self.idempotency_key)


def authorization(found: AuthorizeResult | OperationResult | DebitResult | None) -> AuthorizeResult | None:
    """`status`'s answer as `complete`'s, for a processor whose 3-D Secure finishes without Lynk's help."""
    return found if isinstance(found, AuthorizeResult) else None


class Connector(Protocol):
    """A processor. Implementations: `Simulator` (Stripe's test cards) and `ScriptedConnector` (faults)."""

    async def authorize(self, request: AuthorizeRequest) -> AuthorizeResult: ...

    async def capture(self, request: CaptureRequest) -> OperationResult: ...

    async def increment_authorization(self, request: IncrementRequest) -> OperationResult: ...

    async def void(self, request: VoidRequest) -> OperationResult: ...

    async def refund(self, request: RefundRequest) -> OperationResult: ...

    async def debit(self, request: DebitRequest) -> DebitResult: ...

    async def status(self, idempotency_key: str) -> AuthorizeResult | OperationResult | DebitResult | None:
        """What the connector did for this key (for a debit: the bank's verdict so far), or None if it never
        received it."""
        ...

    async def complete(self, request: CompleteRequest) -> AuthorizeResult | None:
        """What became of the authorization under `request.idempotency_key` once the shopper came back from
        the processor's 3-D Secure page (finished at the processor with `request.details` if it needs
        that); None if it never received the key. Without details it is `status` of the key."""
        ...

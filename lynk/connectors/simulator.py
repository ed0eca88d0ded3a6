"""A processor that behaves as Stripe's test mode does for its test cards.

Cards are recognised by (BIN, last four), which is unique across the test-card table
(see docs: test cards). Any other card is approved. Fraud and risk cards are approved
here: risk is a separate stage of the pipeline, before the connector is called.
A card whose expiry month has passed (by the injected clock) is declined `expired_card`.

State (what each key got, each authorization by reference) lives in a `SimulatorStore`: in memory
by default, in the database for `lynk serve` (`lynk.simulation`). Calls with the same key run one
after another (a unit of the store), so a burst of retries authorizes once, in one process or many.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Literal

from lynk.connectors.protocol import (
    AuthorizeRequest,
    AuthorizeResult,
    AuthorizeStatus,
    CaptureRequest,
    CheckResult,
    CompleteRequest,
    ConnectorUnavailable,
    DebitRequest,
    DebitResult,
    DebitStatus,
    IdempotencyKeyReused,
    IncrementRequest,
    OperationResult,
    OperationStatus,
    RefundRequest,
    VoidRequest,
    authorization,
    not_incrementable,
)
from lynk.connectors.simulator_state import (
    MemoryStore,
    Request,
    Result,
    SimPayment,
    SimulatorStore,
    StoreConflict,
    Stored,
    Unit,
    decode_result,
    encode_request,
    encode_result,
)
from lynk.connectors.test_banks import verdict
from lynk.core.clock import Clock, SystemClock

ThreeDS = Literal["none", "always", "on_session", "on_session_or_not_setup"]


@dataclass(frozen=True)
class _Behaviour:
    decline: tuple[AuthorizeStatus, str, str] | None = None  # (status, code, decline_code) on every attempt
    declines_charges: bool = False  # every charge (amount > 0) is declined; setup succeeds
    cvc_fails: bool = False  # a given CVC fails the check and the charge is declined
    postal_fails: bool = False
    three_ds: ThreeDS = "none"
    decline_after_authentication: str | None = None  # decline_code once 3-D Secure is done


_DECLINED = AuthorizeStatus.DECLINED

# Stripe's test cards that do something other than succeed, by (bin, last4): a connector never
# sees a card number, and (bin, last4) is unique across Stripe's test-card table.
_CARDS: dict[tuple[str, str], _Behaviour] = {
    ("400000", "0002"): _Behaviour(decline=(_DECLINED, "card_declined", "generic_decline")),
    ("400000", "9995"): _Behaviour(decline=(_DECLINED, "card_declined", "insufficient_funds")),
    ("400000", "9987"): _Behaviour(decline=(_DECLINED, "card_declined", "lost_card")),
    ("400000", "9979"): _Behaviour(decline=(_DECLINED, "card_declined", "stolen_card")),
    ("400000", "0069"): _Behaviour(decline=(_DECLINED, "expired_card", "expired_card")),
    ("400000", "0127"): _Behaviour(decline=(_DECLINED, "incorrect_cvc", "incorrect_cvc"), cvc_fails=True),
    ("400000", "0119"): _Behaviour(decline=(AuthorizeStatus.ERROR, "processing_error", "processing_error")),
    ("424242", "4241"): _Behaviour(decline=(_DECLINED, "incorrect_number", "incorrect_number")),
    ("400000", "6975"): _Behaviour(decline=(_DECLINED, "card_declined", "card_velocity_exceeded")),
    ("400000", "0341"): _Behaviour(declines_charges=True),
    ("400000", "0101"): _Behaviour(cvc_fails=True),
    ("400000", "0036"): _Behaviour(postal_fails=True),
    ("400000", "3155"): _Behaviour(three_ds="on_session_or_not_setup"),
    ("400000", "3184"): _Behaviour(three_ds="always"),
    ("400000", "0446"): _Behaviour(three_ds="on_session"),
    ("400000", "1629"): _Behaviour(three_ds="always", decline_after_authentication="generic_decline"),
    ("400000", "3178"): _Behaviour(three_ds="always", decline_after_authentication="insufficient_funds"),
    ("400000", "3220"): _Behaviour(three_ds="always"),
}
_NORMAL = _Behaviour()

# Incremental authorizations, as Stripe offers them: Visa, Mastercard and Discover cards, when the
# authorization was asked for as incrementable and left uncaptured. The simulator marks such an
# authorization in its own reference; an increment to a total above `_INCREMENT_LIMIT` is declined.
_INCREMENTABLE_BRANDS = frozenset({"visa", "mastercard", "discover"})
_INCREMENTABLE = "sim_ia_"
_INCREMENT_LIMIT = 999_999

_MESSAGES: dict[str, str] = {
    "generic_decline": "Your card was declined.",
    "insufficient_funds": "Your card has insufficient funds.",
    "lost_card": "Your card was declined.",
    "stolen_card": "Your card was declined.",
    "expired_card": "Your card has expired.",
    "incorrect_cvc": "Your card's security code is incorrect.",
    "incorrect_number": "Your card number is incorrect.",
    "processing_error": "An error occurred while processing your card. Try again in a little bit.",
    "card_velocity_exceeded": "Your card was declined for making repeated attempts too frequently "
    "or exceeding its amount limit.",
    "authentication_required": "Your card was declined. This transaction requires authentication.",
}


def _needs_authentication(policy: ThreeDS, request: AuthorizeRequest) -> bool:
    if policy == "always":
        return True
    if policy == "on_session":
        return not request.off_session
    if policy == "on_session_or_not_setup":
        return not (request.off_session and request.previously_setup)
    return False


class Simulator:
    """A `Connector` for development and tests. Counters count real operations, never replays.

    `attempts`: authorize requests processed, whatever the outcome. `authorizations`: approved
    ones. `captures`: successful captures, including `capture=True` authorizations. `refunds`:
    successful refunds. The counters are this object's; the state is the store's (`MemoryStore` by
    default; `lynk serve` keeps it in the database, so every process answers for every payment).
    """

    def __init__(
        self, *, clock: Clock | None = None, latency_s: float = 0.0, store: SimulatorStore | None = None
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.latency_s = latency_s
        self.store: SimulatorStore = store or MemoryStore()
        self.attempts = 0
        self.authorizations = 0
        self.captures = 0
        self.refunds = 0

    async def authorize(self, request: AuthorizeRequest) -> AuthorizeResult:
        result = await self._once(request)
        assert isinstance(result, AuthorizeResult)
        return result

    async def capture(self, request: CaptureRequest) -> OperationResult:
        result = await self._once(request)
        assert isinstance(result, OperationResult)
        return result

    async def increment_authorization(self, request: IncrementRequest) -> OperationResult:
        result = await self._once(request)
        assert isinstance(result, OperationResult)
        return result

    async def void(self, request: VoidRequest) -> OperationResult:
        result = await self._once(request)
        assert isinstance(result, OperationResult)
        return result

    async def refund(self, request: RefundRequest) -> OperationResult:
        result = await self._once(request)
        assert isinstance(result, OperationResult)
        return result

    async def debit(self, request: DebitRequest) -> DebitResult:
        result = await self._once(request)
        assert isinstance(result, DebitResult)
        return result

    async def status(self, idempotency_key: str) -> AuthorizeResult | OperationResult | DebitResult | None:
        """For a debit, the bank's verdict: the simulated bank has always answered by the time anyone asks."""
        stored = await self.store.operation(idempotency_key)
        await self._answer_delay()
        if stored is None:
            return None
        return decode_result(stored.verdict or stored.result)

    async def complete(self, request: CompleteRequest) -> AuthorizeResult | None:
        """The simulator's 3-D Secure is Lynk's own challenge page: nothing to finish, its answer is `status`."""
        return authorization(await self.status(request.idempotency_key))

    async def _answer_delay(self) -> None:
        """A processor's answer takes time (`LYNK_SIMULATOR_LATENCY_MS`): waited without blocking the server."""
        if self.latency_s > 0:
            await asyncio.sleep(self.latency_s)

    async def close(self) -> None:
        await self.store.close()

    async def _once(self, request: Request) -> Result:
        """Run `request` unless its key was seen; then replay what it got."""
        for _ in range(3):
            try:
                result = await self._once_in_unit(request)
                await self._answer_delay()  # the processor has acted (or replayed): its answer takes this long
                return result
            except StoreConflict:
                continue  # another process stored the key first: the next unit replays it
        raise ConnectorUnavailable("the simulator's store kept conflicting")

    async def _once_in_unit(self, request: Request) -> Result:
        key, text = request.idempotency_key, encode_request(request)
        async with self.store.unit(key) as unit:
            stored = await unit.operation(key)
            if stored is not None:
                if stored.request != text:
                    raise IdempotencyKeyReused(key)
                return decode_result(stored.result)
            result, verdict = await self._apply(unit, request)
            await unit.save_operation(key, Stored(text, encode_result(result), verdict))
        self._count(request, result)
        return result

    def _count(self, request: Request, result: Result) -> None:
        if isinstance(request, AuthorizeRequest):
            self.attempts += 1
            self.authorizations += 1 if result.succeeded else 0
            self.captures += 1 if result.status is AuthorizeStatus.CAPTURED else 0
        elif isinstance(request, CaptureRequest) and result.succeeded:
            self.captures += 1
        elif isinstance(request, RefundRequest) and result.succeeded:
            self.refunds += 1

    async def _apply(self, unit: Unit, request: Request) -> tuple[Result, str | None]:
        if isinstance(request, AuthorizeRequest):
            return await self._authorize(unit, request), None
        if isinstance(request, CaptureRequest):
            return await self._capture(unit, request), None
        if isinstance(request, VoidRequest):
            return await self._void(unit, request), None
        if isinstance(request, IncrementRequest):
            return await self._increment(unit, request), None
        if isinstance(request, DebitRequest):
            return await self._debit(unit, request)
        return await self._refund(unit, request), None

    # Bank debits

    async def _debit(self, unit: Unit, request: DebitRequest) -> tuple[DebitResult, str]:
        """Accept the debit as pending; the bank's verdict (Stripe's test accounts) is what `status` answers."""
        reference = f"sim_ach_{uuid.uuid4().hex[:20]}"
        failure = verdict(request.bank.routing_number, request.bank.last4)
        if failure is None:
            settled = DebitResult(DebitStatus.SUCCEEDED, reference)
            await unit.save_payment(reference, SimPayment(request.amount, "captured", captured=request.amount))
            self.captures += 1
        else:
            settled = DebitResult(DebitStatus.FAILED, reference, failure.code, failure.message, failure.return_code)
            await unit.save_payment(reference, SimPayment(request.amount, "declined"))
        return DebitResult(DebitStatus.PENDING, reference), encode_result(settled)

    # Authorization

    async def _authorize(self, unit: Unit, request: AuthorizeRequest) -> AuthorizeResult:
        incremental = (
            request.incremental_authorization and not request.capture and request.card.brand in _INCREMENTABLE_BRANDS
        )
        reference = f"{_INCREMENTABLE if incremental else 'sim_'}{uuid.uuid4().hex[:24]}"
        result = self._decide(request, reference)
        if incremental and result.succeeded:
            result = replace(result, incremental_authorization=True)
        card = request.card.vault_card_id
        if result.succeeded:
            captured = result.status is AuthorizeStatus.CAPTURED
            amount = request.amount
            payment = SimPayment(amount, "captured" if captured else "authorized", amount if captured else 0, card=card)
        else:
            payment = SimPayment(request.amount, "declined", card=card)
        await unit.save_payment(reference, payment)
        return result

    def _decide(self, request: AuthorizeRequest, reference: str) -> AuthorizeResult:
        card = _CARDS.get((request.card.bin, request.card.last4), _NORMAL)
        cvc_check: CheckResult | None = None
        if request.cvc_provided:
            cvc_check = "fail" if card.cvc_fails else "pass"
        postal_check: CheckResult | None = None
        if request.postal_code is not None:
            postal_check = "fail" if card.postal_fails else "pass"

        def declined(code: str, decline_code: str, status: AuthorizeStatus = _DECLINED) -> AuthorizeResult:
            sent = status is not AuthorizeStatus.ERROR
            return AuthorizeResult(
                status=status,
                reference=reference,
                network_status="declined_by_network" if sent else "not_sent_to_network",
                message=_MESSAGES[decline_code],
                code=code,
                decline_code=decline_code,
                cvc_check=cvc_check if sent else None,
                postal_code_check=postal_check if sent else None,
            )

        if self._expired(request):
            return declined("expired_card", "expired_card")
        if card.decline is not None:
            status, code, decline_code = card.decline
            return declined(code, decline_code, status)
        if card.declines_charges and request.amount > 0:
            return declined("card_declined", "generic_decline")
        if card.cvc_fails and request.cvc_provided:
            return declined("incorrect_cvc", "incorrect_cvc")
        if _needs_authentication(card.three_ds, request) and not request.authenticated:
            if request.off_session:  # nobody to challenge: the issuer soft-declines
                return declined(
                    "authentication_required", "authentication_required", AuthorizeStatus.AUTHENTICATION_REQUIRED
                )
            return AuthorizeResult(
                status=AuthorizeStatus.AUTHENTICATION_REQUIRED,
                reference=reference,
                network_status="not_sent_to_network",
                message="This payment requires authentication.",
            )
        if card.decline_after_authentication is not None:
            return declined("card_declined", card.decline_after_authentication)
        return AuthorizeResult(
            status=AuthorizeStatus.CAPTURED if request.capture else AuthorizeStatus.AUTHORIZED,
            reference=reference,
            network_status="approved_by_network",
            message="Payment complete.",
            cvc_check=cvc_check,
            postal_code_check=postal_check,
        )

    def _expired(self, request: AuthorizeRequest) -> bool:
        now = datetime.fromtimestamp(self.clock.now(), UTC)
        return (request.card.exp_year, request.card.exp_month) < (now.year, now.month)

    # Capture, void, refund

    async def _capture(self, unit: Unit, request: CaptureRequest) -> OperationResult:
        auth = await _open_authorization(unit, request.reference)
        if isinstance(auth, OperationResult):
            return auth
        if request.amount > auth.amount:
            return _failed(request.reference, "amount_too_large", "The capture amount exceeds the authorized amount.")
        auth.state, auth.captured = "captured", request.amount
        await unit.save_payment(request.reference, auth)
        return OperationResult(OperationStatus.SUCCEEDED, request.reference)

    async def _increment(self, unit: Unit, request: IncrementRequest) -> OperationResult:
        auth = await _open_authorization(unit, request.reference)
        if isinstance(auth, OperationResult):
            return auth
        if not request.reference.startswith(_INCREMENTABLE):
            return not_incrementable(request.reference)
        if request.amount <= auth.amount:
            return _failed(
                request.reference, "amount_too_small", "The new amount must be more than the authorized one."
            )
        if request.amount > _INCREMENT_LIMIT:
            return _failed(request.reference, "card_declined", _MESSAGES["generic_decline"])
        auth.amount = request.amount
        await unit.save_payment(request.reference, auth)
        return OperationResult(OperationStatus.SUCCEEDED, request.reference)

    async def _void(self, unit: Unit, request: VoidRequest) -> OperationResult:
        auth = await _open_authorization(unit, request.reference)
        if isinstance(auth, OperationResult):
            return auth
        auth.state = "voided"
        await unit.save_payment(request.reference, auth)
        return OperationResult(OperationStatus.SUCCEEDED, request.reference)

    async def _refund(self, unit: Unit, request: RefundRequest) -> OperationResult:
        auth = await unit.payment(request.reference)
        if auth is None:
            return _missing(request.reference)
        if auth.state != "captured":
            return _failed(request.reference, "charge_not_refundable", "Only captured payments can be refunded.")
        remaining = auth.captured - auth.refunded
        if remaining == 0:
            return _failed(request.reference, "charge_already_refunded", "The payment has already been refunded.")
        if request.amount > remaining:
            return _failed(
                request.reference,
                "amount_too_large",
                f"Refund amount ({request.amount}) is greater than the unrefunded amount ({remaining}).",
            )
        auth.refunded += request.amount
        await unit.save_payment(request.reference, auth)
        return OperationResult(OperationStatus.SUCCEEDED, f"sim_re_{uuid.uuid4().hex[:24]}")


async def _open_authorization(unit: Unit, reference: str) -> SimPayment | OperationResult:
    """The uncaptured authorization `reference`, or the failure that says why there is none."""
    auth = await unit.payment(reference)
    if auth is None:
        return _missing(reference)
    if auth.state == "captured":
        return _failed(reference, "charge_already_captured", "The payment has already been captured.")
    if auth.state != "authorized":
        return _failed(reference, "charge_not_capturable", f"The authorization is {auth.state}.")
    return auth


def _failed(reference: str, code: str, message: str) -> OperationResult:
    return OperationResult(OperationStatus.FAILED, reference, code=code, message=message)


def _missing(reference: str) -> OperationResult:
    return _failed(reference, "resource_missing", f"No such payment: '{reference}'")

"""A processor that behaves as Stripe's test mode does for its test cards: the simulator's operations.

What a card answers to an authorization is simulator_cards.py (by BIN and last four, with the clock the
simulator is given); this module runs the operations on what it granted: authorize, capture, increment,
void, refund, and bank debits (Stripe's test bank accounts, test_banks.py).

State (what each key got, each authorization by reference) lives in a `SimulatorStore`: in memory
by default, in the database for `lynk serve` (`lynk.simulation`). Calls with the same key run one
after another (a unit of the store), so a burst of retries authorizes once, in one process or many.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace

from lynk.connectors.protocol import (
    AuthorizeRequest,
    AuthorizeResult,
    AuthorizeStatus,
    CaptureRequest,
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
from lynk.connectors.simulator_cards import DECLINE_MESSAGES, decide
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

# Incremental authorizations, as Stripe offers them: Visa, Mastercard and Discover cards, when the
# authorization was asked for as incrementable and left uncaptured. The simulator marks such an
# authorization in its own reference; an increment to a total above `_INCREMENT_LIMIT` is declined.
_INCREMENTABLE_BRANDS = frozenset({"visa", "mastercard", "discover"})
_INCREMENTABLE = "sim_ia_"
_INCREMENT_LIMIT = 999_999


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
        for attempt in range(3):
            try:
                result = await self._once_in_unit(request, first=attempt == 0)
                await self._answer_delay()  # the processor has acted (or replayed): its answer takes this long
                return result
            except StoreConflict:
                continue  # another process stored the key first: the next unit replays it
        raise ConnectorUnavailable("the simulator's store kept conflicting")

    async def _once_in_unit(self, request: Request, *, first: bool) -> Result:
        key, text = request.idempotency_key, encode_request(request)
        async with self.store.unit(key, first=first) as unit:
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
        result = decide(request, reference, self.clock.now())
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
            return _failed(request.reference, "card_declined", DECLINE_MESSAGES["generic_decline"])
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

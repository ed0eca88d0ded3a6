"""The connector a merchant's payments go through: its own processors, routed, with failover.

`ProcessorRouter` is a `Connector`. With no processor configured for the scope it hands every call to
the mode's default (the simulator in test mode; in live mode the operator's processor, or none, which
refuses). Otherwise an authorization goes to the first processor whose rule admits it (currency,
card brand, amount, the card's country), and to the next one only when that is safe:

- the processor was not reached (`ConnectorNotReached`: connection refused, wrong key, rate limited):
  nothing happened there;
- it failed in a way that leaves the outcome unknown (timeout, 5xx) and `status` of the same key then
  says it never saw the request. If `status` cannot be had either, the payment stops with
  `processor_unavailable`: sending it elsewhere could authorize twice.

A processor whose circuit breaker is open (`lynk.processors.health`: its success rate collapsed) is
tried after the others, and again first once a probe call succeeds.

Each processor gets its own idempotency key (`{attempt key}@{proc id}`), so a retry of the attempt
replays at every processor what that processor already did. The reference a processor returns is
handed back as `{proc id}|{reference}`: the charge records it, and capture, void and refund find
their processor in it (a removed processor still settles what it authorized).
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.connectors import (
    AuthorizeRequest,
    AuthorizeResult,
    CaptureRequest,
    CardNumber,
    CardRef,
    CompleteRequest,
    Connector,
    ConnectorNotReached,
    ConnectorUnavailable,
    DebitRequest,
    DebitResult,
    Detokenize,
    IncrementRequest,
    OperationResult,
    ProcessorNotConfigured,
    RefundRequest,
    VoidRequest,
)
from lynk.connectors.adyen import DEFAULT_RETURN_URL, AdyenConnector
from lynk.connectors.adyen_webhooks import verify_notification
from lynk.connectors.protocol import RETURN_KEY_PARAM
from lynk.connectors.stripe_api import StripeConnector, verify_webhook
from lynk.core.db import reading
from lynk.core.scope import Scope
from lynk.processors import repository, service
from lynk.processors.health import BOARD
from lynk.processors.service import ProcessorConfig
from lynk.vault import service as vault
from lynk.vault.keyring import Keyring

logger = logging.getLogger(__name__)
SEPARATOR = "|"
__all__ = ["RETURN_KEY_PARAM", "ProcessorRouter"]

Factory = Callable[[ProcessorConfig, Detokenize], Connector]
T = TypeVar("T")


def _stripe(config: ProcessorConfig, detokenize: Detokenize) -> Connector:
    return StripeConnector(
        secret_key=config.secret_key,
        api_base=config.api_base,
        detokenize=detokenize,
        timeout_s=config.timeout_s,
        return_url=config.return_url,
    )


def _adyen(config: ProcessorConfig, detokenize: Detokenize) -> Connector:
    return AdyenConnector(
        api_key=config.secret_key,
        merchant_account=config.merchant_account or "",
        api_base=config.api_base,
        detokenize=detokenize,
        timeout_s=config.timeout_s,
        return_url=config.return_url or DEFAULT_RETURN_URL,
    )


FACTORIES: dict[str, Factory] = {"stripe": _stripe, "adyen": _adyen}
# Each kind's own webhook signature scheme: (payload, signature header, secret) -> the event, in Stripe's
# shape (Adyen signs inside the body: no header).
WEBHOOK_VERIFIERS: dict[str, Callable[[bytes, str, str], dict[str, Any]]] = {
    "stripe": verify_webhook,
    "adyen": verify_notification,
}
SIGNATURE_HEADERS = {"stripe": "stripe-signature", "adyen": "x-adyen-signature-unused"}


def _key(attempt_key: str, processor_id: str) -> str:
    """A processor's own idempotency key for an attempt: a retry replays at each what it already did."""
    return f"{attempt_key}@{processor_id}"


def return_path(processor_id: str) -> str:
    """Lynk's page the processor sends the shopper back to after its own 3-D Secure challenge."""
    return f"/hooks/processors/{processor_id}/return"


def _unreachable(processor_id: str) -> ConnectorUnavailable:
    """Not reaching the processor an earlier run sent the attempt to says nothing of that run: unknown."""
    return ConnectorUnavailable(f"processor {processor_id}, which has this attempt, cannot be reached")


def tagged(processor_id: str, reference: str) -> str:
    return f"{processor_id}{SEPARATOR}{reference}"


def split(reference: str) -> tuple[str | None, str]:
    """(processor id, the processor's own reference); no processor id for the default connector's."""
    head, sep, tail = reference.partition(SEPARATOR)
    return (head, tail) if sep and head.startswith("proc_") else (None, reference)


def _retag(processor_id: str, result: AuthorizeResult | OperationResult | DebitResult) -> AuthorizeResult:
    assert isinstance(result, AuthorizeResult)
    return replace(result, reference=tagged(processor_id, result.reference))


class ProcessorRouter:
    """A `Connector` over a scope's processors; built per request. It reads them (and card facts, and the
    number at the last moment) in that request's session, or, while the request is between its atomic
    phases, in a short read of its own (`core.db.reading`): nothing is held across the processor call."""

    def __init__(
        self,
        session: AsyncSession,
        keyring: Keyring,
        scope: Scope,
        default: Connector,
        *,
        public_url: str | None = None,
    ) -> None:
        self._session, self._keyring, self._scope, self._default = session, keyring, scope, default
        self._public_url = public_url.rstrip("/") if public_url else None
        self._routes: list[tuple[ProcessorConfig, Connector]] | None = None
        self._had_processors = True
        self.label = type(default).__name__.lower()
        """Who served the last call, for metrics and traces: the default's class (`simulator`) or a kind."""

    async def _detokenize(self, card: CardRef) -> CardNumber:
        """The vault opens the card only now, as the processor's request is built, for this scope's mode."""
        async with reading(self._session) as session:
            number = await vault.reveal_number(
                session, self._keyring, card.vault_card_id, livemode=self._scope.livemode
            )
        if number is None:
            raise ConnectorNotReached("the card is not in the vault")
        return CardNumber(number)

    def _connector(self, config: ProcessorConfig) -> Connector:
        if self._public_url is not None:  # the shopper comes back here from the processor's 3-D Secure page
            config = replace(config, return_url=f"{self._public_url}{return_path(config.id)}")
        return FACTORIES[config.kind](config, self._detokenize)

    async def routes(self) -> list[tuple[ProcessorConfig, Connector]]:
        if self._routes is None:
            async with reading(self._session) as session:
                # A scope that never had a processor has no attempt recorded at one: none to look up.
                configs, self._had_processors = await service.route_configs(session, self._keyring, self._scope)
            self._routes = [(config, self._connector(config)) for config in configs]
        return self._routes

    async def has_processors(self) -> bool:
        return bool(await self.routes())

    async def _processor(self, processor_id: str) -> tuple[ProcessorConfig, Connector]:
        """One of the scope's processors by id, removed ones too (they settle what they authorized)."""
        for config, connector in await self.routes():
            if config.id == processor_id:
                return config, connector
        async with reading(self._session) as session:
            removed = await service.config(session, self._keyring, self._scope, processor_id)
        if removed is None:
            raise ConnectorNotReached(f"processor {processor_id} is not this merchant's")
        return removed, self._connector(removed)

    async def _owner(self, reference: str) -> tuple[Connector, str, str | None]:
        """The connector that issued `reference`, its own reference, and the processor id."""
        processor_id, own = split(reference)
        if processor_id is None:
            return self._default, reference, None
        config, connector = await self._processor(processor_id)
        self.label = config.kind
        return connector, own, processor_id

    async def _timed(self, processor_id: str | None, call: Awaitable[T]) -> T:
        """Await a processor's call, noting in its health (shared, in the database) whether it answered (a
        decline, even a refusal of the key, is an answer) and how fast."""
        began, ok = time.perf_counter(), True
        try:
            return await call
        except ConnectorUnavailable:
            ok = False
            raise
        finally:
            if processor_id is not None:
                async with reading(self._session, write=True) as session:
                    await BOARD.record(session, processor_id, ok=ok, latency_s=time.perf_counter() - began)

    async def _allowed(self, processor_id: str) -> bool:
        """Whether the processor's breaker lets a call through: a read, and a write only to claim a probe."""
        async with reading(self._session) as session:
            verdict = await BOARD.verdict(session, processor_id)
        if verdict != "probe":
            return verdict == "closed"
        async with reading(self._session, write=True) as session:
            return await BOARD.claim_probe(session, processor_id)

    async def _by_health(
        self, candidates: list[tuple[ProcessorConfig, Connector]]
    ) -> AsyncIterator[tuple[ProcessorConfig, Connector]]:
        """The candidates whose breaker lets a call through (asked only when their turn comes: letting one
        through may spend the half-open probe), then, if none answered, those skipped: better a call to a
        processor judged unhealthy than a refusal."""
        skipped = []
        for candidate in candidates:
            if await self._allowed(candidate[0].id):
                yield candidate
            else:
                skipped.append(candidate)
        for candidate in skipped:
            yield candidate

    # Authorization: routed, with failover

    async def authorize(self, request: AuthorizeRequest) -> AuthorizeResult:
        routes = await self.routes()
        pinned = await self._pinned(request.idempotency_key)
        if pinned is not None:  # an earlier run of this attempt was sent there: only there, under its key
            config, connector, key = pinned
            self.label = config.kind
            result = await self._ask_again(config, connector, replace(request, idempotency_key=key))
            if result is not None:
                return result
            await self._pin(request.idempotency_key, None)  # it says it never saw the key: route afresh
        if not routes:
            return await self._default.authorize(request)
        self.label = routes[0][0].kind
        async with reading(self._session) as session:
            facts = await vault.card_facts(session, request.card.vault_card_id)
        country = facts.country if facts is not None else None
        candidates = [
            (config, connector)
            for config, connector in routes
            if config.rules.admits(
                amount=request.amount, currency=request.currency, brand=request.card.brand, country=country
            )
        ]
        if not candidates:
            raise ProcessorNotConfigured("no processor of this merchant takes this payment")
        async for config, connector in self._by_health(candidates):
            key = _key(request.idempotency_key, config.id)
            self.label = config.kind
            await self._pin(request.idempotency_key, config.id)  # committed before the call: the recovery point
            try:
                result = await self._timed(config.id, connector.authorize(replace(request, idempotency_key=key)))
                return _retag(config.id, result)
            except ConnectorNotReached:
                logger.warning("processor %s was not reached; trying the next one", config.id)
                await self._pin(request.idempotency_key, None)
                continue
            except ConnectorUnavailable:
                found = await connector.status(key)  # unreachable now too: unknown, so no failover (raises)
                if found is not None:
                    return _retag(config.id, found)
                logger.warning("processor %s failed and never recorded %s; trying the next one", config.id, key)
                await self._pin(request.idempotency_key, None)
        raise ConnectorNotReached("no processor could be reached")

    async def _ask_again(
        self, config: ProcessorConfig, connector: Connector, request: AuthorizeRequest
    ) -> AuthorizeResult | None:
        """The attempt again at the processor an earlier run sent it to: its answer, or None if it says it
        never saw the key."""
        try:
            result = await self._timed(config.id, connector.authorize(request))
            return _retag(config.id, result)
        except ConnectorNotReached:
            raise _unreachable(config.id) from None
        except ConnectorUnavailable:
            found = await connector.status(request.idempotency_key)
            return _retag(config.id, found) if found is not None else None

    async def _pinned(self, attempt_key: str) -> tuple[ProcessorConfig, Connector, str] | None:
        """The processor an earlier run of this attempt was sent to (committed before that call), if any."""
        await self.routes()
        if not self._had_processors:
            return None
        async with reading(self._session) as session:
            row = await repository.attempt(session, attempt_key)
        if row is None:
            return None
        config, connector = await self._processor(row.processor_id)
        return config, connector, row.processor_key

    async def _pin(self, attempt_key: str, processor_id: str | None) -> None:
        """Record (None: forget) the processor this attempt is about to be sent to, committed at once."""
        async with reading(self._session, write=True) as session:
            if processor_id is None:
                await repository.unpin_attempt(session, attempt_key)
            else:
                key = _key(attempt_key, processor_id)
                await repository.pin_attempt(session, attempt_key, processor_id, key, int(time.time()))

    async def status(self, idempotency_key: str) -> AuthorizeResult | OperationResult | DebitResult | None:
        pinned = await self._pinned(idempotency_key)
        if pinned is not None:  # asked there and nowhere else; not reaching it leaves the outcome unknown
            config, connector, key = pinned
            try:
                found = await connector.status(key)
            except ConnectorNotReached:
                raise _unreachable(config.id) from None
            return _retag(config.id, found) if found is not None else None
        for config, connector in await self.routes():
            try:
                found = await connector.status(_key(idempotency_key, config.id))
            except ConnectorNotReached:
                continue
            if found is not None:
                return _retag(config.id, found)
        try:  # attempts made before the merchant added processors went to the default
            return await self._default.status(idempotency_key)
        except ProcessorNotConfigured:
            return None

    async def complete(self, request: CompleteRequest) -> AuthorizeResult | None:
        """The shopper back from a processor's 3-D Secure page: to the processor the attempt was sent to,
        under its key, and nowhere else."""
        pinned = await self._pinned(request.idempotency_key)
        if pinned is None:
            try:
                return await self._default.complete(request)
            except ProcessorNotConfigured:
                return None
        config, connector, key = pinned
        self.label = config.kind
        try:
            found = await self._timed(config.id, connector.complete(replace(request, idempotency_key=key)))
        except ConnectorNotReached:
            raise _unreachable(config.id) from None
        return _retag(config.id, found) if found is not None else None

    # Capture, increment, void, refund: to the processor that authorized

    async def capture(self, request: CaptureRequest) -> OperationResult:
        connector, own, processor_id = await self._owner(request.reference)
        result = await self._timed(processor_id, connector.capture(replace(request, reference=own)))
        return replace(result, reference=request.reference)

    async def increment_authorization(self, request: IncrementRequest) -> OperationResult:
        connector, own, processor_id = await self._owner(request.reference)
        result = await self._timed(processor_id, connector.increment_authorization(replace(request, reference=own)))
        return replace(result, reference=request.reference)

    async def void(self, request: VoidRequest) -> OperationResult:
        connector, own, processor_id = await self._owner(request.reference)
        result = await self._timed(processor_id, connector.void(replace(request, reference=own)))
        return replace(result, reference=request.reference)

    async def refund(self, request: RefundRequest) -> OperationResult:
        connector, own, processor_id = await self._owner(request.reference)
        result = await self._timed(processor_id, connector.refund(replace(request, reference=own)))
        if processor_id is None or not result.succeeded:
            return result
        return replace(result, reference=tagged(processor_id, result.reference))

    async def debit(self, request: DebitRequest) -> DebitResult:
        """Bank debits go to the mode's default connector (no processor kind here takes them yet)."""
        return await self._default.debit(request)

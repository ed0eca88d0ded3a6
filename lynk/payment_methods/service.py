"""PaymentMethod use cases. Card numbers go straight into the vault; only safe facts come back.

`resolve` accepts a PaymentMethod id or one of Stripe's test ids (`pm_card_visa`,
`tok_visa`), which make a fresh PaymentMethod each time, as at Stripe.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.clock import year_month
from lynk.core.errors import CardError
from lynk.core.ids import new_id
from lynk.core.metadata import MetadataUpdate
from lynk.core.pagination import Page, PageRequest
from lynk.core.scope import Scope
from lynk.customers import service as customers
from lynk.events import service as events
from lynk.models import PaymentMethod
from lynk.payment_methods import repository
from lynk.payment_methods.errors import (
    AlreadyAttached,
    CardDetailsMissing,
    ConsumedNotAttachable,
    NotAttached,
    PaymentMethodNotFound,
    RawCardDataRefused,
)
from lynk.payment_methods.objects import payment_method_object
from lynk.vault import service as vault
from lynk.vault.keyring import Keyring
from lynk.vault.sandbox_cards import sandbox_card_name

EMPTY_ADDRESS = {"city": None, "country": None, "line1": None, "line2": None, "postal_code": None, "state": None}


@dataclass(frozen=True)
class CardInput:
    number: str | None = None
    exp_month: int | None = None
    exp_year: int | None = None
    cvc: str | None = None
    token: str | None = None


@dataclass(frozen=True)
class CardData:
    """`payment_method_data` of type `card` on a PaymentIntent or SetupIntent: the card and its
    `billing_details`, kept as `POST /v1/payment_methods` keeps them."""

    card: CardInput
    billing: dict[str, Any] | None = None


def billing_details(given: dict[str, Any] | None) -> dict[str, Any]:
    given = given or {}
    return {
        "address": {**EMPTY_ADDRESS, **(given.get("address") or {})},
        "email": given.get("email"),
        "name": given.get("name"),
        "phone": given.get("phone"),
        "tax_id": None,
    }


def _card_document(stored: vault.StoredCard) -> dict[str, Any]:
    facts = stored.facts
    return {
        "brand": facts.brand,
        "checks": {"address_line1_check": None, "address_postal_code_check": None, "cvc_check": stored.cvc_check},
        "country": facts.country,
        "display_brand": facts.brand,
        "exp_month": facts.exp_month,
        "exp_year": facts.exp_year,
        "fingerprint": stored.fingerprint,
        "funding": facts.funding,
        "generated_from": None,
        "last4": facts.last4,
        "networks": {"available": [facts.brand], "preferred": None},
        "regulated_status": None,
        "three_d_secure_usage": {"supported": True},
        "wallet": None,
    }


def _card_param(error: CardError) -> CardError:
    """Vault errors name `number`, `cvc`…; the API names them `card[number]`."""
    if error.param and not error.param.startswith("card["):
        error.param = f"card[{error.param}]"
    return error


async def _store(
    session: AsyncSession, keyring: Keyring, scope: Scope, card: CardInput, *, secret_key: bool, now: int
) -> vault.StoredCard:
    today = year_month(now)
    if card.token is not None:
        name = sandbox_card_name(card.token)
        if scope.livemode or name is None:
            raise PaymentMethodNotFound(card.token, param="card[token]")
        return await vault.store_test_card(session, keyring, name, now=now, today=today)
    if card.number is None or card.exp_month is None or card.exp_year is None:
        raise CardDetailsMissing()
    if scope.livemode and secret_key:
        raise RawCardDataRefused()
    try:
        return await vault.store_card(
            session,
            keyring,
            livemode=scope.livemode,
            number=card.number,
            exp_month=card.exp_month,
            exp_year=card.exp_year,
            cvc=card.cvc,
            now=now,
            today=today,
        )
    except CardError as error:
        raise _card_param(error) from None


async def _new(
    session: AsyncSession,
    scope: Scope,
    stored: vault.StoredCard,
    *,
    billing: dict[str, Any] | None,
    metadata: MetadataUpdate | None,
    allow_redisplay: str,
    now: int,
) -> PaymentMethod:
    payment_method = PaymentMethod(
        id=new_id("pm"),
        created=now,
        merchant_id=scope.merchant_id,
        livemode=scope.livemode,
        metadata_=(metadata or MetadataUpdate()).apply({}),
        type="card",
        customer_id=None,
        billing_details=billing_details(billing),
        allow_redisplay=allow_redisplay,
        vault_card_id=stored.id,
        card=_card_document(stored),
    )
    await repository.add(session, payment_method)
    return payment_method


async def create_card(
    session: AsyncSession,
    keyring: Keyring,
    scope: Scope,
    card: CardInput,
    *,
    billing: dict[str, Any] | None,
    metadata: MetadataUpdate | None,
    allow_redisplay: str,
    secret_key: bool,
    now: int,
) -> PaymentMethod:
    stored = await _store(session, keyring, scope, card, secret_key=secret_key, now=now)
    return await _new(
        session, scope, stored, billing=billing, metadata=metadata, allow_redisplay=allow_redisplay, now=now
    )


async def create_from_data(
    session: AsyncSession, keyring: Keyring, scope: Scope, data: CardData, *, secret_key: bool, now: int
) -> PaymentMethod:
    """The card PaymentMethod an intent's inline `payment_method_data` makes."""
    return await create_card(
        session,
        keyring,
        scope,
        data.card,
        billing=data.billing,
        metadata=None,
        allow_redisplay="unspecified",
        secret_key=secret_key,
        now=now,
    )


async def seal_card(
    session: AsyncSession, keyring: Keyring, scope: Scope, card: CardInput, *, secret_key: bool, now: int
) -> vault.StoredCard:
    """Check and seal a card given through the API, as a card PaymentMethod's is (Link reuses this)."""
    return await _store(session, keyring, scope, card, secret_key=secret_key, now=now)


async def create_link(
    session: AsyncSession, scope: Scope, *, email: str, billing: dict[str, Any] | None, now: int
) -> PaymentMethod:
    """A merchant's `link` PaymentMethod: the shopper's email only, no card (it stays in the network)."""
    payment_method = PaymentMethod(
        id=new_id("pm"),
        created=now,
        merchant_id=scope.merchant_id,
        livemode=scope.livemode,
        metadata_={},
        type="link",
        customer_id=None,
        billing_details=billing_details(billing),
        allow_redisplay="unspecified",
        vault_card_id=None,
        card=None,
        link={"email": email},
    )
    await repository.add(session, payment_method)
    return payment_method


async def resolve(
    session: AsyncSession, keyring: Keyring, scope: Scope, identifier: str, *, now: int, param: str = "payment_method"
) -> PaymentMethod:
    """An existing PaymentMethod, or a fresh one for a test id in test mode."""
    name = sandbox_card_name(identifier)
    if name is not None and not scope.livemode:
        stored = await vault.store_test_card(session, keyring, name, now=now, today=year_month(now))
        return await _new(session, scope, stored, billing=None, metadata=None, allow_redisplay="unspecified", now=now)
    return await get(session, scope, identifier, param=param, for_update=True)


async def get_for_customer(
    session: AsyncSession, scope: Scope, customer_id: str, payment_method_id: str
) -> PaymentMethod:
    """A PaymentMethod attached to this customer (another one, or none, is "No such PaymentMethod")."""
    await customers.get(session, scope, customer_id)
    found = await repository.get(session, scope, payment_method_id)
    if found is None or found.customer_id != customer_id:
        raise PaymentMethodNotFound(payment_method_id, param="payment_method")
    return found


async def get(
    session: AsyncSession, scope: Scope, payment_method_id: str, *, param: str = "id", for_update: bool = False
) -> PaymentMethod:
    found = await repository.get(session, scope, payment_method_id, for_update=for_update)
    if found is None:
        raise PaymentMethodNotFound(payment_method_id, param=param)
    return found


async def update(
    session: AsyncSession,
    scope: Scope,
    payment_method_id: str,
    *,
    billing: dict[str, Any] | None,
    expiry: tuple[int | None, int | None],
    metadata: MetadataUpdate | None,
    allow_redisplay: str | None,
    now: int,
) -> PaymentMethod:
    payment_method = await get(session, scope, payment_method_id, for_update=True)
    before = payment_method_object(payment_method)
    if billing is not None:
        merged = {**payment_method.billing_details, **billing}
        if "address" in billing:
            merged["address"] = {**EMPTY_ADDRESS, **(billing["address"] or {})}
        payment_method.billing_details = billing_details(merged)
    exp_month, exp_year = expiry
    if (exp_month is not None or exp_year is not None) and payment_method.card and payment_method.vault_card_id:
        card = dict(payment_method.card)
        try:
            month, year = await vault.update_expiry(
                session,
                payment_method.vault_card_id,
                exp_month if exp_month is not None else card["exp_month"],
                exp_year if exp_year is not None else card["exp_year"],
                today=year_month(now),
            )
        except CardError as error:
            raise _card_param(error) from None
        card["exp_month"], card["exp_year"] = month, year
        payment_method.card = card
    if metadata is not None:
        payment_method.metadata_ = metadata.apply(payment_method.metadata_)
    if allow_redisplay is not None:
        payment_method.allow_redisplay = allow_redisplay
    await session.flush()
    after = payment_method_object(payment_method)
    previous = events.previous_attributes(before, after)
    if previous:
        await events.record(session, scope, "payment_method.updated", after, now=now, previous=previous)
    return payment_method


async def attach(
    session: AsyncSession, keyring: Keyring, scope: Scope, identifier: str, customer_id: str, *, now: int
) -> PaymentMethod:
    customer = await customers.get(session, scope, customer_id, param="customer")
    payment_method = await resolve(session, keyring, scope, identifier, now=now, param="id")
    if payment_method.customer_id == customer.id:
        return payment_method  # attaching again to the same customer changes nothing
    if payment_method.customer_id is not None:
        raise AlreadyAttached()
    if payment_method.consumed:
        raise ConsumedNotAttachable()
    payment_method.customer_id = customer.id
    await session.flush()
    await events.record(session, scope, "payment_method.attached", payment_method_object(payment_method), now=now)
    return payment_method


async def detach(session: AsyncSession, scope: Scope, payment_method_id: str, *, now: int) -> PaymentMethod:
    payment_method = await get(session, scope, payment_method_id, for_update=True)
    if payment_method.customer_id is None:
        raise NotAttached()
    previous = {"customer": payment_method.customer_id}
    payment_method.customer_id = None
    await session.flush()
    obj = payment_method_object(payment_method)
    await events.record(session, scope, "payment_method.detached", obj, now=now, previous=previous)
    return payment_method


async def link_revoked(session: AsyncSession, scope: Scope, payment_method_id: str, *, now: int) -> PaymentMethod:
    """The shopper revoked this `link` method: it leaves its customer, and the merchant hears `detached`."""
    payment_method = await get(session, scope, payment_method_id, for_update=True)
    previous = {"customer": payment_method.customer_id}
    payment_method.customer_id = None
    await session.flush()
    obj = payment_method_object(payment_method)
    await events.record(session, scope, "payment_method.detached", obj, now=now, previous=previous)
    return payment_method


async def list_page(
    session: AsyncSession, scope: Scope, page: PageRequest, *, customer_id: str | None, type_: str | None
) -> Page[PaymentMethod]:
    if customer_id is not None:
        await customers.get(session, scope, customer_id, param="customer")
    return await repository.list_page(session, scope, page, customer_id=customer_id, type_=type_)

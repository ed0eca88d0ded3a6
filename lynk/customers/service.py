"""Customer use cases. Fields arrive as plain values; `None` unsets a field."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.ids import new_id
from lynk.core.metadata import MetadataUpdate
from lynk.core.pagination import Page, PageRequest
from lynk.core.scope import Scope
from lynk.customers import repository
from lynk.customers.errors import CustomerNotFound
from lynk.customers.objects import customer_object
from lynk.events import service as events
from lynk.models import Customer
from lynk.test_clocks import service as test_clocks

EMPTY_INVOICE_SETTINGS: dict[str, Any] = {
    "custom_fields": None,
    "default_payment_method": None,
    "footer": None,
    "rendering_options": None,
}

# Fields a request may set directly, with the value an unset field takes.
SETTABLE_DEFAULTS: dict[str, Any] = {
    "email": None,
    "name": None,
    "phone": None,
    "description": None,
    "address": None,
    "shipping": None,
    "preferred_locales": [],
    "balance": 0,
    "tax_exempt": "none",
    "next_invoice_sequence": 1,
}


def _apply(customer: Customer, changes: dict[str, Any]) -> None:
    for field, value in changes.items():
        if field == "invoice_settings":
            merged = dict(customer.invoice_settings or EMPTY_INVOICE_SETTINGS)
            merged.update(EMPTY_INVOICE_SETTINGS if value is None else value)
            customer.invoice_settings = merged
        elif field == "invoice_prefix":
            if value is not None:
                customer.invoice_prefix = value
        else:
            setattr(customer, field, SETTABLE_DEFAULTS[field] if value is None else value)


async def create(
    session: AsyncSession, scope: Scope, changes: dict[str, Any], metadata: MetadataUpdate | None, *, now: int
) -> Customer:
    changes = dict(changes)
    test_clock = changes.pop("test_clock", None)
    if test_clock is not None:
        await test_clocks.get(session, scope, test_clock, param="test_clock")
    customer = Customer(
        id=new_id("cus", 14),
        created=now,
        merchant_id=scope.merchant_id,
        livemode=scope.livemode,
        metadata_=(metadata or MetadataUpdate()).apply({}),
        invoice_settings=dict(EMPTY_INVOICE_SETTINGS),
        invoice_prefix=secrets.token_hex(4).upper(),
        deleted_at=None,
        currency=None,
        test_clock_id=test_clock,
        **SETTABLE_DEFAULTS,
    )
    _apply(customer, changes)
    await repository.add(session, customer)
    await events.record(session, scope, "customer.created", customer_object(customer), now=now)
    return customer


async def get(session: AsyncSession, scope: Scope, customer_id: str, *, param: str = "id") -> Customer:
    customer = await repository.get(session, scope, customer_id)
    if customer is None:
        raise CustomerNotFound(customer_id, param=param)
    return customer


async def update(
    session: AsyncSession,
    scope: Scope,
    customer_id: str,
    changes: dict[str, Any],
    metadata: MetadataUpdate | None,
    *,
    now: int,
) -> Customer:
    customer = await repository.get(session, scope, customer_id, for_update=True)
    if customer is None:
        raise CustomerNotFound(customer_id)
    before = customer_object(customer)
    _apply(customer, changes)
    if metadata is not None:
        customer.metadata_ = metadata.apply(customer.metadata_)
    await session.flush()
    after = customer_object(customer)
    previous = events.previous_attributes(before, after)
    if previous:
        await events.record(session, scope, "customer.updated", after, now=now, previous=previous)
    return customer


async def delete(session: AsyncSession, scope: Scope, customer_id: str, *, now: int) -> Customer:
    """Soft-delete: the customer disappears from every read, its id stays taken."""
    customer = await repository.get(session, scope, customer_id, for_update=True)
    if customer is None:
        raise CustomerNotFound(customer_id)
    customer.deleted_at = now
    await session.flush()
    await events.record(session, scope, "customer.deleted", customer_object(customer), now=now)
    return customer


async def list_page(session: AsyncSession, scope: Scope, page: PageRequest, *, email: str | None) -> Page[Customer]:
    return await repository.list_page(session, scope, page, email=email)


async def ids_on_test_clock(session: AsyncSession, scope: Scope, clock_id: str) -> list[str]:
    """The ids of the (not deleted) customers that live on a test clock."""
    return await repository.ids_on_test_clock(session, scope, clock_id)


async def search_page(session: AsyncSession, scope: Scope, query: str, page: PageRequest) -> Page[Customer]:
    """Customers matching Stripe's search `query` (fields: created, email, name, phone, metadata)."""
    return await repository.search_page(session, scope, query, page)

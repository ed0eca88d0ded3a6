"""HTTP handlers for /v1/checkout/sessions."""

from __future__ import annotations

from typing import Any

from lynk.checkout import service
from lynk.checkout.objects import checkout_session_object, line_item_object
from lynk.checkout.schemas import (
    CreateCheckoutSession,
    ExpireCheckoutSession,
    ListCheckoutSessions,
    ListLineItems,
    RetrieveCheckoutSession,
)
from lynk.payments import context
from lynk.payments.context import PaymentContext
from lynk.wire.lists import list_object
from lynk.wire.routing import ApiCall, StripeRouter

routes = StripeRouter(tags=["Checkout Sessions"])


def checkout_context(call: ApiCall) -> PaymentContext:
    return context.build(call.runtime, call.session, call.scope, call.now)


def _object(call: ApiCall, session: Any) -> dict[str, Any]:
    return checkout_session_object(session, public_url=call.runtime.settings.public_url)


@routes.post("/v1/checkout/sessions", params=CreateCheckoutSession, summary="Create a Checkout Session")
async def create_checkout_session(call: ApiCall, params: CreateCheckoutSession) -> dict[str, Any]:
    lines = None
    if params.line_items is not None:
        lines = [
            service.NewLineItem(
                name=line.price_data.product_data.name if line.price_data else None,
                currency=line.price_data.currency if line.price_data else None,
                unit_amount=line.price_data.unit_amount if line.price_data else None,
                quantity=line.quantity,
                price=line.price,
            )
            for line in params.line_items
        ]
    pi_data = params.payment_intent_data
    new = service.NewCheckoutSession(
        mode=params.mode,
        line_items=lines,
        currency=params.currency,
        success_url=params.success_url,
        cancel_url=params.cancel_url,
        client_reference_id=params.client_reference_id,
        customer=params.customer,
        customer_email=params.customer_email,
        payment_method_types=list(params.payment_method_types or ["card"]),
        metadata=params.metadata,
        expires_at=params.expires_at,
        payment_intent=service.PaymentIntentOptions(
            capture_method=pi_data.capture_method,
            description=pi_data.description,
            metadata=pi_data.metadata,
            receipt_email=pi_data.receipt_email,
            statement_descriptor=pi_data.statement_descriptor,
        )
        if pi_data is not None
        else service.PaymentIntentOptions(),
        ui_mode=params.ui_mode,
        return_url=params.return_url,
        options=params.options(),
        setup_intent_metadata=params.setup_intent_data.metadata if params.setup_intent_data else None,
        setup_intent_description=params.setup_intent_data.description if params.setup_intent_data else None,
    )
    return _object(call, await service.create(checkout_context(call), new))


@routes.get("/v1/checkout/sessions/{id}", params=RetrieveCheckoutSession, summary="Retrieve a Checkout Session")
async def retrieve_checkout_session(call: ApiCall, params: RetrieveCheckoutSession) -> dict[str, Any]:
    return _object(call, await service.get(checkout_context(call), call.path["id"]))


@routes.get("/v1/checkout/sessions", params=ListCheckoutSessions, summary="List Checkout Sessions")
async def list_checkout_sessions(call: ApiCall, params: ListCheckoutSessions) -> dict[str, Any]:
    page = await service.list_page(
        checkout_context(call),
        params.page(params.created),
        payment_intent_id=params.payment_intent,
        customer_id=params.customer,
        status=params.status,
    )
    return list_object("/v1/checkout/sessions", [_object(call, s) for s in page.items], page.has_more)


@routes.get(
    "/v1/checkout/sessions/{id}/line_items", params=ListLineItems, summary="List a Checkout Session's line items"
)
async def list_line_items(call: ApiCall, params: ListLineItems) -> dict[str, Any]:
    ctx = checkout_context(call)
    session = await service.get(ctx, call.path["id"])
    page = await service.line_items(ctx, session, params.page())
    prices = await service.prices_of(ctx, page.items)
    return list_object(
        f"/v1/checkout/sessions/{session.id}/line_items",
        [line_item_object(item, livemode=session.livemode, price=prices.get(item.price_id)) for item in page.items],
        page.has_more,
    )


@routes.post("/v1/checkout/sessions/{id}/expire", params=ExpireCheckoutSession, summary="Expire a Checkout Session")
async def expire_checkout_session(call: ApiCall, params: ExpireCheckoutSession) -> dict[str, Any]:
    ctx = checkout_context(call)
    session = await service.get(ctx, call.path["id"], for_update=True)
    return _object(call, await service.expire(ctx, session))

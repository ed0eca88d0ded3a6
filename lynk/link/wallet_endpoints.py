"""HTTP handlers of the shopper's wallet under /v1/link: payment details, shipping addresses, grants,
and the test helper that reads test-mode messages. All wallet calls need a verified session."""

from __future__ import annotations

from typing import Any

from lynk.core.errors import InvalidRequestError, ParameterMissing
from lynk.link import details, devices, grants, metrics, service, sessions
from lynk.link.endpoints import link_context
from lynk.link.objects import detail_object, device_object, grant_object, message_object, shipping_address_object
from lynk.link.schemas import (
    AddPaymentDetail,
    ListMessages,
    MetricsParams,
    SessionParams,
    ShippingAddressParams,
    UpdatePaymentDetail,
)
from lynk.wire.auth import Auth
from lynk.wire.lists import list_object
from lynk.wire.routing import ApiCall, StripeRouter

routes = StripeRouter(tags=["Link"])


def _list(url: str, data: list[dict[str, Any]]) -> dict[str, Any]:
    return list_object(url, data, False)


@routes.post("/v1/link/payment_details/list", params=SessionParams, summary="List payment details", auth=Auth.ANY_KEY)
async def list_payment_details(call: ApiCall, params: SessionParams) -> dict[str, Any]:
    ctx = link_context(call)
    account = await sessions.verified_account(ctx, params.consumer_session_client_secret)
    rows = await details.list_details(ctx, account)
    return _list("/v1/link/payment_details", [detail_object(d) for d in rows])


@routes.post(
    "/v1/link/payment_details", params=AddPaymentDetail, summary="Save a card or bank account", auth=Auth.ANY_KEY
)
async def add_payment_detail(call: ApiCall, params: AddPaymentDetail) -> dict[str, Any]:
    ctx = link_context(call)
    account = await sessions.changing_account(ctx, params.consumer_session_client_secret, "saving a payment method")
    billing = params.billing_details.given() if params.billing_details else None
    if params.type == "us_bank_account":
        if params.us_bank_account is None:
            raise ParameterMissing("us_bank_account")
        row = await details.add_bank_account(
            ctx,
            account,
            params.us_bank_account.to_input(),
            billing=billing,
            nickname=params.nickname,
            make_default=params.is_default,
        )
        return detail_object(row)
    if params.card is None:
        raise ParameterMissing("card")
    row = await details.add_card(
        ctx, account, params.card.to_input(), billing=billing, nickname=params.nickname, make_default=params.is_default
    )
    return detail_object(row)


@routes.post(
    "/v1/link/payment_details/{id}", params=UpdatePaymentDetail, summary="Update a payment detail", auth=Auth.ANY_KEY
)
async def update_payment_detail(call: ApiCall, params: UpdatePaymentDetail) -> dict[str, Any]:
    ctx = link_context(call)
    account = await sessions.verified_account(ctx, params.consumer_session_client_secret)
    if params.is_default is False:
        raise InvalidRequestError("Choose another detail as the default instead.", param="is_default")
    changes = details.DetailChanges(
        nickname=params.nickname,
        billing=params.billing_details.given() if params.billing_details else None,
        exp_month=params.card.exp_month if params.card else None,
        exp_year=params.card.exp_year if params.card else None,
        is_default=params.is_default,
    )
    return detail_object(await details.update_detail(ctx, account, call.path["id"], changes))


@routes.post(
    "/v1/link/payment_details/{id}/remove",
    params=SessionParams,
    summary="Remove a payment detail",
    auth=Auth.ANY_KEY,
)
async def remove_payment_detail(call: ApiCall, params: SessionParams) -> dict[str, Any]:
    ctx = link_context(call)
    account = await sessions.verified_account(ctx, params.consumer_session_client_secret)
    row = await details.remove_detail(ctx, account, call.path["id"])
    return {"id": row.id, "object": "link.payment_detail", "deleted": True}


@routes.post(
    "/v1/link/shipping_addresses/list", params=SessionParams, summary="List shipping addresses", auth=Auth.ANY_KEY
)
async def list_shipping_addresses(call: ApiCall, params: SessionParams) -> dict[str, Any]:
    ctx = link_context(call)
    account = await sessions.verified_account(ctx, params.consumer_session_client_secret)
    rows = await details.list_addresses(ctx, account)
    return _list("/v1/link/shipping_addresses", [shipping_address_object(a) for a in rows])


def _address_input(params: ShippingAddressParams) -> details.AddressInput:
    return details.AddressInput(
        name=params.name,
        phone=params.phone,
        address=params.address.model_dump(exclude_none=True) if params.address else None,
        is_default=params.is_default,
    )


@routes.post("/v1/link/shipping_addresses", params=ShippingAddressParams, summary="Save an address", auth=Auth.ANY_KEY)
async def add_shipping_address(call: ApiCall, params: ShippingAddressParams) -> dict[str, Any]:
    ctx = link_context(call)
    account = await sessions.changing_account(ctx, params.consumer_session_client_secret, "saving an address")
    if params.address is None:
        raise InvalidRequestError("Missing required param: address.", param="address", code="parameter_missing")
    return shipping_address_object(await details.add_address(ctx, account, _address_input(params)))


@routes.post(
    "/v1/link/shipping_addresses/{id}",
    params=ShippingAddressParams,
    summary="Update a shipping address",
    auth=Auth.ANY_KEY,
)
async def update_shipping_address(call: ApiCall, params: ShippingAddressParams) -> dict[str, Any]:
    ctx = link_context(call)
    account = await sessions.changing_account(ctx, params.consumer_session_client_secret, "changing an address")
    row = await details.update_address(ctx, account, call.path["id"], _address_input(params))
    return shipping_address_object(row)


@routes.post(
    "/v1/link/shipping_addresses/{id}/remove",
    params=SessionParams,
    summary="Remove a shipping address",
    auth=Auth.ANY_KEY,
)
async def remove_shipping_address(call: ApiCall, params: SessionParams) -> dict[str, Any]:
    ctx = link_context(call)
    account = await sessions.verified_account(ctx, params.consumer_session_client_secret)
    row = await details.remove_address(ctx, account, call.path["id"])
    return {"id": row.id, "object": "link.shipping_address", "deleted": True}


@routes.post("/v1/link/grants/list", params=SessionParams, summary="List grants", auth=Auth.ANY_KEY)
async def list_grants(call: ApiCall, params: SessionParams) -> dict[str, Any]:
    ctx = link_context(call)
    account = await sessions.verified_account(ctx, params.consumer_session_client_secret)
    rows = await grants.list_grants(ctx, account)
    return _list("/v1/link/grants", [grant_object(g) for g in rows])


@routes.post("/v1/link/grants/{id}/revoke", params=SessionParams, summary="Revoke a grant", auth=Auth.ANY_KEY)
async def revoke_grant(call: ApiCall, params: SessionParams) -> dict[str, Any]:
    ctx = link_context(call)
    account = await sessions.verified_account(ctx, params.consumer_session_client_secret)
    return grant_object(await grants.revoke(ctx, account, call.path["id"]))


@routes.post("/v1/link/devices/list", params=SessionParams, summary="List trusted devices", auth=Auth.ANY_KEY)
async def list_devices(call: ApiCall, params: SessionParams) -> dict[str, Any]:
    ctx = link_context(call)
    account = await sessions.verified_account(ctx, params.consumer_session_client_secret)
    rows = await devices.list_devices(ctx, account)
    return _list("/v1/link/devices", [device_object(d) for d in rows])


@routes.post("/v1/link/devices/{id}/log_out", params=SessionParams, summary="Log a device out", auth=Auth.ANY_KEY)
async def log_out_device(call: ApiCall, params: SessionParams) -> dict[str, Any]:
    ctx = link_context(call)
    account = await sessions.verified_account(ctx, params.consumer_session_client_secret)
    return device_object(await devices.log_out(ctx, account, call.path["id"]))


@routes.get("/v1/link/metrics", params=MetricsParams, summary="The network's figures for this merchant")
async def link_metrics(call: ApiCall, params: MetricsParams) -> dict[str, Any]:
    return await metrics.summary(call.session, call.scope, since=params.since, until=params.until)


@routes.get("/v1/test_helpers/link/messages", params=ListMessages, summary="Test-mode Link messages")
async def list_messages(call: ApiCall, params: ListMessages) -> dict[str, Any]:
    """What test mode stored instead of sending, newest first, for this merchant."""
    if call.scope.livemode:
        raise InvalidRequestError("Test helpers are available in test mode only: use a test secret key.")
    rows = await service.messages(link_context(call), params.to, params.limit)
    return _list("/v1/test_helpers/link/messages", [message_object(m) for m in rows])

"""HTTP handlers for /v1/payment_methods and /v1/customers/{id}/payment_methods."""

from __future__ import annotations

from typing import Any

from lynk.core.errors import ParameterUnknown
from lynk.payment_methods import bank_accounts, service
from lynk.payment_methods.objects import payment_method_object
from lynk.payment_methods.schemas import (
    AttachPaymentMethod,
    CreatePaymentMethod,
    ListCustomerPaymentMethods,
    ListPaymentMethods,
    UpdatePaymentMethod,
)
from lynk.wire.auth import Auth
from lynk.wire.lists import list_object
from lynk.wire.params import NoParams
from lynk.wire.routing import ApiCall, StripeRouter

routes = StripeRouter(tags=["PaymentMethods"])


@routes.post("/v1/payment_methods", params=CreatePaymentMethod, summary="Create a PaymentMethod", auth=Auth.ANY_KEY)
async def create_payment_method(call: ApiCall, params: CreatePaymentMethod) -> dict[str, Any]:
    if params.type == "us_bank_account":
        if params.card is not None:
            raise ParameterUnknown("card")
        bank = await bank_accounts.create(
            call.session,
            call.runtime.keyring,
            call.scope,
            params.us_bank_account.to_input() if params.us_bank_account else bank_accounts.BankAccountInput(),
            billing=params.billing_details.given() if params.billing_details else None,
            metadata=params.metadata,
            allow_redisplay=params.allow_redisplay,
            now=call.now,
        )
        return payment_method_object(bank)
    if params.us_bank_account is not None:
        raise ParameterUnknown("us_bank_account")
    payment_method = await service.create_card(
        call.session,
        call.runtime.keyring,
        call.scope,
        params.card.to_input() if params.card else service.CardInput(),
        billing=params.billing_details.given() if params.billing_details else None,
        metadata=params.metadata,
        allow_redisplay=params.allow_redisplay,
        secret_key=call.caller.secret,
        now=call.now,
    )
    return payment_method_object(payment_method)


@routes.get("/v1/payment_methods/{id}", params=NoParams, summary="Retrieve a PaymentMethod")
async def retrieve_payment_method(call: ApiCall, params: NoParams) -> dict[str, Any]:
    return payment_method_object(await service.get(call.session, call.scope, call.path["id"]))


@routes.post("/v1/payment_methods/{id}", params=UpdatePaymentMethod, summary="Update a PaymentMethod")
async def update_payment_method(call: ApiCall, params: UpdatePaymentMethod) -> dict[str, Any]:
    payment_method = await service.update(
        call.session,
        call.scope,
        call.path["id"],
        billing=params.billing_details.given() if params.billing_details else None,
        expiry=(params.card.exp_month, params.card.exp_year) if params.card else (None, None),
        metadata=params.metadata,
        allow_redisplay=params.allow_redisplay,
        now=call.now,
    )
    return payment_method_object(payment_method)


@routes.get("/v1/payment_methods", params=ListPaymentMethods, summary="List PaymentMethods")
async def list_payment_methods(call: ApiCall, params: ListPaymentMethods) -> dict[str, Any]:
    page = await service.list_page(
        call.session, call.scope, params.page(), customer_id=params.customer, type_=params.type
    )
    return list_object("/v1/payment_methods", [payment_method_object(p) for p in page.items], page.has_more)


@routes.post("/v1/payment_methods/{id}/attach", params=AttachPaymentMethod, summary="Attach to a customer")
async def attach_payment_method(call: ApiCall, params: AttachPaymentMethod) -> dict[str, Any]:
    payment_method = await service.attach(
        call.session, call.runtime.keyring, call.scope, call.path["id"], params.customer, now=call.now
    )
    return payment_method_object(payment_method)


@routes.post("/v1/payment_methods/{id}/detach", params=NoParams, summary="Detach from its customer")
async def detach_payment_method(call: ApiCall, params: NoParams) -> dict[str, Any]:
    return payment_method_object(await service.detach(call.session, call.scope, call.path["id"], now=call.now))


@routes.get(
    "/v1/customers/{id}/payment_methods/{payment_method}",
    params=NoParams,
    summary="Retrieve a customer's PaymentMethod",
)
async def retrieve_customer_payment_method(call: ApiCall, params: NoParams) -> dict[str, Any]:
    found = await service.get_for_customer(call.session, call.scope, call.path["id"], call.path["payment_method"])
    return payment_method_object(found)


@routes.get(
    "/v1/customers/{id}/payment_methods", params=ListCustomerPaymentMethods, summary="List a customer's PaymentMethods"
)
async def list_customer_payment_methods(call: ApiCall, params: ListCustomerPaymentMethods) -> dict[str, Any]:
    customer_id = call.path["id"]
    page = await service.list_page(call.session, call.scope, params.page(), customer_id=customer_id, type_=params.type)
    url = f"/v1/customers/{customer_id}/payment_methods"
    return list_object(url, [payment_method_object(p) for p in page.items], page.has_more)

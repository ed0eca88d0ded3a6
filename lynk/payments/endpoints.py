"""HTTP handlers for /v1/payment_intents and /v1/charges."""

from __future__ import annotations

from typing import Any

from lynk.core.errors import ParameterInvalid
from lynk.link import service as link_service
from lynk.link.accounts import Signup
from lynk.link.endpoints import caller_of
from lynk.payment_methods.bank_accounts import BankAccountInput
from lynk.payments import capturing, context, incrementing, recovery, service
from lynk.payments.confirm import BankAccountData, ConfirmOptions, confirm
from lynk.payments.context import PaymentContext
from lynk.payments.objects import charge_object, payment_intent_object
from lynk.payments.schemas import (
    CancelPaymentIntent,
    CapturePaymentIntent,
    ConfirmFields,
    ConfirmPaymentIntent,
    CreatePaymentIntent,
    IncrementAuthorization,
    ListCharges,
    ListPaymentIntents,
    RetrievePaymentIntent,
    UpdatePaymentIntent,
)
from lynk.wire.auth import Auth
from lynk.wire.lists import SearchParams, list_object, search_object
from lynk.wire.params import NoParams
from lynk.wire.routing import ApiCall, StripeRouter

routes = StripeRouter(tags=["PaymentIntents", "Charges"])


def payment_context(call: ApiCall) -> PaymentContext:
    return context.build(call.runtime, call.session, call.scope, call.now, client=context.client_of(call.request))


def _confirm_options(call: ApiCall, params: ConfirmFields | UpdatePaymentIntent) -> ConfirmOptions:
    data = params.payment_method_data
    card = link = signup = bank = None
    if data is not None and data.type == "us_bank_account":
        bank = BankAccountData(
            data.us_bank_account.to_input() if data.us_bank_account else BankAccountInput(),
            data.billing_details.given() if data.billing_details else None,
        )
    elif data is not None and data.type == "link":
        given = data.link
        link = link_service.LinkPayment(
            consumer_session_client_secret=given.consumer_session_client_secret if given else None,
            payment_detail=given.payment_detail if given else None,
            caller=caller_of(call),
        )
    elif data is not None:
        card = data.card_data()
    if not isinstance(params, ConfirmFields):  # an update only sets the method
        return ConfirmOptions(payment_method_data=card, bank_account_data=bank, link=link)
    if params.link_signup is not None:
        s = params.link_signup
        signup = link_service.LinkSignup(Signup(s.email, s.phone, s.name, s.country), caller_of(call))
    return ConfirmOptions(
        payment_method=params.payment_method,
        payment_method_data=card,
        return_url=params.return_url,
        off_session=None if params.off_session is None else params.off_session is not False,
        setup_future_usage=params.setup_future_usage if params.given("setup_future_usage") else None,
        bank_account_data=bank,
        mandate_data=params.mandate_data.model_dump() if params.mandate_data else None,
        link=link,
        link_signup=signup,
        publishable=not call.caller.secret,
        error_on_requires_action=params.error_on_requires_action,
        mandate=params.mandate,
    )


@routes.post("/v1/payment_intents", params=CreatePaymentIntent, summary="Create a PaymentIntent")
async def create_payment_intent(call: ApiCall, params: CreatePaymentIntent) -> dict[str, Any]:
    for name in ("off_session", "error_on_requires_action", "mandate"):
        if getattr(params, name) not in (None, False) and not params.confirm:
            raise ParameterInvalid(f"You may only specify {name} when confirm is true.", param=name)
    automatic = params.automatic_payment_methods
    new = service.NewPaymentIntent(
        amount=params.amount,
        currency=params.currency,
        customer=params.customer,
        payment_method_types=params.payment_method_types,
        automatic_payment_methods=automatic.model_dump() if automatic else None,
        payment_method_options=params.payment_method_options.given() if params.payment_method_options else None,
        shipping=params.shipping.rendered() if params.shipping else None,
        statement_descriptor_suffix=params.statement_descriptor_suffix,
        capture_method=params.capture_method,
        confirmation_method=params.confirmation_method,
        setup_future_usage=params.setup_future_usage,
        description=params.description,
        receipt_email=params.receipt_email,
        statement_descriptor=params.statement_descriptor,
        metadata=params.metadata,
        payment_method=params.payment_method,
    )
    pi = await service.create(payment_context(call), new, _confirm_options(call, params) if params.confirm else None)
    return payment_intent_object(pi)


@routes.get("/v1/payment_intents/search", params=SearchParams, summary="Search PaymentIntents")
async def search_payment_intents(call: ApiCall, params: SearchParams) -> dict[str, Any]:
    page = await service.search_intents(payment_context(call), params.query, params.page_request())
    return search_object("/v1/payment_intents/search", [payment_intent_object(p) for p in page.items], page.has_more)


@routes.get("/v1/charges/search", params=SearchParams, summary="Search charges")
async def search_charges(call: ApiCall, params: SearchParams) -> dict[str, Any]:
    page = await service.search_charges(payment_context(call), params.query, params.page_request())
    return search_object("/v1/charges/search", [charge_object(c) for c in page.items], page.has_more)


@routes.get(
    "/v1/payment_intents/{id}", params=RetrievePaymentIntent, summary="Retrieve a PaymentIntent", auth=Auth.ANY_KEY
)
async def retrieve_payment_intent(call: ApiCall, params: RetrievePaymentIntent) -> dict[str, Any]:
    pi = await service.get(payment_context(call), call.path["id"])
    if not call.caller.secret:
        service.check_client_secret(pi, params.client_secret)
    return payment_intent_object(pi)


@routes.post("/v1/payment_intents/{id}", params=UpdatePaymentIntent, summary="Update a PaymentIntent")
async def update_payment_intent(call: ApiCall, params: UpdatePaymentIntent) -> dict[str, Any]:
    ctx = payment_context(call)
    pi = await service.get(ctx, call.path["id"], for_update=True)
    changes = service.IntentChanges(
        given=frozenset(params.model_fields_set),
        amount=params.amount,
        currency=params.currency,
        customer=params.customer,
        payment_method=params.payment_method,
        payment_method_data=_confirm_options(call, params) if params.payment_method_data else None,
        payment_method_types=params.payment_method_types,
        payment_method_options=params.payment_method_options.given() if params.payment_method_options else None,
        capture_method=params.capture_method,
        setup_future_usage=params.setup_future_usage,
        shipping=params.shipping.rendered() if params.shipping else None,
        statement_descriptor=params.statement_descriptor,
        statement_descriptor_suffix=params.statement_descriptor_suffix,
        description=params.description,
        receipt_email=params.receipt_email,
        metadata=params.metadata,
    )
    return payment_intent_object(await service.update(ctx, pi, changes))


@routes.post(
    "/v1/payment_intents/{id}/confirm",
    params=ConfirmPaymentIntent,
    summary="Confirm a PaymentIntent",
    auth=Auth.ANY_KEY,
)
async def confirm_payment_intent(call: ApiCall, params: ConfirmPaymentIntent) -> dict[str, Any]:
    ctx = payment_context(call)
    pi = await service.get(ctx, call.path["id"], for_update=True)
    if not call.caller.secret:
        service.check_client_secret(pi, params.client_secret)
    if await recovery.take_over(ctx, pi):  # this request's earlier run died while the processor had it
        return payment_intent_object(pi)
    service.set_confirm_fields(
        pi,
        shipping=params.shipping.rendered() if params.shipping else None,
        payment_method_options=params.payment_method_options.given() if params.payment_method_options else None,
        receipt_email=params.receipt_email,
        given=frozenset(params.model_fields_set),
    )
    await confirm(ctx, pi, _confirm_options(call, params))
    return payment_intent_object(pi)


@routes.post("/v1/payment_intents/{id}/capture", params=CapturePaymentIntent, summary="Capture a PaymentIntent")
async def capture_payment_intent(call: ApiCall, params: CapturePaymentIntent) -> dict[str, Any]:
    ctx = payment_context(call)
    pi = await service.get(ctx, call.path["id"], for_update=True)
    extras = capturing.CaptureExtras(
        metadata=params.metadata,
        statement_descriptor=params.statement_descriptor,
        statement_descriptor_suffix=params.statement_descriptor_suffix,
    )
    if not await recovery.take_over(ctx, pi, extras):  # none left by this request's earlier run
        await capturing.capture(ctx, pi, params.amount_to_capture, extras)
    return payment_intent_object(pi)


@routes.post(
    "/v1/payment_intents/{id}/increment_authorization",
    params=IncrementAuthorization,
    summary="Increment an authorization",
)
async def increment_authorization(call: ApiCall, params: IncrementAuthorization) -> dict[str, Any]:
    ctx = payment_context(call)
    pi = await service.get(ctx, call.path["id"], for_update=True)
    if not await recovery.take_over(ctx, pi):  # none left by this request's earlier run
        extras = incrementing.IncrementExtras(
            description=params.description,
            metadata=params.metadata,
            statement_descriptor=params.statement_descriptor,
        )
        await incrementing.increment(ctx, pi, params.amount, extras)
    return payment_intent_object(pi)


@routes.post("/v1/payment_intents/{id}/cancel", params=CancelPaymentIntent, summary="Cancel a PaymentIntent")
async def cancel_payment_intent(call: ApiCall, params: CancelPaymentIntent) -> dict[str, Any]:
    ctx = payment_context(call)
    pi = await service.get(ctx, call.path["id"], for_update=True)
    if not await recovery.take_over(ctx, pi):  # none left by this request's earlier run
        await service.cancel(ctx, pi, params.cancellation_reason)
    return payment_intent_object(pi)


@routes.get("/v1/payment_intents", params=ListPaymentIntents, summary="List PaymentIntents")
async def list_payment_intents(call: ApiCall, params: ListPaymentIntents) -> dict[str, Any]:
    page = await service.list_intents(payment_context(call), params.page(params.created), customer_id=params.customer)
    return list_object("/v1/payment_intents", [payment_intent_object(p) for p in page.items], page.has_more)


@routes.get("/v1/charges/{id}", params=NoParams, summary="Retrieve a charge")
async def retrieve_charge(call: ApiCall, params: NoParams) -> dict[str, Any]:
    return charge_object(await service.get_charge(payment_context(call), call.path["id"]))


@routes.get("/v1/charges", params=ListCharges, summary="List charges")
async def list_charges(call: ApiCall, params: ListCharges) -> dict[str, Any]:
    page = await service.list_charges(
        payment_context(call),
        params.page(params.created),
        payment_intent_id=params.payment_intent,
        customer_id=params.customer,
    )
    return list_object("/v1/charges", [charge_object(c) for c in page.items], page.has_more)

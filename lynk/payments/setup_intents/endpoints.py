"""HTTP handlers for /v1/setup_intents, /v1/setup_attempts and /v1/mandates."""

from __future__ import annotations

from typing import Any

from lynk.core.errors import ParameterInvalid
from lynk.link.endpoints import caller_of
from lynk.link.service import LinkPayment
from lynk.payment_methods.service import CardData
from lynk.payments import recovery
from lynk.payments.endpoints import payment_context
from lynk.payments.schemas import PaymentMethodData
from lynk.payments.setup_intents import mandates, service
from lynk.payments.setup_intents.confirm import SetupConfirmOptions, confirm
from lynk.payments.setup_intents.objects import mandate_object, setup_attempt_object, setup_intent_object
from lynk.payments.setup_intents.schemas import (
    CancelSetupIntent,
    ConfirmSetupIntent,
    CreateSetupIntent,
    ListSetupAttempts,
    ListSetupIntents,
    RetrieveSetupIntent,
    SetupConfirmFields,
    UpdateSetupIntent,
)
from lynk.wire.auth import Auth
from lynk.wire.lists import list_object
from lynk.wire.params import NoParams
from lynk.wire.routing import ApiCall, StripeRouter

routes = StripeRouter(tags=["SetupIntents"])


def _link_data(call: ApiCall, data: PaymentMethodData | None) -> LinkPayment | None:
    """`payment_method_data[type]=link`: a grant for the detail the verified shopper chose."""
    if data is None or data.type != "link":
        return None
    given = data.link
    return LinkPayment(
        consumer_session_client_secret=given.consumer_session_client_secret if given else None,
        payment_detail=given.payment_detail if given else None,
        caller=caller_of(call),
    )


def _card_data(data: PaymentMethodData | None) -> CardData | None:
    """SetupIntents save cards (and Link grants, above); a bank account is set up by paying with it
    (`setup_future_usage`)."""
    if data is None or data.type == "link":
        return None
    if data.type != "card":
        raise ParameterInvalid(
            "SetupIntents take card and link payment methods only; save a us_bank_account with a "
            "PaymentIntent and setup_future_usage.",
            param="payment_method_data[type]",
        )
    return data.card_data()


def _confirm_options(call: ApiCall, params: SetupConfirmFields) -> SetupConfirmOptions:
    return SetupConfirmOptions(
        payment_method=params.payment_method,
        payment_method_data=_card_data(params.payment_method_data),
        link=_link_data(call, params.payment_method_data),
        return_url=params.return_url,
        customer_acceptance=params.mandate_data.acceptance(call.now) if params.mandate_data else None,
        payment_method_options=params.payment_method_options.given() if params.payment_method_options else None,
        secret_key=call.caller.secret,
    )


@routes.post("/v1/setup_intents", params=CreateSetupIntent, summary="Create a SetupIntent")
async def create_setup_intent(call: ApiCall, params: CreateSetupIntent) -> dict[str, Any]:
    for only_with_confirm in ("return_url", "mandate_data"):
        if params.given(only_with_confirm) and not params.confirm:
            raise ParameterInvalid(
                f"You may only specify {only_with_confirm} when confirm is true.", param=only_with_confirm
            )
    if params.payment_method_data is not None and params.payment_method_data.type == "link" and not params.confirm:
        raise ParameterInvalid(
            "payment_method_data[type]=link needs the shopper's verified Link session: pass confirm=true, or "
            "confirm the SetupIntent with it.",
            param="payment_method_data[type]",
        )
    new = service.NewSetupIntent(
        customer=params.customer,
        payment_method=params.payment_method,
        payment_method_data=_card_data(params.payment_method_data),
        payment_method_types=list(params.payment_method_types),
        usage=params.usage,
        payment_method_options=params.payment_method_options.given() if params.payment_method_options else {},
        description=params.description,
        metadata=params.metadata,
    )
    options = _confirm_options(call, params) if params.confirm else None
    si = await service.create(payment_context(call), new, options)
    return setup_intent_object(si)


@routes.get("/v1/setup_intents/{id}", params=RetrieveSetupIntent, summary="Retrieve a SetupIntent", auth=Auth.ANY_KEY)
async def retrieve_setup_intent(call: ApiCall, params: RetrieveSetupIntent) -> dict[str, Any]:
    si = await service.get(payment_context(call), call.path["id"])
    if not call.caller.secret:
        service.check_client_secret(si, params.client_secret)
    return setup_intent_object(si)


@routes.post("/v1/setup_intents/{id}", params=UpdateSetupIntent, summary="Update a SetupIntent")
async def update_setup_intent(call: ApiCall, params: UpdateSetupIntent) -> dict[str, Any]:
    ctx = payment_context(call)
    si = await service.get(ctx, call.path["id"], for_update=True)
    await service.update(
        ctx,
        si,
        customer=params.customer,
        payment_method=params.payment_method,
        payment_method_types=params.payment_method_types,
        payment_method_options=params.payment_method_options.given() if params.payment_method_options else None,
        description=params.description,
        metadata=params.metadata,
    )
    return setup_intent_object(si)


@routes.post(
    "/v1/setup_intents/{id}/confirm", params=ConfirmSetupIntent, summary="Confirm a SetupIntent", auth=Auth.ANY_KEY
)
async def confirm_setup_intent(call: ApiCall, params: ConfirmSetupIntent) -> dict[str, Any]:
    ctx = payment_context(call)
    si = await service.get(ctx, call.path["id"], for_update=True)
    if not call.caller.secret:
        service.check_client_secret(si, params.client_secret)
    if not await recovery.take_over(ctx, si):  # none left by this request's earlier run (else it settles it)
        await confirm(ctx, si, _confirm_options(call, params))
    return setup_intent_object(si)


@routes.post("/v1/setup_intents/{id}/cancel", params=CancelSetupIntent, summary="Cancel a SetupIntent")
async def cancel_setup_intent(call: ApiCall, params: CancelSetupIntent) -> dict[str, Any]:
    ctx = payment_context(call)
    si = await service.get(ctx, call.path["id"], for_update=True)
    return setup_intent_object(await service.cancel(ctx, si, params.cancellation_reason))


@routes.get("/v1/setup_intents", params=ListSetupIntents, summary="List SetupIntents")
async def list_setup_intents(call: ApiCall, params: ListSetupIntents) -> dict[str, Any]:
    page = await service.list_intents(
        payment_context(call),
        params.page(params.created),
        customer_id=params.customer,
        payment_method_id=params.payment_method,
    )
    return list_object("/v1/setup_intents", [setup_intent_object(s) for s in page.items], page.has_more)


@routes.get("/v1/setup_attempts", params=ListSetupAttempts, summary="List SetupAttempts")
async def list_setup_attempts(call: ApiCall, params: ListSetupAttempts) -> dict[str, Any]:
    page = await service.list_attempts(
        payment_context(call), params.page(params.created), setup_intent_id=params.setup_intent
    )
    return list_object("/v1/setup_attempts", [setup_attempt_object(a) for a in page.items], page.has_more)


@routes.get("/v1/mandates/{id}", params=NoParams, summary="Retrieve a Mandate")
async def retrieve_mandate(call: ApiCall, params: NoParams) -> dict[str, Any]:
    ctx = payment_context(call)
    mandate = await mandates.get(ctx, call.path["id"])
    return mandate_object(mandate, await mandates.status_of(ctx, mandate), await mandates.method_type(ctx, mandate))

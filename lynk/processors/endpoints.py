"""HTTP handlers for /v1/lynk/processors (a secret key: the merchant's processors in the key's mode)."""

from __future__ import annotations

from typing import Any

from lynk.processors import service
from lynk.processors.objects import with_health
from lynk.processors.schemas import CreateProcessor, UpdateProcessor
from lynk.wire.lists import list_object
from lynk.wire.params import NoParams
from lynk.wire.routing import ApiCall, StripeRouter

routes = StripeRouter(tags=["Processors"])
PATH = "/v1/lynk/processors"


@routes.post(PATH, params=CreateProcessor, summary="Add a processor account")
async def create_processor(call: ApiCall, params: CreateProcessor) -> dict[str, Any]:
    routing = params.routing
    rules = service.checked_rules(
        currencies=routing.currencies if routing else None,
        card_brands=routing.card_brands if routing else None,
        countries=routing.countries if routing else None,
        min_amount=routing.min_amount if routing else None,
        max_amount=routing.max_amount if routing else None,
    )
    if params.api_base is not None:
        policy = call.runtime.settings.webhook_private_targets
        await service.check_api_base(params.api_base, livemode=call.scope.livemode, policy=policy)
    new = service.NewProcessor(
        kind=params.kind,
        secret_key=params.secret_key,
        api_base=params.api_base,
        name=params.name,
        priority=params.priority,
        rules=rules,
        webhook_secret=params.webhook_secret,
        merchant_account=params.merchant_account,
        live_prefix=params.live_prefix,
        timeout_ms=params.timeout_ms,
    )
    account = await service.add(call.session, call.runtime.keyring, call.scope, new, now=call.now)
    return await with_health(call.session, account)


@routes.get(PATH, params=NoParams, summary="List processor accounts")
async def list_processors(call: ApiCall, params: NoParams) -> dict[str, Any]:
    accounts = await service.list_active(call.session, call.scope)
    return list_object(PATH, [await with_health(call.session, a) for a in accounts], False)


@routes.get(PATH + "/{id}", params=NoParams, summary="Retrieve a processor account")
async def retrieve_processor(call: ApiCall, params: NoParams) -> dict[str, Any]:
    return await with_health(call.session, await service.get(call.session, call.path["id"], call.scope))


@routes.post(PATH + "/{id}", params=UpdateProcessor, summary="Update a processor account")
async def update_processor(call: ApiCall, params: UpdateProcessor) -> dict[str, Any]:
    """Only the webhook signing secret changes (an empty string removes it); add another processor otherwise."""
    account = await service.get(call.session, call.path["id"], call.scope)
    if params.webhook_secret is not None:
        secret = params.webhook_secret or None
        account = await service.set_webhook_secret(call.session, call.runtime.keyring, account.id, call.scope, secret)
    return await with_health(call.session, account)


@routes.delete(PATH + "/{id}", params=NoParams, summary="Remove a processor account")
async def delete_processor(call: ApiCall, params: NoParams) -> dict[str, Any]:
    account = await service.remove(call.session, call.path["id"], call.scope)
    return {"id": account.id, "object": "lynk.processor", "deleted": True}

"""HTTP handlers for /v1/balance and /v1/balance_transactions."""

from __future__ import annotations

from typing import Any

from lynk.ledger import service
from lynk.ledger.schemas import ListBalanceTransactions, balance_object, balance_transaction_object
from lynk.wire.lists import list_object
from lynk.wire.params import NoParams
from lynk.wire.routing import ApiCall, StripeRouter

routes = StripeRouter(tags=["Balance"])


@routes.get("/v1/balance", params=NoParams, summary="Retrieve balance")
async def retrieve_balance(call: ApiCall, params: NoParams) -> dict[str, Any]:
    return balance_object(await service.balance(call.session, call.scope), call.scope.livemode)


@routes.get("/v1/balance_transactions/{id}", params=NoParams, summary="Retrieve a balance transaction")
async def retrieve_balance_transaction(call: ApiCall, params: NoParams) -> dict[str, Any]:
    return balance_transaction_object(await service.get_balance_transaction(call.session, call.scope, call.path["id"]))


@routes.get("/v1/balance/history/{id}", params=NoParams, summary="Retrieve a balance transaction (older path)")
async def retrieve_balance_history(call: ApiCall, params: NoParams) -> dict[str, Any]:
    return await retrieve_balance_transaction(call, params)


@routes.get("/v1/balance/history", params=ListBalanceTransactions, summary="List balance transactions (older path)")
async def list_balance_history(call: ApiCall, params: ListBalanceTransactions) -> dict[str, Any]:
    return await _list(call, params, "/v1/balance/history")


@routes.get("/v1/balance_transactions", params=ListBalanceTransactions, summary="List balance transactions")
async def list_balance_transactions(call: ApiCall, params: ListBalanceTransactions) -> dict[str, Any]:
    return await _list(call, params, "/v1/balance_transactions")


async def _list(call: ApiCall, params: ListBalanceTransactions, url: str) -> dict[str, Any]:
    page = await service.list_balance_transactions(
        call.session,
        call.scope,
        params.page(params.created),
        type_=params.type,
        source=params.source,
        currency=params.currency.lower() if params.currency else None,
    )
    return list_object(url, [balance_transaction_object(t) for t in page.items], page.has_more)

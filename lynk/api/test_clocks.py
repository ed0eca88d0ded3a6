"""`/v1/test_helpers/test_clocks`: create, retrieve, list, delete and advance Stripe-style test clocks.

Advancing a clock runs, in the request's session, the clock-driven jobs for the objects of the
clock's customers as if the time had passed for them: authorization expiry, bank settlement,
dispute review and dispute deadlines. The two that ask the processor (a void, a debit's verdict) commit
along the way and call it with no transaction open, as the upkeep does (docs/architecture.md). It lives
here, among the entry points, because it drives several domains' jobs.
"""

from __future__ import annotations

from typing import Any

from lynk.customers import service as customers
from lynk.disputes import service as disputes
from lynk.payments import bank_debits
from lynk.payments import context as payment_context
from lynk.payments import service as payments
from lynk.test_clocks import service
from lynk.test_clocks.objects import test_clock_object
from lynk.test_clocks.schemas import AdvanceTestClock, CreateTestClock, ListTestClocks
from lynk.wire.lists import list_object
from lynk.wire.params import NoParams
from lynk.wire.routing import ApiCall, StripeRouter

routes = StripeRouter(tags=["Test clocks"])
BASE = "/v1/test_helpers/test_clocks"
JOB_LIMIT = 1000


@routes.post(BASE, params=CreateTestClock, summary="Create a test clock")
async def create_test_clock(call: ApiCall, params: CreateTestClock) -> dict[str, Any]:
    clock = await service.create(
        call.session, call.scope, frozen_time=params.frozen_time, name=params.name, now=call.now
    )
    return test_clock_object(clock)


@routes.get(BASE + "/{id}", params=NoParams, summary="Retrieve a test clock")
async def retrieve_test_clock(call: ApiCall, params: NoParams) -> dict[str, Any]:
    return test_clock_object(await service.get(call.session, call.scope, call.path["id"]))


@routes.get(BASE, params=ListTestClocks, summary="List test clocks")
async def list_test_clocks(call: ApiCall, params: ListTestClocks) -> dict[str, Any]:
    page = await service.list_page(call.session, call.scope, params.page())
    return list_object(BASE, [test_clock_object(c) for c in page.items], page.has_more)


@routes.delete(BASE + "/{id}", params=NoParams, summary="Delete a test clock and its customers")
async def delete_test_clock(call: ApiCall, params: NoParams) -> dict[str, Any]:
    clock = await service.delete(call.session, call.scope, call.path["id"], now=call.now)
    for customer_id in await customers.ids_on_test_clock(call.session, call.scope, clock.id):
        await customers.delete(call.session, call.scope, customer_id, now=call.now)
    return {"id": clock.id, "object": "test_helpers.test_clock", "deleted": True}


@routes.post(BASE + "/{id}/advance", params=AdvanceTestClock, summary="Advance a test clock")
async def advance_test_clock(call: ApiCall, params: AdvanceTestClock) -> dict[str, Any]:
    clock = await service.start_advance(
        call.session, call.scope, call.path["id"], frozen_time=params.frozen_time, now=call.now
    )
    owned = await customers.ids_on_test_clock(call.session, call.scope, clock.id)
    if owned:
        ctx = payment_context.build(call.runtime, call.session, call.scope, call.now + clock.shift)
        await payments.expire_authorizations(ctx, limit=JOB_LIMIT, customer_ids=owned)
        await bank_debits.settle_due(ctx, limit=JOB_LIMIT, customer_ids=owned)
        await disputes.resolve_reviewed(call.session, now=ctx.now, limit=JOB_LIMIT, customer_ids=owned)
        await disputes.expire_past_due(call.session, now=ctx.now, limit=JOB_LIMIT, customer_ids=owned)
    return test_clock_object(await service.finish_advance(call.session, call.scope, clock, now=call.now))

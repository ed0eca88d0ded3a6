"""HTTP handlers of Radar: early fraud warnings, reviews, value lists and items (as Stripe's API), and
rules (`/v1/radar/rules`, a Lynk extension: Stripe keeps rules in its Dashboard). Secret key only."""

from __future__ import annotations

from typing import Any

from lynk.radar import reviews, service, value_lists
from lynk.radar.objects import (
    deleted_object,
    early_fraud_warning_object,
    review_object,
    value_list_item_object,
    value_list_object,
)
from lynk.radar.schemas import (
    CreateValueList,
    CreateValueListItem,
    ListEarlyFraudWarnings,
    ListReviews,
    ListValueListItems,
    ListValueLists,
    RuleFields,
    UpdateValueList,
)
from lynk.wire.lists import list_object
from lynk.wire.params import NoParams
from lynk.wire.routing import ApiCall, StripeRouter

routes = StripeRouter(tags=["Radar"])


@routes.get("/v1/radar/early_fraud_warnings/{id}", params=NoParams, summary="Retrieve an early fraud warning")
async def retrieve_early_fraud_warning(call: ApiCall, params: NoParams) -> dict[str, Any]:
    return early_fraud_warning_object(await service.get(call.session, call.scope, call.path["id"]))


@routes.get("/v1/radar/early_fraud_warnings", params=ListEarlyFraudWarnings, summary="List early fraud warnings")
async def list_early_fraud_warnings(call: ApiCall, params: ListEarlyFraudWarnings) -> dict[str, Any]:
    page = await service.list_page(
        call.session,
        call.scope,
        params.page(params.created),
        charge_id=params.charge,
        payment_intent_id=params.payment_intent,
    )
    data = [early_fraud_warning_object(w) for w in page.items]
    return list_object("/v1/radar/early_fraud_warnings", data, page.has_more)


# Rules (Lynk extension)


@routes.post("/v1/radar/rules", params=RuleFields, summary="Create a rule (Lynk extension)")
async def create_rule(call: ApiCall, params: RuleFields) -> dict[str, Any]:
    rule = await service.create_rule(call.session, call.scope, params.action, params.predicate, now=call.now)
    return rule.object(call.scope.livemode)


@routes.post("/v1/radar/rules/test", params=RuleFields, summary="Count the last 30 days' payments a rule matches")
async def test_rule(call: ApiCall, params: RuleFields) -> dict[str, Any]:
    return await service.test_rule(call.session, call.scope, params.action, params.predicate, now=call.now)


@routes.get("/v1/radar/rules", params=NoParams, summary="List the rules, default ones included (Lynk extension)")
async def list_rules(call: ApiCall, params: NoParams) -> dict[str, Any]:
    found = await service.list_rules(call.session, call.scope)
    return list_object("/v1/radar/rules", [rule.object(call.scope.livemode) for rule in found], False)


@routes.get("/v1/radar/rules/{id}", params=NoParams, summary="Retrieve a rule (Lynk extension)")
async def retrieve_rule(call: ApiCall, params: NoParams) -> dict[str, Any]:
    return (await service.get_rule(call.session, call.scope, call.path["id"])).object(call.scope.livemode)


@routes.delete("/v1/radar/rules/{id}", params=NoParams, summary="Delete a rule, or switch a default one off")
async def delete_rule(call: ApiCall, params: NoParams) -> dict[str, Any]:
    await service.delete_rule(call.session, call.scope, call.path["id"], now=call.now)
    return deleted_object(call.path["id"], "radar.rule")


# Value lists


async def _render_list(call: ApiCall, found: Any) -> dict[str, Any]:
    items, total = await value_lists.items_preview(call.session, found)
    return value_list_object(found, items, total)


@routes.post("/v1/radar/value_lists", params=CreateValueList, summary="Create a value list")
async def create_value_list(call: ApiCall, params: CreateValueList) -> dict[str, Any]:
    found = await value_lists.create(
        call.session,
        call.scope,
        alias=params.alias,
        name=params.name,
        item_type=params.item_type,
        metadata=params.metadata,
        now=call.now,
    )
    return await _render_list(call, found)


@routes.get("/v1/radar/value_lists/{id}", params=NoParams, summary="Retrieve a value list")
async def retrieve_value_list(call: ApiCall, params: NoParams) -> dict[str, Any]:
    return await _render_list(call, await value_lists.get(call.session, call.scope, call.path["id"]))


@routes.post("/v1/radar/value_lists/{id}", params=UpdateValueList, summary="Update a value list")
async def update_value_list(call: ApiCall, params: UpdateValueList) -> dict[str, Any]:
    found = await value_lists.update(
        call.session, call.scope, call.path["id"], alias=params.alias, name=params.name, metadata=params.metadata
    )
    return await _render_list(call, found)


@routes.delete("/v1/radar/value_lists/{id}", params=NoParams, summary="Delete a value list")
async def delete_value_list(call: ApiCall, params: NoParams) -> dict[str, Any]:
    await value_lists.delete(call.session, call.scope, call.path["id"])
    return deleted_object(call.path["id"], "radar.value_list")


@routes.get("/v1/radar/value_lists", params=ListValueLists, summary="List value lists")
async def list_value_lists(call: ApiCall, params: ListValueLists) -> dict[str, Any]:
    page = await value_lists.list_page(
        call.session,
        call.scope,
        params.page(params.created),
        alias=params.alias,
        contains=params.contains,
        now=call.now,
    )
    data = [await _render_list(call, found) for found in page.items]
    return list_object("/v1/radar/value_lists", data, page.has_more)


@routes.post("/v1/radar/value_list_items", params=CreateValueListItem, summary="Add an item to a value list")
async def create_value_list_item(call: ApiCall, params: CreateValueListItem) -> dict[str, Any]:
    item = await value_lists.add_item(call.session, call.scope, params.value_list, params.value, now=call.now)
    return value_list_item_object(item)


@routes.get("/v1/radar/value_list_items/{id}", params=NoParams, summary="Retrieve a value list item")
async def retrieve_value_list_item(call: ApiCall, params: NoParams) -> dict[str, Any]:
    return value_list_item_object(await value_lists.get_item(call.session, call.scope, call.path["id"]))


@routes.delete("/v1/radar/value_list_items/{id}", params=NoParams, summary="Remove an item from its value list")
async def delete_value_list_item(call: ApiCall, params: NoParams) -> dict[str, Any]:
    await value_lists.delete_item(call.session, call.scope, call.path["id"])
    return deleted_object(call.path["id"], "radar.value_list_item")


@routes.get("/v1/radar/value_list_items", params=ListValueListItems, summary="List a value list's items")
async def list_value_list_items(call: ApiCall, params: ListValueListItems) -> dict[str, Any]:
    page = await value_lists.item_page(
        call.session, call.scope, params.page(params.created), list_id=params.value_list, value=params.value
    )
    data = [value_list_item_object(item) for item in page.items]
    return list_object("/v1/radar/value_list_items", data, page.has_more)


# Reviews


@routes.get("/v1/reviews/{id}", params=NoParams, summary="Retrieve a review")
async def retrieve_review(call: ApiCall, params: NoParams) -> dict[str, Any]:
    return review_object(await reviews.get(call.session, call.scope, call.path["id"]))


@routes.get("/v1/reviews", params=ListReviews, summary="List open reviews")
async def list_reviews(call: ApiCall, params: ListReviews) -> dict[str, Any]:
    page = await reviews.list_page(call.session, call.scope, params.page(params.created))
    return list_object("/v1/reviews", [review_object(r) for r in page.items], page.has_more)


@routes.post("/v1/reviews/{id}/approve", params=NoParams, summary="Approve a review")
async def approve_review(call: ApiCall, params: NoParams) -> dict[str, Any]:
    return review_object(await reviews.approve(call.session, call.scope, call.path["id"], now=call.now))

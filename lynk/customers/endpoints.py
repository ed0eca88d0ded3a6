"""HTTP handlers for /v1/customers."""

from __future__ import annotations

from typing import Any

from lynk.customers import service
from lynk.customers.objects import customer_object, deleted_customer_object
from lynk.customers.schemas import CreateCustomer, ListCustomers, UpdateCustomer
from lynk.wire.lists import SearchParams, list_object, search_object
from lynk.wire.params import NoParams
from lynk.wire.routing import ApiCall, StripeRouter

routes = StripeRouter(tags=["Customers"])


@routes.post("/v1/customers", params=CreateCustomer, summary="Create a customer")
async def create_customer(call: ApiCall, params: CreateCustomer) -> dict[str, Any]:
    customer = await service.create(call.session, call.scope, params.changes(), params.metadata, now=call.now)
    return customer_object(customer)


@routes.get("/v1/customers/search", params=SearchParams, summary="Search customers")
async def search_customers(call: ApiCall, params: SearchParams) -> dict[str, Any]:
    page = await service.search_page(call.session, call.scope, params.query, params.page_request())
    return search_object("/v1/customers/search", [customer_object(c) for c in page.items], page.has_more)


@routes.get("/v1/customers/{id}", params=NoParams, summary="Retrieve a customer")
async def retrieve_customer(call: ApiCall, params: NoParams) -> dict[str, Any]:
    return customer_object(await service.get(call.session, call.scope, call.path["id"]))


@routes.post("/v1/customers/{id}", params=UpdateCustomer, summary="Update a customer")
async def update_customer(call: ApiCall, params: UpdateCustomer) -> dict[str, Any]:
    customer = await service.update(
        call.session, call.scope, call.path["id"], params.changes(), params.metadata, now=call.now
    )
    return customer_object(customer)


@routes.delete("/v1/customers/{id}", params=NoParams, summary="Delete a customer")
async def delete_customer(call: ApiCall, params: NoParams) -> dict[str, Any]:
    return deleted_customer_object(await service.delete(call.session, call.scope, call.path["id"], now=call.now))


@routes.get("/v1/customers", params=ListCustomers, summary="List customers")
async def list_customers(call: ApiCall, params: ListCustomers) -> dict[str, Any]:
    page = await service.list_page(call.session, call.scope, params.page(params.created), email=params.email)
    return list_object("/v1/customers", [customer_object(c) for c in page.items], page.has_more)

"""The search endpoints through the official SDK: Stripe's query language over real rows, on every backend."""

from __future__ import annotations

import pytest
import stripe

from tests.conftest import sdk_client
from tests.merchants.factories import make_merchant
from tests.servers import LynkServer


def _ids(result: stripe.SearchResultObject) -> list[str]:  # type: ignore[type-arg]
    return [item.id for item in result.data]


def test_customers_by_email_name_and_metadata(server: LynkServer, client: stripe.StripeClient) -> None:
    jenny = client.v1.customers.create(
        params={"email": "jenny@example.com", "name": "Jenny Rosen", "metadata": {"order": "6735"}}
    )
    john = client.v1.customers.create(
        params={"email": "john@example.com", "name": "John Doe", "metadata": {"order": "1"}}
    )
    nobody = client.v1.customers.create(params={"name": "No Email"})
    search = client.v1.customers.search

    assert _ids(search(params={"query": "email:'jenny@example.com' AND metadata['order']:'6735'"})) == [jenny.id]
    assert _ids(search(params={"query": "email:'jenny@example.com' OR email:'john@example.com'"})) == [
        john.id,
        jenny.id,
    ]
    assert _ids(search(params={"query": "name~'rose'"})) == [jenny.id]
    assert _ids(search(params={"query": "-metadata['order']:'6735' email:null"})) == [nobody.id]
    assert _ids(search(params={"query": "-email:'jenny@example.com'"})) == [nobody.id, john.id]
    assert _ids(search(params={"query": f"created>={jenny.created} AND metadata['order']:'1'"})) == [john.id]
    # Another merchant's customers are never found.
    other = sdk_client(server, make_merchant(server).secret_key)
    assert _ids(other.v1.customers.search(params={"query": "email:'jenny@example.com'"})) == []


def test_pages_follow_next_page(client: stripe.StripeClient) -> None:
    made = [
        client.v1.customers.create(params={"email": f"p{i}@example.com", "metadata": {"batch": "b"}}) for i in range(5)
    ]
    first = client.v1.customers.search(params={"query": "metadata['batch']:'b'", "limit": 2})
    assert first.object == "search_result" and first.has_more and first.next_page
    assert first.url == "/v1/customers/search"
    everything = [c.id for c in first.auto_paging_iter()]
    assert everything == [c.id for c in reversed(made)]
    last = client.v1.customers.search(params={"query": "metadata['batch']:'b'", "limit": 5})
    assert last.has_more is False and last.next_page is None


@pytest.mark.parametrize("page", ["\x80", "¢ü", "not a token", "AAAA"])
def test_a_page_that_is_no_token_is_400(client: stripe.StripeClient, page: str) -> None:
    """A `page` that no search gave out, even one that is not ASCII (a 500 once, found by the contract fuzz)."""
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.customers.search(params={"query": "name:'x'", "page": page})
    assert refused.value.param == "page" and refused.value.http_status == 400


def test_payment_intents_charges_prices_and_products(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create()
    big = client.v1.payment_intents.create(
        params={
            "amount": 5000,
            "currency": "usd",
            "customer": customer.id,
            "payment_method": "pm_card_visa",
            "confirm": True,
            "metadata": {"order": "9"},
        }
    )
    small = client.v1.payment_intents.create(params={"amount": 300, "currency": "eur"})
    intents = client.v1.payment_intents.search
    assert _ids(intents(params={"query": "amount>1000 AND status:'succeeded'"})) == [big.id]
    assert _ids(intents(params={"query": "currency:'EUR'"})) == [small.id]
    assert _ids(intents(params={"query": f"customer:'{customer.id}' metadata['order']:'9'"})) == [big.id]
    charges = client.v1.charges.search
    assert _ids(charges(params={"query": "payment_method_details.card.last4:'4242' AND amount:5000"})) == [
        big.latest_charge
    ]
    assert _ids(charges(params={"query": "disputed:'true'"})) == []
    expanded = charges(params={"query": "amount:5000", "expand": ["data.customer"]})
    assert expanded.data[0].customer.id == customer.id  # type: ignore[union-attr]
    shirt = client.v1.products.create(params={"name": "Cotton shirt", "metadata": {"line": "summer"}})
    client.v1.products.create(params={"name": "Mug", "active": False})
    price = client.v1.prices.create(
        params={"product": shirt.id, "currency": "usd", "unit_amount": 100, "lookup_key": "shirt"}
    )
    assert _ids(client.v1.products.search(params={"query": "active:'true' AND name~'cotton'"})) == [shirt.id]
    assert _ids(client.v1.products.search(params={"query": "metadata['line']:'summer'"})) == [shirt.id]
    assert _ids(client.v1.prices.search(params={"query": f"product:'{shirt.id}' lookup_key:'shirt'"})) == [price.id]


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("colour:'red'", "`colour` is not a searchable field here"),
        ("email>'a'", "`>` does not apply to `email`"),
        ("name~'ab'", "at least 3 characters"),
        ("created:'yesterday'", "`created` is a number"),
        ("created>99999999999999999999999", "numbers are at most"),
        ("email:'a@b.co' AND name:'A' OR name:'B'", "either AND or OR"),
        ("email:'a@b.co' AND", "unexpected input"),
    ],
)
def test_bad_queries_are_400_naming_the_clause(client: stripe.StripeClient, query: str, words: str) -> None:
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.customers.search(params={"query": query})
    assert error.value.http_status == 400
    assert error.value.param == "query"
    assert words in str(error.value.user_message)


def test_query_is_required_and_page_must_be_ours(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.customers.search(params={})  # type: ignore[typeddict-item]
    assert missing.value.param == "query"
    with pytest.raises(stripe.InvalidRequestError) as page:
        client.v1.customers.search(params={"query": "email:'a@b.co'", "page": "%%%"})
    assert page.value.param == "page"

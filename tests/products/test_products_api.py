"""Products and Prices through the official SDK: create, retrieve, update, list filters, lookup keys, expand."""

from __future__ import annotations

from typing import Any

import pytest
import stripe


def test_product_with_default_price(client: stripe.StripeClient) -> None:
    product = client.v1.products.create(
        params={
            "name": "T-shirt",
            "description": "Grey cotton",
            "images": ["https://shop.example/t.png"],
            "metadata": {"sku": "TS-1"},
            "default_price_data": {"currency": "usd", "unit_amount": 2000},
        }
    )
    assert product.id.startswith("prod_")
    assert product.active is True
    assert product.images == ["https://shop.example/t.png"]
    price = client.v1.prices.retrieve(product.default_price)  # type: ignore[arg-type]
    assert (price.product, price.unit_amount, price.currency, price.type) == (product.id, 2000, "usd", "one_time")
    assert str(price.unit_amount_decimal) == "2000"
    expanded = client.v1.products.retrieve(product.id, params={"expand": ["default_price"]})
    assert expanded.default_price.unit_amount == 2000  # type: ignore[union-attr]
    updated = client.v1.products.update(product.id, params={"description": "", "metadata": {"sku": ""}})
    assert updated.description is None
    assert updated.metadata.to_dict() == {}
    types = [e.type for e in client.v1.events.list(params={"types": ["product.created", "price.created"]}).data]
    assert sorted(types) == ["price.created", "product.created"]


def test_custom_product_id_and_delete(client: stripe.StripeClient) -> None:
    product = client.v1.products.create(params={"name": "Gold plan", "id": "gold"})
    assert product.id == "gold"
    with pytest.raises(stripe.InvalidRequestError) as taken:
        client.v1.products.create(params={"name": "Again", "id": "gold"})
    assert taken.value.code == "resource_already_exists"
    client.v1.prices.create(params={"product": "gold", "currency": "usd", "unit_amount": 100})
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.products.delete("gold")
    empty = client.v1.products.create(params={"name": "Nothing yet"})
    assert client.v1.products.delete(empty.id).deleted is True
    with pytest.raises(stripe.InvalidRequestError) as gone:
        client.v1.products.retrieve(empty.id)
    assert gone.value.http_status == 404


def test_price_with_product_data_and_recurring(client: stripe.StripeClient) -> None:
    price = client.v1.prices.create(
        params={
            "currency": "EUR",
            "unit_amount": 900,
            "product_data": {"name": "Monthly box"},
            "recurring": {"interval": "month"},
            "nickname": "Box",
        }
    )
    assert price.type == "recurring"
    assert price.currency == "eur"
    assert price.recurring is not None and price.recurring.interval == "month"
    assert price.recurring.interval_count == 1
    assert client.v1.products.retrieve(price.product).name == "Monthly box"  # type: ignore[arg-type]
    with_product = client.v1.prices.retrieve(price.id, params={"expand": ["product"]})
    assert with_product.product.name == "Monthly box"  # type: ignore[union-attr]
    with pytest.raises(stripe.InvalidRequestError) as neither:
        client.v1.prices.create(params={"currency": "usd", "unit_amount": 1})
    assert neither.value.param == "product"
    with pytest.raises(stripe.InvalidRequestError) as currency:
        client.v1.prices.create(params={"currency": "xyz", "unit_amount": 1, "product_data": {"name": "A"}})
    assert currency.value.param == "currency"


def test_lookup_keys_are_unique_and_transfer(client: stripe.StripeClient) -> None:
    product = client.v1.products.create(params={"name": "Plan"})
    first = client.v1.prices.create(
        params={"product": product.id, "currency": "usd", "unit_amount": 1000, "lookup_key": "standard"}
    )
    with pytest.raises(stripe.InvalidRequestError) as taken:
        client.v1.prices.create(
            params={"product": product.id, "currency": "usd", "unit_amount": 1200, "lookup_key": "standard"}
        )
    assert taken.value.param == "lookup_key"
    second = client.v1.prices.create(
        params={
            "product": product.id,
            "currency": "usd",
            "unit_amount": 1200,
            "lookup_key": "standard",
            "transfer_lookup_key": True,
        }
    )
    assert client.v1.prices.retrieve(first.id).lookup_key is None
    found = client.v1.prices.list(params={"lookup_keys": ["standard"], "expand": ["data.product"]}).data
    assert [p.id for p in found] == [second.id]
    assert found[0].product.name == "Plan"  # type: ignore[union-attr]
    renamed = client.v1.prices.update(second.id, params={"lookup_key": "", "active": False})
    assert (renamed.lookup_key, renamed.active) == (None, False)


def test_list_filters_and_pagination(client: stripe.StripeClient) -> None:
    shirt = client.v1.products.create(params={"name": "Shirt", "shippable": True})
    ebook = client.v1.products.create(params={"name": "Ebook", "shippable": False, "active": False})
    usd = client.v1.prices.create(params={"product": shirt.id, "currency": "usd", "unit_amount": 100})
    eur = client.v1.prices.create(params={"product": shirt.id, "currency": "eur", "unit_amount": 90, "active": False})
    monthly = client.v1.prices.create(
        params={"product": ebook.id, "currency": "usd", "unit_amount": 5, "recurring": {"interval": "month"}}
    )
    yearly = client.v1.prices.create(
        params={"product": ebook.id, "currency": "usd", "unit_amount": 50, "recurring": {"interval": "year"}}
    )

    def ids(**params: object) -> list[str]:
        return [p.id for p in client.v1.prices.list(params=params).auto_paging_iter()]  # type: ignore[arg-type]

    assert ids(product=shirt.id) == [eur.id, usd.id]
    assert ids(active=True, product=shirt.id) == [usd.id]
    assert ids(currency="eur") == [eur.id]
    assert ids(type="recurring") == [yearly.id, monthly.id]
    assert ids(recurring={"interval": "month"}) == [monthly.id]
    assert ids(limit=1) == [yearly.id, monthly.id, eur.id, usd.id]
    products = client.v1.products.list(params={"active": False}).data
    assert [p.id for p in products] == [ebook.id]
    assert [p.id for p in client.v1.products.list(params={"shippable": True}).data] == [shirt.id]
    assert [p.id for p in client.v1.products.list(params={"ids": [shirt.id]}).data] == [shirt.id]


def test_a_product_id_is_the_merchants_own(client: stripe.StripeClient, other_client: stripe.StripeClient) -> None:
    """Two merchants may both name a product `gold`; each sees its own, and each is refused a second one."""
    mine = client.v1.products.create(params={"name": "Mine", "id": "gold_shared"})
    theirs = other_client.v1.products.create(params={"name": "Theirs", "id": "gold_shared"})
    assert (mine.id, theirs.id) == ("gold_shared", "gold_shared")
    assert client.v1.products.retrieve("gold_shared").name == "Mine"
    assert other_client.v1.products.retrieve("gold_shared").name == "Theirs"
    for each in (client, other_client):
        with pytest.raises(stripe.InvalidRequestError) as taken:
            each.v1.products.create(params={"name": "Again", "id": "gold_shared"})
        assert (taken.value.http_status, taken.value.code, taken.value.param) == (400, "resource_already_exists", "id")
    price = other_client.v1.prices.create(params={"product": "gold_shared", "currency": "usd", "unit_amount": 700})
    assert price.product == "gold_shared"
    assert [p.id for p in client.v1.prices.list(params={"product": "gold_shared"}).data] == []


def test_prices_are_the_merchants_own(client: stripe.StripeClient, other_client: stripe.StripeClient) -> None:
    price = client.v1.prices.create(params={"currency": "usd", "unit_amount": 100, "product_data": {"name": "A"}})
    with pytest.raises(stripe.InvalidRequestError) as hidden:
        other_client.v1.prices.retrieve(price.id)
    assert hidden.value.http_status == 404
    with pytest.raises(stripe.InvalidRequestError):
        other_client.v1.prices.create(params={"currency": "usd", "unit_amount": 1, "product": price.product})  # type: ignore[typeddict-item]


@pytest.mark.parametrize("spelling", ["0", "1", "yes", "on", "t", "True"])
def test_a_boolean_is_true_or_false(client: stripe.StripeClient, spelling: str) -> None:
    """As Stripe reads a form: `transfer_lookup_key=0` was taken as false (found by the contract fuzz)."""
    price = client.v1.prices.create(params={"currency": "usd", "unit_amount": 100, "product_data": {"name": "P"}})
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.prices.update(price.id, params={"lookup_key": "k", "transfer_lookup_key": spelling})  # type: ignore[typeddict-item]
    assert refused.value.param == "transfer_lookup_key" and refused.value.code == "parameter_invalid_boolean"
    assert client.v1.prices.update(price.id, params={"active": False}).active is False


def test_a_tax_code_fits_its_column(client: stripe.StripeClient) -> None:
    """A tax code past 64 characters was a 500 on PostgreSQL (found by the contract fuzz): now a 400."""
    product = client.v1.products.create(params={"name": "Book", "tax_code": "t" * 64})
    assert product.tax_code == "t" * 64
    too_long = "t" * 65
    with pytest.raises(stripe.InvalidRequestError) as on_create:
        client.v1.products.create(params={"name": "Book", "tax_code": too_long})
    with pytest.raises(stripe.InvalidRequestError) as on_update:
        client.v1.products.update(product.id, params={"tax_code": too_long})
    product_data: dict[str, Any] = {"name": "Book", "tax_code": too_long}
    with pytest.raises(stripe.InvalidRequestError) as in_price:
        client.v1.prices.create(params={"currency": "usd", "unit_amount": 100, "product_data": product_data})  # type: ignore[typeddict-item]
    assert [e.value.http_status for e in (on_create, on_update, in_price)] == [400, 400, 400]
    assert on_create.value.param == on_update.value.param == "tax_code"
    assert in_price.value.param == "product_data[tax_code]"

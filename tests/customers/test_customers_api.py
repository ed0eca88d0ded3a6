"""Customers through the official stripe SDK against a running Lynk server."""

from __future__ import annotations

import pytest
import stripe

from tests.conftest import sdk_client
from tests.merchants.factories import MerchantKeys, make_merchant
from tests.servers import LynkServer


def test_create_retrieve_update_delete(client: stripe.StripeClient) -> None:
    created = client.v1.customers.create(
        params={
            "email": "jenny.rosen@example.com",
            "name": "Jenny Rosen",
            "phone": "+14155550100",
            "description": "First customer",
            "address": {"line1": "510 Townsend St", "city": "San Francisco", "country": "US", "postal_code": "94103"},
            "shipping": {"name": "Jenny Rosen", "address": {"line1": "1 Market St", "country": "US"}},
            "invoice_settings": {"footer": "Thanks!", "custom_fields": [{"name": "VAT", "value": "GB123"}]},
            "preferred_locales": ["en", "fr"],
            "metadata": {"order_id": "6735"},
        }
    )
    assert created.id.startswith("cus_")
    assert created.object == "customer"
    assert created.livemode is False
    assert created.address.city == "San Francisco"
    assert created.address.line2 is None
    assert created.shipping.address.line1 == "1 Market St"
    assert created.invoice_settings.footer == "Thanks!"
    assert created.invoice_settings.custom_fields[0].name == "VAT"
    assert created.preferred_locales == ["en", "fr"]
    assert created.metadata.to_dict() == {"order_id": "6735"}

    fetched = client.v1.customers.retrieve(created.id)
    assert fetched.to_dict() == created.to_dict()

    updated = client.v1.customers.update(created.id, params={"name": "Jenny R.", "description": ""})
    assert updated.name == "Jenny R."
    assert updated.description is None  # "" unsets, as at Stripe
    assert updated.email == "jenny.rosen@example.com"  # untouched fields stay

    deleted = client.v1.customers.delete(created.id)
    assert deleted.id == created.id
    assert deleted.deleted is True
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.customers.retrieve(created.id)
    assert missing.value.http_status == 404
    assert missing.value.code == "resource_missing"
    assert missing.value.param == "id"


def test_unset_fields_are_null_not_absent(client: stripe.StripeClient) -> None:
    body = client.v1.customers.create().to_dict()
    for field in ("email", "name", "phone", "description", "address", "shipping", "currency", "default_source"):
        assert field in body and body[field] is None
    assert body["balance"] == 0
    assert body["metadata"] == {}
    assert body["tax_exempt"] == "none"
    assert isinstance(body["created"], int)


def test_pages_of_ten_ten_and_five(client: stripe.StripeClient) -> None:
    ids = [client.v1.customers.create(params={"name": f"c{i}"}).id for i in range(25)]
    newest_first = list(reversed(ids))

    first = client.v1.customers.list(params={"limit": 10})
    second = client.v1.customers.list(params={"limit": 10, "starting_after": first.data[-1].id})
    third = client.v1.customers.list(params={"limit": 10, "starting_after": second.data[-1].id})
    assert [len(first.data), len(second.data), len(third.data)] == [10, 10, 5]
    assert [first.has_more, second.has_more, third.has_more] == [True, True, False]
    assert [c.id for c in [*first.data, *second.data, *third.data]] == newest_first
    assert first.url == "/v1/customers"

    back = client.v1.customers.list(params={"limit": 10, "ending_before": third.data[0].id})
    assert [c.id for c in back.data] == newest_first[10:20]
    assert back.has_more is True


def test_auto_paging_iter_returns_all(client: stripe.StripeClient) -> None:
    ids = {client.v1.customers.create(params={"email": f"p{i}@example.com"}).id for i in range(25)}
    seen = [c.id for c in client.v1.customers.list(params={"limit": 10}).auto_paging_iter()]
    assert len(seen) == 25
    assert set(seen) == ids


def test_list_strictly_newest_first_within_one_second(server: LynkServer, client: stripe.StripeClient) -> None:
    # Many customers land in the same second; order must still follow creation.
    ids = [client.v1.customers.create().id for _ in range(12)]
    listed = [c.id for c in client.v1.customers.list(params={"limit": 100}).data]
    assert listed == list(reversed(ids))
    created = {c.created for c in client.v1.customers.list(params={"limit": 100}).data}
    assert len(created) < 12  # several shared a second, so ties were really broken


def test_filter_by_email_and_created(server: LynkServer, client: stripe.StripeClient) -> None:
    old = client.v1.customers.create(params={"email": "old@example.com"})
    server.clock.advance(3600)
    new = client.v1.customers.create(params={"email": "new@example.com"})
    client.v1.customers.create(params={"email": "new@example.com"})

    by_email = client.v1.customers.list(params={"email": "new@example.com"})
    assert len(by_email.data) == 2
    assert all(c.email == "new@example.com" for c in by_email.data)

    recent = client.v1.customers.list(params={"created": {"gte": new.created}})
    assert old.id not in [c.id for c in recent.data]
    assert new.id in [c.id for c in recent.data]
    older = client.v1.customers.list(params={"created": {"lt": new.created}})
    assert [c.id for c in older.data] == [old.id]
    exact = client.v1.customers.list(params={"created": old.created})
    assert old.id in [c.id for c in exact.data]


def test_metadata_rules(client: stripe.StripeClient) -> None:
    customer = client.v1.customers.create(params={"metadata": {"a": "1", "b": "2"}})
    updated = client.v1.customers.update(customer.id, params={"metadata": {"a": "", "c": "3"}})
    assert updated.metadata.to_dict() == {"b": "2", "c": "3"}  # "" removed a, c was added, b kept

    cleared = client.v1.customers.update(customer.id, params={"metadata": ""})
    assert cleared.metadata.to_dict() == {}

    with pytest.raises(stripe.InvalidRequestError) as too_long:
        client.v1.customers.update(customer.id, params={"metadata": {"k" * 41: "v"}})
    assert too_long.value.param.startswith("metadata[")

    with pytest.raises(stripe.InvalidRequestError) as too_many:
        client.v1.customers.update(customer.id, params={"metadata": {f"k{i}": "v" for i in range(51)}})
    assert too_many.value.param == "metadata"

    with pytest.raises(stripe.InvalidRequestError) as long_value:
        client.v1.customers.create(params={"metadata": {"k": "v" * 501}})
    assert long_value.value.param == "metadata[k]"


def test_parameter_errors_name_the_param(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        client.v1.customers.create(params={"emial": "typo@example.com"})  # type: ignore[typeddict-unknown-key]
    assert unknown.value.http_status == 400
    assert unknown.value.code == "parameter_unknown"
    assert unknown.value.param == "emial"
    assert "Received unknown parameter: emial" in str(unknown.value.user_message)

    with pytest.raises(stripe.InvalidRequestError) as nested:
        client.v1.customers.create(params={"address": {"line3": "x"}})  # type: ignore[typeddict-unknown-key]
    assert nested.value.param == "address[line3]"

    with pytest.raises(stripe.InvalidRequestError) as bad_int:
        client.v1.customers.create(params={"balance": "lots"})  # type: ignore[typeddict-item]
    assert bad_int.value.code == "parameter_invalid_integer"
    assert bad_int.value.param == "balance"

    with pytest.raises(stripe.InvalidRequestError) as bad_enum:
        client.v1.customers.create(params={"tax_exempt": "sometimes"})  # type: ignore[typeddict-item]
    assert bad_enum.value.param == "tax_exempt"
    assert "none" in str(bad_enum.value.user_message)

    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.customers.create(params={"shipping": {"address": {"line1": "1 Road"}}})  # type: ignore[typeddict-item]
    assert missing.value.code == "parameter_missing"
    assert missing.value.param == "shipping[name]"

    with pytest.raises(stripe.InvalidRequestError) as bad_email:
        client.v1.customers.create(params={"email": "not-an-email"})
    assert bad_email.value.param == "email"

    with pytest.raises(stripe.InvalidRequestError) as bad_limit:
        client.v1.customers.list(params={"limit": 101})
    assert bad_limit.value.param == "limit"


def test_bad_key_is_authentication_error(server: LynkServer) -> None:
    with pytest.raises(stripe.AuthenticationError) as bad:
        sdk_client(server, "sk_test_not_a_real_key_at_all").v1.customers.list()
    assert bad.value.http_status == 401
    assert "not_a_real_key_at_all" not in str(bad.value.user_message)  # never echoed whole


def test_another_merchants_customer_is_404(server: LynkServer, client: stripe.StripeClient) -> None:
    other = make_merchant(server)
    theirs = sdk_client(server, other.secret_key).v1.customers.create(params={"email": "theirs@example.com"})
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.customers.retrieve(theirs.id)
    assert missing.value.http_status == 404
    assert missing.value.user_message == f"No such customer: '{theirs.id}'"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.update(theirs.id, params={"name": "hijack"})
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.delete(theirs.id)
    with pytest.raises(stripe.InvalidRequestError) as cursor:
        client.v1.customers.list(params={"starting_after": theirs.id})
    assert cursor.value.param == "starting_after"
    assert theirs.id not in [c.id for c in client.v1.customers.list(params={"limit": 100}).data]
    assert sdk_client(server, other.secret_key).v1.customers.retrieve(theirs.id).name is None


def test_global_stripe_module_configuration_works(server: LynkServer, merchant: MerchantKeys) -> None:
    """`stripe.api_base` plus `stripe.api_key`, the older style many integrations use."""
    saved = (stripe.api_key, stripe.api_base)
    stripe.api_key, stripe.api_base = merchant.secret_key, server.base_url
    try:
        customer = stripe.Customer.create(email="global@example.com")
        assert stripe.Customer.retrieve(customer.id).email == "global@example.com"
        modified = stripe.Customer.modify(customer.id, metadata={"plan": "pro"})
        assert modified.metadata["plan"] == "pro"
        assert stripe.Customer.delete(customer.id).deleted is True
    finally:
        stripe.api_key, stripe.api_base = saved


@pytest.mark.parametrize("value", ["1_000", " 12", "1.0", "0x10", "+5"])
def test_integers_are_plain_decimal_strings(client: stripe.StripeClient, value: str) -> None:
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.customers.create(params={"balance": value})  # type: ignore[typeddict-item]
    assert error.value.code == "parameter_invalid_integer"
    assert error.value.param == "balance"

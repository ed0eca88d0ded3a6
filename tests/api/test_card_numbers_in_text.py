"""A card number sent anywhere but the vault's `card[number]` (a metadata value or key, a description) is
refused with a 400 naming the parameter, so it is never stored, returned or logged in plain text; long
digit runs that are not card numbers (a failed Luhn check, a phone number, a tracking number) are kept."""

from __future__ import annotations

import pytest
import stripe

from tests.conftest import sdk_client
from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer

PAN = "4000056655665556"


def _refused(error: stripe.InvalidRequestError, param: str) -> None:
    assert error.http_status == 400
    assert (error.code, error.param) == ("parameter_invalid", param)
    assert "looks like a card number" in str(error.user_message)
    assert "5556" not in str(error.user_message) and "5556" not in str(error.param)


@pytest.mark.parametrize(
    ("metadata", "param"),
    [
        ({"note": f"card {PAN}"}, "metadata[note]"),
        ({"note": "card 4000 0566 5566 5556 exp 12/34"}, "metadata[note]"),
        ({"note": "card 4000-0566-5566-5556"}, "metadata[note]"),
        ({PAN: "x"}, "metadata"),
    ],
)
def test_a_card_number_in_metadata_is_refused_and_nothing_is_made(
    server: LynkServer, merchant: MerchantKeys, metadata: dict[str, str], param: str
) -> None:
    client = sdk_client(server, merchant.secret_key)
    before = client.v1.payment_intents.list(params={"limit": 100}).data
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.payment_intents.create(
            params={"amount": 1000, "currency": "usd", "payment_method": "pm_card_visa", "metadata": metadata}
        )
    _refused(refused.value, param)
    assert [intent.id for intent in client.v1.payment_intents.list(params={"limit": 100}).data] == [
        intent.id for intent in before
    ]


def test_a_card_number_in_a_description_is_refused_and_the_object_is_unchanged(
    server: LynkServer, merchant: MerchantKeys
) -> None:
    client = sdk_client(server, merchant.secret_key)
    customer = client.v1.customers.create(params={"description": "regular"})
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.customers.update(customer.id, params={"description": f"pays with {PAN}"})
    _refused(refused.value, "description")
    with pytest.raises(stripe.InvalidRequestError) as nested:
        client.v1.customers.update(customer.id, params={"shipping": {"name": PAN, "address": {"line1": "1 Main"}}})
    _refused(nested.value, "shipping[name]")
    assert client.v1.customers.retrieve(customer.id).description == "regular"


def test_a_refused_request_keeps_no_idempotency_record(server: LynkServer, merchant: MerchantKeys) -> None:
    client = sdk_client(server, merchant.secret_key)
    params = {"amount": 1000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_intents.create(
            params={**params, "description": PAN}, options={"idempotency_key": "fix-and-retry"}
        )
    # The same key with the mistake fixed is served: the refusal was not kept as the key's answer.
    intent = client.v1.payment_intents.create(
        params={**params, "description": "order 17"}, options={"idempotency_key": "fix-and-retry"}
    )
    assert intent.status == "succeeded" and intent.description == "order 17"


def test_long_digit_runs_that_are_not_card_numbers_are_kept(server: LynkServer, merchant: MerchantKeys) -> None:
    client = sdk_client(server, merchant.secret_key)
    order = "4000056655665557"  # 16 digits, fails the Luhn check
    parcel = "1234567812345670"  # passes it
    intent = client.v1.payment_intents.create(
        params={
            "amount": 1000,
            "currency": "usd",
            "metadata": {"order": order},
            # A parcel number and a phone number that pass the Luhn check: long digit runs by nature.
            "shipping": {
                "name": "Jenny Rosen",
                "phone": "+86 138 0013 8000 0",
                "tracking_number": parcel,
                "address": {"line1": "1 Main"},
            },
        }
    )
    assert intent.metadata["order"] == order
    assert intent.shipping is not None and intent.shipping.tracking_number == parcel

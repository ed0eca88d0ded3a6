"""No input reaches a 500: random form bodies to the Checkout Sessions API, random JSON to the hosted page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import quote_from_bytes

import httpx
import pytest
import stripe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.checkout.factories import Shopper, make_session
from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer

FORM = "application/x-www-form-urlencoded"
_NAMES = st.sampled_from(
    [
        "mode",
        "line_items[0][price_data][currency]",
        "line_items[0][price_data][unit_amount]",
        "line_items[0][price_data][product_data][name]",
        "line_items[0][quantity]",
        "line_items[1][price]",
        "line_items[]",
        "success_url",
        "cancel_url",
        "customer",
        "customer_email",
        "payment_method_types[]",
        "expires_at",
        "metadata[a]",
        "payment_intent_data[capture_method]",
        "limit",
        "status",
        "created[gt]",
    ]
)
_VALUES = st.one_of(
    st.sampled_from(["payment", "setup", "usd", "eur", "xyz", "100", "0", "-1", "1e3", "", "card", "open", "%zz"]),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.text(max_size=40),
)
BODIES = st.lists(st.tuples(_NAMES, _VALUES), max_size=10).map(
    lambda pairs: "&".join(
        f"{quote_from_bytes(k.encode(), safe='[]')}={quote_from_bytes(v.encode())}" for k, v in pairs
    )
)
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=30)),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
PAGE_BODIES = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "email": st.one_of(st.just("a@example.com"), JSON_VALUES),
            "number": st.one_of(st.just("4242424242424242"), JSON_VALUES),
            "expiration": st.one_of(st.sampled_from(["12/34", "13/99", "00/00", "1/2"]), JSON_VALUES),
            "cvc": st.one_of(st.just("123"), JSON_VALUES),
            "name": JSON_VALUES,
        },
    ).map(json.dumps),
    JSON_VALUES.map(json.dumps),
    st.text(max_size=50),
)


@pytest.fixture
def api(server: LynkServer, merchant: MerchantKeys) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, auth=(merchant.secret_key, ""), timeout=30) as client:
        yield client


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=BODIES, target=st.sampled_from(["create", "list", "expire"]))
def test_random_api_input_never_causes_a_server_error(api: httpx.Client, body: str, target: str) -> None:
    if target == "create":
        response = api.post("/v1/checkout/sessions", content=body, headers={"content-type": FORM})
    elif target == "list":
        response = api.get("/v1/checkout/sessions?" + body)
    else:
        response = api.post("/v1/checkout/sessions/cs_test_nope/expire", content=body, headers={"content-type": FORM})
    assert response.status_code < 500, f"{body!r} → {response.status_code} {response.text[:300]}"
    if response.status_code >= 400:
        assert response.json()["error"]["type"] == "invalid_request_error"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=PAGE_BODIES)
def test_random_page_input_never_causes_a_server_error(
    server: LynkServer, client: stripe.StripeClient, body: str
) -> None:
    session = make_session(client)
    shopper = Shopper(server)
    shopper.open(session.url or "")
    headers = {"X-CSRF-Token": shopper.token, "Idempotency-Key": "fuzz-attempt", "content-type": "application/json"}
    response = shopper.http.post(f"/c/pay/{session.id}/confirm", content=body, headers=headers)
    assert response.status_code < 500, f"{body!r} → {response.status_code} {response.text[:300]}"
    assert response.json()["outcome"] in ("error", "succeeded")

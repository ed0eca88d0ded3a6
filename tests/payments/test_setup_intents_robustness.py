"""SetupIntents under stress: random input never reaches a 500, and concurrent confirms verify once."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
import stripe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lynk.connectors import ScriptedConnector, Simulator
from lynk.ledger import invariants
from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer

FORM = "application/x-www-form-urlencoded"

_NAMES = st.sampled_from(
    [
        "customer",
        "payment_method",
        "payment_method_data[type]",
        "payment_method_data[card][exp_month]",
        "payment_method_data[card][token]",
        "payment_method_types[0]",
        "usage",
        "payment_method_options[card][request_three_d_secure]",
        "confirm",
        "return_url",
        "mandate_data[customer_acceptance][type]",
        "mandate_data[customer_acceptance][online][ip_address]",
        "mandate_data[customer_acceptance][accepted_at]",
        "metadata[k]",
        "description",
        "cancellation_reason",
        "client_secret",
        "setup_intent",
        "created[gt]",
        "limit",
        "expand[0]",
        "x",
    ]
)
_VALUES = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=20),
    st.sampled_from(
        [
            "",
            "true",
            "false",
            "pm_card_visa",
            "pm_card_chargeDeclined",
            "pm_card_threeDSecure2Required",
            "tok_visa",
            "card",
            "link",
            "on_session",
            "off_session",
            "online",
            "offline",
            "13",
            "-1",
            "99999999999999999999",
            "cus_nope",
            "pm_nope",
            "seti_nope",
            "latest_attempt",
            "mandate",
            "abandoned",
            "any",
            "challenge",
            "%00",
        ]
    ),
)
# Card numbers only where a card number belongs: free text (a description, metadata) is stored as given.
_CARD_NUMBER = st.tuples(
    st.just("payment_method_data[card][number]"),
    st.one_of(st.sampled_from(["4242424242424242", "4000002760003184", "4242424242424241"]), _VALUES),
)
BODIES = st.lists(st.one_of(st.tuples(_NAMES, _VALUES), _CARD_NUMBER), max_size=8).map(
    lambda pairs: "&".join(f"{quote(k, safe='[]')}={quote(v)}" for k, v in pairs)
)


@pytest.fixture
def api(server: LynkServer, merchant: MerchantKeys) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, auth=(merchant.secret_key, ""), timeout=30) as http:
        yield http


@pytest.fixture
def setup_intent_id(api: httpx.Client) -> str:
    return str(api.post("/v1/setup_intents", data={"customer": api.post("/v1/customers").json()["id"]}).json()["id"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=BODIES, target=st.sampled_from(["create", "update", "confirm", "cancel", "list", "attempts"]))
def test_random_input_never_causes_a_server_error(
    api: httpx.Client, setup_intent_id: str, body: str, target: str
) -> None:
    headers = {"content-type": FORM}
    if target == "create":
        response = api.post("/v1/setup_intents", content=body, headers=headers)
    elif target in ("update", "confirm", "cancel"):
        suffix = "" if target == "update" else f"/{target}"
        response = api.post(f"/v1/setup_intents/{setup_intent_id}{suffix}", content=body, headers=headers)
    else:  # a query string is logged by HTTP clients and proxies: card numbers go in bodies only
        query = "&".join(p for p in body.split("&") if not p.startswith("payment_method_data[card][number]="))
        response = api.get(("/v1/setup_intents?" if target == "list" else "/v1/setup_attempts?") + query)
    assert response.status_code < 500, f"{target} {body!r} → {response.status_code} {response.text[:500]}"
    payload = response.json()
    if response.status_code == 200:
        assert payload["object"] in ("setup_intent", "list")
    else:
        assert set(payload) == {"error"}
        assert payload["error"]["type"] in ("invalid_request_error", "card_error")
        assert payload["error"]["message"]
        assert "4242424242424242" not in response.text and "4000002760003184" not in response.text


def test_fifty_concurrent_confirms_verify_once(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    customer = client.v1.customers.create()
    si = client.v1.setup_intents.create(params={"customer": customer.id, "payment_method": "pm_card_visa"})
    connector = server.runtime.connector
    assert isinstance(connector, Simulator)
    statuses: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(50)

    def confirm() -> None:
        barrier.wait()
        response = httpx.post(
            f"{server.base_url}/v1/setup_intents/{si.id}/confirm",
            auth=(merchant.secret_key, ""),
            headers={"Idempotency-Key": str(uuid.uuid4())},
            timeout=60,
        )
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=confirm) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(200) == 1
    assert set(statuses) == {200, 400}
    assert len(client.v1.setup_attempts.list(params={"setup_intent": si.id}).data) == 1
    assert len(client.v1.customers.payment_methods.list(customer.id).data) == 1
    mandates = {client.v1.setup_intents.retrieve(si.id).mandate}
    assert len(mandates) == 1 and None not in mandates


@pytest.fixture
def scripted(server: LynkServer) -> Iterator[tuple[ScriptedConnector, Simulator]]:
    simulator = server.runtime.connector
    assert isinstance(simulator, Simulator)
    scripted = ScriptedConnector(simulator)
    server.runtime.connector = scripted
    try:
        yield scripted, simulator
    finally:
        server.runtime.connector = simulator


def _post(
    server: LynkServer, merchant: MerchantKeys, path: str, key: str, data: dict[str, str]
) -> httpx.Response | None:
    try:
        return httpx.post(
            f"{server.base_url}{path}",
            data=data,
            auth=(merchant.secret_key, ""),
            headers={"Idempotency-Key": key},
            timeout=30,
        )
    except httpx.HTTPError:
        return None  # a crashed process may drop the connection


@pytest.mark.parametrize("mode", ["timeout_after", "crash_after"])
def test_a_lost_verification_is_asked_again_not_repeated(
    server: LynkServer,
    merchant: MerchantKeys,
    client: stripe.StripeClient,
    scripted: tuple[ScriptedConnector, Simulator],
    mode: str,
) -> None:
    connector, simulator = scripted
    customer = client.v1.customers.create()
    si = client.v1.setup_intents.create(params={"customer": customer.id})
    card = client.v1.payment_methods.create(params={"type": "card", "card": {"token": "tok_visa"}}).id
    before = simulator.attempts
    connector.fail_next("authorize", mode=mode)  # type: ignore[arg-type]
    key = str(uuid.uuid4())
    lost = _post(server, merchant, f"/v1/setup_intents/{si.id}/confirm", key, {"payment_method": card})
    assert lost is None or lost.status_code in (500, 503)
    assert simulator.attempts - before == 1  # the processor did verify the card
    if mode == "crash_after":  # the verification was committed before the call: the intent waits for its outcome
        assert client.v1.setup_intents.retrieve(si.id).status == "processing"
        other = _post(server, merchant, f"/v1/setup_intents/{si.id}/confirm", str(uuid.uuid4()), {})
        assert other is not None and other.status_code == 400  # another request: refused by state
        assert other.json()["error"]["code"] == "setup_intent_unexpected_state"
    else:  # the processor did not answer: the intent is back where it was, the key kept for the retry
        assert client.v1.setup_intents.retrieve(si.id).status == "requires_payment_method"
    assert client.v1.setup_attempts.list(params={"setup_intent": si.id}).data == []  # made with the outcome
    retried = _post(server, merchant, f"/v1/setup_intents/{si.id}/confirm", key, {"payment_method": card})
    assert retried is not None and retried.status_code == 200, retried and retried.text
    assert retried.json()["status"] == "succeeded"
    assert simulator.attempts - before == 1  # the same question again: answered from the processor's record
    assert len(client.v1.setup_attempts.list(params={"setup_intent": si.id}).data) == 1


def test_a_lost_off_session_charge_is_charged_once(
    server: LynkServer,
    merchant: MerchantKeys,
    client: stripe.StripeClient,
    scripted: tuple[ScriptedConnector, Simulator],
) -> None:
    connector, simulator = scripted
    customer = client.v1.customers.create()
    si = client.v1.setup_intents.create(
        params={"customer": customer.id, "payment_method": "pm_card_visa", "confirm": True}
    )
    pi = client.v1.payment_intents.create(
        params={"amount": 5_000, "currency": "usd", "customer": customer.id, "payment_method": si.payment_method}
    )
    before = simulator.captures
    connector.fail_next("authorize", mode="timeout_after")
    key = str(uuid.uuid4())
    lost = _post(server, merchant, f"/v1/payment_intents/{pi.id}/confirm", key, {"off_session": "true"})
    assert lost is not None and lost.status_code == 503
    retried = _post(server, merchant, f"/v1/payment_intents/{pi.id}/confirm", key, {"off_session": "true"})
    assert retried is not None and retried.status_code == 200, retried and retried.text
    assert simulator.captures - before == 1
    charges = client.v1.charges.list(params={"payment_intent": pi.id}).data
    assert len(charges) == 1 and charges[0].payment_method_details.card.mandate == si.mandate
    assert server.write(invariants.verify) == []

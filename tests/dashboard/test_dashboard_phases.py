"""The dashboard's refund, capture and cancel buttons run in atomic phases, as the API does (issue 13, item 3):
while the processor has the refund, capture or void (and takes its time to answer), the merchant's own write
to the same payment's charge answers at once, and on PostgreSQL no session sits in a transaction."""

from __future__ import annotations

import pytest
import stripe

from tests.dashboard.support import BASE, Dashboard, make_user
from tests.dashboard.test_dashboard import pay
from tests.merchants.factories import MerchantKeys
from tests.payments.phased import InFlight, no_transaction_left_open, processor_operations, slow_processor
from tests.payments.served import read
from tests.servers import LynkServer
from tests.webhooks.support import wait_for

LATENCY_S = 8.0
# button → (the processor call it makes, the payment's status afterwards, the page's notice)
BUTTONS = {
    "refund": ("refund", "succeeded", "The refund is made."),
    "capture": ("capture", "succeeded", "The payment is captured."),
    "cancel": ("void", "canceled", "The payment is canceled."),
}


@pytest.mark.parametrize("button", list(BUTTONS))
def test_a_button_holds_nothing_while_the_processor_answers(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient, button: str
) -> None:
    operation, status_after, notice = BUTTONS[button]
    pi = pay(client, 2500) if button == "refund" else pay(client, 2500, capture_method="manual")
    browser = Dashboard(server)
    browser.sign_in(make_user(server, merchant.id, "admin"))
    page, action = f"{BASE}/payments/{pi.id}", f"{BASE}/payments/{pi.id}/{button}"
    form = browser.form(f"{action}?amount=10.00" if button == "refund" else page, action)

    acted = processor_operations(server)
    with slow_processor(server, LATENCY_S):
        click = InFlight(lambda: browser.http.post(action, data=form))
        wait_for(lambda: processor_operations(server) == acted + 1, LATENCY_S / 2, "the processor to act")
        in_flight = f"SELECT count(*) FROM connector_calls WHERE operation = '{operation}' AND status = 'started'"
        assert read(server.database_url, in_flight) == [(1,)]  # the attempt was committed before the call
        assert pi.latest_charge is not None
        noted = client.v1.charges.update(str(pi.latest_charge), params={"metadata": {"note": "asked meanwhile"}})
        assert noted.metadata["note"] == "asked meanwhile"
        assert click.running()  # answered while the processor still had the button's call
        wait_for(lambda: no_transaction_left_open(server), LATENCY_S / 2, "no transaction open across the call")
        assert click.running()
        answer = click.result(LATENCY_S * 4)

    assert answer.status_code == 303, answer.text
    assert notice in browser.get(answer.headers["location"]).text
    after = client.v1.payment_intents.retrieve(pi.id)
    assert after.status == status_after
    if button == "refund":
        assert [r.amount for r in client.v1.refunds.list(params={"payment_intent": pi.id}).data] == [1000]
    assert client.v1.charges.retrieve(str(pi.latest_charge)).metadata["note"] == "asked meanwhile"

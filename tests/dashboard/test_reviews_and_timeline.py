"""The dashboard's reviews and a payment's full timeline over HTTP: payments a review rule matched listed with
their reason and risk score, approved from the list or refunded as fraudulent from the payment's page (each
once, by the roles the table allows, never across merchants); a payment's page showing its processor calls,
its risk outcome and what raised the score, and (to the roles that see webhooks) its events and their
deliveries."""

from __future__ import annotations

import re

import httpx
import stripe

from tests.conftest import sdk_client
from tests.dashboard.support import BASE, Dashboard, make_user
from tests.merchants.factories import MerchantKeys, make_merchant
from tests.radar.support import ELEVATED, fresh_card, pay
from tests.servers import LynkServer
from tests.webhooks.support import receiver, run_worker


def _review_id(page: str, payment_id: str) -> str:
    found = re.search(rf'<tr id="(prv_\w+)"><td><a href="{BASE}/payments/{payment_id}">', page)
    assert found is not None, page
    return found.group(1)


def test_reviews_are_listed_then_approved_or_refunded_as_fraudulent(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    approved, refunded = pay(client, ELEVATED, amount=3100), pay(client, ELEVATED, amount=3200)
    assert approved.status == refunded.status == "succeeded"
    support = Dashboard(server)
    support.sign_in(make_user(server, merchant.id, "support"))
    listed = support.get(f"{BASE}/reviews").text
    assert "31.00 USD" in listed and "32.00 USD" in listed and "Elevated risk level" in listed
    assert ">70 (elevated)<" in listed  # the risk score
    first = _review_id(listed, approved.id)

    form = support.form(f"{BASE}/reviews", f"{BASE}/reviews/{first}/approve")
    once = support.http.post(f"{BASE}/reviews/{first}/approve", data=form)
    twice = support.http.post(f"{BASE}/reviews/{first}/approve", data=form)  # a double submit runs once
    assert once.status_code == twice.status_code == 303
    assert "The review is approved." in support.get(once.headers["location"]).text
    assert client.v1.reviews.retrieve(first).closed_reason == "approved"
    assert approved.id not in support.get(f"{BASE}/reviews").text  # open reviews only

    page = f"{BASE}/payments/{refunded.id}"
    shown = support.get(page).text
    assert "In review" in shown and "Refund as fraudulent" in shown
    second = re.search(r'action="/dashboard/reviews/(prv_\w+)/refund"', shown)
    assert second is not None
    done = support.post(f"{BASE}/reviews/{second.group(1)}/refund", {}, page=page)
    assert done.status_code == 303 and done.headers["location"].startswith(page)
    after = support.get(done.headers["location"]).text
    assert "The payment is refunded as fraudulent." in after and "Review closed" in after
    assert "refunded as fraud" in after and "Refund as fraudulent" not in after
    [made] = client.v1.refunds.list(params={"payment_intent": refunded.id}).data
    assert made.amount == 3200 and made.reason == "fraudulent"
    assert client.v1.reviews.retrieve(second.group(1)).closed_reason == "refunded_as_fraud"
    assert "approved review" in admin_of(server, merchant).get(f"{BASE}/audit").text


def admin_of(server: LynkServer, merchant: MerchantKeys) -> Dashboard:
    admin = Dashboard(server)
    admin.sign_in(make_user(server, merchant.id, "admin"))
    return admin


def test_an_analyst_reads_reviews_but_cannot_close_them_and_another_merchant_cannot_see_them(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    pi = pay(client, ELEVATED)
    [review] = client.v1.reviews.list().data
    analyst = Dashboard(server)
    analyst.sign_in(make_user(server, merchant.id, "analyst"))
    listed = analyst.get(f"{BASE}/reviews").text
    assert pi.id in listed and "Approve" not in listed
    assert "In review" in analyst.get(f"{BASE}/payments/{pi.id}").text
    csrf = analyst.form(f"{BASE}/reviews", f"{BASE}/logout")["csrf_token"]
    for action in ("approve", "refund"):
        refused = analyst.http.post(
            f"{BASE}/reviews/{review.id}/{action}", data={"csrf_token": csrf, "action_key": action * 8}
        )
        assert refused.status_code == 403
    other = Dashboard(server)
    other.sign_in(make_user(server, make_merchant(server).id, "admin"))
    assert pi.id not in other.get(f"{BASE}/reviews").text
    csrf = other.form(f"{BASE}/reviews", f"{BASE}/logout")["csrf_token"]
    theirs = other.http.post(f"{BASE}/reviews/{review.id}/approve", data={"csrf_token": csrf, "action_key": "o" * 24})
    assert theirs.status_code == 404
    assert client.v1.reviews.retrieve(review.id).open is True
    assert client.v1.refunds.list(params={"payment_intent": pi.id}).data == []


def test_a_payments_timeline_shows_processor_calls_risk_events_and_deliveries(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    card = fresh_card()
    elsewhere = sdk_client(server, make_merchant(server).secret_key)
    reported = pay(elsewhere, card)
    elsewhere.v1.charges.update(reported.latest_charge, params={"fraud_details": {"user_report": "fraudulent"}})  # type: ignore[arg-type]
    # The trained score refuses such a card (highest risk); this merchant reviews it instead.
    client.raw_request("delete", "/v1/radar/rules/rule_block_if_highest_risk")
    client.raw_request("post", "/v1/radar/rules", action="review", predicate=":has_fraud_history: = true")
    with receiver() as hooks:
        endpoint = client.v1.webhook_endpoints.create(
            params={"url": hooks.url, "enabled_events": ["charge.succeeded", "payment_intent.succeeded"]}
        )
        hooks.secrets.append(endpoint.secret or "")
        pi = pay(client, card, amount=4400, capture_method="manual")
        client.v1.payment_intents.capture(pi.id)
        unrelated = pay(client, fresh_card(), amount=100)
        run_worker(server)
        assert len(hooks.ids()) == 4
    developer = Dashboard(server)
    developer.sign_in(make_user(server, merchant.id, "developer"))
    page = developer.get(f"{BASE}/payments/{pi.id}").text
    assert "Processor authorize of 44.00 USD: authorized" in page
    assert "Processor capture of 44.00 USD: succeeded" in page
    assert "Risk score</dt><dd>" in page and "Manual review" in page
    assert re.search(r"reported as fraud on the network \(\+\d+\)", page)  # the explanation radar gives
    for kind in ("payment_intent.created", "charge.succeeded", "payment_intent.succeeded", "review.opened"):
        assert f"Event {kind} (evt_" in page, kind
    assert unrelated.id not in page and page.count("Event charge.succeeded") == 1  # this payment's events only
    assert page.count("Webhook evt_") == 2 and f"to {hooks.url}: delivered (HTTP 200)" in page
    assert card not in page and card[-4:] in page  # the card's last 4, never its number
    support = Dashboard(server)
    support.sign_in(make_user(server, merchant.id, "support"))
    theirs = support.get(f"{BASE}/payments/{pi.id}").text
    assert "Processor authorize" in theirs and "reported as fraud" in theirs
    assert "Event " not in theirs and "Webhook evt_" not in theirs  # events and webhooks are the developers'


def test_a_payment_authenticated_with_3d_secure_says_so_on_its_timeline(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    params = {"amount": 1500, "currency": "usd", "payment_method": "pm_card_threeDSecure2Required", "confirm": True}
    pi = client.v1.payment_intents.create(params={**params, "return_url": "https://shop.example/done"})  # type: ignore[arg-type]
    assert pi.status == "requires_action"
    answer = httpx.post(
        f"{server.base_url}/3ds/{pi.id}", data={"client_secret": pi.client_secret, "outcome": "complete"}
    )
    assert answer.status_code == 303
    browser = Dashboard(server)
    browser.sign_in(make_user(server, merchant.id, "analyst"))
    page = browser.get(f"{BASE}/payments/{pi.id}").text
    assert re.search(r"Charge ch_\w+ succeeded, 3-D Secure authenticated", page), page

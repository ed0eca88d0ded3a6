"""The hosted page's Link calls (`/c/pay/{id}/link/…` and `/confirm` with `link` or the opt-in), driven as
checkout.js drives them, without a browser: what they refuse, what they return, what they leave behind."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import stripe

from tests.checkout.factories import Shopper, make_session
from tests.conftest import sdk_client
from tests.link.support import Browser as LinkBrowser
from tests.link.support import latest_code, messages, new_email, new_phone
from tests.merchants.factories import MerchantKeys, make_merchant
from tests.servers import LynkServer


def link_session(client: stripe.StripeClient) -> stripe.checkout.Session:
    return make_session(client, payment_method_types=["card", "link"])


def link_page(server: LynkServer, client: stripe.StripeClient) -> tuple[stripe.checkout.Session, Shopper]:
    """A Link-enabled checkout session, open in a fresh browser."""
    session = link_session(client)
    shopper = Shopper(server)
    shopper.open(session.url or "")
    return session, shopper


def complete_challenge(http: httpx.Client, url: str) -> httpx.Response:
    """Press "Complete authentication" on the 3-D Secure page at `url`."""
    challenge = urlsplit(url)
    secret = parse_qs(challenge.query)["client_secret"][0]
    return http.post(challenge.path, data={"client_secret": secret, "outcome": "complete"})


def step(shopper: Shopper, session_id: str, name: str, body: dict[str, Any]) -> httpx.Response:
    return shopper.http.post(f"/c/pay/{session_id}/link/{name}", json=body, headers={"X-CSRF-Token": shopper.token})


def signed_up(server: LynkServer, merchant: MerchantKeys, *, address: bool = False) -> tuple[str, str]:
    email, phone = new_email(), new_phone()
    shopper = LinkBrowser(server, merchant)
    made = shopper.post(
        "/v1/link/consumers",
        {"email_address": email, "phone_number": phone, "legal_name": "Sam Shopper", "country": "US"},
        with_secret=False,
    )
    shopper.secret = made.json()["consumer_session"]["client_secret"]
    shopper.verify(phone)
    card = {"card[number]": "4242424242424242", "card[exp_month]": "5", "card[exp_year]": "2035", "card[cvc]": "123"}
    assert shopper.post("/v1/link/payment_details", card).status_code == 200
    if address:
        where = {"name": "Sam Shopper", "address[line1]": "1 Main St", "address[city]": "Springfield"}
        where |= {"address[postal_code]": "12345", "address[country]": "US"}
        assert shopper.post("/v1/link/shipping_addresses", where).status_code == 200
    return email, phone


def test_link_calls_need_the_pages_csrf_token(server: LynkServer, client: stripe.StripeClient) -> None:
    session = link_session(client)
    shopper = Shopper(server)
    shopper.open(session.url or "")
    refused = shopper.http.post(f"/c/pay/{session.id}/link/lookup", json={"email": "a@example.com"})
    assert refused.status_code == 403


def test_link_steps_exist_only_when_the_session_accepts_link(server: LynkServer, client: stripe.StripeClient) -> None:
    card_only = make_session(client)
    shopper = Shopper(server)
    page = shopper.open(card_only.url or "")
    assert "link_steps.js" not in page.text and "Save my information" not in page.text
    answer = step(shopper, card_only.id, "lookup", {"email": "a@example.com"})
    assert answer.status_code == 404
    assert answer.json()["message"] == "Link is not available for this checkout."


def test_lookup_sends_a_code_and_verify_returns_the_wallet_without_card_numbers(
    server: LynkServer, client: stripe.StripeClient, merchant: MerchantKeys
) -> None:
    email, phone = signed_up(server, merchant, address=True)
    session = link_session(client)
    shopper = Shopper(server)
    shopper.open(session.url or "")
    assert step(shopper, session.id, "lookup", {"email": new_email()}).json() == {
        "outcome": "not_found",
        "exists": False,
    }
    found = step(shopper, session.id, "lookup", {"email": email.upper()}).json()
    assert found["exists"] is True and found["verified"] is False and found["code_sent"] is True
    assert found["redacted_phone"].endswith(phone[-2:]) and phone not in str(found)
    wrong = step(shopper, session.id, "verify", {"secret": found["secret"], "code": "12345"})
    assert wrong.status_code == 400 and wrong.json()["param"] == "code"
    verified = step(
        shopper, session.id, "verify", {"secret": found["secret"], "code": latest_code(server, merchant, phone)}
    )
    wallet = verified.json()["wallet"]
    [detail] = wallet["payment_details"]
    assert detail["card"]["last4"] == "4242" and "number" not in str(detail)
    [address] = wallet["shipping_addresses"]
    paid = shopper.http.post(
        f"/c/pay/{session.id}/confirm",
        json={"link": {"secret": found["secret"], "payment_detail": detail["id"], "shipping_address": address["id"]}},
        headers={"X-CSRF-Token": shopper.token, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert paid.json()["outcome"] == "succeeded", paid.text
    done = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["payment_intent"]})
    assert done.status == "complete" and done.customer_details is not None and done.customer_details.email == email
    assert done.shipping_details is not None and done.shipping_details.address is not None  # type: ignore[attr-defined]
    assert done.shipping_details.address.line1 == "1 Main St"  # type: ignore[attr-defined]


def test_a_link_secret_without_its_browser_cookie_pays_nothing(
    server: LynkServer, client: stripe.StripeClient, merchant: MerchantKeys
) -> None:
    email, phone = signed_up(server, merchant)
    session = link_session(client)
    shopper = Shopper(server)
    shopper.open(session.url or "")
    found = step(shopper, session.id, "lookup", {"email": email}).json()
    step(shopper, session.id, "verify", {"secret": found["secret"], "code": latest_code(server, merchant, phone)})
    thief = Shopper(server)
    thief.open(session.url or "")
    stolen = thief.http.post(
        f"/c/pay/{session.id}/confirm",
        json={"link": {"secret": found["secret"]}},
        headers={"X-CSRF-Token": thief.token, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert stolen.status_code == 400 and "another browser" in stolen.json()["message"]
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"


def test_the_opt_in_needs_a_valid_phone_and_then_gives_birth_to_an_account(
    server: LynkServer, client: stripe.StripeClient
) -> None:
    session = link_session(client)
    shopper = Shopper(server)
    shopper.open(session.url or "")
    email = new_email()
    missing = shopper.pay(session.id, email=email, save_link=True, phone="")
    assert missing.status_code == 400 and missing.json()["param"] == "phone"
    bad = shopper.pay(session.id, email=email, save_link=True, phone="12")
    assert bad.status_code == 400 and bad.json()["param"] == "phone"
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"  # nothing was charged
    paid = shopper.pay(session.id, email=email, save_link=True, phone=new_phone())
    assert paid.json()["outcome"] == "succeeded" and "lynk_known" in paid.cookies
    other = make_merchant(server)
    at_other = link_session(sdk_client(server, other.secret_key))
    shopper.open(at_other.url or "")
    recognised = step(shopper, at_other.id, "lookup", {}).json()  # no email typed: the cookie is enough
    assert recognised["exists"] is True and recognised["redacted_email"].endswith("@example.com")


def test_a_saved_bank_account_cannot_pay_on_the_page(
    server: LynkServer, client: stripe.StripeClient, merchant: MerchantKeys
) -> None:
    """The page completes only on a card payment: a bank debit (chosen by id, or as the wallet's default)
    would leave the PaymentIntent `processing`, the page answering an error, and the session expiring
    while the money is still taken."""
    from tests.payments.bank_support import ROUTING, SUCCEEDS

    email, phone = new_email(), new_phone()
    browser = LinkBrowser(server, merchant)
    made = browser.post(
        "/v1/link/consumers",
        {"email_address": email, "phone_number": phone, "legal_name": "Sam Shopper", "country": "US"},
        with_secret=False,
    )
    browser.secret = made.json()["consumer_session"]["client_secret"]
    browser.verify(phone)
    bank = {
        "type": "us_bank_account",
        "us_bank_account[routing_number]": ROUTING,
        "us_bank_account[account_number]": SUCCEEDS,
    }
    saved = browser.post("/v1/link/payment_details", bank)
    assert saved.status_code == 200, saved.text
    session = link_session(client)
    shopper = Shopper(server)
    shopper.open(session.url or "")
    found = step(shopper, session.id, "lookup", {"email": email}).json()
    step(shopper, session.id, "verify", {"secret": found["secret"], "code": latest_code(server, merchant, phone)})
    for chosen in (saved.json()["id"], ""):
        paid = shopper.http.post(
            f"/c/pay/{session.id}/confirm",
            json={"link": {"secret": found["secret"], "payment_detail": chosen}},
            headers={"X-CSRF-Token": shopper.token, "Idempotency-Key": str(uuid.uuid4())},
        )
        assert paid.status_code == 400 and paid.json()["outcome"] == "error", paid.text
        assert "card" in paid.json()["message"]
    after = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["payment_intent"]})
    assert after.status == "open"
    assert after.payment_intent.status == "requires_payment_method"  # type: ignore[union-attr]


def test_the_hosted_page_never_debits_a_saved_bank_account(
    server: LynkServer, client: stripe.StripeClient, merchant: MerchantKeys
) -> None:
    """The page lists cards only: a bank account (even the default, or an id sent by hand) is refused there,
    rather than starting a debit that leaves the session open and the shopper unsure whether they paid."""
    email, phone = new_email(), new_phone()
    wallet_owner = LinkBrowser(server, merchant)
    made = wallet_owner.post(
        "/v1/link/consumers",
        {"email_address": email, "phone_number": phone, "legal_name": "Sam Shopper", "country": "US"},
        with_secret=False,
    )
    wallet_owner.secret = made.json()["consumer_session"]["client_secret"]
    wallet_owner.verify(phone)
    bank = {
        "type": "us_bank_account",
        "us_bank_account[routing_number]": "110000000",
        "us_bank_account[account_number]": "000123456789",
    }
    saved = wallet_owner.post("/v1/link/payment_details", bank)
    assert saved.status_code == 200, saved.text
    bank_id = saved.json()["id"]
    session = link_session(client)
    shopper = Shopper(server)
    shopper.open(session.url or "")
    found = step(shopper, session.id, "lookup", {"email": email}).json()
    code = latest_code(server, merchant, phone)
    verified = step(shopper, session.id, "verify", {"secret": found["secret"], "code": code})
    assert verified.json()["wallet"]["payment_details"] == []
    for detail in ("", bank_id):
        paid = shopper.http.post(
            f"/c/pay/{session.id}/confirm",
            json={"link": {"secret": found["secret"], "payment_detail": detail}},
            headers={"X-CSRF-Token": shopper.token, "Idempotency-Key": str(uuid.uuid4())},
        )
        assert paid.status_code == 400 and "Only a saved card" in paid.json()["message"], paid.text
    done = client.v1.checkout.sessions.retrieve(session.id, params={"expand": ["payment_intent"]})
    assert done.status == "open"
    assert done.payment_intent is not None and done.payment_intent.status == "requires_payment_method"  # type: ignore[union-attr]


def test_reloads_reuse_the_pending_code_instead_of_sending_another(
    server: LynkServer, client: stripe.StripeClient, merchant: MerchantKeys
) -> None:
    """Every reload of the page looks the recognised shopper up again: the code already sent to this
    browser still works and no new one is sent, so reloads never reach the send limit or the lock."""
    email, phone = signed_up(server, merchant)
    sent_before = len(messages(server, merchant, phone))
    session = link_session(client)
    shopper = Shopper(server)
    secrets = []
    for _ in range(server.runtime.settings.link_sends_per_account + 2):  # more reloads than codes allowed
        shopper.open(session.url or "")
        found = step(shopper, session.id, "lookup", {"email": email}).json()
        assert found["code_sent"] is True and "message" not in found, found
        secrets.append(found["secret"])
    assert len(messages(server, merchant, phone)) == sent_before + 1  # one code for all the reloads
    code = latest_code(server, merchant, phone)
    stale = step(shopper, session.id, "verify", {"secret": secrets[0], "code": code})
    assert stale.status_code == 401  # the secret of a page that was reloaded no longer works
    verified = step(shopper, session.id, "verify", {"secret": secrets[-1], "code": code}).json()
    assert verified["outcome"] == "verified" and verified["wallet"]["payment_details"]
    other_browser = Shopper(server)  # another browser gets its own session and code
    other_browser.open(session.url or "")
    assert step(other_browser, session.id, "lookup", {"email": email}).json()["code_sent"] is True
    assert len(messages(server, merchant, phone)) == sent_before + 2


def test_resend_sends_a_new_code_only_after_the_cool_down(
    server: LynkServer, client: stripe.StripeClient, merchant: MerchantKeys
) -> None:
    email, phone = signed_up(server, merchant)
    session, shopper = link_page(server, client)
    found = step(shopper, session.id, "lookup", {"email": email}).json()
    sent = len(messages(server, merchant, phone))
    cooldown = server.runtime.settings.link_resend_cooldown_seconds
    too_soon = step(shopper, session.id, "resend", {"secret": found["secret"]})
    assert too_soon.status_code == 429 and 0 < too_soon.json()["retry_after"] <= cooldown
    assert "ask for a new one in" in too_soon.json()["message"]
    assert len(messages(server, merchant, phone)) == sent
    server.clock.advance(cooldown)
    assert step(shopper, session.id, "resend", {"secret": found["secret"]}).json()["outcome"] == "sent"
    assert len(messages(server, merchant, phone)) == sent + 1


def test_opting_in_with_a_3ds_card_remembers_the_browser_after_the_challenge(
    server: LynkServer, client: stripe.StripeClient
) -> None:
    session, shopper = link_page(server, client)
    email = new_email()
    answer = shopper.pay(session.id, "4000000000003220", email=email, save_link=True, phone=new_phone()).json()
    assert answer["outcome"] == "requires_action"
    back = complete_challenge(shopper.http, answer["redirect"])
    assert back.status_code == 303
    done = shopper.http.get(back.headers["location"])  # /c/pay/{id}/return, in the same browser
    assert done.status_code in (200, 303)
    assert "lynk_known" in done.cookies and "lynk_opt_in" not in shopper.http.cookies
    assert client.v1.checkout.sessions.retrieve(session.id).status == "complete"
    other = make_merchant(server)
    at_other = link_session(sdk_client(server, other.secret_key))
    shopper.open(at_other.url or "")
    recognised = step(shopper, at_other.id, "lookup", {}).json()  # no email typed: recognised by the cookie
    assert recognised["exists"] is True and recognised["code_sent"] is True


def test_an_opt_in_mark_for_another_session_gives_no_known_cookie(
    server: LynkServer, client: stripe.StripeClient
) -> None:
    session, shopper = link_page(server, client)
    answer = shopper.pay(session.id, "4000000000003220", email=new_email(), save_link=True, phone=new_phone()).json()
    mark = shopper.http.cookies["lynk_opt_in"]
    stranger = httpx.Client(base_url=server.base_url, follow_redirects=False, timeout=30)
    stranger.cookies.set("lynk_opt_in", mark.replace(session.id, "cs_test_other"))
    complete_challenge(stranger, answer["redirect"])
    done = stranger.get(f"/c/pay/{session.id}/return")
    assert "lynk_known" not in done.cookies


@pytest.mark.parametrize("shape", ["({a}) {b}-{c}", "{a}-{b}-{c}"])
def test_the_opt_in_takes_a_national_number_with_its_country(
    server: LynkServer, client: stripe.StripeClient, shape: str
) -> None:
    phone = new_phone()  # +1 and ten digits
    national = shape.format(a=phone[2:5], b=phone[5:8], c=phone[8:])
    session, shopper = link_page(server, client)
    without_country = shopper.pay(session.id, email=new_email(), save_link=True, phone=national)
    assert without_country.status_code == 400 and without_country.json()["param"] == "phone"
    email = new_email()
    paid = shopper.pay(session.id, email=email, save_link=True, phone=national, country="US")
    assert paid.json()["outcome"] == "succeeded", paid.text
    other = make_merchant(server)
    at_other = link_session(sdk_client(server, other.secret_key))
    shopper.open(at_other.url or "")
    assert step(shopper, at_other.id, "lookup", {"email": email}).json()["code_sent"] is True
    assert messages(server, other, phone)  # the code went to the number in international form

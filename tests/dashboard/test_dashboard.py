"""The dashboard over HTTP (a browser without JavaScript): signing in with a password and TOTP, sessions that
rotate and end when idle, payments seen and refunded through the page, roles, and one merchant's users never
seeing another's payments."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import stripe
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.dashboard import roles
from lynk.dashboard.service import IDLE_SECONDS
from lynk.models import DashboardUser
from lynk.models.dashboard import ROLES
from tests.conftest import sdk_client
from tests.dashboard.support import BASE, PASSWORD, Dashboard, code_at, make_user
from tests.disputes.support import FRAUDULENT, dispute_of, pay_with_card
from tests.merchants.factories import MerchantKeys, make_merchant
from tests.servers import LynkServer
from tests.webhooks.support import receiver, run_worker


def pay(client: stripe.StripeClient, amount: int = 2500, **extra: Any) -> stripe.PaymentIntent:
    params: dict[str, Any] = {"amount": amount, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    params.update(extra)
    return client.v1.payment_intents.create(params=params)  # type: ignore[arg-type]


def test_sign_in_needs_the_password_and_a_code_and_rotates_the_session(
    server: LynkServer, merchant: MerchantKeys
) -> None:
    user = make_user(server, merchant.id)
    browser = Dashboard(server)
    assert browser.get(f"{BASE}/payments").headers["location"].startswith(f"{BASE}/login")
    wrong = browser.post(f"{BASE}/login", {"email": user.email, "password": "not the password"})
    assert wrong.status_code == 401 and "don&#39;t match" in wrong.text
    started = browser.post(f"{BASE}/login", {"email": user.email, "password": PASSWORD})
    first_secret = browser.http.cookies["lynk_dashboard"]
    assert started.headers["location"].startswith(f"{BASE}/login/code")
    assert browser.get(f"{BASE}/payments").status_code == 303  # the password alone opens nothing
    bad = browser.post(
        f"{BASE}/login/code", {"code": "000000" if code_at(server, user.totp_secret) != "000000" else "111111"}
    )
    assert bad.status_code == 401
    done = browser.post(f"{BASE}/login/code", {"code": code_at(server, user.totp_secret)})
    assert done.status_code == 303 and done.headers["location"] == f"{BASE}/payments"
    assert browser.http.cookies["lynk_dashboard"] != first_secret
    assert browser.get(f"{BASE}/payments").status_code == 200
    replayed = Dashboard(server)
    replayed.post(f"{BASE}/login", {"email": user.email, "password": PASSWORD})
    again = replayed.post(f"{BASE}/login/code", {"code": code_at(server, user.totp_secret)})
    assert again.status_code == 401  # a TOTP code is good once


def test_a_recovery_code_signs_in_once_and_an_idle_session_ends(server: LynkServer, merchant: MerchantKeys) -> None:
    user = make_user(server, merchant.id, "analyst")
    for attempt in (1, 2):
        browser = Dashboard(server)
        browser.post(f"{BASE}/login", {"email": user.email, "password": PASSWORD})
        answer = browser.post(f"{BASE}/login/code", {"code": user.recovery_codes[0]})
        assert answer.status_code == (303 if attempt == 1 else 401)
    browser = Dashboard(server)
    browser.sign_in(user)
    assert browser.get(f"{BASE}/payments").status_code == 200
    server.clock.advance(IDLE_SECONDS + 1)
    assert browser.get(f"{BASE}/payments").headers["location"].startswith(f"{BASE}/login")


def test_a_payment_made_through_the_api_is_listed_shown_and_partly_refunded_once(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    pi = pay(client, 2500)
    browser = Dashboard(server)
    browser.sign_in(make_user(server, merchant.id, "support"))
    listed = browser.get(f"{BASE}/payments")
    assert pi.id in listed.text and "25.00 USD" in listed.text and "Visa •••• 4242" in listed.text
    assert pi.id in browser.get(f"{BASE}/payments?last4=4242&status=succeeded&amount_min=20").text
    assert pi.id not in browser.get(f"{BASE}/payments?last4=0005").text
    assert pi.id not in browser.get(f"{BASE}/payments?amount_min=30").text
    assert browser.get(f"{BASE}/payments?q={pi.id}").headers["location"] == f"{BASE}/payments/{pi.id}"
    assert browser.get(f"{BASE}/payments?q={pi.latest_charge}").headers["location"] == f"{BASE}/payments/{pi.id}"
    assert pi.id in browser.get(f"{BASE}/payments?q=4242").text
    assert "Search by a payment" in browser.get(f"{BASE}/payments?q=hello").text
    page = browser.get(f"{BASE}/payments/{pi.id}")
    assert page.status_code == 200 and "Timeline" in page.text and "Refund amount" in page.text
    confirm = f"{BASE}/payments/{pi.id}/refund?amount=10.00"
    assert "Refund <strong>10.00 USD</strong>" in browser.get(confirm).text
    form = browser.form(confirm, f"{BASE}/payments/{pi.id}/refund")
    assert form["amount"] == "1000"
    first = browser.http.post(f"{BASE}/payments/{pi.id}/refund", data=form)
    second = browser.http.post(f"{BASE}/payments/{pi.id}/refund", data=form)  # a double submit
    assert first.status_code == second.status_code == 303
    refunds = client.v1.refunds.list(params={"payment_intent": pi.id}).data
    assert [r.amount for r in refunds] == [1000]
    shown = browser.get(first.headers["location"]).text
    assert "The refund is made." in shown and "Refund re_" in shown and "15.00" in shown
    assert "Booked txn_" in shown and "net -10.00 USD" in shown  # the ledger's side of the refund
    too_much = browser.get(f"{BASE}/payments/{pi.id}/refund?amount=20.00")
    assert too_much.status_code == 400 and "between 0 and 15.00 USD" in too_much.text


def test_an_analyst_sees_payments_but_cannot_refund(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    pi = pay(client)
    browser = Dashboard(server)
    browser.sign_in(make_user(server, merchant.id, "analyst"))
    assert "Refund amount" not in browser.get(f"{BASE}/payments/{pi.id}").text
    assert browser.get(f"{BASE}/payments/{pi.id}/refund?amount=1").status_code == 403
    key = browser.form(f"{BASE}/payments", f"{BASE}/logout")["csrf_token"]
    refused = browser.http.post(
        f"{BASE}/payments/{pi.id}/refund", data={"csrf_token": key, "action_key": "k" * 24, "amount": "100"}
    )
    assert refused.status_code == 403
    assert client.v1.refunds.list(params={"payment_intent": pi.id}).data == []


def test_a_user_of_one_merchant_never_sees_anothers_payment(server: LynkServer, client: stripe.StripeClient) -> None:
    theirs = pay(client)
    other = make_merchant(server)
    browser = Dashboard(server)
    browser.sign_in(make_user(server, other.id, "admin"))
    assert theirs.id not in browser.get(f"{BASE}/payments").text
    assert browser.get(f"{BASE}/payments/{theirs.id}").status_code == 404
    assert browser.get(f"{BASE}/payments/{theirs.id}/refund?amount=1").status_code == 404
    form = browser.form(f"{BASE}/payments", f"{BASE}/logout")
    capture = browser.http.post(f"{BASE}/payments/{theirs.id}/cancel", data={**form, "action_key": "x" * 24})
    assert capture.status_code == 404
    mine = pay(sdk_client(server, other.secret_key), 700)
    assert mine.id in browser.get(f"{BASE}/payments").text


def test_an_admin_rolls_a_key_and_a_support_user_cannot(server: LynkServer, merchant: MerchantKeys) -> None:
    support = Dashboard(server)
    support.sign_in(make_user(server, merchant.id, "support"))
    assert support.get(f"{BASE}/developers/keys").status_code == 403
    csrf = support.form(f"{BASE}/payments", f"{BASE}/logout")["csrf_token"]
    roll = f"{BASE}/developers/keys/{merchant.secret_key_id}/roll"
    refused = support.http.post(roll, data={"csrf_token": csrf, "action_key": "s" * 24, "expires": "now"})
    assert refused.status_code == 403
    assert sdk_client(server, merchant.secret_key).v1.customers.list().data is not None  # the key still works

    admin = Dashboard(server)
    admin.sign_in(make_user(server, merchant.id, "admin"))
    rolled = admin.post(roll, {"expires": "now"}, page=f"{BASE}/developers/keys")
    assert rolled.status_code == 200 and "shown only once" in rolled.text
    new_key = re.search(r'class="secret">(sk_test_[A-Za-z0-9]+)<', rolled.text)
    assert new_key is not None
    assert sdk_client(server, new_key.group(1)).v1.customers.list().data is not None
    try:
        sdk_client(server, merchant.secret_key).v1.customers.list()
        raise AssertionError("the rolled key still works")
    except stripe.AuthenticationError:
        pass
    assert new_key.group(1) not in admin.get(f"{BASE}/developers/keys").text  # shown once
    audit = admin.get(f"{BASE}/audit").text
    assert "rolled key" in audit and "signed in" in audit
    assert support.get(f"{BASE}/audit").status_code == 403

    keys_page = admin.get(f"{BASE}/developers/keys").text
    new_id = re.findall(r'<tr id="(key_[^"]+)">\s*<td>sk_test_', keys_page)[-1]
    later = admin.post(f"{BASE}/developers/keys/{new_id}/roll", {"expires": "1h"}, page=f"{BASE}/developers/keys")
    newest = re.search(r'class="secret">(sk_test_[A-Za-z0-9]+)<', later.text)
    assert newest is not None
    for key in (new_key.group(1), newest.group(1)):  # the rolled key works for an hour
        assert sdk_client(server, key).v1.customers.list().data is not None
    server.clock.advance(3601)
    assert sdk_client(server, newest.group(1)).v1.customers.list().data is not None
    try:
        sdk_client(server, new_key.group(1)).v1.customers.list()
        raise AssertionError("the rolled key works after its expiry")
    except stripe.AuthenticationError:
        pass


def test_an_uncaptured_payment_is_captured_and_another_canceled_from_its_page(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    held, dropped = pay(client, 1200, capture_method="manual"), pay(client, 1300, capture_method="manual")
    browser = Dashboard(server)
    browser.sign_in(make_user(server, merchant.id, "developer"))
    assert "Uncaptured" in browser.get(f"{BASE}/payments").text
    page = f"{BASE}/payments/{held.id}"
    captured = browser.post(f"{page}/capture", {}, page=page)
    assert captured.status_code == 303 and "The payment is captured." in browser.get(captured.headers["location"]).text
    assert client.v1.payment_intents.retrieve(held.id).status == "succeeded"
    page = f"{BASE}/payments/{dropped.id}"
    canceled = browser.post(f"{page}/cancel", {}, page=page)
    assert canceled.status_code == 303
    assert client.v1.payment_intents.retrieve(dropped.id).status == "canceled"


def test_the_docs_show_the_role_table_the_pages_enforce() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "dashboard.md").read_text()
    assert "| permission | " + " | ".join(ROLES) + " |" in docs
    for what, allowed in roles.table():
        assert "| " + what + " | " + " | ".join("yes" if a else "no" for a in allowed) + " |" in docs


def test_a_failing_endpoint_is_marked_and_a_delivery_resent(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    with receiver(respond=lambda n: 500 if n == 0 else 200) as hooks:
        endpoint = client.v1.webhook_endpoints.create(params={"url": hooks.url, "enabled_events": ["customer.created"]})
        hooks.secrets.append(endpoint.secret or "")
        client.v1.customers.create()
        event = client.v1.events.list().data[0]
        run_worker(server)
        assert hooks.ids() == []  # answered 500
        browser = Dashboard(server)
        browser.sign_in(make_user(server, merchant.id, "developer"))
        page = f"{BASE}/developers/webhooks"
        shown = browser.get(page).text
        assert hooks.url in shown and "Failing since" in shown and event.id in shown and ">500<" in shown
        resent = browser.post(f"{BASE}/developers/webhooks/{endpoint.id}/resend", {"event": event.id}, page=page)
        assert resent.status_code == 303
        run_worker(server)
        assert hooks.ids() == [event.id]
        assert "The event is queued for delivery again." in browser.get(resent.headers["location"]).text
        listed = browser.get(f"{BASE}/developers/events?type=customer.created").text
        assert event.id in listed
        assert event.id not in browser.get(f"{BASE}/developers/events?type=charge.succeeded").text
        shown = browser.get(f"{BASE}/developers/events/{event.id}").text
        assert "&#34;object&#34;: &#34;customer&#34;" in shown


def test_the_balance_shows_fees_and_exports_csv_for_an_analyst_only(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    pi = pay(client, 10000)
    analyst = Dashboard(server)
    analyst.sign_in(make_user(server, merchant.id, "analyst"))
    page = analyst.get(f"{BASE}/balance")
    assert page.status_code == 200 and "Pending" in page.text and "100.00 USD" in page.text
    exported = analyst.get(f"{BASE}/balance.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    lines = exported.text.strip().splitlines()
    assert lines[0] == "id,created,type,status,currency,amount,fee,net,available_on,source"
    (row,) = [line.split(",") for line in lines[1:]]
    charge = client.v1.charges.retrieve(str(pi.latest_charge))
    txn = client.v1.balance_transactions.retrieve(str(charge.balance_transaction))
    assert row[0] == txn.id and row[5] == "100.00" and row[6] == f"{txn.fee // 100}.{txn.fee % 100:02d}"
    support = Dashboard(server)
    support.sign_in(make_user(server, merchant.id, "support"))
    assert support.get(f"{BASE}/balance.csv").status_code == 403


def test_home_sums_the_periods_payments_and_charts_them(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    for amount in (1000, 2500):
        pay(client, amount)
    with pytest.raises(stripe.CardError):
        pay(client, 4000, payment_method="pm_card_chargeDeclined")
    browser = Dashboard(server)
    browser.sign_in(make_user(server, merchant.id, "analyst"))
    home = browser.get(f"{BASE}/home").text
    assert "35.00 USD" in home and "Gross volume by day (USD)" in home
    assert "Declined payments</dt><dd>1<" in home and "Disputes opened</dt><dd>0<" in home
    assert re.search(r"<title>\d\d \w{3}: 35.00</title>", home)  # today's bar
    assert "Link share of payments</dt><dd>0%" in home
    assert "Last 30 days" in browser.get(f"{BASE}/home?days=30").text


def test_dispute_evidence_is_saved_then_submitted_and_an_analyst_only_reads_it(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    dispute = dispute_of(client, pay_with_card(client, FRAUDULENT))
    support = Dashboard(server)
    support.sign_in(make_user(server, merchant.id, "support"))
    listed = support.get(f"{BASE}/disputes").text
    assert dispute.id in listed and "Needs response" in listed and "fraudulent" in listed
    page = f"{BASE}/disputes/{dispute.id}"
    action = f"{page}/evidence"
    saved = support.post(action, {"customer_name": "Jenny Rosen", "submit": "no"}, page=page)
    assert saved.status_code == 303 and "saved as a draft" in support.get(saved.headers["location"]).text
    assert client.v1.disputes.retrieve(dispute.id).evidence.customer_name == "Jenny Rosen"
    analyst = Dashboard(server)
    analyst.sign_in(make_user(server, merchant.id, "analyst"))
    assert "Jenny Rosen" in analyst.get(page).text and "Submit evidence" not in analyst.get(page).text
    sent = support.post(action, {"product_description": "A mug", "submit": "yes"}, page=page)
    assert sent.status_code == 303
    after = client.v1.disputes.retrieve(dispute.id)
    assert after.status == "under_review" and after.evidence.product_description == "A mug"
    assert after.evidence.customer_name == "Jenny Rosen"


def test_an_admin_invites_a_user_changes_its_role_and_removes_it(server: LynkServer, merchant: MerchantKeys) -> None:
    admin = Dashboard(server)
    admin.sign_in(make_user(server, merchant.id, "admin"))
    email = "new-developer@shop.example"
    invited = admin.post(f"{BASE}/users", {"email": email, "role": "developer"}, page=f"{BASE}/users")
    found = re.search(r'class="secret">https?://[^/]+(/dashboard/setup/[^<]+)<', invited.text)
    assert invited.status_code == 200 and found is not None
    newcomer = Dashboard(server)
    setup = found.group(1)
    form = newcomer.form(setup, setup)  # the page's TOTP key is in its form
    form.update(password=PASSWORD, code=code_at(server, form["totp_secret"]))
    done = newcomer.http.post(setup, data=form)
    assert done.status_code == 200 and "Your recovery codes" in done.text
    assert newcomer.get(f"{BASE}/developers/keys").status_code == 200
    users = admin.get(f"{BASE}/users").text
    user_id = re.search(rf'<tr id="(usr_[^"]+)"><td>{email}', users)
    assert user_id is not None
    changed = admin.post(f"{BASE}/users/{user_id.group(1)}/role", {"role": "support"}, page=f"{BASE}/users")
    assert changed.status_code == 303
    assert newcomer.get(f"{BASE}/developers/keys").status_code == 403
    removed = admin.post(f"{BASE}/users/{user_id.group(1)}/remove", {}, page=f"{BASE}/users")
    assert removed.status_code == 303
    assert newcomer.get(f"{BASE}/payments").headers["location"].startswith(f"{BASE}/login")
    assert "invited user" in admin.get(f"{BASE}/audit").text


def test_a_customers_page_shows_its_saved_methods_and_payments(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    customer = client.v1.customers.create(params={"email": "jenny@example.com", "name": "Jenny Rosen"})
    method = client.v1.payment_methods.attach("pm_card_mastercard", params={"customer": customer.id})
    pi = pay(client, 900, customer=customer.id, payment_method=method.id)
    browser = Dashboard(server)
    browser.sign_in(make_user(server, merchant.id, "support"))
    assert customer.id in browser.get(f"{BASE}/customers?email=jenny@example.com").text
    page = browser.get(f"{BASE}/customers/{customer.id}").text
    assert "Jenny Rosen" in page and "Mastercard •••• 4444" in page and pi.id in page and "9.00 USD" in page
    assert pi.id in browser.get(f"{BASE}/payments?email=jenny@example.com").text
    other = Dashboard(server)
    other.sign_in(make_user(server, make_merchant(server).id, "admin"))
    assert other.get(f"{BASE}/customers/{customer.id}").status_code == 404


def test_the_list_pages_by_cursor_keeping_its_filters(
    server: LynkServer, merchant: MerchantKeys, client: stripe.StripeClient
) -> None:
    made = [pay(client, 100 + i).id for i in range(27)]
    browser = Dashboard(server)
    browser.sign_in(make_user(server, merchant.id, "analyst"))
    first = browser.get(f"{BASE}/payments?status=succeeded").text
    link = re.search(r'<a href="([^"]+)">Next page</a>', first)
    assert link is not None and "status=succeeded" in link.group(1)
    second = browser.get(link.group(1).replace("&amp;", "&")).text
    seen = re.findall(r'<a href="/dashboard/payments/(pi_\w+)">', first) + re.findall(
        r'<a href="/dashboard/payments/(pi_\w+)">', second
    )
    assert seen == made[::-1] and "Next page" not in second


def test_the_totp_secret_is_stored_encrypted(server: LynkServer, merchant: MerchantKeys) -> None:
    user = make_user(server, merchant.id)

    async def stored(session: AsyncSession) -> str | None:
        row = await session.scalar(select(DashboardUser).where(DashboardUser.email == user.email))
        assert row is not None and row.password_hash is not None and row.password_hash.startswith("$argon2id$")
        return row.totp_secret

    sealed = server.write(stored)
    assert sealed is not None and user.totp_secret not in sealed
    Dashboard(server).sign_in(user)  # and it still signs in

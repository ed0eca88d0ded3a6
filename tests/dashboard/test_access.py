"""Who sees what, checked against the one role table (lynk/dashboard/roles.py): every section for every role
(allowed: shown and linked; not allowed: 403 and no link), and a user of merchant A reaching merchant B's objects
by URL: every page and every action on them is "Not found", and nothing of B changes."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.dashboard import roles
from lynk.models import DashboardUser
from lynk.models.dashboard import ROLES
from tests.conftest import sdk_client
from tests.dashboard.support import BASE, Dashboard, make_user
from tests.dashboard.test_dashboard import pay
from tests.disputes.support import FRAUDULENT, dispute_of, pay_with_card
from tests.merchants.factories import MerchantKeys, make_merchant
from tests.radar.support import ELEVATED
from tests.radar.support import pay as pay_with_number
from tests.servers import LynkServer
from tests.webhooks.support import receiver, run_worker

# Each section's page, the permission it needs, and whether the header links to it.
SECTIONS = [
    ("/home", "payments.read", True),
    ("/payments", "payments.read", True),
    ("/reviews", "payments.read", True),
    ("/customers", "payments.read", True),
    ("/disputes", "payments.read", True),
    ("/balance", "balance.read", True),
    ("/balance.csv", "balance.read", False),
    ("/developers/keys", "keys.read", True),
    ("/developers/webhooks", "webhooks.read", True),
    ("/developers/events", "webhooks.read", True),
    ("/audit", "audit.read", True),
    ("/users", "users.manage", True),
]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_only_the_sections_the_table_allows(
    server: LynkServer, merchant: MerchantKeys, role: str
) -> None:
    browser = Dashboard(server)
    browser.sign_in(make_user(server, merchant.id, role))
    header = browser.get(f"{BASE}/payments").text
    for path, permission, linked in SECTIONS:
        allowed = roles.allows(role, permission)
        answer = browser.get(BASE + path)
        assert answer.status_code == (200 if allowed else 403), (role, path)
        if not allowed:
            assert "Your role does not allow this" in answer.text
        if linked:
            assert (f'href="{BASE}{path}"' in header) == allowed, (role, path)


def test_a_user_of_one_merchant_reaches_none_of_anothers_objects_by_url(server: LynkServer) -> None:
    theirs = make_merchant(server)
    client = sdk_client(server, theirs.secret_key)
    customer = client.v1.customers.create(params={"email": "theirs@example.com"})
    paid = pay(client, 2100, customer=customer.id)
    held = pay(client, 2200, capture_method="manual")
    reviewed = pay_with_number(client, ELEVATED, amount=2300)
    review = client.v1.reviews.list().data[0]
    dispute = dispute_of(client, pay_with_card(client, FRAUDULENT))
    their_user = make_user(server, theirs.id, "support")
    with receiver(respond=lambda _n: 500) as hooks:
        endpoint = client.v1.webhook_endpoints.create(params={"url": hooks.url, "enabled_events": ["*"]})
        run_worker(server)
        event = client.v1.events.list(params={"limit": 1}).data[0]

        mine = make_merchant(server)
        browser = Dashboard(server)
        browser.sign_in(make_user(server, mine.id, "admin"))
        for path in [
            f"/payments/{paid.id}",
            f"/payments/{paid.id}/refund?amount=1",
            f"/customers/{customer.id}",
            f"/disputes/{dispute.id}",
            f"/developers/events/{event.id}",
            f"/developers/events?payment={paid.id}&after={event.id}",
        ]:
            answer = browser.get(BASE + path)
            assert answer.status_code == 404 and "Not found" in answer.text, path
        for path in ["/payments", "/reviews", "/customers", "/disputes", "/developers/webhooks", "/users", "/audit"]:
            shown = browser.get(BASE + path).text
            for their_id in (paid.id, reviewed.id, customer.id, dispute.id, endpoint.id, their_user.email, event.id):
                assert their_id not in shown, (path, their_id)
        assert _event_rows(browser.get(f"{BASE}/developers/events?payment={paid.id}").text) == []

        form = browser.form(f"{BASE}/payments", f"{BASE}/logout")
        for n, (path, data) in enumerate(
            [
                (f"/payments/{paid.id}/refund", {"amount": "1.00"}),
                (f"/payments/{held.id}/capture", {}),
                (f"/payments/{held.id}/cancel", {}),
                (f"/reviews/{review.id}/approve", {}),
                (f"/reviews/{review.id}/refund", {}),
                (f"/disputes/{dispute.id}/evidence", {"customer_name": "Mallory", "submit": "yes"}),
                (f"/developers/webhooks/{endpoint.id}/resend", {"event": event.id}),
                (f"/developers/keys/{theirs.secret_key_id}/roll", {"expires": "now"}),
                (f"/developers/keys/{theirs.secret_key_id}/revoke", {}),
                (f"/users/{_user_id(server, their_user.email)}/role", {"role": "admin"}),
                (f"/users/{_user_id(server, their_user.email)}/remove", {}),
            ]
        ):
            body = {**form, "action_key": f"cross-merchant-{n:04d}-key", **data}
            answer = browser.http.post(BASE + path, data=body)
            assert answer.status_code == 404 and "Not found" in answer.text, path
        requests_before = hooks.requests
        run_worker(server)
        assert hooks.requests == requests_before  # nothing was resent

    assert [r.amount for r in client.v1.refunds.list(params={"payment_intent": paid.id}).data] == []
    assert client.v1.payment_intents.retrieve(held.id).status == "requires_capture"
    assert client.v1.reviews.retrieve(review.id).open
    after = client.v1.disputes.retrieve(dispute.id)
    assert after.status == "needs_response" and after.evidence.customer_name is None
    assert client.v1.customers.list().data  # their key still works (neither rolled nor revoked)
    again = Dashboard(server)
    again.sign_in(their_user)  # still a support user of theirs, not removed
    assert again.get(f"{BASE}/users").status_code == 403


def _event_rows(html: str) -> list[str]:
    return re.findall(r'<tr id="(evt_\w+)">', html)


def _user_id(server: LynkServer, email: str) -> str:
    async def find(session: AsyncSession) -> str:
        found = await session.scalar(select(DashboardUser.id).where(DashboardUser.email == email))
        assert found is not None
        return str(found)

    return server.write(find)

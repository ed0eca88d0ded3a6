"""An opt-in held for a 3-D Secure challenge the shopper abandons is purged by the upkeep job."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from lynk.api import maintenance
from lynk.models import LinkHeldSignup
from tests.link.support import Browser, new_email, new_phone, pay_and_opt_in
from tests.merchants.factories import make_merchant
from tests.servers import LynkServer


def _held(server: LynkServer, payment_intent_id: str) -> bool:
    async def work(session: Any) -> bool:
        stmt = select(LinkHeldSignup).where(LinkHeldSignup.payment_intent_id == payment_intent_id)
        return (await session.scalars(stmt)).first() is not None

    return server.write(work)


def test_abandoned_challenge_opt_in_is_purged(server: LynkServer) -> None:
    shop = make_merchant(server)
    email = new_email()
    abandoned = pay_and_opt_in(server, shop, email, new_phone(), number="4000002760003184")
    assert abandoned["status"] == "requires_action"
    assert _held(server, abandoned["id"])

    server.clock.advance(server.settings.link_held_signup_seconds + 1)
    recent = pay_and_opt_in(server, shop, new_email(), new_phone(), number="4000002760003184")
    upkeep = server.call(lambda: maintenance.run_once(server.runtime))

    assert upkeep.purged_link_signups >= 1
    assert not _held(server, abandoned["id"])
    assert _held(server, recent["id"])  # a challenge still under way keeps its opt-in

    # The shopper comes back much later and completes the challenge: the payment goes through, unenrolled.
    url = abandoned["next_action"]["redirect_to_url"]["url"]
    secret = url.split("client_secret=")[1]
    httpx.post(f"{server.base_url}/3ds/{abandoned['id']}", data={"client_secret": secret, "outcome": "complete"})
    paid = httpx.get(f"{server.base_url}/v1/payment_intents/{abandoned['id']}", auth=(shop.secret_key, "")).json()
    assert paid["status"] == "succeeded"
    assert Browser(server, make_merchant(server)).lookup(email).json()["exists"] is False

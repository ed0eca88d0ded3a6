"""A block decided when the shopper comes back from 3-D Secure is applied (issue 16): the risk stage runs
again after the challenge, and a block rule that now matches refuses the payment before the processor."""

from __future__ import annotations

import httpx
import stripe

from tests.payments.test_challenge_binding import _challenged, _open_challenge
from tests.radar.test_rules_api import rule
from tests.servers import LynkServer


def test_a_block_rule_matching_after_the_challenge_refuses_the_payment(
    server: LynkServer, client: stripe.StripeClient
) -> None:
    pi = _challenged(client)  # 20.00, waiting on the challenge
    _shown, form = _open_challenge(pi)
    blocking = rule(client, "block", ":amount_in_usd: >= 20")  # the merchant's rule, set meanwhile
    assert httpx.post(f"{server.base_url}/3ds/{pi.id}", data=form, follow_redirects=False).status_code == 303

    after = client.v1.payment_intents.retrieve(pi.id)
    assert after.status == "requires_payment_method"
    assert after.last_payment_error is not None and after.last_payment_error.decline_code == "fraudulent"
    [charge] = client.v1.charges.list(params={"payment_intent": pi.id}).data
    assert charge.status == "failed"
    assert (charge.outcome.type, charge.outcome.network_status) == ("blocked", "not_sent_to_network")
    assert charge.outcome.rule == blocking.id


def test_without_a_block_the_challenge_still_pays(server: LynkServer, client: stripe.StripeClient) -> None:
    pi = _challenged(client)
    _shown, form = _open_challenge(pi)
    rule(client, "block", ":amount_in_usd: > 50")
    assert httpx.post(f"{server.base_url}/3ds/{pi.id}", data=form, follow_redirects=False).status_code == 303
    assert client.v1.payment_intents.retrieve(pi.id).status == "succeeded"

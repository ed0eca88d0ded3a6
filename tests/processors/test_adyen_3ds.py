"""3-D Secure at merchant A's Adyen account (the fake of Adyen's Checkout API), completed end to end over
HTTP as the browser does it: A's intent sends the shopper to Adyen's challenge page, the shopper answers
it, Adyen sends them back to A's return page (by GET, or by a POSTed form) with a `redirectResult`, and
A hands it to Adyen's `/payments/details`, writes Adyen's answer, and sends the shopper on to the
merchant's `return_url`. What the shopper brings back is never the outcome: Adyen's answer is."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.conftest import sdk_client
from tests.merchants.factories import MerchantKeys
from tests.processors.adyen_fake import FakeAdyen
from tests.processors.support import lynk_processor
from tests.processors.test_adyen import _audit, adyen_processor, fake
from tests.servers import LynkServer

__all__ = ["fake"]  # fixtures

SHOP = "https://shop.example/back?order=7"


def _challenge(fake: FakeAdyen, url: str, outcome: str) -> httpx.Response:
    """The shopper on Adyen's page: load it, press `outcome`; Adyen's answer sending them back."""
    page = httpx.get(url, timeout=30)
    assert page.status_code == 200, page.text
    pattern = r'<form method="post" action="([^"]+)"><input type="hidden" name="MD" value="([^"]+)">'
    form = re.search(pattern + rf'<button name="outcome" value="{outcome}">', page.text)
    assert form is not None, page.text
    return httpx.post(f"{fake.url}{form.group(1)}", data={"MD": form.group(2), "outcome": outcome}, timeout=30)


def _back(answer: httpx.Response) -> tuple[str, dict[str, str]]:
    """Where Adyen sends the shopper back, and the form it posts there (none for a GET)."""
    if answer.status_code == 302:
        return answer.headers["location"], {}
    assert answer.status_code == 200, answer.text
    form = r'<form method="post" action="([^"]+)"><input type="hidden" name="redirectResult" value="([^"]+)"'
    found = re.search(form, answer.text)
    assert found is not None, answer.text
    return found.group(1).replace("&amp;", "&"), {"redirectResult": found.group(2)}


def _return(url: str, form: dict[str, str]) -> httpx.Response:
    """The browser arriving at Lynk's return page, as Adyen sent it."""
    return httpx.post(url, data=form, timeout=30) if form else httpx.get(url, timeout=30)


@pytest.mark.parametrize(("outcome", "by_post"), [("complete", False), ("fail", False), ("complete", True)])
def test_3d_secure_completed_at_adyen_settles_the_intent(
    server: LynkServer, merchant: MerchantKeys, fake: FakeAdyen, outcome: str, by_post: bool, lynk_log: Path
) -> None:
    fake.return_by_post = by_post
    processor_id = adyen_processor(server, merchant, fake)
    client = sdk_client(server, merchant.secret_key)
    intent = client.v1.payment_intents.create(
        {
            "amount": 4200,
            "currency": "eur",
            "payment_method": "pm_card_threeDSecure2Required",
            "confirm": True,
            "return_url": SHOP,
        }
    )
    assert intent.status == "requires_action" and intent.next_action is not None
    psp = intent.next_action.redirect_to_url.url.split("MD=")[1]

    back_at_lynk, form = _back(_challenge(fake, intent.next_action.redirect_to_url.url, outcome))
    assert back_at_lynk.startswith(f"{server.base_url}/hooks/processors/{processor_id}/return?lynk_attempt=")
    assert ("redirectResult" in form) == by_post and ("redirectResult=" in back_at_lynk) != by_post
    to_shop = _return(back_at_lynk, form)
    assert to_shop.status_code == 303, to_shop.text
    shop = urlsplit(to_shop.headers["location"])
    query = parse_qs(shop.query)
    assert (shop.netloc, query["order"], query["payment_intent"]) == ("shop.example", ["7"], [intent.id])
    assert query["payment_intent_client_secret"] == [intent.client_secret]

    here = client.v1.payment_intents.retrieve(intent.id)
    if outcome == "complete":
        assert query["redirect_status"] == ["succeeded"]
        assert here.status == "succeeded" and fake.payments[psp].result == "Authorised"
        charge = client.v1.charges.retrieve(str(here.latest_charge))
        assert lynk_processor(charge) == {"id": processor_id, "reference": f"{psp}:EUR"}
        assert charge.amount_captured == 4200 and fake.payments[psp].captured == 4200
    else:
        assert query["redirect_status"] == ["failed"]
        assert here.status == "requires_payment_method" and fake.payments[psp].result == "Refused"
        error = here.last_payment_error
        assert error is not None and error.code == "payment_intent_authentication_failure"
        assert error.message is not None and "failed authentication" in error.message
        assert error.payment_method is not None and error.payment_method.id == here.payment_method
    # The shopper comes back again (a reload, a replayed form): nothing changes, nothing is asked of Adyen.
    sent = len(fake.bodies)
    assert _return(back_at_lynk, form).headers["location"] == to_shop.headers["location"]
    assert len(fake.bodies) == sent
    assert client.v1.payment_intents.retrieve(intent.id).status == here.status
    assert len(client.v1.charges.list({"payment_intent": intent.id}).data) == 1
    assert _audit(server) == []
    assert "4000000000003220" not in lynk_log.read_text()  # the 3-D Secure card is in no log


def test_a_forged_or_borrowed_redirect_result_settles_nothing(
    server: LynkServer, merchant: MerchantKeys, fake: FakeAdyen
) -> None:
    """The outcome is Adyen's answer about this attempt: a `redirectResult` Adyen does not know, or one
    of another payment's (which Adyen answers about that payment), leaves the intent waiting."""
    adyen_processor(server, merchant, fake)
    client = sdk_client(server, merchant.secret_key)
    params = {"amount": 4200, "currency": "eur", "payment_method": "pm_card_threeDSecure2Required", "confirm": True}
    mine = client.v1.payment_intents.create({**params, "return_url": SHOP})
    other = client.v1.payment_intents.create({**params, "return_url": SHOP})
    assert mine.next_action is not None and other.next_action is not None
    mine_back, _ = _back(_challenge(fake, mine.next_action.redirect_to_url.url, "fail"))
    other_back, _ = _back(_challenge(fake, other.next_action.redirect_to_url.url, "complete"))
    mine_url = mine_back.split("&redirectResult=")[0]
    borrowed = other_back.split("&redirectResult=")[1]
    for result in ("forged", borrowed):
        answer = httpx.get(f"{mine_url}&redirectResult={result}", timeout=30)
        assert answer.status_code == 303, answer.text
        assert client.v1.payment_intents.retrieve(mine.id).status == "requires_action"
    assert httpx.get(mine_url, timeout=30).status_code == 303  # no details at all: still waiting
    assert client.v1.payment_intents.retrieve(mine.id).status == "requires_action"
    # Its own return settles it, as Adyen answers (the shopper failed the challenge).
    assert httpx.get(mine_back, timeout=30).status_code == 303
    assert client.v1.payment_intents.retrieve(mine.id).status == "requires_payment_method"

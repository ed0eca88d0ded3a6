"""`/v1/radar/value_lists` and `/v1/radar/value_list_items` as Stripe's API, with the default lists."""

from __future__ import annotations

import pytest
import stripe

from tests.radar.support import ELEVATED, HIGHEST, declined_charge, fresh_card, pay
from tests.radar.test_rules_api import rule


def default_list(client: stripe.StripeClient, alias: str) -> stripe.radar.ValueList:
    [found] = client.v1.radar.value_lists.list(params={"alias": alias}).data
    return found


def test_every_merchant_has_the_default_lists(client: stripe.StripeClient) -> None:
    lists = client.v1.radar.value_lists.list(params={"limit": 100}).data
    aliases = {found.alias: found.item_type for found in lists}
    assert aliases["blocked_card_fingerprints"] == "card_fingerprint"
    assert aliases["allowed_emails"] == "email" and aliases["blocked_ip_addresses"] == "ip_address"
    blocked = default_list(client, "blocked_emails")
    assert blocked.object == "radar.value_list" and blocked.list_items.total_count == 0
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.radar.value_lists.delete(blocked.id)


def test_a_card_on_the_default_block_list_is_blocked(client: stripe.StripeClient) -> None:
    card = fresh_card()
    fingerprint = client.v1.charges.retrieve(pay(client, card).latest_charge).payment_method_details.card.fingerprint  # type: ignore[arg-type,union-attr]
    blocked = default_list(client, "blocked_card_fingerprints")
    item = client.v1.radar.value_list_items.create(params={"value_list": blocked.id, "value": fingerprint})
    assert item.object == "radar.value_list_item" and item.value_list == blocked.id
    charge = declined_charge(client, card)
    assert charge.outcome.type == "blocked" and charge.outcome.rule == "rule_block_if_in_block_lists"
    client.v1.radar.value_list_items.delete(item.id)
    assert pay(client, card).status == "succeeded"


def test_the_allow_list_lets_a_highest_risk_payment_through(client: stripe.StripeClient) -> None:
    allowed = default_list(client, "allowed_emails")
    client.v1.radar.value_list_items.create(params={"value_list": allowed.id, "value": "Trusted@Example.com"})
    pi = pay(client, HIGHEST, billing={"email": "trusted@example.com"})
    assert pi.status == "succeeded"
    assert client.v1.charges.retrieve(pi.latest_charge).outcome.rule == "rule_allow_if_in_allow_lists"  # type: ignore[arg-type]
    assert pay(client, ELEVATED, billing={"email": "trusted@example.com"}).status == "succeeded"


def test_custom_lists_in_rules(client: stripe.StripeClient) -> None:
    custom = client.v1.radar.value_lists.create(
        params={"alias": "risky_domains", "name": "Risky domains", "item_type": "string", "metadata": {"team": "risk"}}
    )
    assert custom.created_by == "API" and custom.metadata["team"] == "risk"
    client.v1.radar.value_list_items.create(params={"value_list": custom.id, "value": "fraud.example"})
    created = rule(client, "block", ":email_domain: IN @risky_domains")
    charge = declined_charge(client, fresh_card(), billing={"email": "mallory@fraud.example"})
    assert charge.outcome.rule == created.id
    items = client.v1.radar.value_list_items.list(params={"value_list": custom.id}).data
    assert [i.value for i in items] == ["fraud.example"]
    assert client.v1.radar.value_lists.retrieve(custom.id).list_items.total_count == 1
    assert [f.id for f in client.v1.radar.value_lists.list(params={"contains": "fraud.example"}).data] == [custom.id]
    with pytest.raises(stripe.InvalidRequestError) as in_use:
        client.v1.radar.value_lists.delete(custom.id)
    assert in_use.value.code == "value_list_in_use"
    client.raw_request("delete", f"/v1/radar/rules/{created.id}")
    assert client.v1.radar.value_lists.delete(custom.id).deleted is True


def test_a_rule_reads_its_own_list_not_one_whose_alias_starts_alike(client: stripe.StripeClient) -> None:
    # The stage fetches lists by a substring of the rules' text: `@shady` must not read `@shady_more`.
    lists = {
        alias: client.v1.radar.value_lists.create(params={"alias": alias, "name": alias, "item_type": "email"})
        for alias in ("shady", "shady_more")
    }
    client.v1.radar.value_list_items.create(params={"value_list": lists["shady_more"].id, "value": "eve@example.com"})
    created = rule(client, "block", ":email: IN @shady")
    assert pay(client, fresh_card(), billing={"email": "eve@example.com"}).status == "succeeded"
    client.v1.radar.value_list_items.create(params={"value_list": lists["shady"].id, "value": "Eve@Example.com"})
    charge = declined_charge(client, fresh_card(), billing={"email": "eve@example.com"})
    assert charge.outcome.type == "blocked" and charge.outcome.rule == created.id


def test_items_are_checked_against_the_list_type(client: stripe.StripeClient) -> None:
    ips = default_list(client, "blocked_ip_addresses")
    with pytest.raises(stripe.InvalidRequestError) as bad:
        client.v1.radar.value_list_items.create(params={"value_list": ips.id, "value": "not-an-ip"})
    assert bad.value.param == "value" and bad.value.http_status == 400
    client.v1.radar.value_list_items.create(params={"value_list": ips.id, "value": "203.0.113.9"})
    with pytest.raises(stripe.InvalidRequestError) as twice:
        client.v1.radar.value_list_items.create(params={"value_list": ips.id, "value": "203.0.113.9"})
    assert twice.value.param == "value"
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.radar.value_list_items.create(params={"value_list": "rsl_nope", "value": "203.0.113.9"})
    assert missing.value.http_status == 404 and missing.value.param == "value_list"
    with pytest.raises(stripe.InvalidRequestError) as taken:
        client.v1.radar.value_lists.create(params={"alias": "blocked_emails", "name": "Again", "item_type": "email"})
    assert taken.value.param == "alias"

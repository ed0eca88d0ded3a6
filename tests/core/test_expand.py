"""The expand machinery: ids replaced by objects, in sub-objects and inside lists."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from lynk.core.errors import InvalidRequestError
from lynk.wire.expand import Expander


async def _load_customer(call: Any, customer_id: str) -> dict[str, Any]:
    return {"id": customer_id, "object": "customer", "invoice_settings": {"default_payment_method": "pm_1"}}


async def _load_pm(call: Any, pm_id: str) -> dict[str, Any]:
    return {"id": pm_id, "object": "payment_method"}


def _expander() -> Expander:
    expander = Expander()
    expander.register("payment_intent", "customer", _load_customer)
    expander.register("customer", "invoice_settings.default_payment_method", _load_pm)
    return expander


def _run(obj: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    return asyncio.run(_expander().expand(None, obj, paths))  # type: ignore[arg-type]


def test_expand_field_and_nested_path() -> None:
    pi = {"id": "pi_1", "object": "payment_intent", "customer": "cus_1"}
    out = _run(pi, ["customer.invoice_settings.default_payment_method"])
    assert out["customer"]["id"] == "cus_1"
    assert out["customer"]["invoice_settings"]["default_payment_method"] == {"id": "pm_1", "object": "payment_method"}


def test_expand_inside_lists() -> None:
    listing = {
        "object": "list",
        "data": [
            {"id": "pi_1", "object": "payment_intent", "customer": "cus_1"},
            {"id": "pi_2", "object": "payment_intent", "customer": None},
        ],
    }
    out = _run(listing, ["data.customer"])
    assert out["data"][0]["customer"]["object"] == "customer"
    assert out["data"][1]["customer"] is None


def test_unexpandable_and_too_deep() -> None:
    with pytest.raises(InvalidRequestError) as error:
        _run({"id": "pi_1", "object": "payment_intent"}, ["amount"])
    assert error.value.param == "expand"
    with pytest.raises(InvalidRequestError, match="levels"):
        _run({"id": "pi_1", "object": "payment_intent"}, ["customer.a.b.c.d"])

"""Request parameters of Radar: early fraud warnings, rules, value lists and their items, reviews."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from lynk.wire.lists import CreatedParam, ListParams
from lynk.wire.params import Metadata, Params

Id = Annotated[str, Field(min_length=1, max_length=255)]


class ListEarlyFraudWarnings(ListParams):
    charge: Id | None = None
    payment_intent: Id | None = None
    created: CreatedParam | None = None


class RuleFields(Params):
    action: Literal["request_credentials", "allow", "block", "review"]
    predicate: Annotated[str, Field(min_length=1, max_length=2000)]


class CreateValueList(Params):
    alias: Annotated[str, Field(min_length=1, max_length=100)]
    name: Annotated[str, Field(min_length=1, max_length=100)]
    item_type: Literal[
        "card_bin",
        "card_fingerprint",
        "case_sensitive_string",
        "country",
        "customer_id",
        "email",
        "ip_address",
        "sepa_debit_fingerprint",
        "string",
        "us_bank_account_fingerprint",
    ] = "string"
    metadata: Metadata | None = None


class UpdateValueList(Params):
    alias: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    metadata: Metadata | None = None


class ListValueLists(ListParams):
    alias: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    contains: Annotated[str, Field(min_length=1, max_length=800)] | None = None
    created: CreatedParam | None = None


class CreateValueListItem(Params):
    value: Annotated[str, Field(min_length=1, max_length=800)]
    value_list: Id


class ListValueListItems(ListParams):
    value_list: Id
    value: Annotated[str, Field(min_length=1, max_length=800)] | None = None
    created: CreatedParam | None = None


class ListReviews(ListParams):
    created: CreatedParam | None = None

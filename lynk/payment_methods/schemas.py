"""Request parameters and the response shape of PaymentMethods."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from lynk.customers.schemas import AddressParams
from lynk.payment_methods.bank_accounts import BankAccountInput
from lynk.payment_methods.service import CardInput
from lynk.wire.lists import ListParams
from lynk.wire.params import FormInt, Metadata, NestedParams, Params, ShortText, Unsettable

Redisplay = Literal["always", "limited", "unspecified"]


class BillingDetailsParams(NestedParams):
    address: Unsettable[AddressParams] = None
    email: Unsettable[Annotated[str, Field(max_length=512)]] = None
    name: Unsettable[ShortText] = None
    phone: Unsettable[Annotated[str, Field(max_length=64)]] = None

    def given(self) -> dict[str, Any]:
        return self.model_dump(include=self.model_fields_set)


class CardParams(NestedParams):
    number: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    exp_month: FormInt | None = None
    exp_year: FormInt | None = None
    cvc: Annotated[str, Field(min_length=1, max_length=8)] | None = None
    token: Annotated[str, Field(min_length=1, max_length=100)] | None = None

    def to_input(self) -> CardInput:
        return CardInput(self.number, self.exp_month, self.exp_year, self.cvc, self.token)


class UsBankAccountParams(NestedParams):
    routing_number: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    account_number: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    account_holder_type: Literal["individual", "company"] | None = None
    account_type: Literal["checking", "savings"] | None = None

    def to_input(self) -> BankAccountInput:
        return BankAccountInput(self.routing_number, self.account_number, self.account_holder_type, self.account_type)


class CardUpdateParams(NestedParams):
    exp_month: FormInt | None = None
    exp_year: FormInt | None = None


PaymentMethodType = Literal["card", "us_bank_account"]
# `link` methods are made by paying with Link, never created directly, but they are listed.
ListedPaymentMethodType = Literal["card", "us_bank_account", "link"]


class CreatePaymentMethod(Params):
    type: PaymentMethodType
    card: CardParams | None = None
    us_bank_account: UsBankAccountParams | None = None
    billing_details: BillingDetailsParams | None = None
    metadata: Metadata | None = None
    allow_redisplay: Redisplay = "unspecified"


class UpdatePaymentMethod(Params):
    billing_details: BillingDetailsParams | None = None
    card: CardUpdateParams | None = None
    metadata: Metadata | None = None
    allow_redisplay: Redisplay | None = None


class ListPaymentMethods(ListParams):
    customer: Annotated[str, Field(max_length=255)] | None = None
    type: ListedPaymentMethodType | None = None


class ListCustomerPaymentMethods(ListParams):
    type: ListedPaymentMethodType | None = None


class AttachPaymentMethod(Params):
    customer: Annotated[str, Field(min_length=1, max_length=255)]

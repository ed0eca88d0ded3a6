"""Request parameters of the consumer endpoints under /v1/link and the Link test helper."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from lynk.customers.schemas import AddressParams
from lynk.payment_methods.schemas import BillingDetailsParams, CardParams, UsBankAccountParams
from lynk.wire.params import FormInt, NestedParams, Params, ShortText

Secret = Annotated[str, Field(min_length=1, max_length=200)]
Email = Annotated[str, Field(min_length=1, max_length=320)]
Phone = Annotated[str, Field(min_length=1, max_length=32)]
Country = Annotated[str, Field(min_length=2, max_length=2)]
Name = Annotated[str, Field(max_length=200)]


class SessionParams(Params):
    """Every wallet call carries the verified session's secret (and the browser its cookie)."""

    consumer_session_client_secret: Secret | None = None


class LookupConsumer(Params):
    email_address: Email


class SignUpConsumer(Params):
    email_address: Email
    phone_number: Phone
    legal_name: Name | None = None
    country: Country | None = None


class StartVerification(SessionParams):
    type: Literal["sms", "email"] | None = None


class ConfirmVerification(SessionParams):
    code: Annotated[str, Field(min_length=1, max_length=12)]
    remember_me: bool = False


class MetricsParams(Params):
    since: Annotated[FormInt, Field(ge=0, le=2**53)] | None = None
    until: Annotated[FormInt, Field(ge=0, le=2**53)] | None = None


class AddPaymentDetail(SessionParams):
    type: Literal["card", "us_bank_account"] = "card"
    card: CardParams | None = None
    us_bank_account: UsBankAccountParams | None = None
    billing_details: BillingDetailsParams | None = None
    nickname: Annotated[str, Field(max_length=100)] | None = None
    is_default: bool = False


class CardExpiry(NestedParams):
    exp_month: FormInt | None = None
    exp_year: FormInt | None = None


class UpdatePaymentDetail(SessionParams):
    card: CardExpiry | None = None
    billing_details: BillingDetailsParams | None = None
    nickname: Annotated[str, Field(max_length=100)] | None = None
    is_default: bool | None = None


class ShippingAddressParams(SessionParams):
    name: Name | None = None
    phone: Phone | None = None
    address: AddressParams | None = None
    is_default: bool | None = None


class ListMessages(Params):
    to: Annotated[str, Field(min_length=1, max_length=320)]
    limit: Annotated[FormInt, Field(ge=1, le=100)] = 10


class LinkPaymentData(NestedParams):
    """`payment_method_data[link][…]` on a PaymentIntent confirm."""

    consumer_session_client_secret: Secret | None = None
    payment_detail: ShortText | None = None


class LinkSignupParams(NestedParams):
    """`link_signup[…]`: save this card to a new Link account when the payment succeeds."""

    email: Email
    phone: Phone | None = None
    name: Name | None = None
    country: Country | None = None

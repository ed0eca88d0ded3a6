"""Request parameters of PaymentIntents and Charges."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from lynk.core.errors import ParameterMissing
from lynk.link.schemas import LinkPaymentData, LinkSignupParams
from lynk.payment_methods.schemas import BillingDetailsParams, CardParams, UsBankAccountParams
from lynk.payment_methods.service import CardData
from lynk.wire.lists import CreatedParam, ListParams
from lynk.wire.params import FormInt, FormList, Metadata, NestedParams, Params, RedirectUrl, ShortText, Unsettable

Amount = Annotated[FormInt, Field(ge=1, le=99_999_999)]
Currency = Annotated[str, Field(min_length=3, max_length=3)]
Id = Annotated[str, Field(min_length=1, max_length=255)]
MethodTypes = Annotated[FormList[Literal["card", "link", "us_bank_account"]], Field(min_length=1, max_length=5)]


class PaymentMethodData(NestedParams):
    type: Literal["card", "us_bank_account", "link"]
    card: CardParams | None = None
    us_bank_account: UsBankAccountParams | None = None
    billing_details: BillingDetailsParams | None = None
    link: LinkPaymentData | None = None

    def card_data(self) -> CardData:
        """A card with its billing details (`type=card`)."""
        if self.card is None:
            raise ParameterMissing("payment_method_data[card]")
        return CardData(self.card.to_input(), self.billing_details.given() if self.billing_details else None)


class OnlineAcceptance(NestedParams):
    ip_address: ShortText | None = None
    user_agent: ShortText | None = None


class CustomerAcceptance(NestedParams):
    type: Literal["online", "offline"]
    accepted_at: FormInt | None = None
    online: OnlineAcceptance | None = None


class MandateData(NestedParams):
    customer_acceptance: CustomerAcceptance


class AutomaticPaymentMethods(NestedParams):
    enabled: bool
    allow_redirects: Literal["always", "never"] | None = None


# "" unsets an option; `none` switches setup_future_usage off for that type only.
class CardIntentOptions(NestedParams):
    request_three_d_secure: Literal["any", "automatic", "challenge"] | None = None
    setup_future_usage: Literal["", "none", "off_session", "on_session"] | None = None
    capture_method: Literal["", "manual"] | None = None
    request_incremental_authorization: Literal["if_available", "never"] | None = None


class LinkIntentOptions(NestedParams):
    setup_future_usage: Literal["", "none", "off_session"] | None = None
    capture_method: Literal["", "manual"] | None = None


class BankIntentOptions(NestedParams):
    setup_future_usage: Literal["", "none", "off_session", "on_session"] | None = None
    verification_method: Literal["automatic", "instant", "microdeposits"] | None = None


class IntentMethodOptions(NestedParams):
    card: CardIntentOptions | None = None
    link: LinkIntentOptions | None = None
    us_bank_account: BankIntentOptions | None = None

    def given(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class ShippingAddress(NestedParams):
    line1: ShortText
    city: ShortText | None = None
    country: Annotated[str, Field(max_length=2)] | None = None
    line2: ShortText | None = None
    postal_code: ShortText | None = None
    state: ShortText | None = None


class ShippingParams(NestedParams):
    address: ShippingAddress
    name: Annotated[str, Field(min_length=1, max_length=500)]
    carrier: ShortText | None = None
    phone: ShortText | None = None
    tracking_number: ShortText | None = None

    def rendered(self) -> dict[str, Any]:
        """As Stripe shows it: every key present, absent ones null."""
        return {
            "address": self.address.model_dump(),
            "carrier": self.carrier,
            "name": self.name,
            "phone": self.phone,
            "tracking_number": self.tracking_number,
        }


class RadarOptions(NestedParams):
    session: ShortText | None = None


Descriptor = Annotated[str, Field(max_length=22)]


class ConfirmFields(Params):
    payment_method: Id | None = None
    payment_method_data: PaymentMethodData | None = None
    return_url: RedirectUrl | None = None
    # `true`, or Stripe's kinds of merchant-initiated payment (`one_off`, `recurring`), which mean the same here.
    off_session: bool | Literal["one_off", "recurring"] | None = None
    setup_future_usage: Unsettable[Literal["on_session", "off_session"]] = None
    mandate_data: MandateData | None = None
    link_signup: LinkSignupParams | None = None
    payment_method_options: IntentMethodOptions | None = None
    shipping: Unsettable[ShippingParams] = None
    receipt_email: Unsettable[Annotated[str, Field(max_length=512)]] = None
    error_on_requires_action: bool = False
    use_stripe_sdk: bool | None = None  # accepted as Stripe.js sends it; the next action is always a redirect
    mandate: Id | None = None
    radar_options: RadarOptions | None = None  # accepted; Lynk's risk stage needs no client-side session


class CreatePaymentIntent(ConfirmFields):
    amount: Amount
    currency: Currency
    customer: Id | None = None
    payment_method_types: MethodTypes | None = None
    automatic_payment_methods: AutomaticPaymentMethods | None = None
    capture_method: Literal["automatic", "automatic_async", "manual"] = "automatic"
    confirmation_method: Literal["automatic", "manual"] = "automatic"
    confirm: bool = False
    description: Unsettable[Annotated[str, Field(max_length=1000)]] = None
    statement_descriptor: Unsettable[Descriptor] = None
    statement_descriptor_suffix: Unsettable[Descriptor] = None
    metadata: Metadata | None = None


class UpdatePaymentIntent(Params):
    amount: Amount | None = None
    currency: Currency | None = None
    customer: Id | None = None
    payment_method: Id | None = None
    payment_method_data: PaymentMethodData | None = None
    payment_method_types: MethodTypes | None = None
    payment_method_options: IntentMethodOptions | None = None
    capture_method: Literal["automatic", "automatic_async", "manual"] | None = None
    setup_future_usage: Unsettable[Literal["on_session", "off_session"]] = None
    shipping: Unsettable[ShippingParams] = None
    statement_descriptor: Unsettable[Descriptor] = None
    statement_descriptor_suffix: Unsettable[Descriptor] = None
    description: Unsettable[Annotated[str, Field(max_length=1000)]] = None
    receipt_email: Unsettable[Annotated[str, Field(max_length=512)]] = None
    metadata: Metadata | None = None


class ConfirmPaymentIntent(ConfirmFields):
    client_secret: ShortText | None = None


class RetrievePaymentIntent(Params):
    client_secret: ShortText | None = None


class CapturePaymentIntent(Params):
    amount_to_capture: Amount | None = None
    metadata: Metadata | None = None
    statement_descriptor: Descriptor | None = None
    statement_descriptor_suffix: Descriptor | None = None


class IncrementAuthorization(Params):
    amount: Amount
    description: Annotated[str, Field(max_length=1000)] | None = None
    metadata: Metadata | None = None
    statement_descriptor: Descriptor | None = None


class CancelPaymentIntent(Params):
    cancellation_reason: Literal["duplicate", "fraudulent", "requested_by_customer", "abandoned"] | None = None


class ListPaymentIntents(ListParams):
    customer: Id | None = None
    created: CreatedParam | None = None


class ListCharges(ListParams):
    customer: Id | None = None
    payment_intent: Id | None = None
    created: CreatedParam | None = None


class CreateRefund(Params):
    charge: Id | None = None
    payment_intent: Id | None = None
    amount: Amount | None = None
    reason: Literal["duplicate", "fraudulent", "requested_by_customer"] | None = None
    metadata: Metadata | None = None


class UpdateRefund(Params):
    metadata: Metadata | None = None


class ListRefunds(ListParams):
    charge: Id | None = None
    payment_intent: Id | None = None
    created: CreatedParam | None = None


class CreateCharge(Params):
    amount: Amount
    currency: Currency
    source: Id | None = None  # a PaymentMethod (`pm_…`) or a test token (`tok_visa`)
    customer: Id | None = None
    capture: bool = True
    description: Annotated[str, Field(max_length=1000)] | None = None
    metadata: Metadata | None = None
    receipt_email: Annotated[str, Field(max_length=512)] | None = None
    shipping: ShippingParams | None = None
    statement_descriptor: Descriptor | None = None
    statement_descriptor_suffix: Descriptor | None = None


class FraudDetails(NestedParams):
    user_report: Literal["", "fraudulent", "safe"]


class UpdateCharge(Params):
    description: Unsettable[Annotated[str, Field(max_length=1000)]] = None
    metadata: Metadata | None = None
    receipt_email: Unsettable[Annotated[str, Field(max_length=512)]] = None
    shipping: Unsettable[ShippingParams] = None
    fraud_details: FraudDetails | None = None


class CaptureCharge(Params):
    amount: Amount | None = None
    receipt_email: Annotated[str, Field(max_length=512)] | None = None
    statement_descriptor: Descriptor | None = None
    statement_descriptor_suffix: Descriptor | None = None


class CreateChargeRefund(Params):
    amount: Amount | None = None
    reason: Literal["duplicate", "fraudulent", "requested_by_customer"] | None = None
    metadata: Metadata | None = None


class ListChargeRefunds(ListParams):
    pass

"""Request parameters of /v1/checkout/sessions."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from lynk.wire.lists import CreatedParam, ListParams
from lynk.wire.params import FormInt, FormList, Metadata, NestedParams, Params, RedirectUrl, Timestamp, Unsettable

Id = Annotated[str, Field(min_length=1, max_length=255)]
Currency = Annotated[str, Field(min_length=3, max_length=3)]


class ProductData(NestedParams):
    name: Annotated[str, Field(min_length=1, max_length=250)]
    description: Annotated[str, Field(max_length=1000)] | None = None


class PriceData(NestedParams):
    currency: Currency
    unit_amount: Annotated[FormInt, Field(ge=0, le=99_999_999)]
    product_data: ProductData


class LineItemParams(NestedParams):
    price_data: PriceData | None = None
    price: Id | None = None
    quantity: Annotated[FormInt, Field(ge=1, le=999_999)] = 1


class PaymentIntentData(NestedParams):
    capture_method: Literal["automatic", "automatic_async", "manual"] = "automatic"
    description: Annotated[str, Field(max_length=1000)] | None = None
    metadata: Metadata | None = None
    receipt_email: Annotated[str, Field(max_length=512)] | None = None
    statement_descriptor: Annotated[str, Field(max_length=22)] | None = None


class ShippingAddressCollection(NestedParams):
    allowed_countries: Annotated[FormList[Annotated[str, Field(min_length=2, max_length=2)]], Field(min_length=1)]


class PhoneNumberCollection(NestedParams):
    enabled: bool


class CustomerUpdate(NestedParams):
    address: Literal["auto", "never"] | None = None
    name: Literal["auto", "never"] | None = None
    shipping: Literal["auto", "never"] | None = None


class CustomTextMessage(NestedParams):
    message: Annotated[str, Field(min_length=1, max_length=1200)]


class CustomText(NestedParams):
    after_submit: Unsettable[CustomTextMessage] = None
    shipping_address: Unsettable[CustomTextMessage] = None
    submit: Unsettable[CustomTextMessage] = None
    terms_of_service_acceptance: Unsettable[CustomTextMessage] = None


class CardSessionOptions(NestedParams):
    setup_future_usage: Literal["off_session", "on_session"] | None = None
    request_three_d_secure: Literal["any", "automatic", "challenge"] | None = None


class SessionMethodOptions(NestedParams):
    card: CardSessionOptions | None = None


class SetupIntentData(NestedParams):
    description: Annotated[str, Field(max_length=1000)] | None = None
    metadata: Metadata | None = None


class Recovery(NestedParams):
    enabled: bool
    allow_promotion_codes: bool | None = None


class AfterExpiration(NestedParams):
    recovery: Recovery | None = None


class ConsentCollection(NestedParams):
    terms_of_service: Literal["none", "required"] | None = None
    promotions: Literal["auto", "none"] | None = None


class CreateCheckoutSession(Params):
    mode: Literal["payment", "setup", "subscription"]
    currency: Currency | None = None
    line_items: Annotated[FormList[LineItemParams], Field(max_length=100)] | None = None
    success_url: RedirectUrl | None = None
    cancel_url: RedirectUrl | None = None
    client_reference_id: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    customer: Id | None = None
    customer_email: Annotated[str, Field(min_length=3, max_length=512)] | None = None
    payment_method_types: Annotated[FormList[Literal["card", "link"]], Field(min_length=1, max_length=5)] | None = None
    payment_intent_data: PaymentIntentData | None = None
    metadata: Metadata | None = None
    expires_at: Timestamp | None = None
    # Both spellings: Stripe's newer API versions say hosted_page, embedded_page and elements (customisation.KINDS).
    ui_mode: Literal["hosted", "embedded", "custom", "hosted_page", "embedded_page", "elements"] = "hosted"
    return_url: RedirectUrl | None = None
    redirect_on_completion: Literal["always", "if_required", "never"] | None = None
    billing_address_collection: Literal["auto", "required"] | None = None
    shipping_address_collection: ShippingAddressCollection | None = None
    phone_number_collection: PhoneNumberCollection | None = None
    customer_creation: Literal["always", "if_required"] | None = None
    customer_update: CustomerUpdate | None = None
    submit_type: Literal["auto", "book", "donate", "pay"] | None = None
    locale: Annotated[str, Field(min_length=2, max_length=5, pattern=r"^(auto|[a-z]{2}(-[A-Z]{2})?)$")] | None = None
    custom_text: CustomText | None = None
    payment_method_options: SessionMethodOptions | None = None
    setup_intent_data: SetupIntentData | None = None
    after_expiration: AfterExpiration | None = None
    consent_collection: ConsentCollection | None = None

    def options(self) -> dict[str, Any]:
        """The page's customisations, as given (none of them holds metadata)."""
        names = [
            "redirect_on_completion",
            "billing_address_collection",
            "shipping_address_collection",
            "phone_number_collection",
            "customer_creation",
            "customer_update",
            "submit_type",
            "locale",
            "custom_text",
            "payment_method_options",
            "after_expiration",
            "consent_collection",
        ]
        return {name: _plain(getattr(self, name)) for name in names if getattr(self, name) is not None}


def _plain(value: Any) -> Any:
    return value.model_dump(exclude_none=True) if isinstance(value, NestedParams) else value


class RetrieveCheckoutSession(Params):
    pass


class ExpireCheckoutSession(Params):
    pass


class ListCheckoutSessions(ListParams):
    payment_intent: Id | None = None
    customer: Id | None = None
    status: Literal["open", "complete", "expired"] | None = None
    created: CreatedParam | None = None


class ListLineItems(ListParams):
    pass

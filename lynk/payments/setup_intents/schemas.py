"""Request parameters of SetupIntents, SetupAttempts and mandates."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from lynk.core.errors import ParameterMissing
from lynk.payments.schemas import Id, PaymentMethodData
from lynk.wire.lists import CreatedParam, ListParams
from lynk.wire.params import FormList, Metadata, NestedParams, Params, RedirectUrl, ShortText, Timestamp, Unsettable

MethodTypes = Annotated[FormList[Literal["card", "link"]], Field(min_length=1, max_length=5)]
Usage = Literal["on_session", "off_session"]


class OnlineAcceptance(NestedParams):
    ip_address: Annotated[str, Field(min_length=1, max_length=64)]
    user_agent: Annotated[str, Field(min_length=1, max_length=1000)]


class OfflineAcceptance(NestedParams):
    pass


class CustomerAcceptance(NestedParams):
    type: Literal["online", "offline"]
    accepted_at: Timestamp | None = None
    online: OnlineAcceptance | None = None
    offline: Unsettable[OfflineAcceptance] = None


class MandateData(NestedParams):
    customer_acceptance: CustomerAcceptance

    def acceptance(self, now: int) -> dict[str, Any]:
        given = self.customer_acceptance
        if given.type == "online" and given.online is None:
            raise ParameterMissing("mandate_data[customer_acceptance][online]")
        return {
            "accepted_at": given.accepted_at if given.accepted_at is not None else now,
            "offline": {} if given.type == "offline" else None,
            "online": given.online.model_dump() if given.type == "online" and given.online else None,
            "type": given.type,
        }


class CardOptions(NestedParams):
    request_three_d_secure: Literal["any", "automatic", "challenge"] | None = None


class PaymentMethodOptions(NestedParams):
    card: CardOptions | None = None

    def given(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class SetupConfirmFields(Params):
    payment_method: Id | None = None
    payment_method_options: PaymentMethodOptions | None = None
    payment_method_data: PaymentMethodData | None = None
    return_url: RedirectUrl | None = None
    mandate_data: MandateData | None = None
    use_stripe_sdk: bool | None = None  # accepted as Stripe.js sends it; the next action is always a redirect


class CreateSetupIntent(SetupConfirmFields):
    confirm: bool = False
    customer: Id | None = None
    description: Unsettable[Annotated[str, Field(max_length=1000)]] = None
    metadata: Metadata | None = None
    payment_method_types: MethodTypes = ["card"]
    usage: Usage = "off_session"


class UpdateSetupIntent(Params):
    customer: Id | None = None
    payment_method_options: PaymentMethodOptions | None = None
    description: Annotated[str, Field(max_length=1000)] | None = None
    metadata: Metadata | None = None
    payment_method: Id | None = None
    payment_method_types: MethodTypes | None = None


class ConfirmSetupIntent(SetupConfirmFields):
    client_secret: ShortText | None = None


class RetrieveSetupIntent(Params):
    client_secret: ShortText | None = None


class CancelSetupIntent(Params):
    cancellation_reason: Literal["abandoned", "requested_by_customer", "duplicate"] | None = None


class ListSetupIntents(ListParams):
    customer: Id | None = None
    payment_method: Id | None = None
    created: CreatedParam | None = None


class ListSetupAttempts(ListParams):
    setup_intent: Id
    created: CreatedParam | None = None

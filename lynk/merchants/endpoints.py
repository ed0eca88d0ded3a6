"""HTTP handlers for /v1/account: the merchant's own account, where her branding is set.

Like Stripe's `POST /v1/account` with `settings[branding][primary_color|icon|logo]`, except that
`icon` and `logo` are an https URL or a data URL (Lynk has no Files API), checked by merchants/branding.py.
An empty value clears one.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict, Field

from lynk.merchants import service
from lynk.merchants.branding import MAX_DATA_URL_LENGTH
from lynk.models import Merchant
from lynk.wire.params import NestedParams, NoParams, Params, Unsettable
from lynk.wire.routing import ApiCall, StripeRouter

routes = StripeRouter(tags=["Account"])

Image = Annotated[str, Field(max_length=MAX_DATA_URL_LENGTH)]


class BrandingParams(NestedParams):
    model_config = ConfigDict(str_max_length=MAX_DATA_URL_LENGTH)

    primary_color: Unsettable[Annotated[str, Field(max_length=7)]] = None
    icon: Unsettable[Image] = None
    logo: Unsettable[Image] = None


class SettingsParams(NestedParams):
    branding: BrandingParams | None = None


class UpdateAccount(Params):
    settings: SettingsParams | None = None


def account_object(merchant: Merchant) -> dict[str, Any]:
    return {
        "id": merchant.id,
        "object": "account",
        "business_profile": {"name": merchant.name},
        "created": merchant.created,
        "settings": {
            "branding": {
                "icon": merchant.brand_icon,
                "logo": merchant.brand_logo,
                "primary_color": merchant.brand_color,
                "secondary_color": None,
            }
        },
    }


@routes.get("/v1/account", params=NoParams, summary="Retrieve your account")
async def retrieve_account(call: ApiCall, params: NoParams) -> dict[str, Any]:
    return account_object(await service.get_merchant(call.session, call.scope.merchant_id))


@routes.post("/v1/account", params=UpdateAccount, summary="Update your account's branding")
async def update_account(call: ApiCall, params: UpdateAccount) -> dict[str, Any]:
    branding = params.settings.branding if params.settings else None
    changes = branding.model_dump(include=branding.model_fields_set) if branding else {}
    return account_object(await service.update_branding(call.session, call.scope.merchant_id, changes))

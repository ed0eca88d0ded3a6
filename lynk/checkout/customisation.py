"""A Checkout Session's `ui_mode` and the page's customisations: what may be combined, and how the
session shows them (`billing_address_collection`, `phone_number_collection`, `submit_type`, …).

`ui_mode` is kept as the integration spelled it: Stripe's newer API versions renamed `hosted`, `embedded` and
`custom` to `hosted_page`, `embedded_page` and `elements`, and Lynk serves one API shape whatever the
`Stripe-Version`, so both spellings are taken and the session answers with the one it was given (`kind`
tells what either means).

The options are kept as given, in one JSON document; the hosted page reads them from here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lynk.core.errors import InvalidRequestError, ParameterMissing
from lynk.models import CheckoutSession, CheckoutSessionStatus

EMPTY_CUSTOM_TEXT = {
    "after_submit": None,
    "shipping_address": None,
    "submit": None,
    "terms_of_service_acceptance": None,
}


# What each spelling of `ui_mode` is: Lynk's hosted page, that page in the merchant's frame, or Checkout
# Elements (the merchant's own page with the payment element, `lynk.initCheckout`).
KINDS = {
    "hosted": "hosted",
    "hosted_page": "hosted",
    "embedded": "embedded",
    "embedded_page": "embedded",
    "custom": "custom",
    "elements": "custom",
}
# Options whose fields the custom flow would have to collect on the merchant's page, where Lynk has no element
# for them yet (an address or phone element, a terms checkbox): refused rather than silently not collected.
CUSTOM_NOT_COLLECTED = ("billing_address_collection", "shipping_address_collection", "phone_number_collection")


def kind(ui_mode: str) -> str:
    """`hosted`, `embedded` or `custom`, whichever spelling of `ui_mode` the session was given."""
    return KINDS[ui_mode]


def check(
    *,
    mode: str,
    ui_mode: str,
    success_url: str | None,
    cancel_url: str | None,
    return_url: str | None,
    customer: str | None,
    options: Mapping[str, Any],
) -> None:
    """Refuse what Stripe refuses: URLs that do not fit the `ui_mode`, options that do not fit the mode."""
    redirect = options.get("redirect_on_completion")
    shape = kind(ui_mode)
    if shape == "custom":
        if mode != "payment":
            raise InvalidRequestError(
                f"ui_mode={ui_mode} takes mode=payment in Lynk for now (the payment element confirms a PaymentIntent).",
                param="mode",
            )
        _check_custom(ui_mode, options)
    if shape in ("embedded", "custom"):
        for name, given in (("success_url", success_url), ("cancel_url", cancel_url)):
            if given is not None:
                raise InvalidRequestError(
                    f"{name} can't be used with ui_mode={ui_mode}: pass return_url instead.", param=name
                )
        if return_url is None and redirect != "never":
            raise ParameterMissing("return_url")
    else:
        if return_url is not None:
            raise InvalidRequestError(
                f"return_url can't be used with ui_mode={ui_mode}: pass success_url instead.", param="return_url"
            )
        if redirect is not None:
            raise InvalidRequestError(
                "redirect_on_completion can only be used with ui_mode=embedded.", param="redirect_on_completion"
            )
    if redirect == "never" and return_url is not None:
        raise InvalidRequestError("return_url can't be used with redirect_on_completion=never.", param="return_url")
    if customer is not None and "customer_creation" in options:
        raise InvalidRequestError(
            "customer_creation can only be used when no customer is given.", param="customer_creation"
        )
    if customer is None and "customer_update" in options:
        raise InvalidRequestError("customer_update can only be used with customer.", param="customer_update")
    if shape != "hosted" and options.get("after_expiration"):
        raise InvalidRequestError(
            "after_expiration can only be used with ui_mode=hosted: a recovered session opens at its url.",
            param="after_expiration",
        )
    if mode == "setup":
        for name in ("submit_type", "shipping_address_collection", "customer_creation"):
            if name in options:
                raise InvalidRequestError(f"{name} can only be used in payment mode.", param=name)


def _check_custom(ui_mode: str, options: Mapping[str, Any]) -> None:
    """What a Checkout Elements session refuses: Stripe's own refusals (`custom_text`, and
    `redirect_on_completion`, which applies to embedded sessions), and the fields Lynk cannot collect there yet."""
    for name in ("custom_text", "redirect_on_completion"):
        if name in options:
            raise InvalidRequestError(f"{name} can't be used with ui_mode={ui_mode}.", param=name)
    asked = [name for name in CUSTOM_NOT_COLLECTED if _collects(options.get(name))]
    if (options.get("consent_collection") or {}).get("terms_of_service") == "required":
        asked.append("consent_collection")
    if asked:
        raise InvalidRequestError(
            f"{asked[0]} is not supported with ui_mode={ui_mode} in Lynk yet: its payment element collects the card "
            "and your page the email (updateEmail); use ui_mode=embedded to have Lynk's form collect it.",
            param=asked[0],
        )


def _collects(given: Any) -> bool:
    """A collection option that asks for a field: `required`, allowed countries, or `enabled: true`."""
    if isinstance(given, Mapping):
        return bool(given.get("enabled", True))
    return given not in (None, "auto")


RECOVERY_SECONDS = 30 * 24 * 3600  # how long an expired session's recovery URL works, as at Stripe


def recovery_url(public_url: str, session_id: str) -> str:
    return f"{public_url.rstrip('/')}/c/recover/{session_id}"


def recoverable_until(session: CheckoutSession) -> int | None:
    """Until when an expired session's recovery URL makes a new session (None: it has none)."""
    recovery = (wants(session, "after_expiration") or {}).get("recovery") or {}
    if session.status != CheckoutSessionStatus.EXPIRED or session.mode != "payment" or not recovery.get("enabled"):
        return None
    return session.expires_at + RECOVERY_SECONDS


def rendered(session: CheckoutSession, public_url: str) -> dict[str, Any]:
    """The session object's fields that come from `ui_mode` and the customisations."""
    given = session.options or {}
    consent = given.get("consent_collection")
    recovery = (given.get("after_expiration") or {}).get("recovery")
    until = recoverable_until(session)
    accepted = (session.customer_details or {}).get("terms_of_service")
    return {
        "after_expiration": None
        if recovery is None
        else {
            "recovery": {
                "allow_promotion_codes": bool(recovery.get("allow_promotion_codes")),
                "enabled": recovery["enabled"],
                "expires_at": until,
                "url": recovery_url(public_url, session.id) if until else None,
            }
        },
        "billing_address_collection": given.get("billing_address_collection"),
        "client_secret": session.client_secret,
        "consent": None if not consent else {"promotions": None, "terms_of_service": accepted},
        "consent_collection": None
        if not consent
        else {
            "payment_method_reuse_agreement": None,
            "promotions": consent.get("promotions", "none"),
            "terms_of_service": consent.get("terms_of_service", "none"),
        },
        "custom_text": {
            key: ({"message": value["message"]} if value else None)
            for key, value in {**EMPTY_CUSTOM_TEXT, **(given.get("custom_text") or {})}.items()
        },
        "customer_creation": None
        if session.customer_id and "customer_creation" not in given
        else given.get("customer_creation", "if_required"),
        "locale": given.get("locale"),
        "payment_method_options": given.get("payment_method_options") or {},
        "phone_number_collection": {"enabled": bool((given.get("phone_number_collection") or {}).get("enabled"))},
        "redirect_on_completion": given.get("redirect_on_completion", "always")
        if kind(session.ui_mode) != "hosted"
        else None,
        "return_url": session.return_url,
        "shipping_address_collection": given.get("shipping_address_collection"),
        "submit_type": given.get("submit_type"),
        "ui_mode": session.ui_mode,
    }


def completion_url(session: CheckoutSession) -> str | None:
    """Where the shopper goes once the session completes: `success_url`, or an embedded or custom session's
    `return_url`."""
    target = session.success_url if kind(session.ui_mode) == "hosted" else session.return_url
    return None if target is None else target.replace("{CHECKOUT_SESSION_ID}", session.id)


def wants(session: CheckoutSession, name: str) -> Any:
    """One customisation as given (None when not asked for)."""
    return (session.options or {}).get(name)


def wants_dict(options: Mapping[str, Any], name: str) -> dict[str, Any] | None:
    """A customisation that is an object (`payment_method_options`), or None."""
    found = options.get(name)
    return dict(found) if isinstance(found, Mapping) else None

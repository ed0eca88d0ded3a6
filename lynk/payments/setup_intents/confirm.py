"""Confirming a SetupIntent: the PaymentIntent pipeline's stages, with a zero-amount verification.

validate → risk → verify the card through the connector (`authorize` with amount 0 and
`setup_for_future`, so the simulator's test cards apply) → 3-D Secure on Lynk's challenge page
when the issuer asks → attach the method to the customer, record the mandate → events.
Every confirmation is a SetupAttempt. The verification runs in the atomic phases of a PaymentIntent's
authorization (`payments.attempts`), under a processor key derived from the SetupIntent's count of finished
attempts (or, for one created by the same request, from its Idempotency-Key), so a dead request's
verification is resolved once, by its retry or the recovery job (`payments.recovery`). The stages it shares
with a PaymentIntent's confirmation (the method, the authorization with its retry, the request to the
processor) are the pipeline's own.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from lynk.connectors import AuthorizeResult, AuthorizeStatus, CardRef
from lynk.core.errors import InvalidRequestError
from lynk.core.ids import new_id
from lynk.events import service as events
from lynk.link import service as link
from lynk.link.service import LinkPayment
from lynk.models import PaymentMethod, SetupAttempt, SetupAttemptStatus, SetupIntent
from lynk.payment_methods import service as payment_methods
from lynk.payment_methods.objects import payment_method_object
from lynk.payments import attempts, risk
from lynk.payments.charge_records import three_d_secure_details
from lynk.payments.context import (
    PaymentContext,
    attempt_key_base,
    authentication_url,
    connector_call,
    require_processor,
)
from lynk.payments.setup_intents import mandates, repository, states
from lynk.payments.setup_intents.errors import PaymentMethodTypeNotAllowed, SetupDeclined
from lynk.payments.setup_intents.objects import setup_intent_object
from lynk.payments.stages import card_ref, card_request, error_object, resolve_method

# A verification moves no money; its currency is only what the processor is asked about.
VERIFICATION_CURRENCY = "usd"
# A `link` method is set up by verifying the card the shopper chose in the wallet (through its grant).
SETUP_TYPES = ("card", "link")


@dataclass(frozen=True)
class SetupConfirmOptions:
    payment_method: str | None = None
    payment_method_data: payment_methods.CardData | None = None
    link: LinkPayment | None = None  # set up a Link grant with a verified Link session
    return_url: str | None = None
    customer_acceptance: dict[str, Any] | None = None
    payment_method_options: dict[str, Any] | None = None
    secret_key: bool = True


def merge_options(current: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """`payment_method_options` after an update: each method type's options merged key by key."""
    merged = {kind: dict(options) for kind, options in current.items()}
    for kind, options in given.items():
        merged.setdefault(kind, {}).update(options)
    return merged


def _challenge_requested(si: SetupIntent) -> bool:
    """`request_three_d_secure=any|challenge`: authenticate even when the issuer would not ask."""
    return (si.payment_method_options.get("card") or {}).get("request_three_d_secure") in ("any", "challenge")


async def confirm(ctx: PaymentContext, si: SetupIntent, options: SetupConfirmOptions) -> SetupIntent:
    """Run the pipeline; a failed verification raises SetupDeclined after its outcome is written."""
    states.check_confirmable(si)
    method = await resolve_method(
        ctx,
        si,
        options.link,
        options.payment_method_data,
        options.payment_method,
        secret_key=options.secret_key,
        cards_only=True,
    )
    check_method(si, method)  # the link grant is made for a card, so checked once it exists
    await require_processor(ctx)
    if options.return_url is not None:
        si.return_url = options.return_url
    if options.payment_method_options is not None:
        si.payment_method_options = merge_options(si.payment_method_options, options.payment_method_options)
    if si.usage == "off_session":
        si.customer_acceptance = options.customer_acceptance or mandates.online_acceptance(ctx.client, ctx.now)
    card = await card_ref(ctx, method)
    if risk.blocks_setup(card):
        attempt = await _new_attempt(ctx, si, method)
        await _fail(
            ctx, si, method, attempt, error_object("card_declined", "fraudulent", "Your card was declined.", method)
        )
    await _verify(ctx, si, method, card, None, authenticated=False)
    return si


async def _new_attempt(ctx: PaymentContext, si: SetupIntent, method: PaymentMethod) -> SetupAttempt:
    """This confirmation's SetupAttempt, made with its outcome (as a PaymentIntent's charge is): a verification
    the processor did not answer leaves none."""
    attempt = SetupAttempt(
        id=new_id("setatt"),
        created=ctx.now,
        merchant_id=ctx.scope.merchant_id,
        livemode=ctx.scope.livemode,
        metadata_={},
        setup_intent_id=si.id,
        status=SetupAttemptStatus.REQUIRES_CONFIRMATION,
        usage=si.usage,
        customer_id=si.customer_id,
        payment_method_id=method.id,
        payment_method_details=_details(method, None, None),
        setup_error=None,
        connector_reference=None,
    )
    await repository.add(ctx.session, attempt)
    si.latest_attempt_id = attempt.id
    return attempt


async def complete_authentication(ctx: PaymentContext, si: SetupIntent, *, succeeded: bool) -> SetupIntent:
    """The shopper finished the 3-D Secure challenge: verify the card now, or fail the attempt."""
    states.check_authenticating(si)
    assert si.payment_method_id is not None and si.latest_attempt_id is not None
    method = await payment_methods.get(ctx.session, ctx.scope, si.payment_method_id)
    check_method(si, method)  # still the customer's to save (the merchant may have moved it meanwhile)
    attempt = await repository.get_attempt(ctx.session, ctx.scope, si.latest_attempt_id)
    assert attempt is not None, "a SetupIntent that requires action has its attempt"
    # Either way the outcome is written and the shopper goes back to the merchant, who sees the status.
    if not succeeded:
        attempt.payment_method_details = _details(method, None, "failed")
        error = error_object(
            "setup_intent_authentication_failure",
            None,
            "The latest attempt to set up the payment method has failed because authentication failed.",
            method,
            type_="invalid_request_error",
        )
        with contextlib.suppress(SetupDeclined):
            await _fail(ctx, si, method, attempt, error)
        return si
    with contextlib.suppress(SetupDeclined):
        await _verify(ctx, si, method, await card_ref(ctx, method), attempt, authenticated=True)
    return si


def check_method(si: SetupIntent, method: PaymentMethod) -> None:
    """A SetupIntent sets up card (and Link) methods of its own customer (or of nobody yet)."""
    if method.type not in si.payment_method_types or method.type not in SETUP_TYPES:
        raise PaymentMethodTypeNotAllowed(method.type, list(si.payment_method_types))
    if method.customer_id is not None and method.customer_id != si.customer_id:
        raise InvalidRequestError(
            "The provided PaymentMethod belongs to another customer. Pass that customer on the SetupIntent.",
            param="payment_method",
        )


async def _verify(
    ctx: PaymentContext,
    si: SetupIntent,
    method: PaymentMethod,
    card: CardRef,
    attempt: SetupAttempt | None,
    *,
    authenticated: bool,
) -> None:
    """Verify the card (the attempt of a confirmation is made with the outcome; one that was authenticated
    on the challenge page is given)."""
    own_challenge = authentication_url(ctx, si.id, si.client_secret, None)  # None in live mode
    if not authenticated and _challenge_requested(si) and own_challenge is not None:
        _require_action(si, attempt or await _new_attempt(ctx, si, method), own_challenge)
        await _record(ctx, si, "setup_intent.requires_action")
        return
    done = await attempts.run(
        ctx,
        si,
        "verify",
        lambda: f"{attempt_key_base(ctx, si.id)}:verify:{si.attempts + 1}",
        lambda key: connector_call(
            ctx.connector.authorize,
            card_request(
                key,
                method,
                card,
                amount=0,
                currency=VERIFICATION_CURRENCY,
                authenticated=authenticated,
                setup_for_future=True,
            ),
        ),
        authenticated=authenticated,
    )
    if done is not None:  # else the recovery job resolved it first, from the same answer: the SetupIntent shows it
        await apply_verification(ctx, si, method, attempt, done[1], authenticated=authenticated)


async def resume_verification(
    ctx: PaymentContext, si: SetupIntent, result: AuthorizeResult, *, authenticated: bool
) -> None:
    """Write the answer to a verification a dead request left (`payments.recovery`), as it would have."""
    assert si.payment_method_id is not None, "a verification is made with the SetupIntent's method"
    method = await payment_methods.get(ctx.session, ctx.scope, si.payment_method_id)
    attempt = None  # a confirmation's attempt is made with its outcome; an authenticated one had its own
    if authenticated and si.latest_attempt_id is not None:
        attempt = await repository.get_attempt(ctx.session, ctx.scope, si.latest_attempt_id)
    await apply_verification(ctx, si, method, attempt, result, authenticated=authenticated)


async def apply_verification(
    ctx: PaymentContext,
    si: SetupIntent,
    method: PaymentMethod,
    attempt: SetupAttempt | None,
    result: AuthorizeResult,
    *,
    authenticated: bool,
) -> None:
    """Phase 2: the processor's answer written (3-D Secure asked, the method saved, or the attempt failed)."""
    attempt = attempt or await _new_attempt(ctx, si, method)
    attempt.connector_reference = result.reference
    three_ds = "authenticated" if authenticated else None
    attempt.payment_method_details = _details(method, result, three_ds)
    url = authentication_url(ctx, si.id, si.client_secret, result)
    if result.status == AuthorizeStatus.AUTHENTICATION_REQUIRED and not authenticated and url is not None:
        _require_action(si, attempt, url)
        await _record(ctx, si, "setup_intent.requires_action")
        return
    if result.succeeded:
        await _succeed(ctx, si, method, attempt)
        return
    code = result.code or "card_declined"
    await _fail(ctx, si, method, attempt, error_object(code, result.decline_code, result.message, method))


def _require_action(si: SetupIntent, attempt: SetupAttempt, url: str) -> None:
    """Send the shopper to the 3-D Secure page (`authentication_url`)."""
    states.require_action(si, {"type": "redirect_to_url", "redirect_to_url": {"url": url, "return_url": si.return_url}})
    attempt.status = SetupAttemptStatus.REQUIRES_ACTION


async def _succeed(ctx: PaymentContext, si: SetupIntent, method: PaymentMethod, attempt: SetupAttempt) -> None:
    if si.customer_id is not None and method.customer_id is None:
        await payment_methods.attach(ctx.session, ctx.keyring, ctx.scope, method.id, si.customer_id, now=ctx.now)
    mandate = None
    if si.usage == "off_session":
        mandate = await mandates.record(ctx, method, source_id=si.id, customer_acceptance=si.customer_acceptance)
    if method.type == "link":
        off_session = si.usage == "off_session"
        await link.setup_succeeded(ctx.session, ctx.keyring, ctx.scope, ctx.now, method.id, off_session=off_session)
    states.succeeded(si, mandate.id if mandate else None)
    attempt.status = SetupAttemptStatus.SUCCEEDED
    await _record(ctx, si, "setup_intent.succeeded")


async def _fail(
    ctx: PaymentContext, si: SetupIntent, method: PaymentMethod, attempt: SetupAttempt, error: dict[str, Any]
) -> None:
    attempt.status, attempt.setup_error = SetupAttemptStatus.FAILED, error
    states.failed(si, error)
    await _record(ctx, si, "setup_intent.setup_failed")
    raise SetupDeclined(
        error["message"],
        code=error["code"],
        decline_code=error.get("decline_code"),
        extra={"payment_method": payment_method_object(method), "setup_intent": setup_intent_object(si)},
    )


def _details(method: PaymentMethod, result: AuthorizeResult | None, three_ds: str | None) -> dict[str, Any]:
    if method.type == "link":  # the merchant learns nothing about the card behind the grant
        return {"type": "link", "link": {}}
    card = dict(method.card or {})
    details = {key: card.get(key) for key in ("brand", "country", "exp_month", "exp_year", "fingerprint", "funding")}
    details["last4"] = card.get("last4")
    details["checks"] = {
        "address_line1_check": None,
        "address_postal_code_check": result.postal_code_check if result else None,
        "cvc_check": result.cvc_check if result else None,
    }
    details["network"] = card.get("brand")
    details["three_d_secure"] = None if three_ds is None else three_d_secure_details(three_ds)
    details["wallet"] = None
    return {"type": "card", "card": details}


async def _record(ctx: PaymentContext, si: SetupIntent, type_: str) -> None:
    await ctx.session.flush()
    await events.record(ctx.session, ctx.scope, type_, setup_intent_object(si), now=ctx.now)

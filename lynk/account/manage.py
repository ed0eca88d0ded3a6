"""What a logged-in shopper does on the account page: every action is a CSRF-checked form POST that needs
the verified session, calls a `lynk.link` service and comes back to the overview with a notice.

- cards: `/details` (add: sealed in the vault through the Link wallet, CVC never kept),
  `/details/{id}/default`, `/details/{id}/nickname`, `/details/{id}/remove` (last4 only is ever shown);
- shipping addresses: `/addresses` (add), `/addresses/{id}/default`, `/addresses/{id}/remove`;
- adding a card or an address from a log-in on a new device and a new network asks for a new code first
  (`/step_up`, `/step_up/resend`: step_up_page.py);
- trusted devices: `/devices/{id}/log_out`, `/devices/log_out_all`;
- merchant grants: `/grants/{id}/revoke` (the merchant gets `payment_method.detached`);
- `/export`: a JSON download of everything Lynk holds; `GET|POST /delete`: confirm, then erase and log out.
An id that is not the shopper's own is a 404, whoever's it is.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from lynk.account import overview, step_up_page
from lynk.account.web import (
    attempt,
    clear_session,
    form_of,
    mode_of,
    redirect,
    render,
    route,
    runtime_of,
    session_secret,
    site,
)
from lynk.core.errors import InvalidRequestError, LynkError
from lynk.link import accounts, details, devices, grants, network, service, sessions
from lynk.link.context import LinkContext
from lynk.link.errors import (
    ConsumerSessionInvalid,
    ConsumerSessionNotVerified,
    GrantNotFound,
    PaymentDetailNotFound,
    StepUpRequired,
)
from lynk.models import LinkAccount
from lynk.payment_methods.service import CardInput
from lynk.payments import context as payment_context
from lynk.payments.context import PaymentContext
from lynk.payments.setup_intents import verification

_EXPIRATION = re.compile(r"^\s*(\d{1,2})\s*/?\s*(\d{2}|\d{4})\s*$")
Action = Callable[[LinkContext, LinkAccount, dict[str, str], str], Awaitable[object]]


def _back(request: Request) -> dict[str, str]:
    return {"href": mode_of(request).base, "text": "Back to your account"}


def failed(request: Request, error: LynkError) -> Response:
    """A session that ended goes back to the log-in form; anything else is a page saying what went wrong."""
    if isinstance(error, ConsumerSessionInvalid | ConsumerSessionNotVerified):
        response = redirect(request, "", "expired")
        clear_session(request, response)
        return response
    if error.http_status == 404:
        title, message = "Not found", "That item is not in your Lynk account."
    else:
        title, message = "That did not work", error.message
    return render(request, "message.html", status=error.http_status, title=title, message=message, link=_back(request))


async def _act(
    request: Request, action: Action, notice: str, item: str = "", *, change: str | None = None, phases: bool = False
) -> Response:
    """Run `action` for the verified session; a `change` (step_up_page.CHANGES) from a log-in on a new device
    and a new network first asks for a new code (the Link service refuses it until then). With `phases`, the
    action calls a processor between phases (`actions.transaction`)."""
    form = form_of(request)
    secret = session_secret(request)

    async def work(ctx: LinkContext) -> object:
        if change is None:
            account = await sessions.verified_account(ctx, secret)
        else:
            account = await sessions.changing_account(ctx, secret, step_up_page.CHANGES[change].doing)
        return await action(ctx, account, form, item)

    outcome = await attempt(request, work, phases=phases)
    if isinstance(outcome, StepUpRequired) and change is not None:
        return await step_up_page.ask(request, change, form)
    if isinstance(outcome, LynkError):
        return failed(request, outcome)
    return redirect(request, "", notice)


def _payments(request: Request, ctx: LinkContext) -> PaymentContext:
    """A payments context in the action's transaction and the network's scope (its mode's connector)."""
    return payment_context.build(runtime_of(request), ctx.session, ctx.scope, ctx.now)


def _card(form: dict[str, str]) -> CardInput:
    number = re.sub(r"[\s-]", "", form.get("number", ""))[:40]
    if not number:
        raise InvalidRequestError("Enter the card number.", param="number")
    expiration = _EXPIRATION.match(form.get("expiration", ""))
    if expiration is None:
        raise InvalidRequestError("Enter the expiration date as MM / YY.", param="expiration")
    month, year = int(expiration.group(1)), int(expiration.group(2))
    cvc = form.get("cvc", "").strip()[:8]
    if not cvc:
        raise InvalidRequestError("Enter the card's security code (CVC).", param="cvc")
    return CardInput(number=number, exp_month=month, exp_year=year + 2000 if year < 100 else year, cvc=cvc)


@route("POST", "/details")
async def add_card(request: Request) -> Response:
    async def action(ctx: LinkContext, account: LinkAccount, form: dict[str, str], item: str) -> object:
        card = _card(form)
        name = form.get("name", "").strip()[:200]
        nickname = form.get("nickname", "").strip()
        if len(nickname) > 100:
            raise InvalidRequestError("A nickname is at most 100 characters long.", param="nickname")
        stored = await details.seal_card(ctx, card)
        # Verified before it is kept, as a SetupIntent verifies, in phases: the sealed card is committed, the
        # processor asked with no transaction open (a card it refuses is erased), then the card is kept.
        await verification.verify_card(_payments(request, ctx), stored.id, cvc_provided=True)
        return await details.save_stored_card(
            ctx,
            account,
            stored,
            billing={"name": name} if name else None,
            nickname=nickname or None,
            make_default=form.get("is_default") == "yes",
        )

    return await _act(request, action, "card_added", change="card", phases=True)


@route("POST", "/details/{item}/default")
async def set_default_detail(request: Request, item: str) -> Response:
    async def action(ctx: LinkContext, account: LinkAccount, form: dict[str, str], item: str) -> object:
        return await details.update_detail(ctx, account, item, details.DetailChanges(is_default=True))

    return await _act(request, action, "default", item)


@route("POST", "/details/{item}/nickname")
async def rename_detail(request: Request, item: str) -> Response:
    async def action(ctx: LinkContext, account: LinkAccount, form: dict[str, str], item: str) -> object:
        nickname = form.get("nickname", "").strip()
        if len(nickname) > 100:
            raise InvalidRequestError("A nickname is at most 100 characters long.", param="nickname")
        return await details.update_detail(ctx, account, item, details.DetailChanges(nickname=nickname))

    return await _act(request, action, "nickname", item)


@route("GET", "/details/{item}/remove")
async def confirm_remove_detail(request: Request, item: str) -> Response:
    """Removing a card is asked first, on a page of its own (no script needed)."""
    secret = session_secret(request)

    async def work(ctx: LinkContext) -> str:
        account = await sessions.verified_account(ctx, secret)
        for detail in await details.list_details(ctx, account):
            if detail.id == item:
                return overview.label(detail)
        raise PaymentDetailNotFound(item)

    outcome = await attempt(request, work)
    if isinstance(outcome, LynkError):
        return failed(request, outcome)
    return render(request, "remove.html", csrf=True, item=item, label=outcome)


@route("POST", "/details/{item}/remove")
async def remove_detail(request: Request, item: str) -> Response:
    async def action(ctx: LinkContext, account: LinkAccount, form: dict[str, str], item: str) -> object:
        return await details.remove_detail(ctx, account, item)

    return await _act(request, action, "removed", item)


def _address(form: dict[str, str]) -> details.AddressInput:
    given = {key: form.get(key, "").strip()[:200] for key in ("name", "line1", "line2", "city", "state", "postal_code")}
    for key, label in (("name", "Full name"), ("line1", "Address line 1"), ("city", "City")):
        if not given[key]:
            raise InvalidRequestError(f"Enter the {label.lower()} of the address.", param=key)
    if not given["postal_code"]:
        raise InvalidRequestError("Enter the postal code of the address.", param="postal_code")
    country = form.get("country", "").strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise InvalidRequestError("Enter the country as its two-letter code, such as US or FR.", param="country")
    phone = form.get("phone", "").strip()
    address = {key: given[key] or None for key in ("line1", "line2", "city", "state", "postal_code")}
    return details.AddressInput(
        name=given["name"],
        phone=accounts.normalise_phone(phone, param="phone") if phone else None,
        address={**address, "country": country},
        is_default=form.get("is_default") == "yes",
    )


async def _save_address(ctx: LinkContext, account: LinkAccount, form: dict[str, str], item: str) -> object:
    return await details.add_address(ctx, account, _address(form))


@route("POST", "/addresses")
async def add_address(request: Request) -> Response:
    return await _act(request, _save_address, "address_added", change="address")


@route("POST", "/step_up")
async def confirm_step_up(request: Request) -> Response:
    """The new code of a step-up (step_up_page.py): the session passes it, then the address it carried is
    saved, or the card is asked for again."""
    form = form_of(request)
    then = step_up_page.change_of(form)
    if then is None:
        return redirect(request)
    code = form.get("code", "").replace(" ", "")[:12]
    if not code:
        return await step_up_page.page(request, then, form, error="Enter the 6-digit code we sent you.", status=400)
    secret = session_secret(request)
    confirmed = await attempt(request, lambda ctx: network.confirm_code(ctx, secret, code))
    if isinstance(confirmed, ConsumerSessionInvalid | ConsumerSessionNotVerified):
        return failed(request, confirmed)
    if isinstance(confirmed, LynkError):
        return await step_up_page.page(request, then, form, error=confirmed.message, status=confirmed.http_status)
    if then == "address":
        return await _act(request, _save_address, "address_added", change=then)
    return redirect(request, "", "confirmed_card")


@route("POST", "/step_up/resend")
async def resend_step_up(request: Request) -> Response:
    form = form_of(request)
    then = step_up_page.change_of(form)
    if then is None:
        return redirect(request)
    channel = form.get("channel")
    return await step_up_page.ask(request, then, form, channel if channel in step_up_page.CHANNELS else "sms")


@route("POST", "/addresses/{item}/default")
async def set_default_address(request: Request, item: str) -> Response:
    async def action(ctx: LinkContext, account: LinkAccount, form: dict[str, str], item: str) -> object:
        return await details.update_address(ctx, account, item, details.AddressInput(is_default=True))

    return await _act(request, action, "address_default", item)


@route("POST", "/addresses/{item}/remove")
async def remove_address(request: Request, item: str) -> Response:
    async def action(ctx: LinkContext, account: LinkAccount, form: dict[str, str], item: str) -> object:
        return await details.remove_address(ctx, account, item)

    return await _act(request, action, "address_removed", item)


@route("POST", "/devices/log_out_all")
async def log_out_all_devices(request: Request) -> Response:
    async def action(ctx: LinkContext, account: LinkAccount, form: dict[str, str], item: str) -> object:
        for device in await devices.list_devices(ctx, account):
            await devices.log_out(ctx, account, device.id)
        return None

    return await _act(request, action, "devices_logged_out")


@route("POST", "/devices/{item}/log_out")
async def log_out_device(request: Request, item: str) -> Response:
    async def action(ctx: LinkContext, account: LinkAccount, form: dict[str, str], item: str) -> object:
        return await devices.log_out(ctx, account, item)

    return await _act(request, action, "device_logged_out", item)


@route("POST", "/grants/{item}/revoke")
async def revoke_grant(request: Request, item: str) -> Response:
    async def action(ctx: LinkContext, account: LinkAccount, form: dict[str, str], item: str) -> object:
        return await grants.revoke(ctx, account, item)

    return await _act(request, action, "revoked", item)


@route("POST", "/shops/{item}/revoke")
async def revoke_shop(request: Request, item: str) -> Response:
    """Every active grant of one shop revoked: the page lists each shop once."""

    async def action(ctx: LinkContext, account: LinkAccount, form: dict[str, str], item: str) -> object:
        given = [g for g in await grants.list_grants(ctx, account) if g.merchant_id == item and g.status == "active"]
        if not given:
            raise GrantNotFound(item)
        for grant in given:
            await grants.revoke(ctx, account, grant.id)
        return given

    return await _act(request, action, "revoked", item)


@route("POST", "/export")
async def export(request: Request) -> Response:
    secret = session_secret(request)

    async def work(ctx: LinkContext) -> dict[str, Any]:
        exported = await service.export(ctx, await sessions.verified_account(ctx, secret))
        names: dict[str, str] = {}
        for grant in exported["grants"]:  # the shop by its name as well as its acct_ id
            grant["merchant_name"] = await overview.merchant_name(ctx, grant["merchant"], names)
        return exported

    outcome = await attempt(request, work)
    if isinstance(outcome, LynkError):
        return failed(request, outcome)
    headers = {**site.headers, "Content-Disposition": 'attachment; filename="lynk-account.json"'}
    return Response(json.dumps(outcome, indent=2), media_type="application/json", headers=headers)


@route("GET", "/delete")
async def confirm_delete(request: Request) -> Response:
    secret = session_secret(request)
    outcome = await attempt(request, lambda ctx: sessions.verified_account(ctx, secret))
    if isinstance(outcome, LynkError):
        return failed(request, outcome)
    return render(request, "delete.html", csrf=True, email=outcome.email, error=None)


@route("POST", "/delete")
async def delete(request: Request) -> Response:
    form = form_of(request)
    secret = session_secret(request)
    if form.get("confirm") != "yes":
        outcome = await attempt(request, lambda ctx: sessions.verified_account(ctx, secret))
        if isinstance(outcome, LynkError):
            return failed(request, outcome)
        error = "Tick the box to confirm that you want to delete your account."
        return render(request, "delete.html", status=400, csrf=True, email=outcome.email, error=error)

    async def work(ctx: LinkContext) -> object:
        return await service.delete_account(ctx, await sessions.verified_account(ctx, secret))

    done = await attempt(request, work)
    if isinstance(done, LynkError):
        return failed(request, done)
    response = render(
        request,
        "message.html",
        title="Your account is deleted",
        message="Your Lynk account, its saved cards and addresses are erased, and merchants can no longer "
        "charge you through Lynk. You are logged out.",
        link=None,
    )
    clear_session(request, response)
    return response

"""Trusted devices ("remember me"), as SPEC §4 sets the policy.

After a verified login with `remember_me`, Lynk sets the `lynk_device` cookie on its own origin:
HttpOnly, SameSite, Secure when Lynk is served over https, holding `<device id>.<HMAC>` signed with
a vault-sealed key over the device and account ids. The device row keeps the hash of the browser
cookie too, so the device cookie is worth nothing without the `lynk_browser` cookie it was made
with. Within `link_device_trust_days` a lookup from that browser is verified without a code
(unless the operator turns `link_trusted_device_skips_code` off); a new device always needs one.
Even then a payment needs the consumer session that lookup creates, bound to this merchant and
browser: a stolen device cookie alone pays nothing. The shopper lists devices and logs them out.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from lynk.core.ids import new_id
from lynk.link import repository
from lynk.link.context import LinkContext
from lynk.link.errors import DeviceNotFound
from lynk.models import LinkAccount, LinkDevice
from lynk.vault import service as vault

DEVICE_COOKIE = "lynk_device"
DEVICE_KEY_PURPOSE = "link_devices"


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


async def _mac(ctx: LinkContext, device_id: str, account_id: str) -> str:
    key = await vault.keyed_secret(ctx.session, ctx.keyring, DEVICE_KEY_PURPOSE, ctx.scope.livemode, ctx.now)
    return hmac.new(key, f"{device_id}:{account_id}".encode(), hashlib.sha256).hexdigest()


async def remember(ctx: LinkContext, account: LinkAccount, label: str | None) -> tuple[LinkDevice, str]:
    """Trust this browser for the account; returns the device and the signed cookie value."""
    assert ctx.browser, "a verified session always has its browser"
    device = LinkDevice(
        id=new_id("ldev"),
        created=ctx.now,
        livemode=ctx.scope.livemode,
        account_id=account.id,
        browser_hash=_hash(ctx.browser),
        label=label,
        last_verified=ctx.now,
        expires=ctx.now + ctx.settings.link_device_trust_days * 86400,
        revoked_at=None,
    )
    await repository.add(ctx.session, device)
    return device, f"{device.id}.{await _mac(ctx, device.id, account.id)}"


async def recognised(ctx: LinkContext, account: LinkAccount) -> LinkDevice | None:
    """The trusted device this browser's cookies prove, for this account, if any and still trusted."""
    if not ctx.device or not ctx.browser:
        return None
    device_id, _, mac = ctx.device.partition(".")
    if not device_id or not mac or len(device_id) > 64:
        return None
    if not hmac.compare_digest(mac, await _mac(ctx, device_id, account.id)):
        return None
    device = await repository.device(ctx.session, account.id, device_id)
    if device is None or device.revoked_at is not None or device.expires <= ctx.now:
        return None
    if not hmac.compare_digest(device.browser_hash, _hash(ctx.browser)):
        return None
    device.last_verified = ctx.now
    return device


async def list_devices(ctx: LinkContext, account: LinkAccount) -> Sequence[LinkDevice]:
    return await repository.active_devices(ctx.session, account.id)


async def log_out(ctx: LinkContext, account: LinkAccount, device_id: str) -> LinkDevice:
    """Forget a device, and end every session of the account in that browser."""
    device = await repository.device(ctx.session, account.id, device_id)
    if device is None or device.revoked_at is not None:
        raise DeviceNotFound(device_id)
    device.revoked_at = ctx.now
    await repository.log_out_browser(ctx.session, account.id, device.browser_hash)
    return device


KNOWN_COOKIE = "lynk_known"
KNOWN_KEY_PURPOSE = "link_known"


async def _known_mac(ctx: LinkContext, account_id: str) -> str:
    key = await vault.keyed_secret(ctx.session, ctx.keyring, KNOWN_KEY_PURPOSE, ctx.scope.livemode, ctx.now)
    return hmac.new(key, account_id.encode(), hashlib.sha256).hexdigest()


async def known_cookie(ctx: LinkContext, account: LinkAccount) -> str:
    """The `lynk_known` cookie's value: which account this browser used last, so checkout can greet it.

    It only saves typing the email: a lookup it triggers still needs a code (or a trusted device).
    """
    return f"{account.id}.{await _known_mac(ctx, account.id)}"


OPT_IN_COOKIE = "lynk_opt_in"
OPT_IN_MAX_AGE = 3600  # a 3-D Secure challenge is done within the hour, or the opt-in mark is dropped


async def opt_in_cookie(ctx: LinkContext, checkout_session_id: str) -> str:
    """The mark of the browser that ticked the opt-in on a payment gone to 3-D Secure: back from the
    challenge, once the account is born, that browser gets `lynk_known` as without a challenge."""
    return f"{checkout_session_id}.{await _known_mac(ctx, f'opt_in:{checkout_session_id}')}"


async def opted_in_here(ctx: LinkContext, cookie: str | None, checkout_session_id: str) -> bool:
    """Whether `cookie` is this browser's opt-in mark for this checkout session."""
    session_id, _, mac = (cookie or "").partition(".")
    if session_id != checkout_session_id or not mac:
        return False
    return hmac.compare_digest(mac, await _known_mac(ctx, f"opt_in:{checkout_session_id}"))


async def known_account_id(ctx: LinkContext, cookie: str | None) -> str | None:
    """The account id a `lynk_known` cookie names, if its signature holds."""
    account_id, _, mac = (cookie or "").partition(".")
    if not account_id or not mac or len(account_id) > 64:
        return None
    return account_id if hmac.compare_digest(mac, await _known_mac(ctx, account_id)) else None

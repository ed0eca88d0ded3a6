"""Where a webhook endpoint may point: the rules checked when it is created or changed, and again after
DNS for every batch of deliveries (once per endpoint and batch), so a name that later resolves inside the
operator's network is not reached.

- live mode: `https://` only, and every address the host resolves to must be public;
- private and loopback addresses (127.0.0.1, 10/8, ::1, link-local, …) are allowed as
  `LYNK_WEBHOOK_PRIVATE_TARGETS` says: `test` (the default: in test mode only), `never`, `always`.

A delivery connects to the address it checked (the name is kept for `Host` and TLS), so the answer
of a second DNS lookup cannot swap in a private address after the check.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

PrivateTargets = Literal["test", "never", "always"]
DNS_TIMEOUT_SECONDS = 5.0


class TargetRefused(Exception):
    """The URL may not receive webhooks; the message says why, without the addresses it resolved to."""


@dataclass(frozen=True)
class Target:
    host: str  # as written in the URL (for `Host` and TLS)
    address: str  # the checked address to connect to
    port: int


def private_allowed(policy: PrivateTargets, livemode: bool) -> bool:
    return policy == "always" or (policy == "test" and not livemode)


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_url(url: str, *, livemode: bool) -> tuple[str, int]:
    """The host and port of a URL a webhook may be sent to (the scheme rule only)."""
    try:
        parts = urlsplit(url)
    except ValueError:  # an unbalanced `[` or `]` in the host ("Invalid IPv6 URL")
        raise TargetRefused("Use an absolute http:// or https:// URL.") from None
    scheme = parts.scheme.lower()
    if livemode and scheme != "https":
        raise TargetRefused("Live-mode webhook endpoints must use https://.")
    if scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused("Use an absolute http:// or https:// URL.")
    try:
        parts.hostname.encode("idna")  # what name resolution will do; a name it cannot encode is no host
    except UnicodeError:
        raise TargetRefused("The URL's host is not a valid host name.") from None
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise TargetRefused("The URL's port is not valid.") from None
    return parts.hostname, port


async def _addresses(host: str, port: int) -> list[str]:
    try:
        ipaddress.ip_address(host)
        return [host]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(DNS_TIMEOUT_SECONDS):
            found = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, TimeoutError):
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in found))


async def resolve(url: str, *, livemode: bool, policy: PrivateTargets, required: bool) -> Target | None:
    """Check `url` and resolve its host; every address must be allowed. A name that does not resolve is
    refused when `required` (a delivery), and passes otherwise (an endpoint may be set up before its DNS)."""
    host, port = check_url(url, livemode=livemode)
    addresses = await _addresses(host, port)
    if not addresses:
        if required:
            raise TargetRefused("The endpoint's host name did not resolve.")
        return None
    if not private_allowed(policy, livemode) and not all(is_public(a) for a in addresses):
        where = "in live mode" if livemode else "on this Lynk network (LYNK_WEBHOOK_PRIVATE_TARGETS=never)"
        raise TargetRefused(
            f"Webhook endpoints {where} must be reachable on the public internet: this URL's host is a private, "
            "loopback or reserved address."
        )
    # IPv4 first: a receiver bound to 127.0.0.1 is reached for `localhost` whatever order DNS answered in.
    address = next((a for a in addresses if ":" not in a), addresses[0])
    return Target(host=host, address=address, port=port)

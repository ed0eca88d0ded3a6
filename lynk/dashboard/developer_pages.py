"""Developers: the event browser; API keys (create, roll with an expiry for the old key, revoke; a new secret is
shown once, on the answer to the form, and stored nowhere but as its hash); webhook endpoints with their delivery
log, a failing endpoint highlighted, and resend. Everything is of the mode the switch shows."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from fastapi import Request
from fastapi.responses import Response

from lynk.core.pagination import PageRequest
from lynk.dashboard.timeline import when
from lynk.dashboard.web import BASE, Visit, act, form_of, next_page, pages, render, view
from lynk.events import service as events
from lynk.merchants import service as merchants
from lynk.models import ApiKey
from lynk.webhooks import service as webhooks

ROLL_EXPIRIES = {"now": 0, "1h": 3600, "24h": 24 * 3600, "7d": 7 * 24 * 3600}
NOTICES = {
    "revoked": "The key is revoked: it stops working now.",
    "resent": "The event is queued for delivery again.",
    "done": "That was done already.",
}


def _key_state(key: ApiKey, now: int) -> str:
    if key.revoked_at is not None:
        return "revoked"
    if key.expires_at is None:
        return "active"
    return f"expires {when(key.expires_at)}" if key.expires_at > now else "expired"


async def _keys_page(request: Request, visit: Visit, shown: list[tuple[str, str]] | None = None) -> Response:
    keys = [
        k
        for k in await merchants.list_keys(visit.tx.session, visit.user.merchant_id)
        if k.livemode == visit.row.livemode
    ]
    now = visit.tx.now
    rows = [
        {
            "id": k.id,
            "kind": k.kind,
            "redacted": k.redacted,
            "created": when(k.created),
            "state": _key_state(k, now),
            "active": merchants.usable(k, now),
        }
        for k in keys
    ]
    return render(
        request,
        "keys.html",
        visit=visit,
        section="keys",
        rows=rows,
        shown=shown or [],
        expiries=list(ROLL_EXPIRIES),
        can_write=visit.may("keys.write"),
        notice=NOTICES.get(request.query_params.get("done", "")),
    )


@pages.get(f"{BASE}/developers/keys")
async def keys_page(request: Request) -> Response:
    return await view(request, "keys.read", lambda visit: _keys_page(request, visit))


Shown = list[tuple[str, str]]


async def _with_secret(request: Request, name: str, make: Callable[[Visit], Awaitable[Shown]]) -> Response:
    """Create or roll: the new secret is answered once, in this response; a repeat of the form shows none."""
    shown: list[tuple[str, str]] = []

    async def run(visit: Visit) -> str:
        shown.extend(await make(visit))
        return f"{BASE}/developers/keys?done=done"

    answer = await act(request, "keys.write", name, run)
    if not shown or answer.status_code != 303:
        return answer
    return await view(request, "keys.read", lambda visit: _keys_page(request, visit, shown))


@pages.post(f"{BASE}/developers/keys")
async def create_keys(request: Request) -> Response:
    async def make(visit: Visit) -> list[tuple[str, str]]:
        pair = await merchants.create_keys(
            visit.tx.session, visit.user.merchant_id, livemode=visit.row.livemode, now=visit.tx.now
        )
        return [("Secret key", pair.secret_key), ("Publishable key", pair.publishable_key)]

    return await _with_secret(request, "created_keys", make)


@pages.post(f"{BASE}/developers/keys/{{key_id}}/roll")
async def roll_key(key_id: str, request: Request) -> Response:
    expires_in = ROLL_EXPIRIES.get(form_of(request).get("expires", "now"), 0)

    async def make(visit: Visit) -> list[tuple[str, str]]:
        old, raw, new = await merchants.roll_key(
            visit.tx.session,
            visit.scope.merchant_id,
            visit.scope.livemode,
            key_id,
            expires_in=expires_in,
            now=visit.tx.now,
        )
        return [(f"New {new.kind} key (replaces {old.redacted})", raw)]

    return await _with_secret(request, "rolled_key", make)


@pages.post(f"{BASE}/developers/keys/{{key_id}}/revoke")
async def revoke_key(key_id: str, request: Request) -> Response:
    async def run(visit: Visit) -> str:
        key = await merchants.merchant_key(visit.tx.session, visit.scope.merchant_id, visit.scope.livemode, key_id)
        await merchants.revoke_key(visit.tx.session, key.id, now=visit.tx.now)
        return f"{BASE}/developers/keys?done=revoked"

    return await act(request, "keys.write", "revoked_key", run, target=key_id)


@pages.get(f"{BASE}/developers/webhooks")
async def webhooks_page(request: Request) -> Response:
    async def show(visit: Visit) -> Response:
        session, scope = visit.tx.session, visit.scope
        endpoints = []
        for endpoint in (await webhooks.list_page(session, scope, PageRequest(limit=100))).items:
            attempts = await webhooks.list_attempts(session, scope, endpoint.id, PageRequest(limit=20), event_id=None)
            endpoints.append(
                {
                    "id": endpoint.id,
                    "url": endpoint.url,
                    "status": endpoint.status,
                    "failing": endpoint.failing_since is not None,
                    "failing_since": when(endpoint.failing_since),
                    "attempts": [
                        {
                            "event": a.event_id,
                            "when": when(a.started_at_ms // 1000),
                            "outcome": str(a.status_code or a.error or "no answer"),
                            "succeeded": a.succeeded,
                        }
                        for a in attempts.items
                    ],
                }
            )
        return render(
            request,
            "webhooks.html",
            visit=visit,
            section="webhooks",
            endpoints=endpoints,
            can_write=visit.may("webhooks.write"),
            notice=NOTICES.get(request.query_params.get("done", "")),
        )

    return await view(request, "webhooks.read", show)


@pages.post(f"{BASE}/developers/webhooks/{{endpoint_id}}/resend")
async def resend(endpoint_id: str, request: Request) -> Response:
    event_id = form_of(request).get("event", "")[:64]

    async def run(visit: Visit) -> str:
        await webhooks.resend(visit.tx.session, visit.scope, event_id, endpoint_id=endpoint_id, now=visit.tx.now)
        return f"{BASE}/developers/webhooks?done=resent"

    return await act(request, "webhooks.write", "resent_event", run, target=event_id)


@pages.get(f"{BASE}/developers/events")
async def events_page(request: Request) -> Response:
    """The event browser: the mode's events, newest first, 25 a page by cursor, filtered by type and by payment
    (the events' scope/type and scope/payment indexes)."""
    kind = request.query_params.get("type", "").strip()[:100]
    payment = request.query_params.get("payment", "").strip()[:64]
    after = request.query_params.get("after", "")[:64] or None

    async def show(visit: Visit) -> Response:
        found = await events.list_page(
            visit.tx.session,
            visit.scope,
            PageRequest(limit=25, starting_after=after),
            types=[kind] if kind else None,
            payment_intent_id=payment or None,
        )
        rows = [
            {"id": e.id, "type": e.type, "created": when(e.created), "pending": e.pending_webhooks} for e in found.items
        ]
        more = next_page(f"{BASE}/developers/events", found, type=kind, payment=payment)
        return render(
            request, "events.html", visit=visit, section="events", rows=rows, kind=kind, payment=payment, more=more
        )

    return await view(request, "webhooks.read", show)


@pages.get(f"{BASE}/developers/events/{{event_id}}")
async def event_page(event_id: str, request: Request) -> Response:
    async def show(visit: Visit) -> Response:
        event = await events.get(visit.tx.session, visit.scope, event_id)
        body = json.dumps(events.as_object(event), indent=2, sort_keys=True)
        return render(
            request, "event.html", visit=visit, section="events", event=event, body=body, created=when(event.created)
        )

    return await view(request, "webhooks.read", show)

"""Inbound processor webhooks: `POST /hooks/processors/{proc_id}`.

A merchant's processor tells Lynk what happened after the fact (a dispute opened). The request is
verified with the processor's own signature scheme and the webhook secret sealed with the processor
account (`lynk processors add --webhook-secret`, or `POST /v1/lynk/processors/{id}`), then applied
through the same services the simulator's outcomes go through: a dispute is opened with
`aftermath.open_dispute_on`, so the ledger, the charge and the merchant's events move as they do for a
test card's dispute. A charge already disputed, an unknown charge or an event type Lynk does not apply
is acknowledged (200, `applied: false`) so the processor stops retrying; a bad signature is a 400.

Applied (Stripe's names; `payments.processor_outcomes`): `charge.dispute.created`, `charge.dispute.closed`,
`payment_intent.succeeded`, `payment_intent.payment_failed`, `payment_intent.amount_capturable_updated`.
`GET` (or `POST`, as Adyen may) `/hooks/processors/{proc_id}/return` is where the processor's 3-D Secure
page sends the shopper back; what the processor sent with them (the query and a form, such as Adyen's
`redirectResult`) goes to the connector, which finishes the payment with it at the processor.
"""

from __future__ import annotations

import html
import logging

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.formparsers import MultiPartException

from lynk.connectors import WebhookRejected
from lynk.core.clock import unix
from lynk.core.errors import LynkError
from lynk.payments import challenge, context, processor_outcomes
from lynk.processors import service as processors
from lynk.processors.routing import RETURN_KEY_PARAM, SIGNATURE_HEADERS, WEBHOOK_VERIFIERS
from lynk.runtime import Runtime
from lynk.wire.responses import JSON_TYPE, error_body

router = APIRouter(include_in_schema=False)
logger = logging.getLogger(__name__)


def _refused(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": {"type": "invalid_request_error", "message": message}}, status_code=status)


# What a processor sends back with the shopper is a few short opaque fields; more is not a processor's.
MAX_DETAILS, MAX_DETAIL_LENGTH = 20, 8192


async def _details(request: Request) -> dict[str, str]:
    """The query's and a POSTed form's fields but Lynk's own, as the connector will hand them on."""
    fields = list(request.query_params.multi_items())
    if request.method == "POST":
        form = await request.form(max_files=0, max_fields=MAX_DETAILS)
        fields += [(name, value) for name, value in form.multi_items() if isinstance(value, str)]
    details: dict[str, str] = {}
    for name, value in fields:
        if name != RETURN_KEY_PARAM and len(details) < MAX_DETAILS and len(value) <= MAX_DETAIL_LENGTH:
            details.setdefault(name, value)
    return details


@router.api_route("/hooks/processors/{processor_id}/return", methods=["GET", "POST"])
async def processor_return(processor_id: str, request: Request) -> Response:
    """The shopper back from the processor's 3-D Secure page: Lynk asks the processor to finish the attempt
    the URL names with what it sent back with the shopper, writes its answer, and sends the shopper on to
    the merchant's `return_url`."""
    runtime: Runtime = request.app.state.runtime
    processor_key = request.query_params.get(RETURN_KEY_PARAM, "")
    try:
        details = await _details(request)
    except (MultiPartException, ValueError):
        return _page("This payment link is not valid.", 400)
    try:
        async with runtime.db.transaction() as session:
            found = await processors.for_hook(session, runtime.keyring, processor_id)
            pi = None
            if found is not None:
                ctx = context.build(runtime, session, found[0], unix(runtime.clock))
                pi = await processor_outcomes.settle_pending(ctx, found[1].id, processor_key, details)
    except LynkError as error:  # nothing written; the shopper may come back again (or the webhook settles it)
        logger.warning("the return from processor %s was not applied: %s", processor_id, error.message)
        return _page("We could not confirm your payment yet. Please return to the shop.", 503)
    if pi is None:
        return _page("This payment link is not valid.", 404)
    if not pi.return_url:
        return _page(f"Your payment is {pi.status.replace('_', ' ')}. You may close this window.", 200)
    url = challenge.back_to(pi.return_url, "payment_intent", pi.id, pi.client_secret, pi.status)
    return RedirectResponse(url, status_code=303)


def _page(message: str, status: int) -> HTMLResponse:
    return HTMLResponse(f"<!doctype html><title>Payment</title><p>{html.escape(message)}</p>", status)


@router.post("/hooks/processors/{processor_id}")
async def processor_hook(processor_id: str, request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    payload = await request.body()
    try:
        async with runtime.db.transaction() as session:
            found = await processors.for_hook(session, runtime.keyring, processor_id)
            if found is None or not found[1].webhook_secret:
                return _refused(404, "No processor takes webhooks at this address.")
            scope, config = found
            secret = config.webhook_secret or ""
            header = request.headers.get(SIGNATURE_HEADERS[config.kind], "")
            try:
                event = WEBHOOK_VERIFIERS[config.kind](payload, header, secret)
            except WebhookRejected:
                logger.warning("a webhook for processor %s did not verify", processor_id)
                return _refused(400, "The webhook's signature does not verify.")
            ctx = context.build(runtime, session, scope, unix(runtime.clock))
            applied = await processor_outcomes.apply_event(ctx, config.id, event)
    except LynkError as error:  # rolled back: the processor retries
        return Response(error_body(error), status_code=error.http_status, media_type=JSON_TYPE)
    return JSONResponse({"received": True, "applied": applied})

"""How a verification code reaches the shopper.

Test mode sends nothing: the message is stored (in the request's transaction) and read through
`GET /v1/test_helpers/link/messages`. Live mode sends email over SMTP and SMS through an HTTP
webhook that any SMS provider bridge can receive, both only after the transaction commits, and
never with the code in a log line.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import smtplib
import ssl
import time
from email.message import EmailMessage

import httpx

from lynk.core.config import Settings
from lynk.core.ids import new_id
from lynk.link import repository
from lynk.link.context import LinkContext
from lynk.models import LinkMessage

logger = logging.getLogger(__name__)


def message_body(code: str, ttl_seconds: int) -> str:
    return f"Your Lynk verification code is {code}. It expires in {ttl_seconds // 60} minutes. Never share it."


async def deliver(ctx: LinkContext, channel: str, to: str, code: str) -> None:
    body = message_body(code, ctx.settings.link_code_ttl_seconds)
    if not ctx.scope.livemode:
        message = LinkMessage(
            id=new_id("lmsg"),
            created=ctx.now,
            merchant_id=ctx.message_owner or ctx.scope.merchant_id,
            livemode=False,
            channel=channel,
            to=to,
            code=code,
            body=body,
        )
        await repository.add(ctx.session, message)
        return
    settings = ctx.settings
    if channel == "email":
        ctx.after_commit.append(lambda: send_email(settings, to, body))
    else:
        ctx.after_commit.append(lambda: send_sms(settings, to, body))


async def send_email(settings: Settings, to: str, body: str) -> None:
    if not settings.link_smtp_host:
        logger.error("live-mode Link email not sent: LYNK_LINK_SMTP_HOST is not configured")
        return
    message = EmailMessage()
    message["From"] = settings.link_email_from
    message["To"] = to
    message["Subject"] = "Your Lynk verification code"
    message.set_content(body)
    await asyncio.to_thread(_smtp_send, settings, message)
    logger.info("Link verification email sent")


def _smtp_send(settings: Settings, message: EmailMessage) -> None:
    host, port = settings.link_smtp_host or "", settings.link_smtp_port
    if settings.link_smtp_ssl:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=20, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=20)
    with smtp:
        if settings.link_smtp_starttls and not settings.link_smtp_ssl:
            smtp.starttls(context=ssl.create_default_context())
        if settings.link_smtp_username:
            smtp.login(settings.link_smtp_username, settings.link_smtp_password or "")
        smtp.send_message(message)


def sms_signature(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, as Stripe signs webhooks."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


async def send_sms(settings: Settings, to: str, body: str) -> None:
    if not settings.link_sms_webhook_url:
        logger.error("live-mode Link SMS not sent: LYNK_LINK_SMS_WEBHOOK_URL is not configured")
        return
    payload = json.dumps({"to": to, "body": body}).encode()
    headers = {"Content-Type": "application/json"}
    if settings.link_sms_webhook_secret:
        headers["Lynk-Signature"] = sms_signature(settings.link_sms_webhook_secret, int(time.time()), payload)
    async with httpx.AsyncClient(timeout=20) as client:
        response = await client.post(settings.link_sms_webhook_url, content=payload, headers=headers)
    if response.status_code >= 300:
        logger.error("Link SMS webhook answered %s", response.status_code)
    else:
        logger.info("Link verification SMS handed to the webhook")

"""SetupIntent use cases other than confirming (see `confirm`), SetupAttempts and mandates."""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.ids import new_id, random_token
from lynk.core.metadata import MetadataUpdate
from lynk.core.pagination import Page, PageRequest
from lynk.customers import service as customers
from lynk.events import service as events
from lynk.models import SetupAttempt, SetupAttemptStatus, SetupIntent, SetupIntentStatus
from lynk.payment_methods import service as payment_methods
from lynk.payments import recovery
from lynk.payments.context import PaymentContext
from lynk.payments.setup_intents import repository, states
from lynk.payments.setup_intents.confirm import SetupConfirmOptions, check_method, confirm, merge_options
from lynk.payments.setup_intents.errors import SetupAttemptNotFound, SetupClientSecretMismatch, SetupIntentNotFound
from lynk.payments.setup_intents.objects import setup_intent_object


@dataclass(frozen=True)
class NewSetupIntent:
    customer: str | None = None
    payment_method: str | None = None
    payment_method_data: payment_methods.CardData | None = None
    payment_method_types: Sequence[str] = ("card",)
    usage: str = "off_session"
    payment_method_options: dict[str, Any] = field(default_factory=dict)
    description: str | None = None
    metadata: MetadataUpdate | None = None


async def create(ctx: PaymentContext, new: NewSetupIntent, confirm_with: SetupConfirmOptions | None) -> SetupIntent:
    if confirm_with is not None and (
        earlier := await recovery.earlier_run(
            ctx, SetupIntent, lambda si: confirm(ctx, si, confirm_with), states.CONFIRMABLE
        )
    ):
        return earlier  # this request ran before and committed its SetupIntent with a verification
    if new.customer is not None:
        await customers.get(ctx.session, ctx.scope, new.customer, param="customer")
    si_id = new_id("seti")
    si = SetupIntent(
        id=si_id,
        created=ctx.now,
        merchant_id=ctx.scope.merchant_id,
        livemode=ctx.scope.livemode,
        metadata_=(new.metadata or MetadataUpdate()).apply({}),
        status=SetupIntentStatus.REQUIRES_PAYMENT_METHOD,
        usage=new.usage,
        customer_id=new.customer,
        payment_method_id=None,
        payment_method_types=list(new.payment_method_types),
        payment_method_options=merge_options({}, new.payment_method_options),
        description=new.description,
        client_secret=f"{si_id}_secret_{random_token(24)}",
        attempts=0,
    )
    await repository.add(ctx.session, si)
    ctx.created_here.add(si.id)  # its verification's processor keys then derive from the request's Idempotency-Key
    ctx.made_now.add(si.id)
    if confirm_with is None and new.payment_method_data is not None:
        method = await payment_methods.create_from_data(
            ctx.session, ctx.keyring, ctx.scope, new.payment_method_data, secret_key=True, now=ctx.now
        )
        states.method_attached(si, method.id)
    elif confirm_with is None and new.payment_method is not None:
        await _set_method(ctx, si, new.payment_method)
    await events.record(ctx.session, ctx.scope, "setup_intent.created", setup_intent_object(si), now=ctx.now)
    if confirm_with is not None:
        await confirm(ctx, si, confirm_with)
    return si


async def _set_method(ctx: PaymentContext, si: SetupIntent, payment_method: str) -> None:
    method = await payment_methods.resolve(ctx.session, ctx.keyring, ctx.scope, payment_method, now=ctx.now)
    check_method(si, method)
    states.method_attached(si, method.id)
    await ctx.session.flush()


async def get(ctx: PaymentContext, setup_intent_id: str, *, for_update: bool = False) -> SetupIntent:
    si = await repository.get_intent(ctx.session, ctx.scope, setup_intent_id, for_update=for_update)
    if si is None:
        raise SetupIntentNotFound(setup_intent_id)
    return si


async def get_for_page(session: AsyncSession, setup_intent_id: str, *, for_update: bool = False) -> SetupIntent | None:
    """Any merchant's SetupIntent: only for Lynk's challenge page, which then checks the client secret."""
    return await repository.get_intent_by_id(session, setup_intent_id, for_update=for_update)


def check_client_secret(si: SetupIntent, client_secret: str | None) -> None:
    """A publishable key reaches a SetupIntent only with its client secret."""
    if client_secret is None or not hmac.compare_digest(si.client_secret, client_secret):
        raise SetupClientSecretMismatch(si.id)


async def update(
    ctx: PaymentContext,
    si: SetupIntent,
    *,
    customer: str | None,
    payment_method: str | None,
    payment_method_types: Sequence[str] | None,
    payment_method_options: dict[str, Any] | None,
    description: str | None,
    metadata: MetadataUpdate | None,
) -> SetupIntent:
    states.check_updatable(si)
    if payment_method_options is not None:
        si.payment_method_options = merge_options(si.payment_method_options, payment_method_options)
    if customer is not None:
        await customers.get(ctx.session, ctx.scope, customer, param="customer")
        si.customer_id = customer
    if payment_method_types is not None:
        si.payment_method_types = list(payment_method_types)
    if payment_method is not None:
        await _set_method(ctx, si, payment_method)
    if description is not None:
        si.description = description
    if metadata is not None:
        si.metadata_ = metadata.apply(si.metadata_)
    await ctx.session.flush()
    return si


async def cancel(ctx: PaymentContext, si: SetupIntent, reason: str | None) -> SetupIntent:
    states.canceled(si, reason)
    if si.latest_attempt_id is not None:
        attempt = await repository.get_attempt(ctx.session, ctx.scope, si.latest_attempt_id)
        if attempt is not None and attempt.status == SetupAttemptStatus.REQUIRES_ACTION:
            attempt.status = SetupAttemptStatus.ABANDONED
    await ctx.session.flush()
    await events.record(ctx.session, ctx.scope, "setup_intent.canceled", setup_intent_object(si), now=ctx.now)
    return si


async def list_intents(
    ctx: PaymentContext, page: PageRequest, *, customer_id: str | None, payment_method_id: str | None
) -> Page[SetupIntent]:
    return await repository.list_intents(
        ctx.session, ctx.scope, page, customer_id=customer_id, payment_method_id=payment_method_id
    )


async def list_attempts(ctx: PaymentContext, page: PageRequest, *, setup_intent_id: str) -> Page[SetupAttempt]:
    # Another merchant's SetupIntent is as missing as one that never was.
    if await repository.get_intent(ctx.session, ctx.scope, setup_intent_id) is None:
        raise SetupIntentNotFound(setup_intent_id, param="setup_intent")
    return await repository.list_attempts(ctx.session, ctx.scope, page, setup_intent_id=setup_intent_id)


async def get_attempt(ctx: PaymentContext, attempt_id: str) -> SetupAttempt:
    attempt = await repository.get_attempt(ctx.session, ctx.scope, attempt_id)
    if attempt is None:
        raise SetupAttemptNotFound(attempt_id)
    return attempt

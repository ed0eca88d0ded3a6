"""Early fraud warnings: created when the network reports a charge as fraud (Stripe's test card
`4000000000005423`), readable and listable by the merchant, who may refund before a dispute comes."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.ids import new_id
from lynk.core.pagination import Page, PageRequest
from lynk.core.scope import Scope
from lynk.events import service as events
from lynk.models import EarlyFraudWarning
from lynk.radar import repository
from lynk.radar.errors import EarlyFraudWarningNotFound
from lynk.radar.objects import early_fraud_warning_object


async def create(
    session: AsyncSession,
    scope: Scope,
    *,
    charge_id: str,
    payment_intent_id: str | None,
    fraud_type: str = "made_with_stolen_card",
    now: int,
) -> EarlyFraudWarning:
    warning = EarlyFraudWarning(
        id=new_id("issfr"),
        created=now,
        merchant_id=scope.merchant_id,
        livemode=scope.livemode,
        metadata_={},
        charge_id=charge_id,
        payment_intent_id=payment_intent_id,
        fraud_type=fraud_type,
        actionable=True,
    )
    await repository.add(session, warning)
    obj = early_fraud_warning_object(warning)
    await events.record(session, scope, "radar.early_fraud_warning.created", obj, now=now)
    return warning


async def get(session: AsyncSession, scope: Scope, warning_id: str) -> EarlyFraudWarning:
    found = await repository.get(session, scope, warning_id)
    if found is None:
        raise EarlyFraudWarningNotFound(warning_id)
    return found


async def list_page(
    session: AsyncSession, scope: Scope, page: PageRequest, *, charge_id: str | None, payment_intent_id: str | None
) -> Page[EarlyFraudWarning]:
    return await repository.list_page(session, scope, page, charge_id=charge_id, payment_intent_id=payment_intent_id)

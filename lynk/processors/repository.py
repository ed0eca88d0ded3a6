"""All queries on processor_accounts (scoped to a merchant and mode) and processor_attempts."""

from __future__ import annotations

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.scope import Scope
from lynk.models import ProcessorAccount, ProcessorAttempt


async def add(session: AsyncSession, account: ProcessorAccount) -> None:
    session.add(account)
    await session.flush()


async def active(session: AsyncSession, scope: Scope) -> list[ProcessorAccount]:
    """The scope's processors in fallback order: priority, then the order they were added in."""
    stmt = (
        select(ProcessorAccount)
        .where(
            ProcessorAccount.merchant_id == scope.merchant_id,
            ProcessorAccount.livemode == scope.livemode,
            ProcessorAccount.removed.is_(False),
        )
        .order_by(ProcessorAccount.priority, ProcessorAccount.pk)
    )
    return list((await session.scalars(stmt)).all())


async def get(session: AsyncSession, processor_id: str, scope: Scope | None) -> ProcessorAccount | None:
    """One processor by id; within `scope` unless the operator (None) asks. Removed ones too."""
    stmt = select(ProcessorAccount).where(ProcessorAccount.id == processor_id)
    if scope is not None:
        stmt = stmt.where(
            ProcessorAccount.merchant_id == scope.merchant_id, ProcessorAccount.livemode == scope.livemode
        )
    account: ProcessorAccount | None = (await session.scalars(stmt)).first()
    return account


async def attempt(session: AsyncSession, idempotency_key: str) -> ProcessorAttempt | None:
    """The processor an authorization attempt was last sent to, if any."""
    stmt = select(ProcessorAttempt).where(ProcessorAttempt.idempotency_key == idempotency_key)
    found: ProcessorAttempt | None = (await session.scalars(stmt)).first()
    return found


async def pin_attempt(
    session: AsyncSession, idempotency_key: str, processor_id: str, processor_key: str, now: int
) -> None:
    row = await attempt(session, idempotency_key)
    if row is None:
        session.add(
            ProcessorAttempt(
                idempotency_key=idempotency_key, processor_id=processor_id, processor_key=processor_key, created=now
            )
        )
    else:
        row.processor_id, row.processor_key = processor_id, processor_key
    await session.flush()


async def unpin_attempt(session: AsyncSession, idempotency_key: str) -> None:
    await session.execute(delete(ProcessorAttempt).where(ProcessorAttempt.idempotency_key == idempotency_key))


# Read by every payment (its processors, or that it has none): built once, bound per call.
_EVERY_ACCOUNT = (
    select(ProcessorAccount)
    .where(ProcessorAccount.merchant_id == bindparam("merchant_id"), ProcessorAccount.livemode == bindparam("livemode"))
    .order_by(ProcessorAccount.priority, ProcessorAccount.pk)
)


async def every_account(session: AsyncSession, scope: Scope) -> list[ProcessorAccount]:
    """The scope's processors, removed ones too, in fallback order (priority, then the order they were added in)."""
    params = {"merchant_id": scope.merchant_id, "livemode": scope.livemode}
    return list((await session.scalars(_EVERY_ACCOUNT, params)).all())

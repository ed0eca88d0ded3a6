"""All queries on payment_intents, charges, refunds, bank_debits and connector_calls, scoped to a merchant and mode."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import BinaryExpression, BindParameter, Select, bindparam, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core import search
from lynk.core.db import insert_on_conflict
from lynk.core.pagination import Page, PageRequest, paginate, scoped_get, scoped_select
from lynk.core.scope import Scope
from lynk.models import BankDebit, BankDebitStatus, Charge, ConnectorCall, PaymentIntent, Refund


async def add(session: AsyncSession, *rows: PaymentIntent | Charge | ConnectorCall | Refund | BankDebit) -> None:
    session.add_all(rows)
    await session.flush()


async def get_intent(
    session: AsyncSession, scope: Scope, payment_intent_id: str, *, for_update: bool = False
) -> PaymentIntent | None:
    stmt = scoped_select(PaymentIntent, scope.merchant_id, scope.livemode)
    found: PaymentIntent | None = await scoped_get(
        session, stmt, PaymentIntent, payment_intent_id, for_update=for_update
    )
    return found


async def get_intent_by_id(
    session: AsyncSession, payment_intent_id: str, *, for_update: bool = False
) -> PaymentIntent | None:
    """Unscoped: only for Lynk's own pages, which prove access with the client secret."""
    found: PaymentIntent | None = await scoped_get(
        session, select(PaymentIntent), PaymentIntent, payment_intent_id, for_update=for_update
    )
    return found


async def list_intents(
    session: AsyncSession, scope: Scope, page: PageRequest, *, customer_id: str | None
) -> Page[PaymentIntent]:
    stmt = scoped_select(PaymentIntent, scope.merchant_id, scope.livemode)
    if customer_id is not None:
        stmt = stmt.where(PaymentIntent.customer_id == customer_id)
    return await paginate(session, stmt, PaymentIntent, page, object_name="payment_intent")


async def get_charge(session: AsyncSession, scope: Scope, charge_id: str, *, for_update: bool = False) -> Charge | None:
    stmt = scoped_select(Charge, scope.merchant_id, scope.livemode)
    found: Charge | None = await scoped_get(session, stmt, Charge, charge_id, for_update=for_update)
    return found


async def charges_by_id(session: AsyncSession, scope: Scope, charge_ids: list[str]) -> Sequence[Charge]:
    """The scope's charges among `charge_ids`, in one statement."""
    if not charge_ids:
        return []
    stmt = scoped_select(Charge, scope.merchant_id, scope.livemode).where(Charge.id.in_(charge_ids))
    return (await session.scalars(stmt)).all()


async def charge_by_connector_reference(session: AsyncSession, scope: Scope, reference: str) -> Charge | None:
    """The charge a processor knows as `reference` (as the router tags it: `proc_…|pi_…`), locked."""
    stmt = scoped_select(Charge, scope.merchant_id, scope.livemode).where(Charge.connector_reference == reference)
    found: Charge | None = (await session.scalars(stmt.with_for_update())).first()
    return found


async def list_charges(
    session: AsyncSession, scope: Scope, page: PageRequest, *, payment_intent_id: str | None, customer_id: str | None
) -> Page[Charge]:
    stmt = scoped_select(Charge, scope.merchant_id, scope.livemode)
    if payment_intent_id is not None:
        stmt = stmt.where(Charge.payment_intent_id == payment_intent_id)
    if customer_id is not None:
        stmt = stmt.where(Charge.customer_id == customer_id)
    return await paginate(session, stmt, Charge, page, object_name="charge")


async def find_call(session: AsyncSession, idempotency_key: str) -> ConnectorCall | None:
    found: ConnectorCall | None = (
        await session.scalars(select(ConnectorCall).where(ConnectorCall.idempotency_key == idempotency_key))
    ).first()
    return found


async def add_call_unless_keyed(session: AsyncSession, values: dict[str, Any]) -> ConnectorCall | None:
    """The connector call inserted with `values`, or None when one under its idempotency key is there already
    (nothing written: ON CONFLICT DO NOTHING on the key's unique index)."""
    stmt = (await insert_on_conflict(session, ConnectorCall)).values(values)
    stmt = stmt.on_conflict_do_nothing(index_elements=[ConnectorCall.idempotency_key]).returning(ConnectorCall)
    found: ConnectorCall | None = (await session.scalars(stmt)).first()
    return found


# Every processor attempt locks its row again in its second phase: built once, bound per call.
_LOCK_CALL = (
    select(ConnectorCall)
    .where(ConnectorCall.pk == bindparam("pk"))
    .with_for_update()
    .execution_options(populate_existing=True)
)


async def lock_call(session: AsyncSession, pk: int) -> ConnectorCall | None:
    """A connector call's row, locked and read afresh (another process may have resolved it since)."""
    found: ConnectorCall | None = (await session.scalars(_LOCK_CALL, {"pk": pk})).first()
    return found


_LOCK_CALL_WITH: dict[type[Any], Select[Any]] = {}


async def lock_call_with(session: AsyncSession, pk: int, row: Any) -> ConnectorCall | None:
    """`lock_call`, with `row` (the intent or the charge the attempt is about, by its `pk`) locked and read afresh
    into the session too: one round trip where `lock_call` then a refresh took two. The call's row is locked
    first, as before: PostgreSQL locks a `FOR UPDATE` join's rows in the order its tables are named (tried: the
    call's row is held while the join waits for the row's), and the call's table is named first. None if either
    row is gone."""
    kind = type(row)
    stmt = _LOCK_CALL_WITH.get(kind)
    if stmt is None:
        stmt = _LOCK_CALL_WITH[kind] = (
            select(ConnectorCall, kind)
            .join(kind, kind.pk == bindparam("row_pk"))  # a join by the row's own key: no product, one row
            .where(ConnectorCall.pk == bindparam("pk"))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    found = (await session.execute(stmt, {"pk": pk, "row_pk": row.pk})).first()
    return found[0] if found is not None else None


# The processor calls made in atomic phases (`payments.attempts`); the others run in one transaction.
PHASED_OPERATIONS = ("authorize", "capture", "increment", "void", "refund", "debit", "verify")


async def attempt_of_request(
    session: AsyncSession, request_key: str, payment_intent_id: str | None = None
) -> ConnectorCall | None:
    """The last attempt a request made (`RequestInfo.processor_key_base`), on the intent if given."""
    stmt = select(ConnectorCall).where(
        ConnectorCall.request_key == request_key, ConnectorCall.operation.in_(PHASED_OPERATIONS)
    )
    if payment_intent_id is not None:
        stmt = stmt.where(ConnectorCall.payment_intent_id == payment_intent_id)
    found: ConnectorCall | None = (await session.scalars(stmt.order_by(ConnectorCall.pk.desc()))).first()
    return found


async def answered_attempts(session: AsyncSession, payment_intent_id: str, operation: str) -> int:
    """How many of the intent's attempts of this operation the processor answered (granted or declined);
    a retry under the same key counts once."""
    stmt = select(func.count(distinct(ConnectorCall.idempotency_key))).where(
        ConnectorCall.payment_intent_id == payment_intent_id,
        ConnectorCall.operation == operation,
        ConnectorCall.status.not_in(("started", "unknown")),
    )
    return int((await session.execute(stmt)).scalar_one())


async def has_started_attempt(session: AsyncSession, payment_intent_id: str) -> bool:
    """Whether an attempt on the intent (a PaymentIntent or a SetupIntent) is with the processor now."""
    stmt = select(ConnectorCall.pk).where(
        ConnectorCall.payment_intent_id == payment_intent_id,
        ConnectorCall.status == "started",
        ConnectorCall.operation.in_(PHASED_OPERATIONS),
    )
    return (await session.scalars(stmt.limit(1))).first() is not None


async def unfinished_attempts(session: AsyncSession, *, limit: int) -> Sequence[ConnectorCall]:
    """Attempts left `started`, oldest first (the recovery job decides which were abandoned)."""
    stmt = select(ConnectorCall).where(
        ConnectorCall.status == "started", ConnectorCall.operation.in_(PHASED_OPERATIONS)
    )
    return (await session.scalars(stmt.order_by(ConnectorCall.created, ConnectorCall.pk).limit(limit))).all()


async def get_refund(session: AsyncSession, scope: Scope, refund_id: str, *, for_update: bool = False) -> Refund | None:
    stmt = scoped_select(Refund, scope.merchant_id, scope.livemode)
    found: Refund | None = await scoped_get(session, stmt, Refund, refund_id, for_update=for_update)
    return found


async def refund_by_connector_reference(session: AsyncSession, scope: Scope, reference: str) -> Refund | None:
    """The refund a processor knows as `reference` (as the router tags it: `proc_…|re_…`), locked."""
    stmt = scoped_select(Refund, scope.merchant_id, scope.livemode).where(Refund.connector_reference == reference)
    found: Refund | None = (await session.scalars(stmt.with_for_update())).first()
    return found


async def refund_calls(session: AsyncSession, payment_intent_id: str) -> Sequence[tuple[str, int]]:
    """The status and amount of each refund attempt on the intent's charge (a handful: read by the intent's
    index, whatever the store holds)."""
    stmt = select(ConnectorCall.status, ConnectorCall.amount).where(
        ConnectorCall.payment_intent_id == payment_intent_id, ConnectorCall.operation == "refund"
    )
    return [(status, amount) for status, amount in (await session.execute(stmt)).all()]


async def list_refunds(
    session: AsyncSession, scope: Scope, page: PageRequest, *, charge_id: str | None, payment_intent_id: str | None
) -> Page[Refund]:
    stmt = scoped_select(Refund, scope.merchant_id, scope.livemode)
    if charge_id is not None:
        stmt = stmt.where(Refund.charge_id == charge_id)
    if payment_intent_id is not None:
        stmt = stmt.where(Refund.payment_intent_id == payment_intent_id)
    return await paginate(session, stmt, Refund, page, object_name="refund")


async def authorizations_older_than(
    session: AsyncSession, cutoff: int, *, limit: int, customer_ids: Sequence[str] | None = None
) -> list[PaymentIntent]:
    """Uncaptured authorizations made before `cutoff`, across all merchants (for the expiry job),
    or only those of `customer_ids` (a test clock's customers)."""
    stmt = (
        select(PaymentIntent)
        .where(PaymentIntent.status == "requires_capture", PaymentIntent.authorized_at < cutoff)
        .order_by(PaymentIntent.pk)
        .limit(limit)
        .with_for_update()
    )
    if customer_ids is not None:
        stmt = stmt.where(PaymentIntent.customer_id.in_(customer_ids))
    return list((await session.scalars(stmt)).all())


async def due_bank_debits(
    session: AsyncSession, now: int, *, limit: int, customer_ids: Sequence[str] | None = None
) -> list[BankDebit]:
    """Pending bank debits whose settlement time has come, across merchants (or of `customer_ids`),
    locked (`SKIP LOCKED` on PostgreSQL)."""
    stmt = (
        select(BankDebit)
        .where(BankDebit.status == BankDebitStatus.PENDING, BankDebit.due_at <= now)
        .order_by(BankDebit.due_at, BankDebit.pk)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if customer_ids is not None:
        owned = select(PaymentIntent.id).where(PaymentIntent.customer_id.in_(customer_ids))
        stmt = stmt.where(BankDebit.payment_intent_id.in_(owned))
    return list((await session.scalars(stmt)).all())


INTENT_SEARCH_FIELDS = {
    "amount": search.Field(PaymentIntent.amount, search.Kind.NUMBER),
    "created": search.Field(PaymentIntent.created, search.Kind.NUMBER),
    "currency": search.Field(PaymentIntent.currency, search.Kind.EXACT, lowercase=True),
    "customer": search.Field(PaymentIntent.customer_id, search.Kind.EXACT),
    "status": search.Field(PaymentIntent.status, search.Kind.EXACT),
}
_DETAILS = Charge.payment_method_details


def _as_indexed(expression: BinaryExpression[str]) -> BinaryExpression[str]:
    """The JSON path written into the SQL instead of bound: SQLite uses an expression index (here
    ix_charges_scope_card_last4) only for the very same expression, its path literal included."""
    path = expression.right
    assert isinstance(path, BindParameter)
    path.literal_execute = True
    return expression


CHARGE_SEARCH_FIELDS = {
    "amount": search.Field(Charge.amount, search.Kind.NUMBER),
    "created": search.Field(Charge.created, search.Kind.NUMBER),
    "currency": search.Field(Charge.currency, search.Kind.EXACT, lowercase=True),
    "customer": search.Field(Charge.customer_id, search.Kind.EXACT),
    "disputed": search.Field(Charge.disputed, search.Kind.BOOLEAN),
    "payment_intent": search.Field(Charge.payment_intent_id, search.Kind.EXACT),
    "status": search.Field(Charge.status, search.Kind.EXACT),
    "payment_method_details.type": search.Field(_DETAILS["type"].as_string(), search.Kind.EXACT),
    "payment_method_details.card.brand": search.Field(_DETAILS[("card", "brand")].as_string(), search.Kind.EXACT),
    "payment_method_details.card.last4": search.Field(
        _as_indexed(_DETAILS[("card", "last4")].as_string()), search.Kind.EXACT
    ),
}


async def search_intents(session: AsyncSession, scope: Scope, query: str, page: PageRequest) -> Page[PaymentIntent]:
    condition = search.condition(query, INTENT_SEARCH_FIELDS, PaymentIntent.metadata_)
    stmt = scoped_select(PaymentIntent, scope.merchant_id, scope.livemode).where(condition)
    return await paginate(session, stmt, PaymentIntent, page, object_name="payment_intent")


async def search_charges(session: AsyncSession, scope: Scope, query: str, page: PageRequest) -> Page[Charge]:
    condition = search.condition(query, CHARGE_SEARCH_FIELDS, Charge.metadata_)
    stmt = scoped_select(Charge, scope.merchant_id, scope.livemode).where(condition)
    return await paginate(session, stmt, Charge, page, object_name="charge")


async def calls_of_intent(session: AsyncSession, payment_intent_id: str, limit: int) -> Sequence[ConnectorCall]:
    """The processor calls made for one intent (its index), oldest first."""
    stmt = select(ConnectorCall).where(ConnectorCall.payment_intent_id == payment_intent_id)
    return (await session.scalars(stmt.order_by(ConnectorCall.created, ConnectorCall.pk).limit(limit))).all()

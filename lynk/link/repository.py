"""All queries on the Link tables."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Delete, delete, exists, func, inspect, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from lynk.core.db import insert_on_conflict
from lynk.core.scope import Scope
from lynk.models import (
    LinkAccount,
    LinkCode,
    LinkCodeStatus,
    LinkDevice,
    LinkGrant,
    LinkGrantStatus,
    LinkHeldSignup,
    LinkMessage,
    LinkMetricEvent,
    LinkPaymentDetail,
    LinkSession,
    LinkSessionStatus,
    LinkShippingAddress,
    LinkSource,
)

Row = (
    LinkHeldSignup
    | LinkAccount
    | LinkSession
    | LinkCode
    | LinkMessage
    | LinkPaymentDetail
    | LinkShippingAddress
    | LinkGrant
    | LinkDevice
)


async def add(session: AsyncSession, row: Row) -> None:
    session.add(row)
    await session.flush()


async def account_by_email(
    session: AsyncSession, livemode: bool, email: str, *, for_update: bool = False
) -> LinkAccount | None:
    stmt = select(LinkAccount).where(LinkAccount.livemode == livemode, LinkAccount.email == email)
    if for_update:
        stmt = stmt.with_for_update()
    found: LinkAccount | None = (await session.scalars(stmt)).first()
    return found


# What a database session has read of accounts (by id) and consumer sessions (by secret hash): a request reads
# them at several stages (a Link payment authenticates the session, then its risk check reads it again).
_ACCOUNTS_READ, _SESSIONS_READ = "lynk_link_accounts_read", "lynk_link_sessions_read"


def _held(session: AsyncSession, kind: str, key: str) -> object | None:
    """The row this session read under `key`, while it still holds it (not rolled back, not deleted, not
    expired): the very object its identity map would hand back from a second SELECT, without the round trip."""
    row = session.info.get(kind, {}).get(key)
    if row is None:
        return None
    state = inspect(row)
    return row if state.persistent and not state.expired_attributes else None


def _hold(session: AsyncSession, kind: str, key: str, row: object | None) -> None:
    if row is not None:
        session.info.setdefault(kind, {})[key] = row


async def account(session: AsyncSession, account_id: str, *, for_update: bool = False) -> LinkAccount | None:
    """The account; `for_update` always asks the database (the lock), else once per session."""
    held = None if for_update else _held(session, _ACCOUNTS_READ, account_id)
    if isinstance(held, LinkAccount):
        return held
    stmt = select(LinkAccount).where(LinkAccount.id == account_id)
    if for_update:
        stmt = stmt.with_for_update()
    found: LinkAccount | None = (await session.scalars(stmt)).first()
    _hold(session, _ACCOUNTS_READ, account_id, found)
    return found


async def session_by_hash(session: AsyncSession, secret_hash: str) -> LinkSession | None:
    """The consumer session with this secret, read once per database session (see `_held`)."""
    held = _held(session, _SESSIONS_READ, secret_hash)
    if isinstance(held, LinkSession) and held.secret_hash == secret_hash:  # a resumed session has a new secret
        return held
    stmt = select(LinkSession).where(LinkSession.secret_hash == secret_hash)
    found: LinkSession | None = (await session.scalars(stmt)).first()
    _hold(session, _SESSIONS_READ, secret_hash, found)
    return found


async def session_and_account(
    session: AsyncSession, secret_hash: str, *, lock_account: bool = False
) -> tuple[LinkSession, LinkAccount] | None:
    """The consumer session with this secret and its account, in one round trip (every use of a session reads
    both), each kept for the rest of the database session as `session_by_hash` and `account` keep them;
    `lock_account` always asks the database and locks the account's row (FOR UPDATE OF link_accounts)."""
    held = _held(session, _SESSIONS_READ, secret_hash)
    if isinstance(held, LinkSession) and held.secret_hash == secret_hash and not lock_account:
        account = _held(session, _ACCOUNTS_READ, held.account_id)
        if isinstance(account, LinkAccount):
            return held, account
    stmt = (
        select(LinkSession, LinkAccount)
        .join(LinkAccount, LinkAccount.id == LinkSession.account_id)
        .where(LinkSession.secret_hash == secret_hash)
    )
    if lock_account:
        stmt = stmt.with_for_update(of=LinkAccount)
    found = (await session.execute(stmt)).first()
    if found is None:
        return None
    row, account = found
    _hold(session, _SESSIONS_READ, secret_hash, row)
    _hold(session, _ACCOUNTS_READ, account.id, account)
    return row, account


async def sessions_of(session: AsyncSession, account_id: str) -> Sequence[LinkSession]:
    stmt = select(LinkSession).where(LinkSession.account_id == account_id).order_by(LinkSession.pk)
    return (await session.scalars(stmt)).all()


async def active_code(session: AsyncSession, session_id: str, *, for_update: bool = False) -> LinkCode | None:
    stmt = (
        select(LinkCode)
        .where(LinkCode.session_id == session_id, LinkCode.status == LinkCodeStatus.ACTIVE)
        .order_by(LinkCode.pk.desc())
    )
    if for_update:
        stmt = stmt.with_for_update()
    found: LinkCode | None = (await session.scalars(stmt)).first()
    return found


async def pending_session(
    session: AsyncSession, scope: Scope, account_id: str, browser_hash: str, *, used_since: int, now: int
) -> LinkSession | None:
    """The newest unverified session of this account, merchant, mode and browser with a code still
    waiting (active, unexpired): what a reload of the page picks up again instead of sending another."""
    waiting = select(LinkCode.session_id).where(LinkCode.status == LinkCodeStatus.ACTIVE, LinkCode.expires > now)
    stmt = (
        select(LinkSession)
        .where(
            LinkSession.account_id == account_id,
            LinkSession.merchant_id == scope.merchant_id,
            LinkSession.livemode == scope.livemode,
            LinkSession.browser_hash == browser_hash,
            LinkSession.status == LinkSessionStatus.UNVERIFIED,
            LinkSession.last_used >= used_since,
            LinkSession.id.in_(waiting),
        )
        .order_by(LinkSession.pk.desc())
        .with_for_update()
    )
    found: LinkSession | None = (await session.scalars(stmt)).first()
    return found


async def supersede_codes(session: AsyncSession, session_id: str) -> None:
    await session.execute(
        update(LinkCode)
        .where(LinkCode.session_id == session_id, LinkCode.status == LinkCodeStatus.ACTIVE)
        .values(status=LinkCodeStatus.SUPERSEDED)
    )


async def codes_sent_and_waiting(
    session: AsyncSession, account_id: str, since: int, session_id: str
) -> tuple[int, bool]:
    """The codes sent to the account since `since`, and whether the consumer session `session_id` has a code
    waiting (which a new one supersedes): one round trip, each count on its own index."""
    sent = select(func.count()).select_from(LinkCode).where(LinkCode.account_id == account_id, LinkCode.created > since)
    waiting = exists().where(LinkCode.session_id == session_id, LinkCode.status == LinkCodeStatus.ACTIVE)
    count, active = (await session.execute(select(sent.scalar_subquery(), waiting))).one()
    return int(count), bool(active)


async def sms_codes_since(session: AsyncSession, livemode: bool, since: int) -> int:
    """Codes sent by SMS on the whole network (one mode) since `since`: what the monthly budget counts."""
    stmt = select(func.count()).where(
        LinkCode.livemode == livemode, LinkCode.channel == "sms", LinkCode.created >= since
    )
    return int((await session.execute(stmt)).scalar_one())


async def messages(session: AsyncSession, scope: Scope, to: str, limit: int) -> Sequence[LinkMessage]:
    stmt = (
        select(LinkMessage)
        .where(LinkMessage.merchant_id == scope.merchant_id, LinkMessage.livemode == scope.livemode)
        .where(LinkMessage.to == to)
        .order_by(LinkMessage.created.desc(), LinkMessage.pk.desc())
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()


async def details(session: AsyncSession, account_id: str) -> Sequence[LinkPaymentDetail]:
    stmt = select(LinkPaymentDetail).where(LinkPaymentDetail.account_id == account_id)
    return (await session.scalars(stmt.order_by(LinkPaymentDetail.created, LinkPaymentDetail.pk))).all()


async def detail(
    session: AsyncSession, account_id: str, detail_id: str, *, for_update: bool = False
) -> LinkPaymentDetail | None:
    stmt = select(LinkPaymentDetail).where(
        LinkPaymentDetail.account_id == account_id, LinkPaymentDetail.id == detail_id
    )
    if for_update:
        stmt = stmt.with_for_update()
    found: LinkPaymentDetail | None = (await session.scalars(stmt)).first()
    return found


async def addresses(session: AsyncSession, account_id: str) -> Sequence[LinkShippingAddress]:
    stmt = select(LinkShippingAddress).where(LinkShippingAddress.account_id == account_id)
    return (await session.scalars(stmt.order_by(LinkShippingAddress.created, LinkShippingAddress.pk))).all()


async def address(session: AsyncSession, account_id: str, address_id: str) -> LinkShippingAddress | None:
    stmt = select(LinkShippingAddress).where(
        LinkShippingAddress.account_id == account_id, LinkShippingAddress.id == address_id
    )
    found: LinkShippingAddress | None = (await session.scalars(stmt)).first()
    return found


async def grants(session: AsyncSession, account_id: str) -> Sequence[LinkGrant]:
    stmt = select(LinkGrant).where(LinkGrant.account_id == account_id)
    return (await session.scalars(stmt.order_by(LinkGrant.created.desc(), LinkGrant.pk.desc()))).all()


async def grant(session: AsyncSession, account_id: str, grant_id: str, *, for_update: bool = False) -> LinkGrant | None:
    stmt = select(LinkGrant).where(LinkGrant.account_id == account_id, LinkGrant.id == grant_id)
    if for_update:
        stmt = stmt.with_for_update()
    found: LinkGrant | None = (await session.scalars(stmt)).first()
    return found


async def grant_for_method(
    session: AsyncSession, scope: Scope, payment_method_id: str, *, for_update: bool = False
) -> LinkGrant | None:
    stmt = select(LinkGrant).where(
        LinkGrant.merchant_id == scope.merchant_id,
        LinkGrant.livemode == scope.livemode,
        LinkGrant.payment_method_id == payment_method_id,
    )
    if for_update:
        stmt = stmt.with_for_update()
    found: LinkGrant | None = (await session.scalars(stmt)).first()
    return found


async def forget_detail_in_grants(session: AsyncSession, detail_id: str) -> None:
    await session.execute(
        update(LinkGrant).where(LinkGrant.payment_detail_id == detail_id).values(payment_detail_id=None)
    )


async def point_grants_to(session: AsyncSession, account_id: str, detail_id: str) -> None:
    await session.execute(
        update(LinkGrant)
        .where(LinkGrant.account_id == account_id, LinkGrant.status == LinkGrantStatus.ACTIVE)
        .values(payment_detail_id=detail_id)
    )


async def delete_row(session: AsyncSession, row: Row) -> None:
    await session.delete(row)
    await session.flush()


async def erase_account_rows(session: AsyncSession, account_id: str, contacts: Sequence[str]) -> None:
    """Delete everything personal of an account but its grants (kept, revoked, for merchants' history)."""
    await session.execute(delete(LinkCode).where(LinkCode.account_id == account_id))
    await session.execute(delete(LinkSession).where(LinkSession.account_id == account_id))
    await session.execute(delete(LinkShippingAddress).where(LinkShippingAddress.account_id == account_id))
    await session.execute(delete(LinkPaymentDetail).where(LinkPaymentDetail.account_id == account_id))
    await session.execute(delete(LinkDevice).where(LinkDevice.account_id == account_id))
    await session.execute(delete(LinkSource).where(LinkSource.account_id == account_id))
    if contacts:
        await session.execute(delete(LinkMessage).where(LinkMessage.to.in_(list(contacts))))
    await session.execute(delete(LinkAccount).where(LinkAccount.id == account_id))


async def held_signup(session: AsyncSession, scope: Scope, payment_intent_id: str) -> LinkHeldSignup | None:
    stmt = select(LinkHeldSignup).where(
        LinkHeldSignup.merchant_id == scope.merchant_id,
        LinkHeldSignup.livemode == scope.livemode,
        LinkHeldSignup.payment_intent_id == payment_intent_id,
    )
    found: LinkHeldSignup | None = (await session.scalars(stmt)).first()
    return found


async def hold_signup(session: AsyncSession, row: LinkHeldSignup) -> None:
    await session.execute(delete(LinkHeldSignup).where(LinkHeldSignup.payment_intent_id == row.payment_intent_id))
    session.add(row)
    await session.flush()


async def purge_held_signups(session: AsyncSession, *, created_before: int) -> int:
    gone = await session.execute(delete(LinkHeldSignup).where(LinkHeldSignup.created < created_before))
    return int(getattr(gone, "rowcount", 0) or 0)


async def device(session: AsyncSession, account_id: str, device_id: str) -> LinkDevice | None:
    stmt = select(LinkDevice).where(LinkDevice.id == device_id, LinkDevice.account_id == account_id)
    found: LinkDevice | None = (await session.scalars(stmt)).first()
    return found


async def active_devices(session: AsyncSession, account_id: str) -> Sequence[LinkDevice]:
    stmt = select(LinkDevice).where(LinkDevice.account_id == account_id, LinkDevice.revoked_at.is_(None))
    return (await session.scalars(stmt.order_by(LinkDevice.created.desc(), LinkDevice.pk.desc()))).all()


async def log_out_browser(session: AsyncSession, account_id: str, browser_hash: str) -> None:
    await session.execute(
        update(LinkSession)
        .where(LinkSession.account_id == account_id, LinkSession.browser_hash == browser_hash)
        .values(status=LinkSessionStatus.LOGGED_OUT)
    )


async def add_metric(session: AsyncSession, row: LinkMetricEvent) -> None:
    """Added, not flushed: it goes with the request's next flush (or its commit), so the figures a request
    records (a lookup: "lookup" and "recognised") share one multi-row INSERT."""
    session.add(row)


async def metric_rows(
    session: AsyncSession, scope: Scope, since: int | None, until: int | None
) -> Sequence[tuple[str, int | None]]:
    stmt = select(LinkMetricEvent.kind, LinkMetricEvent.seconds).where(
        LinkMetricEvent.merchant_id == scope.merchant_id, LinkMetricEvent.livemode == scope.livemode
    )
    if since is not None:
        stmt = stmt.where(LinkMetricEvent.created >= since)
    if until is not None:
        stmt = stmt.where(LinkMetricEvent.created < until)
    return [(kind, seconds) for kind, seconds in (await session.execute(stmt)).all()]


async def sources(session: AsyncSession, account_id: str) -> dict[tuple[str, str], int]:
    """The (kind, value hash) pairs an account was verified from, with when each was last seen."""
    stmt = select(LinkSource.kind, LinkSource.value_hash, LinkSource.last_seen).where(
        LinkSource.account_id == account_id
    )
    return {(kind, value): last_seen for kind, value, last_seen in (await session.execute(stmt)).all()}


def purge_sources_statement(unseen_before: int, seen_since: int | None = None, account_id: str | None = None) -> Delete:
    """The sources last verified from before `unseen_before` (and since `seen_since`; of one account), of the
    accounts verified from anywhere since then (an account that has not been verified since keeps what it
    knows; see step_up.forget)."""
    recent = aliased(LinkSource)
    # A scalar subquery, probed per candidate through the account's index, not an EXISTS: PostgreSQL turns
    # that into a semi-join that hashes every recent source of the table at each pass (bench/link_sources_purge.py).
    active = (
        select(literal(1))
        .where(recent.account_id == LinkSource.account_id, recent.last_seen >= unseen_before)
        .limit(1)
        .scalar_subquery()
    )
    stmt = delete(LinkSource).where(LinkSource.last_seen < unseen_before, active.is_not(None))
    if seen_since is not None:
        stmt = stmt.where(LinkSource.last_seen >= seen_since)
    if account_id is not None:
        stmt = stmt.where(LinkSource.account_id == account_id)
    return stmt


async def purge_sources(
    session: AsyncSession, *, unseen_before: int, seen_since: int | None = None, account_id: str | None = None
) -> int:
    """Forget the sources `purge_sources_statement` names; how many."""
    result = await session.execute(purge_sources_statement(unseen_before, seen_since, account_id))
    return int(getattr(result, "rowcount", 0) or 0)


async def remember_sources(session: AsyncSession, account_id: str, found: Sequence[tuple[str, str]], now: int) -> None:
    """Add the sources not yet known and mark the known ones seen now, in one statement (an upsert on the
    sources' unique key: a source remembered by a concurrent request keeps its `first_seen`). The rows go as
    parameters of one single-row statement, which SQLAlchemy compiles once per process; rows written into
    the statement (`.values(rows)`) made a statement it cannot cache, compiled again at every verification."""
    rows = [
        {"account_id": account_id, "kind": kind, "value_hash": value, "first_seen": now, "last_seen": now}
        for kind, value in dict.fromkeys(found)
    ]
    if not rows:
        return
    stmt = await insert_on_conflict(session, LinkSource)
    key = [LinkSource.account_id, LinkSource.kind, LinkSource.value_hash]
    await session.execute(
        stmt.on_conflict_do_update(index_elements=key, set_={"last_seen": stmt.excluded.last_seen}), rows
    )


async def granted_card(session: AsyncSession, scope: Scope, payment_method_id: str) -> tuple[str, int] | None:
    """The account a merchant's `link` method charges, and when its chosen detail was saved to the account."""
    stmt = (
        select(LinkGrant.account_id, LinkPaymentDetail.created)
        .join(LinkPaymentDetail, LinkPaymentDetail.id == LinkGrant.payment_detail_id)
        .where(
            LinkGrant.merchant_id == scope.merchant_id,
            LinkGrant.livemode == scope.livemode,
            LinkGrant.payment_method_id == payment_method_id,
        )
    )
    found = (await session.execute(stmt)).first()
    return None if found is None else (str(found[0]), int(found[1]))

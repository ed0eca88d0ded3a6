"""PaymentMethods of type `us_bank_account`: the account number goes straight into the vault."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.errors import LynkError, ParameterMissing
from lynk.core.ids import new_id
from lynk.core.metadata import MetadataUpdate
from lynk.core.scope import Scope
from lynk.models import PaymentMethod
from lynk.payment_methods import repository
from lynk.payment_methods.service import billing_details
from lynk.vault import bank_accounts as vault_banks
from lynk.vault.keyring import Keyring

TYPE = "us_bank_account"


@dataclass(frozen=True)
class BankAccountInput:
    routing_number: str | None = None
    account_number: str | None = None
    account_holder_type: str | None = None
    account_type: str | None = None


def _param(within: str | None, *path: str) -> str:
    """`us_bank_account[routing_number]`, or `payment_method_data[us_bank_account][routing_number]`."""
    parts = [within, *path] if within else list(path)
    return parts[0] + "".join(f"[{p}]" for p in parts[1:])


def _document(stored: vault_banks.StoredBankAccount, given: BankAccountInput) -> dict[str, Any]:
    facts = stored.facts
    return {
        "account_holder_type": given.account_holder_type or "individual",
        "account_type": given.account_type or "checking",
        "bank_name": facts.bank_name,
        "financial_connections_account": None,
        "fingerprint": stored.fingerprint,
        "last4": facts.last4,
        "networks": {"preferred": "ach", "supported": ["ach"]},
        "routing_number": facts.routing_number,
        "status_details": None,
    }


async def seal(
    session: AsyncSession,
    keyring: Keyring,
    *,
    livemode: bool,
    account: BankAccountInput,
    now: int,
    within: str | None = None,
) -> vault_banks.StoredBankAccount:
    """Check the numbers and seal them in the vault (errors name `<within>[us_bank_account][…]`).

    Also how a Link wallet saves a bank account as a payment detail."""
    if account.routing_number is None:
        raise ParameterMissing(_param(within, TYPE, "routing_number"))
    if account.account_number is None:
        raise ParameterMissing(_param(within, TYPE, "account_number"))
    try:
        return await vault_banks.store_bank_account(
            session,
            keyring,
            livemode=livemode,
            routing_number=account.routing_number,
            account_number=account.account_number,
            now=now,
        )
    except LynkError as error:
        error.param = _param(within, TYPE, error.param or "")
        raise


async def create(
    session: AsyncSession,
    keyring: Keyring,
    scope: Scope,
    account: BankAccountInput,
    *,
    billing: dict[str, Any] | None,
    metadata: MetadataUpdate | None,
    allow_redisplay: str,
    now: int,
    within: str | None = None,
) -> PaymentMethod:
    """Seal the account in the vault and make its PaymentMethod; ACH needs the holder's name, as at Stripe."""
    if not (billing or {}).get("name"):
        raise ParameterMissing(_param(within, "billing_details", "name"))
    stored = await seal(session, keyring, livemode=scope.livemode, account=account, now=now, within=within)
    payment_method = PaymentMethod(
        id=new_id("pm"),
        created=now,
        merchant_id=scope.merchant_id,
        livemode=scope.livemode,
        metadata_=(metadata or MetadataUpdate()).apply({}),
        type=TYPE,
        customer_id=None,
        billing_details=billing_details(billing),
        allow_redisplay=allow_redisplay,
        vault_card_id=None,
        card=None,
        vault_bank_account_id=stored.id,
        us_bank_account=_document(stored, account),
    )
    await repository.add(session, payment_method)
    return payment_method

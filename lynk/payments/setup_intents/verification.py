"""A card verified before it is saved outside any SetupIntent: a zero-amount authorization through the
connector of the scope's mode, as a SetupIntent verifies a card (confirm.py). The shopper's account page
calls it before "Add a card" keeps a card in her Link wallet, so a card the processor declines is refused.

It runs in atomic phases when the caller's session was opened with `Database.phases` (the account page's
action is): what the caller did so far (the card sealed in the vault) commits, the processor is called
with no transaction open, and the caller keeps the card in the next phase. A card the processor declines,
or a call that gets no answer, has its sealed copy erased in a short transaction of its own before the
error. An authorization of 0 holds no money, so no attempt is recorded: a request that dies between the
phases leaves a sealed card nothing refers to (as a PaymentMethod never used does), and nothing to
recover. Inside one transaction it all runs there, and a decline rolls the sealed card back with the rest.
"""

from __future__ import annotations

from lynk.connectors import AuthorizeRequest, CardRef
from lynk.core.db import end_phase
from lynk.core.errors import CardError
from lynk.core.ids import new_id
from lynk.payments.context import PaymentContext, connector_call, require_processor
from lynk.payments.setup_intents.confirm import VERIFICATION_CURRENCY
from lynk.vault import service as vault


async def verify_card(ctx: PaymentContext, vault_card_id: str, *, cvc_provided: bool) -> None:
    """Authorize 0 on the sealed card, or erase it and raise a `CardError` saying why it cannot be saved."""
    await require_processor(ctx)
    facts = await vault.card_facts(ctx.session, vault_card_id)
    assert facts is not None, "the card was sealed by the caller"
    card = CardRef(
        vault_card_id=vault_card_id,
        bin=facts.bin,
        last4=facts.last4,
        brand=facts.brand,
        exp_month=facts.exp_month,
        exp_year=facts.exp_year,
    )
    request = AuthorizeRequest(
        idempotency_key=new_id("verify", 24),
        amount=0,
        currency=VERIFICATION_CURRENCY,
        card=card,
        cvc_provided=cvc_provided,
        setup_for_future=True,
    )
    await end_phase(ctx.session)  # the sealed card committed: the processor may read it from the vault
    try:  # no transaction open from here
        result = await connector_call(ctx.connector.authorize, request)
    except Exception:
        await _forget(ctx, vault_card_id)
        raise
    if not result.succeeded:
        await _forget(ctx, vault_card_id)
        raise CardError(
            f"{result.message or 'Your card was declined.'} It was not saved: try another card.",
            code=result.code or "card_declined",
            decline_code=result.decline_code,
        )


async def _forget(ctx: PaymentContext, vault_card_id: str) -> None:
    """A card that is not kept: its sealed copy erased, committed before the error rolls the rest back."""
    await vault.erase_card(ctx.session, vault_card_id)
    await end_phase(ctx.session)

"""A card verified before it is saved outside any SetupIntent: a zero-amount authorization through the
connector of the scope's mode, as a SetupIntent verifies a card (confirm.py). The shopper's account page
calls it before "Add a card" keeps a card in her Link wallet, so a card the processor declines is refused.

It runs in the caller's transaction: an authorization of 0 holds no money, so a request that dies after it
leaves nothing to recover, and a decline rolls the sealed card back with everything else.
"""

from __future__ import annotations

from lynk.connectors import AuthorizeRequest, CardRef
from lynk.core.errors import CardError
from lynk.core.ids import new_id
from lynk.payments.context import PaymentContext, connector_call, require_processor
from lynk.payments.setup_intents.confirm import VERIFICATION_CURRENCY
from lynk.vault import service as vault


async def verify_card(ctx: PaymentContext, vault_card_id: str, *, cvc_provided: bool) -> None:
    """Authorize 0 on the sealed card, or raise a `CardError` saying why it cannot be saved."""
    await require_processor(ctx)
    facts = await vault.card_facts(ctx.session, vault_card_id)
    assert facts is not None, "the card was sealed in this transaction"
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
    result = await connector_call(ctx.connector.authorize, request)
    if not result.succeeded:
        raise CardError(
            f"{result.message or 'Your card was declined.'} It was not saved: try another card.",
            code=result.code or "card_declined",
            decline_code=result.decline_code,
        )

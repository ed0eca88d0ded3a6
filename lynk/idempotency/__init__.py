"""Stripe-semantics idempotency keys: claim, replay, complete, release and purge."""

"""Webhook endpoints and Stripe-compatible signatures (delivery comes with the job worker)."""

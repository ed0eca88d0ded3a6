"""Lynk: an open, self-hostable payment-method network with a Stripe-compatible API."""

__version__ = "0.1.0"

"""Customers, complete as Stripe has them: create, retrieve, update, delete, list."""

"""Disputes: chargebacks and inquiries of a charge, their evidence, deadlines and outcomes."""

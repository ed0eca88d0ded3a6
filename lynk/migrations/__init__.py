"""Alembic migrations, shipped inside the package so `lynk migrate` works wherever Lynk is installed."""

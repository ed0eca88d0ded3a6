"""Shared foundations: settings, database, errors, money, ids and the clock."""

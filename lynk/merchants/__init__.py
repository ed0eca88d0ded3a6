"""Merchants and their API keys: creation, hashing, authentication, revocation."""

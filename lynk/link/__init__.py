"""The Link network: shopper accounts, one-time codes, consumer sessions, saved details and grants."""

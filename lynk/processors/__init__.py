"""Processors: a merchant's accounts at card processors, per mode, and the routing among them."""

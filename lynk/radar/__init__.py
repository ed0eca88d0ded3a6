"""Radar: early fraud warnings reported by the card networks (later: reviews, rules and lists)."""

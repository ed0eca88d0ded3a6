"""The merchant dashboard at `/dashboard` (docs/dashboard.md): pages on lynk.web over the domains' services."""

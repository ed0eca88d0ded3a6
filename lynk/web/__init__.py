"""Lynk's page layer, below every set of pages (checkout, account, dashboard): rendering with strict
security headers (site.py), CSRF checked on every POST unless a route opts out (csrf.py, router.py),
one transaction per page action with work run after commit, and idempotent form actions (actions.py)."""

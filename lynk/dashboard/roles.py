"""What each dashboard role may see and do: the one table every page consults (docs/dashboard.md shows it).

Stripe's roles, reduced to what the dashboard offers: an administrator does everything; a developer runs
the integration (keys, webhooks) and may act on payments; an analyst reads; a support specialist reads
payments, refunds, captures or cancels them, closes reviews and answers disputes, but never touches keys or
webhooks.
"""

from __future__ import annotations

from lynk.models.dashboard import ROLES

PERMISSIONS: dict[str, frozenset[str]] = {
    "payments.read": frozenset(ROLES),
    "payments.act": frozenset({"admin", "developer", "support"}),  # capture, cancel, refund
    "reviews.act": frozenset({"admin", "developer", "support"}),  # approve a review, or refund as fraudulent
    "disputes.respond": frozenset({"admin", "developer", "support"}),  # save and submit evidence
    "balance.read": frozenset({"admin", "analyst"}),
    "keys.read": frozenset({"admin", "developer"}),
    "keys.write": frozenset({"admin", "developer"}),  # create, roll, revoke
    "webhooks.read": frozenset({"admin", "developer"}),
    "webhooks.write": frozenset({"admin", "developer"}),  # resend
    "audit.read": frozenset({"admin"}),
    "users.manage": frozenset({"admin"}),  # invite, change roles, remove
}

DESCRIPTIONS = {
    "payments.read": "See payments and their timelines",
    "payments.act": "Capture, cancel and refund payments",
    "reviews.act": "Approve payments in review, or refund them",
    "disputes.respond": "Respond to disputes with evidence",
    "balance.read": "See the balance and export its transactions",
    "keys.read": "See API keys",
    "keys.write": "Create, roll and revoke API keys",
    "webhooks.read": "See webhook endpoints, deliveries and events",
    "webhooks.write": "Resend webhook deliveries",
    "audit.read": "Read the audit log",
    "users.manage": "Invite users, change their roles, remove them",
}


def allows(role: str, permission: str) -> bool:
    return role in PERMISSIONS[permission]


def table() -> list[tuple[str, list[bool]]]:
    """(what, allowed for each of ROLES), in the table's order: for the docs and the users page."""
    return [(DESCRIPTIONS[name], [role in roles for role in ROLES]) for name, roles in PERMISSIONS.items()]

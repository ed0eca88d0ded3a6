"""`lynk users create`: a dashboard user of a merchant, and the one-time link that sets its sign-in up."""

from __future__ import annotations

from typing import Annotated

import typer

from lynk.cli.common import in_transaction, load_settings
from lynk.dashboard import service as dashboard
from lynk.models.dashboard import ROLES


def register(app: typer.Typer) -> None:
    users_app = typer.Typer(help="Dashboard users.", no_args_is_help=True)
    app.add_typer(users_app, name="users")

    @users_app.command("create")
    def create(
        merchant: Annotated[str, typer.Option(help="The merchant id (acct_…)")],
        email: Annotated[str, typer.Option(help="The user's email (it signs in with it)")],
        role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}")] = "admin",
    ) -> None:
        """Create a dashboard user and print a one-time sign-in link (valid 24 hours)."""
        user, token = in_transaction(lambda s, now: dashboard.create_user(s, merchant, email, role, now=now))
        url = f"{load_settings().public_url.rstrip('/')}/dashboard/setup/{token}"
        typer.echo(f"User {user.id} ({user.email}, {user.role}) of {user.merchant_id}")
        typer.echo(f"One-time sign-in link (valid 24 hours): {url}")

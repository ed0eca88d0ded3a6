"""A failed statement's error, as a log would print it, names no parameter values: a value may be a secret."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa

from lynk.core.db import Database
from lynk.models import Merchant
from tests.servers import backends, fresh_database


@pytest.mark.parametrize("backend", backends())
def test_an_integrity_error_hides_the_values(backend: str, tmp_path: Path) -> None:
    secret = "sk_test_do_not_print_me_0123456789"

    async def run() -> str:
        db = Database(url, pool_size=1)
        try:
            async with db.transaction() as session:
                # Two merchants with one id: the second INSERT fails on the primary key.
                for _ in range(2):
                    await session.execute(sa.insert(Merchant).values(id="acct_same", name=secret, created=0))
        except sa.exc.IntegrityError as error:
            return str(error)
        finally:
            await db.dispose()
        raise AssertionError("the duplicate was accepted")

    with fresh_database(backend, tmp_path) as url:
        message = asyncio.run(run())
    assert "parameters hidden" in message.lower() or "hide_parameters" in message
    assert secret not in message

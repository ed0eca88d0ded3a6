"""idempotency keys: drop unkeyed fingerprints and card numbers from stored rows

Fingerprints were a plain SHA-256 of the whole request, card number and CVC included, so a CVC could
be recovered from one by trying 1,000 guesses. They cannot be re-keyed (the requests are gone): they
become empty, which the service reads as "from before keyed fingerprints" and replays. Stored
responses get any card number (a Luhn-valid run of 13 to 19 digits) masked.

Revision ID: 0050
Revises: 0014
Create Date: 2026-12-02
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0050"
down_revision = "0014"
branch_labels = None
depends_on = None

_CANDIDATE = re.compile(rb"(?<![0-9])[0-9](?:[ -]?[0-9]){12,18}(?![0-9])")


def _luhn(digits: bytes) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = char - 48
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def _mask(body: bytes) -> bytes:
    def replace(match: re.Match[bytes]) -> bytes:
        digits = re.sub(rb"[ -]", b"", match.group(0))
        return b"*" * (len(digits) - 4) + digits[-4:] if _luhn(digits) else match.group(0)

    return _CANDIDATE.sub(replace, body)


def upgrade() -> None:
    bind = op.get_bind()
    keys = sa.table("idempotency_keys", sa.column("pk", sa.BigInteger), sa.column("response_body", sa.LargeBinary))
    bind.execute(sa.text("UPDATE idempotency_keys SET fingerprint = ''"))
    last = 0
    while True:
        rows = bind.execute(
            sa.select(keys.c.pk, keys.c.response_body).where(keys.c.pk > last).order_by(keys.c.pk).limit(500)
        ).all()
        if not rows:
            break
        for pk, body in rows:
            if body is not None and _mask(bytes(body)) != bytes(body):
                bind.execute(sa.update(keys).where(keys.c.pk == pk).values(response_body=_mask(bytes(body))))
        last = rows[-1][0]


def downgrade() -> None:
    pass  # the old fingerprints are gone for good, as they should be

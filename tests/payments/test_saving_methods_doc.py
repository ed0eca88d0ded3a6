"""The guide docs/saving-methods.md runs as written: every `python` block, in order, against the server."""

from __future__ import annotations

import re
from pathlib import Path

from tests.merchants.factories import MerchantKeys
from tests.payments.setup_factories import assert_books_balance
from tests.servers import LynkServer

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "saving-methods.md"


def test_the_guide_runs(server: LynkServer, merchant: MerchantKeys) -> None:
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(), flags=re.DOTALL)
    assert len(blocks) >= 6
    namespace = {
        "secret_key": merchant.secret_key,
        "publishable_key": merchant.publishable_key,
        "base_url": server.base_url,
    }
    for block in blocks:
        exec(compile(block, str(GUIDE), "exec"), namespace)  # our own documentation, run as written
    assert namespace["pi"].status == "requires_action"
    assert_books_balance(server)

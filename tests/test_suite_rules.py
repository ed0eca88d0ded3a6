"""Rules the suite keeps about itself, checked over its own source."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).parent
# A test that reads the file of the database its own server holds open drops that server's SQLite locks
# (see `tests.servers.stored_bytes`), and a later `lynk` command then loses the server's commits.
_READS_THE_DATABASE_FILE = re.compile(r"database_url\.split\(")


def test_only_stored_bytes_reads_a_servers_database_file() -> None:
    offenders = [
        str(path.relative_to(TESTS))
        for path in sorted(TESTS.rglob("*.py"))
        if path.name not in {"servers.py", "test_suite_rules.py"} and _READS_THE_DATABASE_FILE.search(path.read_text())
    ]
    assert offenders == []


def test_the_contract_fuzz_sends_no_known_card_number_outside_card_number() -> None:
    # The fuzz's strings can carry a test card from Lynk's own code (hypothesis draws local constants): it is
    # spoiled before the request goes, or the last test's scan of the database would find it in metadata.
    from tests.card_numbers import PANS, without_card_numbers

    pan = "4242424242424242"
    body = {
        "metadata": {pan: f"order {pan}", "n": int(pan)},
        "description": f"x{pan}{PANS[-1]}",
        "card": {"number": pan},
        "items": [pan],
    }
    sent = repr(without_card_numbers(body))
    assert [found for found in PANS if found in sent] == [pan]  # only card[number]'s
    assert without_card_numbers(body)["card"] == {"number": pan}
    assert without_card_numbers("no digits here") == "no digits here"

"""Rules the suite keeps about itself, checked over its own source."""

from __future__ import annotations

import re
from pathlib import Path

from tests.card_numbers import shows

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


def test_new_shoppers_phones_spread_over_many_sms_ranges() -> None:
    # Lynk caps the codes texted per number range an hour (all but the last 4 digits): the suite's shoppers
    # must not share a range, or one of them reaches the cap and a browser test waits for a code never sent.
    from lynk.core.config import Settings
    from tests.link.support import new_phone

    phones = [new_phone() for _ in range(3_000)]
    assert len(set(phones)) == len(phones)
    per_range: dict[str, int] = {}
    for phone in phones:
        per_range[phone[:-4]] = per_range.get(phone[:-4], 0) + 1
    assert max(per_range.values()) * 5 < Settings().link_sms_per_prefix_hourly  # five codes each, still under


def test_a_cvc_is_found_written_back_but_not_inside_a_random_id() -> None:
    assert shows("{'cvc': '314'}", "314") and shows("5555 5555 5555 4444", "5555")
    random_parts = "{'id': 'pm_1Ab314cD', 'fingerprint': '9f3140aa', 'created': 1803141234}"
    assert "314" in random_parts and not shows(random_parts, "314")

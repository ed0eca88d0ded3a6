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

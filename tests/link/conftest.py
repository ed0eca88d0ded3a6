"""Link tests all come from 127.0.0.1: the per-IP limits are raised for them (and lowered where a test
is about a limit), then put back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers import LynkServer


@pytest.fixture(autouse=True)
def roomy_ip_limits(server: LynkServer) -> Iterator[None]:
    settings = server.runtime.settings
    saved = settings.link_lookups_per_ip, settings.link_sends_per_ip
    settings.link_lookups_per_ip, settings.link_sends_per_ip = 100_000, 100_000
    try:
        yield
    finally:
        settings.link_lookups_per_ip, settings.link_sends_per_ip = saved

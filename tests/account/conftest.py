"""The account-page tests come from 127.0.0.1 too: the Link per-IP limits are raised for them as for tests/link."""

from __future__ import annotations

from tests.link.conftest import roomy_ip_limits

__all__ = ["roomy_ip_limits"]

"""Browser fixtures for the dashboard: the same Chromium, axe-core and screenshot helpers as the hosted
checkout's tests (tests/checkout/browser/conftest.py), imported so each package starts its own Chromium."""

from __future__ import annotations

from tests.checkout.browser.conftest import axe_source, browser, page

__all__ = ["axe_source", "browser", "page"]

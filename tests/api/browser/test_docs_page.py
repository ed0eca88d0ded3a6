"""/docs works offline: Swagger UI's script, styles and icon come from Lynk itself, never a CDN."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import Page, Route, expect

from tests.checkout.browser.conftest import screenshot
from tests.servers import LynkServer


def test_docs_render_with_every_request_to_lynk_itself(page: Page, server: LynkServer) -> None:
    ours = urlsplit(server.base_url).netloc
    elsewhere: list[str] = []

    def offline(route: Route) -> None:  # as on a machine with no way out: anything not Lynk fails
        if urlsplit(route.request.url).netloc == ours:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", offline)
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.goto(f"{server.base_url}/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Lynk API")
    expect(page.locator(".opblock-summary-path", has_text="/v1/customers").first).to_be_visible()
    assert elsewhere == [] and failed == []
    assert page.evaluate("() => !!document.querySelector('link[rel~=icon]')")
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        screenshot(page, f"api-docs-{width}")

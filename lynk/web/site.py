"""Rendering a set of pages: its Jinja2 templates (autoescaped), its static files' path, and the strict
security headers every page is sent with (a Content-Security-Policy with no inline code, no framing
unless a page is made to be framed, no caching)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from lynk.web.csrf import PolicyOf, policy_for


def security_headers(
    *, scripts: bool, frame_ancestors: str = "'none'", referrer: str = "same-origin"
) -> dict[str, str]:
    """`scripts`: the pages run Lynk's own script files (and call Lynk from them); never inline code.

    The referrer policy stays `same-origin` for pages with forms: with `no-referrer`, browsers send
    `Origin: null` on form POSTs, and the CSRF check needs the origin."""
    script, connect = ("'self'", "'self'") if scripts else ("'none'", "'none'")
    headers = {
        "Content-Security-Policy": (
            f"default-src 'none'; script-src {script}; style-src 'self'; img-src 'self' data:; "
            f"connect-src {connect}; form-action 'self'; frame-ancestors {frame_ancestors}; base-uri 'none'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": referrer,
        "Cache-Control": "no-store",
    }
    if frame_ancestors == "'none'":
        headers["X-Frame-Options"] = "DENY"
    return headers


class Site:
    """One set of pages: `render` fills a template with the page's values, `static` and (when asked) `csrf`."""

    def __init__(self, templates: Path, static_path: str, csrf: PolicyOf, headers: dict[str, str]) -> None:
        self.env = Environment(loader=FileSystemLoader(templates), autoescape=select_autoescape(["html"]))
        self.static_path = static_path
        self.csrf = csrf
        self.headers = headers

    def render(
        self,
        request: Request,
        name: str,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        csrf: bool = False,
        **values: Any,
    ) -> HTMLResponse:
        """A page; with `csrf`, its forms get the browser's token (`csrf`) and the cookie is (re)set with it."""
        policy = policy_for(self.csrf, request)
        token = policy.token(request) if csrf else None
        html = self.env.get_template(name).render(static=self.static_path, csrf=token, **values)
        response = HTMLResponse(html, status_code=status, headers=headers or self.headers)
        if token is not None:
            policy.set_cookie(request, response, token)
        return response


def allow_images(headers: dict[str, str], origins: list[str]) -> dict[str, str]:
    """`headers` whose Content-Security-Policy also lets images load from these exact origins (a merchant's
    logo on her https site); nothing else is loosened."""
    if not origins:
        return headers
    policy = headers["Content-Security-Policy"].replace("img-src ", f"img-src {' '.join(origins)} ", 1)
    return {**headers, "Content-Security-Policy": policy}

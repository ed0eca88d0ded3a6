"""Browser fixtures: Debian's Chromium driven by Playwright, a shop's own web server for
`success_url`/`cancel_url`, axe-core from the npm registry, and a folder for screenshots."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tarfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer, free_port

CHROMIUM = "/usr/bin/chromium"
AXE_VERSION = "4.14.1"
ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "merchant" / "server.py"
CACHE = ROOT / ".cache" / "npm"
ARTIFACTS = ROOT / "artifacts"


@pytest.fixture(scope="package")
def browser(server: LynkServer) -> Iterator[Browser]:
    """Chromium for this package's tests only: sync Playwright keeps an event loop running in the main
    thread, so it starts after the server (whose setup runs its own loop) and stops before other packages."""
    assert Path(CHROMIUM).exists(), "Chromium is missing: apt-get install -y chromium (.ci/run does)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def profile(browser: Browser, tmp_path: Path) -> Iterator[Callable[[bool], BrowserContext]]:
    """A Chromium profile with third-party cookies allowed (`profile(False)`) or blocked (`profile(True)`), as the
    setting "Block third-party cookies" leaves it. Playwright's plain contexts are incognito-like: Chromium
    blocks third-party cookies there, so the allowed case needs a profile of its own."""
    opened: list[BrowserContext] = []

    def make(blocked: bool) -> BrowserContext:
        folder = tmp_path / f"profile-{len(opened)}"
        (folder / "Default").mkdir(parents=True)
        prefs = {"profile": {"cookie_controls_mode": 1 if blocked else 0}}
        (folder / "Default" / "Preferences").write_text(json.dumps(prefs))
        context = browser.browser_type.launch_persistent_context(
            str(folder),
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox"],
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(15_000)
        opened.append(context)
        return context

    yield make
    for context in opened:
        context.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (no cookies) and page for each test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    context.close()


# A shop page using lynk.js with `redirect: "if_required"`: the result is shown on the page itself.
_IF_REQUIRED = """<!doctype html><html lang=en><title>Shop</title>
<script src="{lynk}/js/v1/lynk.js"></script><div id=pe></div><button id=pay>Pay now</button><p id=out></p>
<script>
const lynk = Lynk("{pk}"); const elements = lynk.elements({{clientSecret: "{cs}"}});
elements.create("payment").mount("#pe");
document.getElementById("pay").onclick = async () => {{
  const r = await lynk.confirmPayment({{elements, redirect: "if_required"}});
  const out = r.error ? "error: " + r.error.message : "status: " + r.paymentIntent.status;
  document.getElementById("out").textContent = out;
}};
</script>"""


# Another site frames the element that was set up for `origin` and posts it a confirm: it must be ignored.
_INTRUDER = """<!doctype html><html lang=en><title>Other site</title>
<iframe title=element src="{src}"></iframe><button id=go>Go</button>
<script>
document.getElementById("go").onclick = () => {{
  document.querySelector("iframe").contentWindow.postMessage({{type: "lynk:confirm", id: "x"}}, "*");
}};
</script>"""


# A shop page with Embedded Checkout: lynk.js mounts the session's form (client secret from the query), with
# initEmbeddedCheckout or its newer name, createEmbeddedCheckoutPage (`method`).
_EMBEDDED = """<!doctype html><html lang=en><title>Shop checkout</title>
<script src="{lynk}/js/v1/lynk.js"></script><h1>Checkout</h1><div id=checkout></div>
<script>
Lynk("{pk}").{method}({{fetchClientSecret: () => Promise.resolve("{cs}")}})
  .then((checkout) => checkout.mount("#checkout"));
</script>"""
EMBEDDED_METHODS = ("initEmbeddedCheckout", "createEmbeddedCheckoutPage")


# A shop page with the elements chosen by `parts` (payment, auth, express) and lynk.js from `lynk` (which may
# name Lynk by another host than the shop's, so that its frames are third-party); `appearance` as JSON.
# It shows confirmPayment's outcome in #out but never the error's text (the element shows that itself).
_LINK_SHOP = """<!doctype html><html lang=en><title>Shop</title>
<script src="%LYNK%/js/v1/lynk.js"></script>
<main><h1>Shop</h1><div id=auth></div><div id=pe></div><button id=pay>Pay now</button><div id=express></div>
<p id=out role=status></p><p id=email-seen></p></main>
<script>
const q = new URLSearchParams(location.search);
const appearance = q.get("appearance") ? JSON.parse(q.get("appearance")) : undefined;
const lynk = Lynk(q.get("pk"));
const elements = lynk.elements({clientSecret: q.get("cs"), appearance});
const parts = (q.get("parts") || "payment").split(",");
const out = document.getElementById("out");
if (parts.includes("auth")) {
  elements.create("linkAuthentication")
    .on("change", (e) => { document.getElementById("email-seen").textContent = "email: " + e.value.email; })
    .mount("#auth");
}
if (parts.includes("payment")) { elements.create("payment").mount("#pe"); }
if (parts.includes("express")) {
  elements.create("expressCheckout")
    .on("confirm", (e) => { out.textContent = "express: " + e.paymentIntent.status; }).mount("#express");
}
document.getElementById("pay").onclick = async () => {
  const r = q.get("return") ? await lynk.confirmPayment({elements, confirmParams: {return_url: q.get("return")}})
    : await lynk.confirmPayment({elements, redirect: "if_required"});
  out.textContent = r.error ? "not paid: " + (r.error.code || r.error.type) : "status: " + r.paymentIntent.status;
};
</script>"""


class _ShopHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        query = parse_qs(urlsplit(self.path).query)
        if self.path.startswith("/link-shop?"):
            body = _LINK_SHOP.replace("%LYNK%", query["lynk"][0])
        elif self.path.startswith("/intruder?"):
            body = _INTRUDER.format(src=query["src"][0])
        elif self.path.startswith("/embedded?"):
            method = query.get("method", ["initEmbeddedCheckout"])[0]
            assert method in EMBEDDED_METHODS
            body = _EMBEDDED.format(lynk=query["lynk"][0], pk=query["pk"][0], cs=query["cs"][0], method=method)
        elif self.path.startswith("/if-required?"):
            body = _IF_REQUIRED.format(lynk=query["lynk"][0], pk=query["pk"][0], cs=query["cs"][0])
        else:
            body = f"<!doctype html><html lang=en><title>Shop</title><h1>Shop page</h1><p id=path>{self.path}</p>"
        data = body.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _serve_shop(host: str) -> Iterator[str]:
    httpd = ThreadingHTTPServer((host, 0), _ShopHandler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://{host}:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="session")
def shop_url() -> Iterator[str]:
    """A merchant's own site, where success_url and cancel_url lead."""
    yield from _serve_shop("127.0.0.1")


@pytest.fixture(scope="session")
def other_site_url() -> Iterator[str]:
    """A second shop on another site (127.0.0.2, also loopback): a browser partitions cookies apart from 127.0.0.1's."""
    yield from _serve_shop("127.0.0.2")


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script, fetched once with `npm pack` from the npm registry into .cache/ (pinned)."""
    target = CACHE / f"axe-core-{AXE_VERSION}.min.js"
    if not target.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "pack", f"axe-core@{AXE_VERSION}", "--silent", "--pack-destination", str(CACHE)],
            check=True,
            capture_output=True,
            timeout=120,
        )
        with tarfile.open(CACHE / f"axe-core-{AXE_VERSION}.tgz") as archive:
            member = archive.extractfile("package/axe.min.js")
            assert member is not None
            target.write_bytes(member.read())
    return target.read_text()


def axe_violations(page: Page, axe: str) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations of the page as it is now."""
    page.add_script_tag(content=axe)
    result: dict[str, Any] = page.evaluate("async () => await axe.run(document)")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def screenshot(page: Page, name: str) -> Path:
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@contextmanager
def example_shop(server: LynkServer, keys: MerchantKeys, *, second: bool = False) -> Iterator[str]:
    """One example shop, run as `make run` runs it (SHOP=second for the bakery), pointed at the test server."""
    port = free_port()
    env = {
        **os.environ,
        "LYNK_URL": server.base_url,
        "LYNK_SECRET_KEY": keys.secret_key,
        "LYNK_PUBLISHABLE_KEY": keys.publishable_key,
        "PORT": str(port),
        "SHOP": "second" if second else "first",
    }
    process = subprocess.Popen([sys.executable, str(EXAMPLE)], env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)

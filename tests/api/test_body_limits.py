"""Every route, API or page, refuses a body over its limit while it streams (issue 11 item 11): a
declared Content-Length over the limit gets 413 before a byte of the body is sent, and a chunked body
gets 413 as soon as it passes the limit, while the client has not finished sending it."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlsplit

import pytest

from lynk.checkout.web import CSRF
from lynk.web.csrf import HEADER as CSRF_HEADER
from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer

PAGE_LIMIT = 64_000  # the default max_page_body_bytes
API_LIMIT = 1_000_000  # the default max_body_bytes
ROUTES = [
    ("/3ds/pi_x", PAGE_LIMIT),
    ("/c/pay/cs_test_x/confirm", PAGE_LIMIT),
    ("/c/pay/cs_test_x/link/lookup", PAGE_LIMIT),
    ("/account/login", PAGE_LIMIT),
    ("/test/account/verify", PAGE_LIMIT),
    ("/v1/customers", API_LIMIT),
]


def _connect(server: LynkServer) -> socket.socket:
    address = urlsplit(server.base_url)
    sock = socket.create_connection((address.hostname, address.port), timeout=120)
    return sock


def _status(sock: socket.socket) -> tuple[int, bytes]:
    """The response's status and what came of it; a server still waiting for the body times out here."""
    received = b""
    while not _complete(received):
        chunk = sock.recv(65536)
        if not chunk:
            break
        received += chunk
    return int(received.split(b" ", 2)[1]), received


def _complete(received: bytes) -> bool:
    head, found, body = received.partition(b"\r\n\r\n")
    lengths = [line.split(b":")[1] for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:")]
    return bool(found) and len(body) >= int(lengths[0]) if lengths else bool(found)


def _head(server: LynkServer, merchant: MerchantKeys, path: str, framing: str) -> bytes:
    host = urlsplit(server.base_url).netloc
    page_token = f"Cookie: {CSRF.cookie}=t0ken\r\n{CSRF_HEADER}: t0ken\r\n"  # a checkout page's own request
    return (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Authorization: Bearer {merchant.secret_key}\r\n{page_token}{framing}\r\n\r\n"
    ).encode()


@pytest.mark.parametrize(("path", "limit"), ROUTES)
def test_a_declared_body_over_the_limit_is_refused_before_it_is_sent(
    server: LynkServer, merchant: MerchantKeys, path: str, limit: int
) -> None:
    with _connect(server) as sock:
        sock.sendall(_head(server, merchant, path, "Content-Length: 300000000"))  # 300 MB announced, none sent
        status, response = _status(sock)
    assert status == 413, response
    assert b"request_too_large" in response


@pytest.mark.parametrize(("path", "limit"), ROUTES)
def test_a_streamed_body_is_refused_once_it_passes_the_limit(
    server: LynkServer, merchant: MerchantKeys, path: str, limit: int
) -> None:
    piece = b"x" * 16_384
    with _connect(server) as sock:
        sock.sendall(_head(server, merchant, path, "Transfer-Encoding: chunked"))
        sent = 0
        while sent <= limit + len(piece):  # past the limit, and the body never ends
            sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            sent += len(piece)
        status, response = _status(sock)
    assert status == 413, response


def test_a_request_line_over_64_kb_gets_a_stripe_shaped_error(server: LynkServer, merchant: MerchantKeys) -> None:
    # The HTTP parser refuses it before Lynk's code runs; the answer is still an `error` object, as the SDKs read.
    query = "&".join(f"expand[]=customer.{n:06d}" for n in range(4_000))  # 100 KB of expand parameters
    host = urlsplit(server.base_url).netloc
    with _connect(server) as sock:
        key = f"Authorization: Bearer {merchant.secret_key}"
        sock.sendall(f"GET /v1/customers?{query} HTTP/1.1\r\nHost: {host}\r\n{key}\r\n\r\n".encode())
        status, response = _status(sock)
    head, _, body = response.partition(b"\r\n\r\n")
    assert status == 400, response[:300]
    assert b"content-type: application/json" in head.lower()
    error = json.loads(body)["error"]
    assert error["type"] == "invalid_request_error" and "64 KB" in error["message"]

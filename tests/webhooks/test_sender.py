"""The worker's HTTP side: kept-alive connections per endpoint, bounded concurrency per endpoint, and the
answers a receiver may give (chunked, read until close, too long, a kept-alive connection it closed)."""

from __future__ import annotations

import asyncio
import datetime
import ssl
from pathlib import Path

import pytest
import stripe
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from lynk.webhooks import sender
from lynk.webhooks.targets import Target
from tests.servers import LynkServer
from tests.webhooks.support import attempts, receiver, run_worker


def test_one_endpoint_gets_few_kept_alive_connections_and_bounded_concurrency(
    server: LynkServer, client: stripe.StripeClient
) -> None:
    with receiver(keep_alive=True, respond=lambda _n: ("sleep", 0.05)) as hooks:
        endpoint = client.v1.webhook_endpoints.create(params={"url": hooks.url, "enabled_events": ["customer.created"]})
        hooks.secrets.append(endpoint.secret)
        for _ in range(24):
            client.v1.customers.create()
        # The pass serves the whole shared server: an earlier test's retry may come due in it too, so
        # what is counted is this endpoint's.
        run_worker(server, endpoint_concurrency=3, concurrency=32)
        assert len(hooks.ids()) == 24 and len(set(hooks.ids())) == 24 and hooks.refused_signatures == 0
        assert hooks.most_in_hand <= 3  # the endpoint's bound, though the worker may run 32 requests at once
        assert len(hooks.connections) <= 3  # kept alive: 24 requests over at most 3 connections
        made = attempts(client, endpoint.id)
        assert len(made) == 24 and all(a["status_code"] == 200 for a in made)


async def _request(reader: asyncio.StreamReader) -> bytes:
    """Read one request (head and body) as the receiver sees it."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
    )
    return head + await reader.readexactly(length)


def _exchanges(answers: list[bytes], *, close_after_each: bool, count: int) -> tuple[list[sender.Exchange], int, bytes]:
    """POST `count` times, one after the other, to a server answering each request on a connection with the
    next of `answers` (then closing the connection if `close_after_each`); returns the exchanges, how many
    connections the server accepted and the first request it read."""
    accepted = 0
    seen: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal accepted
        accepted += 1
        try:
            for answer in answers:
                seen.append(await _request(reader))
                writer.write(answer)
                await writer.drain()
                if close_after_each:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        writer.close()

    async def run() -> list[sender.Exchange]:
        listening = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = listening.sockets[0].getsockname()[1]
        pools = sender.Pools(per_endpoint=4)
        url = f"http://user:p%40ss@receiver.test:{port}/hooks?a=1"
        request = sender.request(url, Target("receiver.test", "127.0.0.1", port), {"X-Test": "1"}, b'{"id":"evt_1"}')
        done: list[sender.Exchange] = []
        try:
            for _ in range(count):
                exchange = sender.Exchange(limit=16)
                await pools.post("we_1", request, exchange)
                done.append(exchange)
                await asyncio.sleep(0)  # let a hang-up reach the pooled connection
        finally:
            pools.close()
            listening.close()
        return done

    exchanges = asyncio.run(run())
    return exchanges, accepted, seen[0]


def test_requests_name_the_host_and_carry_the_urls_credentials() -> None:
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"
    [exchange], _, request = _exchanges([ok], close_after_each=False, count=1)
    assert exchange.status == 200 and bytes(exchange.body) == b"{}"
    assert request.startswith(b"POST /hooks?a=1 HTTP/1.1\r\nHost: receiver.test:")
    assert b"Authorization: Basic dXNlcjpwQHNz\r\n" in request  # user:p@ss
    assert b"X-Test: 1\r\n" in request and request.endswith(b'\r\n\r\n{"id":"evt_1"}')


def test_a_chunked_answer_is_read_and_its_connection_reused() -> None:
    chunked = b"HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    exchanges, accepted, _ = _exchanges([chunked] * 3, close_after_each=False, count=3)
    assert [(e.status, bytes(e.body)) for e in exchanges] == [(202, b"hello world")] * 3
    assert accepted == 1


def test_a_kept_alive_connection_the_receiver_closed_is_replaced() -> None:
    """HTTP/1.1 without `Connection: close`, then the receiver hangs up: the next POST goes on a new one."""
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    exchanges, accepted, _ = _exchanges([ok], close_after_each=True, count=3)
    assert [e.status for e in exchanges] == [200, 200, 200]
    assert accepted == 3


def test_answers_that_end_the_connection_keep_only_the_bodys_start() -> None:
    until_close = b"HTTP/1.0 500 Oops\r\n\r\n" + b"x" * 100
    exchanges, accepted, _ = _exchanges([until_close], close_after_each=True, count=2)
    assert [(e.status, bytes(e.body)) for e in exchanges] == [(500, b"x" * 16)] * 2
    assert accepted == 2
    huge = b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n" + b"y" * 1_000_000
    exchanges, accepted, _ = _exchanges([huge] * 2, close_after_each=False, count=2)
    assert [(e.status, bytes(e.body)) for e in exchanges] == [(200, b"y" * 16)] * 2
    assert accepted == 2  # not drained: the connection is dropped, not reused


def _certificate(tmp: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for `name` (and its key), as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp / "cert.pem", tmp / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


def test_https_goes_to_the_checked_address_and_verifies_the_name(tmp_path: Path) -> None:
    """The connection goes to the address `targets` checked, and TLS checks the URL's name there: a
    certificate for that name passes, the same server reached under another name is refused."""
    cert_file, key_file = _certificate(tmp_path, "receiver.test")
    served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    served.load_cert_chain(cert_file, key_file)
    trusting = ssl.create_default_context(cafile=str(cert_file))

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await _request(reader)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        writer.close()

    async def run(name: str) -> sender.Exchange:
        listening = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=served)
        port = listening.sockets[0].getsockname()[1]
        pools = sender.Pools(per_endpoint=1, tls=trusting)
        exchange = sender.Exchange(limit=16)
        try:
            request = sender.request(f"https://{name}:{port}/hooks", Target(name, "127.0.0.1", port), {}, b"{}")
            await pools.post("we_tls", request, exchange)
        finally:
            pools.close()
            listening.close()
        return exchange

    assert asyncio.run(run("receiver.test")).status == 200
    with pytest.raises(ssl.SSLCertVerificationError):
        asyncio.run(run("elsewhere.test"))

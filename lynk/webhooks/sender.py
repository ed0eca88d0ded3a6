"""HTTP/1.1 to webhook endpoints: kept-alive connections pooled per endpoint, bounded concurrency per endpoint.

A general HTTP client spends more CPU choosing a pooled connection than a webhook POST costs (httpx's pool
polls every connection's socket on each request), so the worker speaks the little HTTP it needs itself:
one POST with a known body, one answer of which it keeps the status and the first bytes. A connection
goes back to its pool only after a complete, length-delimited or chunked answer that did not ask to close;
anything else (a timeout, a malformed or oversized answer, a read-until-close body) closes it.

Connections go to the address `targets.resolve` checked (the URL's name only in `Host` and TLS), and are
pooled by endpoint *and* that address, so an endpoint whose name now resolves elsewhere gets new ones.
"""

from __future__ import annotations

import asyncio
import base64
import ssl
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

import httpx

from lynk.webhooks.targets import Target

IDLE_SECONDS = 4.0  # below the usual 5 s keep-alive of servers (uvicorn, gunicorn), so they rarely close first
DRAIN_LIMIT = 64 * 1024  # read (and drop) at most this much of an answer to keep its connection
HEAD_LIMIT = 64 * 1024


class ProtocolError(ConnectionError):
    """The peer hung up or answered something that is not HTTP/1.x (logged as `connection_error`)."""


@dataclass
class Exchange:
    """What one POST got so far: the status once its line came, and the first `limit` bytes of the body.
    Filled as the answer arrives, so a timeout in the body still leaves the status (the answer stands)."""

    limit: int
    status: int | None = None
    body: bytearray = field(default_factory=bytearray)

    def keep(self, chunk: bytes) -> None:
        room = self.limit - len(self.body)
        if room > 0:
            self.body += chunk[:room]


@dataclass(frozen=True)
class Request:
    """A POST to `url` sent to `target`; `head` is the request line and headers, ready to write."""

    key: tuple[str, str, int, str, bool]
    target: Target
    tls: bool
    head: bytes
    body: bytes


def request(url: str, target: Target, headers: Mapping[str, str], body: bytes) -> Request:
    """The bytes of a POST of `body` to `url`, with the URL's credentials as basic auth (as httpx sent them)."""
    parts = urlsplit(url)
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=~-._")
    if parts.query:
        path += "?" + quote(parts.query, safe="/%:@!$&'()*+,;=~-._?")
    host = parts.netloc.rpartition("@")[2]
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if parts.username is not None:
        credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        lines.append(f"Authorization: Basic {base64.b64encode(credentials).decode()}")
    if any(c in line for line in lines for c in "\r\n\0"):
        raise ProtocolError("a header would break the request")
    tls = parts.scheme.lower() == "https"
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
    return Request((target.host, target.address, target.port, parts.scheme.lower(), tls), target, tls, head, body)


class _Connection:
    __slots__ = ("idle_since", "reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.idle_since = time.monotonic()

    def usable(self, now: float) -> bool:
        return now - self.idle_since < IDLE_SECONDS and not self.reader.at_eof() and not self.writer.is_closing()

    def close(self) -> None:
        self.writer.close()


class Pools:
    """The worker's connections, idle ones by (endpoint, address), and a bound on requests per endpoint."""

    def __init__(self, *, per_endpoint: int, tls: ssl.SSLContext | None = None) -> None:
        self.per_endpoint = per_endpoint
        self._idle: dict[tuple[str, tuple[str, str, int, str, bool]], list[_Connection]] = {}
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._users: dict[str, int] = {}
        self._tls = tls  # made on first use: certifi's roots, SSL_CERT_FILE, as httpx verified

    @asynccontextmanager
    async def slot(self, endpoint_id: str) -> AsyncIterator[None]:
        """Held around each request to the endpoint, so one endpoint never gets more than `per_endpoint`."""
        found = self._slots.get(endpoint_id)
        if found is None:
            found = self._slots[endpoint_id] = asyncio.Semaphore(self.per_endpoint)
        self._users[endpoint_id] = self._users.get(endpoint_id, 0) + 1
        try:
            async with found:
                yield
        finally:
            self._users[endpoint_id] -= 1

    async def post(self, endpoint_id: str, req: Request, exchange: Exchange) -> None:
        """Send `req` and read its answer into `exchange`. Raises (OSError, ProtocolError) when no status
        came; a stale kept-alive connection that the peer closed is replaced once, transparently."""
        pool = self._idle.setdefault((endpoint_id, req.key), [])
        now = time.monotonic()
        while pool:
            conn = pool.pop()
            if conn.usable(now):
                try:
                    await self._exchange(conn, req, exchange, pool)
                    return
                except (ConnectionError, asyncio.IncompleteReadError):
                    if exchange.status is not None:
                        raise
                    continue  # closed by the peer while idle: try a new connection
            conn.close()
        conn = await self._connect(req)
        await self._exchange(conn, req, exchange, pool)

    async def _connect(self, req: Request) -> _Connection:
        tls: ssl.SSLContext | None = None
        if req.tls:
            if self._tls is None:
                self._tls = httpx.create_ssl_context()
            tls = self._tls
        reader, writer = await asyncio.open_connection(
            req.target.address,
            req.target.port,
            ssl=tls,
            server_hostname=req.target.host if tls else None,
            limit=HEAD_LIMIT,
        )
        return _Connection(reader, writer)

    async def _exchange(self, conn: _Connection, req: Request, exchange: Exchange, pool: list[_Connection]) -> None:
        reusable = False
        try:
            conn.writer.write(req.head + req.body)
            await conn.writer.drain()
            reusable = await _read_answer(conn.reader, exchange)
        finally:
            if reusable:
                conn.idle_since = time.monotonic()
                pool.append(conn)
            else:
                conn.close()

    def close(self) -> None:
        for pool in self._idle.values():
            for conn in pool:
                conn.close()
        self._idle.clear()

    def sweep(self) -> None:
        """Close connections idle too long, and forget endpoints with none left and no request running."""
        now = time.monotonic()
        for key, pool in list(self._idle.items()):
            for conn in [c for c in pool if not c.usable(now)]:
                pool.remove(conn)
                conn.close()
            if not pool:
                del self._idle[key]
        for endpoint_id, users in list(self._users.items()):
            if not users:
                del self._users[endpoint_id], self._slots[endpoint_id]


async def _line(reader: asyncio.StreamReader) -> bytes:
    line = await reader.readuntil(b"\n")
    return line.rstrip(b"\r\n")


async def _read_answer(reader: asyncio.StreamReader, exchange: Exchange) -> bool:
    """Read one answer (skipping 1xx); returns whether the connection may carry another request."""
    while True:
        try:
            status_line = await _line(reader)
        except asyncio.IncompleteReadError as closed:
            raise ProtocolError("the peer closed the connection without answering") from closed
        version, _, rest = status_line.partition(b" ")
        code = rest[:3]
        if not version.startswith(b"HTTP/1.") or len(code) != 3 or not code.isdigit():
            raise ProtocolError("not an HTTP/1.x answer")
        headers = await _headers(reader)
        status = int(code)
        if 100 <= status < 200 and status != 101:
            continue
        exchange.status = status
        break
    keep_alive = version == b"HTTP/1.1"
    connection = headers.get(b"connection", b"").lower()
    if b"close" in connection:
        keep_alive = False
    elif b"keep-alive" in connection:
        keep_alive = True
    try:
        if status in (204, 304):
            return keep_alive
        if b"chunked" in headers.get(b"transfer-encoding", b"").lower():
            return await _chunked(reader, exchange) and keep_alive
        length = headers.get(b"content-length")
        if length is not None:
            return await _sized(reader, exchange, int(length)) and keep_alive
        exchange.keep(await reader.read(exchange.limit))  # the body runs until the peer closes: keep the start
        return False
    except (ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return False  # the status stands; the body is cut short and the connection dropped


async def _headers(reader: asyncio.StreamReader) -> dict[bytes, bytes]:
    headers: dict[bytes, bytes] = {}
    size = 0
    while True:
        line = await _line(reader)
        if not line:
            return headers
        size += len(line)
        if size > HEAD_LIMIT:
            raise ProtocolError("the answer's headers are too long")
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()


async def _sized(reader: asyncio.StreamReader, exchange: Exchange, length: int) -> bool:
    if length < 0:
        return False
    first = min(length, exchange.limit)
    if first:
        exchange.keep(await reader.readexactly(first))
    rest = length - first
    if rest > DRAIN_LIMIT:
        return False
    if rest:
        await reader.readexactly(rest)
    return True


async def _chunked(reader: asyncio.StreamReader, exchange: Exchange) -> bool:
    total = 0
    while True:
        size = int((await _line(reader)).split(b";", 1)[0], 16)
        if size == 0:
            while await _line(reader):  # trailers
                pass
            return True
        total += size
        if total > DRAIN_LIMIT + exchange.limit:
            return False
        exchange.keep(await reader.readexactly(size))
        await reader.readexactly(2)

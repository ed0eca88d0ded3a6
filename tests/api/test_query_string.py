"""`wire.routing.query_of` reads the query string as `request.url.query` does, without building the URL."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from lynk.wire.routing import query_of

QUERIES = [
    b"",
    b"a=1&b=2",
    b"expand[]=customer&expand[]=invoice",
    b"name=%C3%A9&x=+y",
    "é=1".encode(),
    b"a=?b",
    b"a=%00",
    b"a=#fragment",  # what a URL parse cuts off
    b"a=b?c#d",
    b"a=\tb",  # and what it drops
    b"a=1\r\n",
]


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("path", ["/v1/customers", "/v1/a?b", "/v1/a#b", "//v1"])
@pytest.mark.parametrize("host", [None, b"example.com:8080", b"not a host"])
def test_the_query_string_as_the_url_reads_it(query: bytes, path: str, host: bytes | None) -> None:
    headers = [] if host is None else [(b"host", host)]
    scope = {"type": "http", "method": "GET", "path": path, "query_string": query, "headers": headers}
    scope["server"] = ("127.0.0.1", 80)
    assert query_of(Request(scope)) == Request(scope).url.query

"""Bad input never produces a 500: it gets Stripe's error JSON with a specific 4xx.

Raw HTTP against a real server per database backend (httpx, or `http.client` where
httpx would not send a lying `Content-Length`). Every case checks the status, the
`{"error": {"type", "message", ...}}` shape, the `param` at fault, a message that
says what is wrong, a `Request-Id`, and that a refused request changed nothing.
A hypothesis test then throws random bytes, form bodies, query strings and ids at them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from http.client import HTTPConnection
from typing import Any
from urllib.parse import quote_from_bytes, urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer

FORM = "application/x-www-form-urlencoded"
MAX_BODY = 1_000_000  # Settings.max_body_bytes, which the test servers keep
ERROR_KEYS = {"type", "message", "code", "param", "doc_url", "decline_code"}
ORIGINAL_NAME = "Original Name"


@dataclass(frozen=True)
class Case:
    """One bad request and the error it must get; `param=None` means the error names no parameter."""

    id: str
    body: bytes
    status: int
    message: str
    param: str | None
    code: str | None = None
    content_type: str = FORM


def _case(
    id: str,
    body: bytes | str,
    status: int,
    message: str,
    param: str | None,
    code: str | None = None,
    content_type: str = FORM,
) -> Case:
    raw = body.encode() if isinstance(body, str) else body
    return Case(id, raw, status, message, param, code, content_type)


DEEP_KEY = "metadata" + "[a]" * 50
LONG_KEY = "metadata[" + "k" * 100_000 + "]"

# Bodies refused by both POST /v1/customers and POST /v1/customers/{id}.
BODY_CASES = [
    # Keys whose brackets do not pair up, or that are empty.
    _case("truncated-bracket", "address[line1=a", 400, "Invalid parameter name", "address[line1"),
    _case("truncated-bracket-no-value", "address[line1", 400, "Invalid parameter name", "address[line1"),
    _case("close-bracket-only", "a]=1", 400, "Invalid parameter name", "a]"),
    _case("leading-bracket", "[x]=1", 400, "Invalid parameter name", "[x]"),
    _case("open-bracket-at-end", "metadata[", 400, "Invalid parameter name", "metadata["),
    _case("open-bracket-with-value", "metadata[=1", 400, "Invalid parameter name", "metadata["),
    _case("nested-brackets", "a[[b]]=1", 400, "Invalid parameter name", "a[[b]]"),
    _case("text-after-brackets", "a[]b=1", 400, "Invalid parameter name", "a[]b"),
    _case("empty-key", "=1", 400, "Invalid parameter name", ""),
    _case("empty-key-and-value", "name=x&=", 400, "Invalid parameter name", ""),
    _case("array-of-arrays", "name[][]=1", 400, "Invalid parameter name", "name[]"),
    _case("too-deep", DEEP_KEY + "=1", 400, "nested too deeply", DEEP_KEY[:100]),
    _case("key-100k-chars", LONG_KEY + "=1", 400, "Invalid parameter name", LONG_KEY[:100] + "…"),
    # One name used as a string and as an object or array.
    _case("string-then-object", "metadata=x&metadata[a]=b", 400, "Conflicting values for metadata", "metadata"),
    _case("object-then-string", "metadata[a]=b&metadata=x", 400, "Conflicting values for metadata", "metadata"),
    _case("object-then-string-address", "address[line1]=a&address=b", 400, "Conflicting values", "address"),
    _case("string-then-array", "email=b&email[]=a", 400, "Conflicting values for email", "email"),
    _case("value-then-subkey", "metadata[a]=1&metadata[a][b]=2", 400, "Conflicting values", "metadata[a]"),
    _case(
        "append-then-index", "preferred_locales[]=en&preferred_locales[0]=fr", 400, "Conflicting", "preferred_locales"
    ),
    # Percent escapes and encodings.
    _case("percent-not-hex", "name=%zz", 400, "Invalid percent-encoding", "name"),
    _case("percent-at-end", "name=%", 400, "Invalid percent-encoding", "name"),
    _case("percent-one-digit", "name=%4", 400, "Invalid percent-encoding", "name"),
    _case("percent-bad-in-key", "na%zme=x", 400, "Invalid percent-encoding", "na%zme"),
    _case("raw-non-utf8", b"\xff\xfe", 400, "not valid UTF-8", None),
    _case("raw-non-utf8-value", b"name=\xff", 400, "not valid UTF-8", None),
    _case("percent-invalid-utf8", "name=%ff", 400, "not valid UTF-8", "name"),
    _case("percent-truncated-utf8", "name=%C3", 400, "not valid UTF-8", "name"),
    _case("percent-utf8-surrogate", "name=%ED%A0%80", 400, "not valid UTF-8", "name"),
    _case("nul-value", "name=%00", 400, "NUL character", "name"),
    _case("nul-inside-value", "description=a%00b", 400, "NUL character", "description"),
    _case("nul-raw", b"name=a\x00b", 400, "NUL character", "name"),
    _case("nul-in-key", "metadata[a%00]=x", 400, "NUL character", "metadata[a\ufffd]"),
    # Integers.
    _case("int-500-digits", "balance=" + "9" * 500, 400, "less than or equal to 9007199254740992", "balance"),
    _case("int-5000-digits", "balance=" + "9" * 5000, 400, "too many digits", "balance", "parameter_invalid_integer"),
    _case(
        "int-negative-5000", "balance=-" + "9" * 5000, 400, "too many digits", "balance", "parameter_invalid_integer"
    ),
    _case("int-float", "balance=1.5", 400, "Invalid integer: 1.5", "balance", "parameter_invalid_integer"),
    _case("int-exponent", "balance=1e3", 400, "Invalid integer: 1e3", "balance", "parameter_invalid_integer"),
    _case("int-array", "balance[]=1", 400, "must be a single integer", "balance", "parameter_invalid_integer"),
    _case("int-object", "balance[x]=1", 400, "must be a single integer", "balance", "parameter_invalid_integer"),
    _case("int-below-min", "next_invoice_sequence=0", 400, "greater than or equal to 1", "next_invoice_sequence"),
    # Wrong shapes.
    _case("array-for-string", "email[]=a", 400, "must be a single string", "email"),
    _case("object-for-string", "email[x]=a", 400, "must be a single string", "email"),
    _case("repeated-string", "email=a@example.com&email=b@example.com", 400, "must be a single string", "email"),
    _case("string-for-object", "address=hello", 400, "address must be an object", "address"),
    _case("string-for-nested-object", "shipping[address]=x", 400, "must be an object", "shipping[address]"),
    _case("array-for-object", "metadata[]=1", 400, "metadata must be an object", "metadata"),
    _case("array-in-metadata", "metadata[a][]=1", 400, "Metadata values must be strings", "metadata[a]"),
    _case(
        "object-for-array-item",
        "invoice_settings[custom_fields][0]=x",
        400,
        "invoice_settings[custom_fields][0] must be an object",
        "invoice_settings[custom_fields][0]",
    ),
    _case("array-with-bad-index", "preferred_locales[x]=fr", 400, "must be an array", "preferred_locales"),
    _case("unknown-param", "nonexistent=1", 400, "Received unknown parameter", "nonexistent", "parameter_unknown"),
    _case("unknown-nested", "address[nope]=1", 400, "Received unknown parameter", "address[nope]"),
    _case("bad-enum", "tax_exempt=bogus", 400, "must be one of", "tax_exempt"),
    _case("bad-email", "email=not-an-email", 400, "Invalid email address", "email", "email_invalid"),
    # Sizes.
    _case("name-100k", "name=" + "x" * 100_000, 400, "at most 256 characters", "name"),
    _case("description-100k", "description=" + "é" * 100_000, 400, "at most 5000 characters", "description"),
    _case("metadata-value-100k", "metadata[a]=" + "x" * 100_000, 400, "at most 500 characters", "metadata[a]"),
    _case("5000-params", "&".join(f"k{i}=v" for i in range(5000)), 400, "Too many parameters", None),
    _case("5000-metadata-keys", "&".join(f"metadata[k{i}]=v" for i in range(5000)), 400, "Too many parameters", None),
    _case("body-10mb", b"name=" + b"x" * 10_000_000, 413, "too large", None, "request_too_large"),
    # Bodies that are not forms.
    _case("json-body", '{"name": "x"}', 400, FORM, None, content_type="application/json"),
    _case("json-body-charset", '{"name": "x"}', 400, FORM, None, content_type="application/json; charset=utf-8"),
    _case("multipart-body", "--b\r\n\r\n--b--", 400, FORM, None, content_type="multipart/form-data; boundary=b"),
    # Valid form, but the expansion cannot be done: nothing may be written either.
    _case("expand-nonexistent", "name=Changed&expand[]=nonexistent", 400, "cannot be expanded", "expand"),
]

# Query strings refused by GET /v1/customers.
LIST_CASES = [
    _case("limit-overflow", "limit=99999999999999999999", 400, "less than or equal to 100", "limit"),
    _case("limit-5000-digits", "limit=" + "9" * 5000, 400, "too many digits", "limit", "parameter_invalid_integer"),
    _case("limit-negative", "limit=-1", 400, "greater than or equal to 1", "limit", "parameter_invalid_integer"),
    _case("limit-zero", "limit=0", 400, "greater than or equal to 1", "limit"),
    _case("limit-not-int", "limit=abc", 400, "Invalid integer: abc", "limit", "parameter_invalid_integer"),
    _case("limit-array", "limit[]=1", 400, "must be a single integer", "limit"),
    _case("limit-repeated", "limit=1&limit=2", 400, "must be a single integer", "limit"),
    _case("starting-after-missing", "starting_after=cus_nonexistent", 404, "No such customer", "starting_after"),
    _case("ending-before-missing", "ending_before=cus_nonexistent", 404, "No such customer", "ending_before"),
    _case("both-cursors", "starting_after=cus_a&ending_before=cus_b", 400, "only specify one of", "ending_before"),
    _case("cursor-object", "starting_after[x]=1", 400, "must be a single string", "starting_after"),
    _case("cursor-too-long", "starting_after=" + "x" * 300, 400, "at most 255 characters", "starting_after"),
    _case("expand-nonexistent", "expand[]=nonexistent", 400, "cannot be expanded", "expand"),
    _case("expand-nonexistent-in-data", "expand[]=data.nope", 400, "cannot be expanded", "expand"),
    _case("created-overflow", "created[gt]=" + "9" * 30, 400, "less than or equal to", "created[gt]"),
    _case("created-not-int", "created=abc", 400, "Invalid integer", "created"),
    _case("created-unknown-op", "created[foo]=1", 400, "Received unknown parameter", "created[foo]"),
    _case("email-array", "email[]=a", 400, "must be a single string", "email"),
    _case("unknown-param", "name=x", 400, "Received unknown parameter", "name", "parameter_unknown"),
    _case("percent-not-hex", "email=%zz", 400, "Invalid percent-encoding", "email"),
    _case("percent-invalid-utf8", "email=%ff", 400, "not valid UTF-8", "email"),
    _case("nul", "starting_after=%00", 400, "NUL character", "starting_after"),
    _case("leading-bracket", "[x]=1", 400, "Invalid parameter name", "[x]"),
    _case("close-bracket-only", "a]=1", 400, "Invalid parameter name", "a]"),
    _case("too-deep", DEEP_KEY + "=1", 400, "nested too deeply", DEEP_KEY[:100]),
    _case("2001-params", "&".join(["limit=1"] * 2001), 400, "Too many parameters", None),
]


def _http(server: LynkServer, merchant: MerchantKeys) -> httpx.Client:
    return httpx.Client(
        base_url=server.base_url, headers={"Authorization": f"Bearer {merchant.secret_key}"}, timeout=30
    )


@pytest.fixture
def api(server: LynkServer, merchant: MerchantKeys) -> Iterator[httpx.Client]:
    with _http(server, merchant) as client:
        yield client


@pytest.fixture
def customer_id(api: httpx.Client) -> str:
    return str(_create(api)["id"])


def _create(api: httpx.Client, body: str = f"name={ORIGINAL_NAME}") -> dict[str, Any]:
    response = api.post("/v1/customers", content=body.encode(), headers={"content-type": FORM})
    assert response.status_code == 200, response.text
    return dict(response.json())


def _customer_ids(api: httpx.Client) -> list[str]:
    response = api.get("/v1/customers", params={"limit": "100"})
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()["data"]]


def assert_error(response: httpx.Response, case: Case) -> None:
    """The response is Stripe's error for `case`, and says so in a way an SDK and a person can use."""
    assert response.status_code < 500, f"{case.id}: server error {response.status_code}: {response.text[:500]}"
    assert response.status_code == case.status, f"{case.id}: {response.status_code} {response.text[:500]}"
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["request-id"].startswith("req_")
    assert response.headers["stripe-should-retry"] == "false"  # a bad request stays bad: the SDKs must not retry
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) <= ERROR_KEYS
    assert error["type"] == "invalid_request_error"
    assert isinstance(error["message"], str)
    assert case.message in error["message"], f"{case.id}: {error['message']!r}"
    if case.param is None:
        assert "param" not in error, error
    else:
        assert error.get("param") == case.param, f"{case.id}: {error}"
    if case.code is not None:
        assert error.get("code") == case.code


@pytest.mark.parametrize("case", BODY_CASES, ids=[c.id for c in BODY_CASES])
def test_bad_body_on_create_is_refused_and_creates_nothing(api: httpx.Client, case: Case) -> None:
    response = api.post("/v1/customers", content=case.body, headers={"content-type": case.content_type})
    assert_error(response, case)
    assert _customer_ids(api) == []


@pytest.mark.parametrize("case", BODY_CASES, ids=[c.id for c in BODY_CASES])
def test_bad_body_on_update_is_refused_and_changes_nothing(api: httpx.Client, case: Case) -> None:
    before = _create(api)
    response = api.post(f"/v1/customers/{before['id']}", content=case.body, headers={"content-type": case.content_type})
    assert_error(response, case)
    after = api.get(f"/v1/customers/{before['id']}").json()
    assert after == before


@pytest.mark.parametrize("case", LIST_CASES, ids=[c.id for c in LIST_CASES])
def test_bad_query_on_list_is_refused(api: httpx.Client, case: Case) -> None:
    _create(api)
    response = api.get("/v1/customers?" + case.body.decode())
    assert_error(response, case)


PATH_CASES = [
    ("GET", "/v1/customers/abc%00def", 400, "NUL character", "id"),
    ("POST", "/v1/customers/abc%00def", 400, "NUL character", "id"),
    ("DELETE", "/v1/customers/abc%00def", 400, "NUL character", "id"),
    ("GET", "/v1/customers/cus_nonexistent", 404, "No such customer: 'cus_nonexistent'", "id"),
    ("POST", "/v1/customers/cus_nonexistent", 404, "No such customer", "id"),
    ("DELETE", "/v1/customers/cus_nonexistent", 404, "No such customer", "id"),
    ("GET", "/v1/customers/" + "x" * 10_000, 404, "No such customer", "id"),
    ("POST", "/v1/customers/%F0%9F%98%80", 404, "No such customer: '\U0001f600'", "id"),
]


@pytest.mark.parametrize(
    ("method", "path", "status", "message", "param"),
    PATH_CASES,
    ids=["get-nul", "update-nul", "delete-nul", "get-missing", "update-missing", "delete-missing", "get-10k", "emoji"],
)
def test_bad_id_in_path_is_refused(
    api: httpx.Client, method: str, path: str, status: int, message: str, param: str
) -> None:
    body = b"name=x" if method == "POST" else None
    response = api.request(method, path, content=body, headers={"content-type": FORM})
    assert_error(response, Case(path[:30], b"", status, message, param))


def test_declared_content_length_over_the_limit_is_refused_before_the_body_arrives(
    server: LynkServer, merchant: MerchantKeys
) -> None:
    """The client announces 1 byte too many and sends almost nothing: a 413 at once, no wait for the rest."""
    assert server.settings.max_body_bytes == MAX_BODY
    url = urlsplit(server.base_url)
    conn = HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=10)
    try:
        conn.putrequest("POST", "/v1/customers")
        conn.putheader("Authorization", f"Bearer {merchant.secret_key}")
        conn.putheader("Content-Type", FORM)
        conn.putheader("Content-Length", str(MAX_BODY + 1))
        conn.endheaders(b"name=x")
        response = conn.getresponse()
        raw = response.read()
    finally:
        conn.close()
    assert response.status == 413
    assert (response.getheader("request-id") or "").startswith("req_")
    error = json.loads(raw)["error"]
    assert error["type"] == "invalid_request_error"
    assert error["code"] == "request_too_large"
    assert f"at most {MAX_BODY} bytes" in error["message"]
    with _http(server, merchant) as client:
        assert _customer_ids(client) == []


@pytest.mark.parametrize(
    ("body", "field", "expected"),
    [
        (b"name=%F0%9F%98%80%20Zo%C3%AB", "name", "\U0001f600 Zoë"),
        ("name=\U0001f600 Zoë".encode(), "name", "\U0001f600 Zoë"),
        (b"name=a+b%2B%25", "name", "a b+%"),
        (b"name=right%E2%80%AEleft%EF%BB%BF", "name", "right\u202eleft\ufeff"),
        (b"description=line%0Aline%0D%09tab", "description", "line\nline\r\ttab"),
        (b"&&name=x&&", "name", "x"),
        (b"balance=-9007199254740992", "balance", -(2**53)),
        (b"metadata[%C3%A9t%C3%A9]=%E2%98%80", "metadata", {"été": "☀"}),
    ],
    ids=[
        "emoji-encoded",
        "emoji-raw-utf8",
        "plus-and-escapes",
        "bidi-and-bom",
        "control-chars",
        "empty-fields",
        "int-min",
        "unicode-metadata",
    ],
)
def test_valid_unusual_input_still_works(api: httpx.Client, body: bytes, field: str, expected: object) -> None:
    created = api.post("/v1/customers", content=body, headers={"content-type": FORM})
    assert created.status_code == 200, created.text
    assert created.json()[field] == expected
    fetched = api.get(f"/v1/customers/{created.json()['id']}")
    assert fetched.json()[field] == expected  # stored as sent, not just echoed


# Random form bodies: keys that look like parameters with random brackets, values of any text.
_PARAM_NAMES = "name email balance metadata address shipping expand preferred_locales invoice_settings tax_exempt"
_NAMES = st.sampled_from([*_PARAM_NAMES.split(), "limit", "starting_after", "created", "", "x"])
_TEXT = st.text(st.characters(codec="utf-8"), max_size=12)
_SEGMENT = st.one_of(
    _TEXT.map(lambda s: f"[{s}]"),
    st.sampled_from(["[]", "[0]", "[1]", "[line1]", "[address]", "[a]", "[", "]", "[[", "]]", "[gt]"]),
)
_KEY = st.tuples(_NAMES, st.lists(_SEGMENT, max_size=10)).map(lambda t: t[0] + "".join(t[1]))
_VALUE = st.one_of(
    _TEXT,
    st.text(st.characters(codec="utf-8"), max_size=300),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["", "true", "cus_nope", "%", "%zz", "%ff", "%00", "%C3", "+", "1e3", "-0", "\x00"]),
)


def _encode(part: str, escape: bool) -> bytes:
    raw = part.encode()
    return quote_from_bytes(raw, safe="[]").encode() if escape else raw


_PAIR = st.tuples(_KEY, _VALUE, st.booleans(), st.booleans()).map(
    lambda t: _encode(t[0], t[2]) + b"=" + _encode(t[1], t[3])
)
_FORM_BODY = st.lists(_PAIR, max_size=12).map(b"&".join)
_SEPARATORS = st.sampled_from([b"&", b"=", b"[", b"]", b"%", b"+", b";", b"&&", b"=="])
BODIES = st.one_of(
    _FORM_BODY,
    st.binary(max_size=200),
    st.lists(st.one_of(_PAIR, _SEPARATORS, st.binary(max_size=8)), max_size=15).map(b"".join),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=BODIES, target=st.sampled_from(["create", "update", "list", "retrieve"]))
def test_random_input_never_causes_a_server_error(
    api: httpx.Client, customer_id: str, body: bytes, target: str
) -> None:
    if target == "create":
        response = api.post("/v1/customers", content=body, headers={"content-type": FORM})
    elif target == "update":
        response = api.post(f"/v1/customers/{customer_id}", content=body, headers={"content-type": FORM})
    elif target == "list":
        # A URL carries only ASCII: escape the rest, but keep `%` so bad escapes still arrive as sent.
        query = quote_from_bytes(body, safe="!$&'()*+,;=:@/?[]%-._~")
        response = api.get("/v1/customers?" + query)
    else:
        response = api.get("/v1/customers/cus_" + quote_from_bytes(body, safe=""))
    assert response.status_code < 500, f"{body!r} → {response.status_code} {response.text[:500]}"
    assert response.headers["request-id"].startswith("req_")
    payload = response.json()
    if response.status_code == 200 and target == "list":
        assert payload["object"] == "list"
    elif response.status_code == 200:
        assert payload["id"].startswith("cus_")
        assert target != "retrieve" or payload["id"] == customer_id
    else:
        assert 400 <= response.status_code < 500
        assert set(payload) == {"error"}
        assert payload["error"]["type"] == "invalid_request_error"
        assert isinstance(payload["error"]["message"], str) and payload["error"]["message"]


@pytest.mark.parametrize(
    ("method", "path", "key", "body", "status"),
    [
        ("GET", "/v1/nope", "key", None, 404),
        ("POST", "/v1/nope", "key", b"a=1", 404),
        ("PUT", "/v1/customers", "key", None, 404),
        ("GET", "/v1/customers", "none", None, 401),
        ("GET", "/v1/customers", "wrong", None, 401),
        ("POST", "/v1/customers", "none", b"name=x", 401),
        ("GET", "/v1/customers", "key", None, 200),
        ("POST", "/v1/customers", "key", b"name=x", 200),
        ("POST", "/v1/customers", "key", b"name=%ff", 400),
        ("GET", "/v1/customers/cus_nonexistent", "key", None, 404),
        ("POST", "/v1/customers", "key", b"x" * (MAX_BODY + 1), 413),
    ],
    ids=[
        "unknown-url",
        "unknown-url-post",
        "unknown-method",
        "no-key",
        "wrong-key",
        "no-key-post",
        "list",
        "create",
        "bad-param",
        "missing-object",
        "too-large",
    ],
)
def test_every_response_has_a_request_id(
    server: LynkServer,
    merchant: MerchantKeys,
    method: str,
    path: str,
    key: str,
    body: bytes | None,
    status: int,
) -> None:
    auth = {
        "key": {"Authorization": f"Bearer {merchant.secret_key}"},
        "none": {},
        "wrong": {"Authorization": "Bearer sk_test_wrong0000000000000000000"},
    }[key]
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        first = client.request(method, path, content=body, headers={**auth, "content-type": FORM})
        second = client.request(method, path, content=body, headers={**auth, "content-type": FORM})
    assert first.status_code == status
    assert first.headers["request-id"].startswith("req_")
    assert second.headers["request-id"].startswith("req_")
    assert first.headers["request-id"] != second.headers["request-id"]
    if status != 200:
        error = first.json()["error"]
        assert error["type"] == "invalid_request_error"
        assert error["message"]

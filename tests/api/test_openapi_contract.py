"""The OpenAPI document tells the truth, and no request built from it gets a 500.

schemathesis loads the live server's `/openapi.json` and builds requests for every
operation: random ones (hypothesis, valid by the document or breaking it) and its
coverage cases (each bound of each parameter, just inside and just outside). Each goes
over HTTP, with a merchant's secret key, to a real server per database backend; a valid
`{id}` is often swapped for an object of the merchant's that exists, made for the request
(`contract_objects`: a PaymentIntent waiting for capture, a charge, a refund, a dispute…),
so the request reaches the code behind the 404. Every answer must be Stripe's JSON and
never a 5xx: an `error` object for a 4xx, an object with `object` (and `id`) for a 2xx.

The customer operations are fuzzed deeply (`MAX_EXAMPLES`, every coverage case, and a
valid request must be served). Every other operation gets a bounded run that fits the
suite (`FEW_EXAMPLES` random requests, `FEW_BOUNDARIES` coverage cases spread over all of
them; `make fuzz` raises both), judged less strictly: business rules the document cannot
state (capturing an intent that is not waiting for capture) may refuse a valid request,
but a parameter the document lists is never unknown, an existing object is never missing,
and a request the document calls invalid is never served.

Whether a request is valid is judged on what went on the wire, as Stripe's form
encoding reads it (`wire_conforms`), since some generated values have no wire form of
their own (an empty array goes as `k=`, like the empty string that unsets a field).
A valid request must be served: not refused as `parameter_unknown`, nor for a rule
the document leaves out (but for the two in `UNDOCUMENTED_RULES`); a 404 for an id
that names nothing is fine, for one that exists it is not. An invalid request must be
refused with a 4xx.

Bodies go in Stripe's bracket notation. The document says so (an object or array
property has `style: deepObject` in its `encoding`), but schemathesis leaves an array
of objects inside an object unflattened, so `stripe_form` writes the body as the
official SDKs do: `address[line1]=…`, `expand[0]=…`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit
from uuid import uuid4

import pytest
import requests
import schemathesis
import stripe
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.schemas import OpenApiSchema

from tests.api.contract_objects import MADE_ONCE, OTHER_OPERATIONS, makers
from tests.api.stripe_wire import FORM, decode_form, wire_conforms
from tests.card_numbers import without_card_numbers
from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer

MAX_EXAMPLES = 50  # per operation and generation mode
OPERATIONS = (
    "POST /v1/customers",
    "GET /v1/customers",
    "GET /v1/customers/{id}",
    "POST /v1/customers/{id}",
    "DELETE /v1/customers/{id}",
)
# Every other operation of the document gets a bounded run: a few random requests each, and a sample of its
# boundary cases. `LYNK_CONTRACT_EXAMPLES` (and `LYNK_CONTRACT_BOUNDARIES`) raise the bounds for a longer run.
FEW_EXAMPLES = int(os.environ.get("LYNK_CONTRACT_EXAMPLES", "8"))
FEW_BOUNDARIES = int(os.environ.get("LYNK_CONTRACT_BOUNDARIES", "8"))
# schemathesis's own judgement of the answer against the document; whether data was
# rightly accepted or refused is judged here instead, on the wire form.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Rules a valid request can still break, which the document does not state (reported):
# the fields that can be expanded are registered on the app's `Expander` after the
# routes describe `expand` as any string, and OpenAPI cannot say that two query
# parameters exclude each other.
UNDOCUMENTED_RULES = (
    ("expand", "This property cannot be expanded"),
    ("ending_before", "You may only specify one of starting_after and ending_before"),
)
SINGLETONS = ("balance", "link.metrics")  # objects with no id (one per account, one per network)
REFUSED_BODY_TYPES = ("application/json", "multipart/form-data")
# --- The document and the requests built from it ---------------------------------------------------------------


@dataclass(frozen=True)
class Contract:
    document: dict[str, Any]
    schema: OpenApiSchema
    http: requests.Session  # one connection pool for the whole module: a new client per request costs ~60 ms

    def operation(self, label: str) -> Any:
        method, path = label.split(" ")
        return self.schema[path][method]

    def request_conforms(self, case: Case, response: Response) -> bool | None:
        """Whether the request as sent (path, query, headers, body) is valid by the document; None for a
        multipart upload (`POST /v1/files`), whose parts this judgement does not read."""
        definition = self.document["paths"][case.operation.path].get(case.method.lower())
        if definition is None:  # a method the document does not list for this path
            return False
        request = response.request
        url = urlsplit(request.url or "")
        sent: dict[str, Any] = {
            "query": decode_form(url.query),
            "header": {k: v for k, v in request.headers.items() if k.lower() == "idempotency-key"},
            "path": {},
        }
        template = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.*)", re.escape(case.operation.path))
        path_match = re.fullmatch(template, unquote(url.path), re.DOTALL)
        if path_match is None:
            return False
        sent["path"] = path_match.groupdict()
        for location in ("query", "header", "path"):
            declared = [p for p in definition.get("parameters", []) if p["in"] == location]
            container = {
                "type": "object",
                "properties": {p["name"]: p["schema"] for p in declared},
                "required": [p["name"] for p in declared if p.get("required")],
                "additionalProperties": location == "header",
            }
            if location == "header":  # header names are case-insensitive
                container["properties"] = {k.lower(): v for k, v in container["properties"].items()}
                sent["header"] = {k.lower(): v for k, v in sent["header"].items()}
            if not wire_conforms(sent[location], container):
                return False
        body_definition = definition.get("requestBody")
        if body_definition is None:
            return True
        if FORM not in body_definition["content"]:  # multipart only: judged by the answer alone
            return None
        raw = request.body or b""
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        # The server reads any body but JSON and multipart as a form (`routing.read_params`), though the
        # document names only the form type: a leniency, reported, not a case to fail on here.
        if text and request.headers.get("content-type", "").split(";")[0].strip() in REFUSED_BODY_TYPES:
            return False
        body = decode_form(text)
        return body is not None and wire_conforms(body, body_definition["content"][FORM]["schema"])


@pytest.fixture(scope="module")
def contract(server: LynkServer) -> Iterator[Contract]:
    """The document the server publishes, and schemathesis reading it."""
    http = requests.Session()
    response = http.get(f"{server.base_url}/openapi.json")
    response.raise_for_status()
    document = response.json()
    schema = schemathesis.openapi.from_dict(document)
    # No form field accepts NUL (`lynk.wire.forms` refuses it), and the key is ours to send.
    schema.config.generation.update(allow_x00=False, with_security_parameters=False)
    yield Contract(document, schema, http)
    http.close()


def describe(case: Case, response: Response) -> str:
    body = response.request.body
    sent = body.decode("utf-8", "replace") if isinstance(body, bytes) else (body or "")
    phase = case.meta.phase.data.description if case.meta else None
    return (
        f"{case.operation.label} ({phase or 'generated'}): {response.request.method} {response.request.url}\n"
        f"  sent: {sent[:1500]}\n  got {response.status_code}: {response.text[:1500]}"
    )


def assert_stripe_answer(case: Case, response: Response) -> dict[str, Any]:
    """No 5xx, JSON always: an `error` object for a 4xx, an object with `object` and `id` for a 2xx."""
    shown = describe(case, response)
    assert response.status_code < 500, f"server error\n{shown}"
    assert 200 <= response.status_code < 300 or 400 <= response.status_code < 500, f"unexpected status\n{shown}"
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/json"), f"not JSON ({content_type})\n{shown}"
    body = response.json()
    assert isinstance(body, dict), shown
    if response.status_code >= 400:
        error = body.get("error")
        assert isinstance(error, dict), f"no error object\n{shown}"
        assert isinstance(error.get("type"), str) and error["type"], shown
        assert isinstance(error.get("message"), str) and error["message"], shown
    else:
        assert "error" not in body, shown
        assert isinstance(body.get("object"), str), f"no object type\n{shown}"
        if body["object"] in ("list", "search_result"):
            assert isinstance(body.get("data"), list) and isinstance(body.get("has_more"), bool), shown
        elif body["object"] not in SINGLETONS:
            assert isinstance(body.get("id"), str) and body["id"], f"no id\n{shown}"
    return body


def assert_served(case: Case, response: Response, body: dict[str, Any], *, id_exists: bool, strict: bool) -> None:
    """A request valid by the document is served, or names an object that does not exist (404).

    Not `strict` (an operation with business rules the document cannot state, e.g. capturing an
    intent that is not waiting for capture), a valid request may be refused, but never because the
    server does not take a parameter the document lists, nor as missing when the object exists.
    """
    if response.status_code < 400:
        return
    error = body["error"]
    shown = describe(case, response)
    if response.status_code == 404:
        assert not (id_exists and error.get("param") == "id"), f"an existing object was not found\n{shown}"
        return
    if not strict and error.get("code") == "parameter_unknown" and error.get("param") in type_hashes(case):
        return  # `card[…]` with `type=us_bank_account`: each type takes only its own hash, a rule the document omits
    assert error.get("code") != "parameter_unknown", f"the document lists a parameter the server does not take\n{shown}"
    if not strict:
        return
    if any(error.get("param") == param and error["message"].startswith(text) for param, text in UNDOCUMENTED_RULES):
        return
    raise AssertionError(f"a request valid by the document was refused\n{shown}")


def has_empty_object(value: Any, top: bool = True) -> bool:
    """Whether a body holds an empty object below its top level: `{}` has no wire form (`k=` unsets instead)."""
    if isinstance(value, dict):
        return (not value and not top) or any(has_empty_object(child, False) for child in value.values())
    if isinstance(value, list):
        return any(has_empty_object(child, False) for child in value)
    return False


def type_hashes(case: Case) -> set[str]:
    """The names of the type-specific hashes of a body with a `type` (`card`, `us_bank_account`, …)."""
    if not isinstance(case.body, dict) or not isinstance(case.body.get("type"), str):
        return set()
    return {name for name in case.body if name != case.body["type"] and isinstance(case.body[name], dict)}


_made: dict[tuple[str, str], dict[str, str]] = {}


def existing_objects(server: LynkServer, merchant: MerchantKeys, path: str) -> dict[str, str] | None:
    """Path parameters naming objects of the merchant's that exist, made for this request (None: no maker)."""
    maker = makers(lambda: int(server.clock.now())).get(path)
    if maker is None:
        return None
    key = (merchant.id, maker.__name__)
    if maker in MADE_ONCE and key in _made:
        return _made[key]
    client = stripe.StripeClient(merchant.secret_key, base_addresses={"api": server.base_url}, max_network_retries=0)
    _made[key] = maker(client)
    return _made[key]


def exchange(
    server: LynkServer, merchant: MerchantKeys, contract: Contract, case: Case, *, existing: bool, strict: bool = True
) -> None:
    """Send one generated request (to existing objects if `existing` and its path is valid) and judge the answer."""
    components = case.meta.components if case.meta else {}
    valid_parts = {location for location, info in components.items() if info.mode.is_positive}
    # Existing ids let the request reach the handler, not just a 404.
    id_exists = existing and ParameterLocation.PATH in valid_parts and "id" in (case.path_parameters or {})
    if id_exists:
        objects = existing_objects(server, merchant, case.operation.path)
        if objects is None:
            id_exists = False
        else:
            case.path_parameters = {**(case.path_parameters or {}), **objects}
    # A long-poll waits `timeout` seconds (25 by default) when nothing happens: 0 answers at once.
    if case.operation.path == "/v1/listen/events" and str((case.query or {}).get("timeout", 0)).isdigit():
        case.query = {**(case.query or {}), "timeout": 0}
    # A key reused with other parameters is refused (rightly): each request gets a fresh one, as long as the drawn one.
    key = case.headers.get("Idempotency-Key") if case.headers else None
    if ParameterLocation.HEADER in valid_parts and isinstance(key, str) and key:
        unique = uuid4().hex
        case.headers["Idempotency-Key"] = unique if len(key) < len(unique) else (unique * 8)[: len(key)]
    generated_valid = case.meta is not None and case.meta.generation.mode.is_positive
    # A card number hypothesis took from Lynk's code into a text field would be stored as the merchant's text.
    case.body, case.query = without_card_numbers(case.body), without_card_numbers(case.query)
    if case.headers:
        case.headers = without_card_numbers(dict(case.headers))

    response = case.call(
        base_url=server.base_url, session=contract.http, headers={"Authorization": f"Bearer {merchant.secret_key}"}
    )

    body = assert_stripe_answer(case, response)
    conforms = contract.request_conforms(case, response)
    if conforms is None:  # a file upload: never a 5xx, always Stripe's JSON (above), as the document says
        case.validate_response(response, checks=CHECKS)
        return
    if generated_valid and not (not strict and has_empty_object(case.body)):
        assert conforms, f"a valid case went on the wire as an invalid request\n{describe(case, response)}"
    if conforms:
        assert_served(case, response, body, id_exists=id_exists, strict=strict)
    else:
        assert response.status_code >= 400, (
            f"the server took a request the document calls invalid\n{describe(case, response)}"
        )
    case.validate_response(response, checks=CHECKS)


# --- Tests -----------------------------------------------------------------------------------------------------


def test_document_describes_every_customer_operation(contract: Contract) -> None:
    """The operations generated below are all in the document (it may have more: other resources)."""
    labels = {result.ok().label for result in contract.schema.get_all_operations()}
    assert set(OPERATIONS) <= labels


def test_form_bodies_go_in_bracket_notation(server: LynkServer, merchant: MerchantKeys, contract: Contract) -> None:
    """A nested body from the document reaches the server whole: objects, arrays of objects, metadata."""
    case = contract.operation("POST /v1/customers").Case(
        body={
            "address": {"line1": "1 Main St", "city": "Springfield"},
            "invoice_settings": {"custom_fields": [{"name": "PO", "value": "42"}]},
            "preferred_locales": ["en", "fr"],
            "metadata": {"order": "6735"},
        },
        media_type=FORM,
    )
    sent = dict(parse_qsl(case.as_transport_kwargs(base_url=server.base_url)["data"].decode()))
    assert sent == {
        "address[line1]": "1 Main St",
        "address[city]": "Springfield",
        "invoice_settings[custom_fields][0][name]": "PO",
        "invoice_settings[custom_fields][0][value]": "42",
        "preferred_locales[0]": "en",
        "preferred_locales[1]": "fr",
        "metadata[order]": "6735",
    }
    response = case.call(
        base_url=server.base_url, session=contract.http, headers={"Authorization": f"Bearer {merchant.secret_key}"}
    )
    customer = assert_stripe_answer(case, response)
    assert response.status_code == 200
    assert contract.request_conforms(case, response)
    assert customer["address"]["line1"] == "1 Main St"
    assert customer["invoice_settings"]["custom_fields"] == [{"name": "PO", "value": "42"}]
    assert customer["preferred_locales"] == ["en", "fr"]
    assert customer["metadata"] == {"order": "6735"}


def test_wire_judgement_reads_stripe_form_encoding(contract: Contract) -> None:
    """The judge of valid requests sees what the server sees, so the contract test can trust it."""
    schema = contract.document["paths"]["/v1/customers"]["post"]["requestBody"]["content"][FORM]["schema"]

    def valid(text: str) -> bool:
        body = decode_form(text)
        return body is not None and wire_conforms(body, schema)

    assert valid("address[line1]=1+Main+St&preferred_locales[0]=en&metadata[order]=6735")
    assert valid("balance=-5&email=a%40b.co&invoice_prefix=ABC123&shipping[name]=N&shipping[address][city]=")
    assert valid("phone=&address=&metadata=&expand[0]=x")  # "" unsets
    assert not valid("balance=1.5")
    assert not valid("email=a%40b.co%0A")  # a trailing newline is not part of a valid address
    assert not valid("invoice_prefix=ab")
    assert not valid("shipping[name]=N")  # shipping[address] is required
    assert not valid("address[planet]=Mars")
    assert not valid("metadata[a][b]=c")
    assert not valid("nickname=x")


@pytest.mark.slow
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=lambda m: m.value)
@pytest.mark.parametrize("label", OPERATIONS)
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_generated_requests_get_stripe_answers(
    server: LynkServer,
    merchant: MerchantKeys,
    contract: Contract,
    label: str,
    mode: GenerationMode,
    data: st.DataObject,
) -> None:
    """Random requests from the document: never a 5xx, always Stripe's JSON, valid ones served, others refused."""
    case: Case = data.draw(contract.operation(label).as_strategy(generation_mode=mode), label="case")
    exchange(server, merchant, contract, case, existing=data.draw(st.booleans(), label="existing customer"))


@pytest.mark.slow
@pytest.mark.parametrize("label", OPERATIONS)
def test_boundary_requests_get_stripe_answers(
    server: LynkServer, merchant: MerchantKeys, contract: Contract, label: str
) -> None:
    """schemathesis's coverage cases: each bound of each parameter, just inside and just outside it.

    This is where a document and a server that disagree on a limit (a length, a range, a
    required field) show, and where a value at the limit reaches the database.
    """
    operation = contract.operation(label)
    cases = list(
        contract.schema.iter_coverage_cases(
            operation, generation_modes=list(GenerationMode), generation_config=contract.schema.config.generation
        )
    )
    assert cases
    problems: list[str] = []
    for case in cases:
        try:
            exchange(server, merchant, contract, case, existing=True)
        except AssertionError as problem:
            problems.append(str(problem))
    assert not problems, f"{len(problems)} of {len(cases)} boundary requests went wrong:\n\n" + "\n\n".join(
        problems[:5]
    )


def test_every_operation_of_the_document_is_fuzzed(contract: Contract) -> None:
    """A new operation joins the run below: the lists here are the document's operations, no more, no less."""
    labels = {result.ok().label for result in contract.schema.get_all_operations()}
    assert set(OPERATIONS) | set(OTHER_OPERATIONS) == labels
    assert not set(OPERATIONS) & set(OTHER_OPERATIONS)


@pytest.mark.slow
@pytest.mark.parametrize("label", OTHER_OPERATIONS)
# No shrinking: a failure is reported as found, so a failing run stays within the bound too.
@settings(
    max_examples=FEW_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(data=st.data())
def test_every_operation_gets_stripe_answers(
    server: LynkServer, merchant: MerchantKeys, contract: Contract, label: str, data: st.DataObject
) -> None:
    """A few random requests per operation, valid by the document or not: never a 5xx, always Stripe's JSON."""
    mode = data.draw(st.sampled_from([GenerationMode.POSITIVE, GenerationMode.NEGATIVE]), label="mode")
    case: Case = data.draw(contract.operation(label).as_strategy(generation_mode=mode), label="case")
    existing = data.draw(st.booleans(), label="existing objects")
    exchange(server, merchant, contract, case, existing=existing, strict=False)


@pytest.mark.slow
@pytest.mark.parametrize("label", OTHER_OPERATIONS)
def test_every_operation_at_its_boundaries(
    server: LynkServer, merchant: MerchantKeys, contract: Contract, label: str
) -> None:
    """A sample of each operation's coverage cases (spread over all of them), judged as above."""
    operation = contract.operation(label)
    cases = list(
        contract.schema.iter_coverage_cases(
            operation, generation_modes=list(GenerationMode), generation_config=contract.schema.config.generation
        )
    )
    assert cases
    step = max(1, len(cases) // FEW_BOUNDARIES)
    sample = cases[::step][:FEW_BOUNDARIES]
    problems: list[str] = []
    for case in sample:
        try:
            exchange(server, merchant, contract, case, existing=True, strict=False)
        except AssertionError as problem:
            problems.append(str(problem))
    assert not problems, f"{len(problems)} of {len(sample)} boundary requests went wrong:\n\n" + "\n\n".join(
        problems[:5]
    )

"""Stripe's wire conventions that every resource shares, shown through /v1/customers."""

from __future__ import annotations

import httpx
import pytest

from tests.merchants.factories import MerchantKeys
from tests.servers import LynkServer


@pytest.fixture
def http(server: LynkServer, merchant: MerchantKeys) -> httpx.Client:
    return httpx.Client(base_url=server.base_url, auth=(merchant.secret_key, ""), timeout=30)


@pytest.mark.parametrize(
    "body",
    [
        "preferred_locales[]=en&preferred_locales[]=fr",  # curl style
        "preferred_locales[0]=en&preferred_locales[1]=fr",  # what the Python SDK sends
        "preferred_locales=en&preferred_locales=fr",  # a repeated key
        "preferred_locales[1]=fr&preferred_locales[0]=en",  # indices out of order
    ],
    ids=["brackets", "indexed", "repeated", "indexed-unordered"],
)
def test_all_three_array_forms(http: httpx.Client, body: str) -> None:
    response = http.post("/v1/customers", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200, response.text
    assert response.json()["preferred_locales"] == ["en", "fr"]


def test_arrays_of_objects_indexed(http: httpx.Client) -> None:
    body = (
        "invoice_settings[custom_fields][0][name]=VAT&invoice_settings[custom_fields][0][value]=GB1"
        "&invoice_settings[custom_fields][1][name]=PO&invoice_settings[custom_fields][1][value]=42"
    )
    response = http.post("/v1/customers", content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    fields = response.json()["invoice_settings"]["custom_fields"]
    assert fields == [{"name": "VAT", "value": "GB1"}, {"name": "PO", "value": "42"}]


def test_numeric_metadata_keys_stay_keys(http: httpx.Client) -> None:
    response = http.post("/v1/customers", data={"metadata[0]": "zero", "metadata[12]": "twelve"})
    assert response.json()["metadata"] == {"0": "zero", "12": "twelve"}


def test_request_id_and_stripe_version_headers(http: httpx.Client) -> None:
    ok = http.get("/v1/customers", headers={"Stripe-Version": "2024-06-20"})
    assert ok.headers["Request-Id"].startswith("req_")
    assert ok.headers["Stripe-Version"] == "2024-06-20"
    other = http.get("/v1/customers")
    assert other.headers["Request-Id"] != ok.headers["Request-Id"]
    missing = http.get("/v1/customers/cus_nothing")
    assert missing.headers["Request-Id"].startswith("req_")


def test_unknown_url_is_stripe_shaped_404(http: httpx.Client) -> None:
    response = http.get("/v1/not_a_resource")
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert "Unrecognized request URL (GET: /v1/not_a_resource)" in error["message"]


def test_expand_of_unknown_field_names_expand(http: httpx.Client) -> None:
    created = http.post("/v1/customers", data={"name": "x"}).json()
    response = http.get(f"/v1/customers/{created['id']}", params={"expand[]": "nonsense"})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "expand"
    assert "nonsense" in response.json()["error"]["message"]


def test_healthz(server: LynkServer) -> None:
    response = httpx.get(f"{server.base_url}/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_openapi_describes_form_bodies(server: LynkServer) -> None:
    spec = httpx.get(f"{server.base_url}/openapi.json").json()
    create = spec["paths"]["/v1/customers"]["post"]
    schema = create["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert "email" in schema["properties"]
    assert schema["additionalProperties"] is False
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in create["parameters"])
    retrieve = spec["paths"]["/v1/customers/{id}"]["get"]
    assert any(p["name"] == "id" and p["in"] == "path" for p in retrieve["parameters"])
    listing = spec["paths"]["/v1/customers"]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert {"limit", "starting_after", "ending_before", "email", "created"} <= names
    assert "application/json" not in create["requestBody"]["content"]
    assert "$ref" not in str(spec["paths"])  # nested objects are inlined, so every reference resolves
    assert schema["properties"]["address"]["anyOf"][0]["properties"]["line1"]


def test_trailing_slash_is_a_404_not_a_redirect(http: httpx.Client) -> None:
    response = http.get("/v1/customers/")
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "invalid_request_error"

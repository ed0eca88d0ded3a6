"""List parameters (`limit`, `starting_after`, `ending_before`, `created`) and list objects."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from lynk.core import search
from lynk.core.pagination import CreatedFilter, PageRequest
from lynk.wire.params import MAX_INT, FormInt, NestedParams, Params, Timestamp


class CreatedRange(NestedParams):
    gt: Timestamp | None = None
    gte: Timestamp | None = None
    lt: Timestamp | None = None
    lte: Timestamp | None = None


def _created(value: Any) -> Any:
    return {"eq": value} if isinstance(value, str) else value


class _CreatedParam(CreatedRange):
    eq: Timestamp | None = None


class _OrExactTimestamp:
    """JSON schema of `created`: the range object, or one timestamp (`created=…`, the range's `eq`)."""

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {"anyOf": [handler(schema), {"type": "integer", "minimum": 0, "maximum": MAX_INT}]}


CreatedParam = Annotated[_CreatedParam, BeforeValidator(_created), _OrExactTimestamp()]


class ListParams(Params):
    limit: Annotated[FormInt, Field(ge=1, le=100)] = 10
    starting_after: Annotated[str, Field(max_length=255)] | None = None
    ending_before: Annotated[str, Field(max_length=255)] | None = None

    def page(self, created: _CreatedParam | None = None) -> PageRequest:
        return PageRequest(
            limit=self.limit,
            starting_after=self.starting_after or None,
            ending_before=self.ending_before or None,
            created=None if created is None else CreatedFilter(**created.model_dump()),
        )


def list_object(url: str, data: Sequence[dict[str, Any]], has_more: bool) -> dict[str, Any]:
    return {"object": "list", "data": list(data), "has_more": has_more, "url": url}


class SearchParams(Params):
    """`GET /v1/<resources>/search`: Stripe's query language, `limit`, and `page` (a previous `next_page`)."""

    query: Annotated[str, Field(min_length=1, max_length=5000)]
    limit: Annotated[FormInt, Field(ge=1, le=100)] = 10
    page: Annotated[str, Field(max_length=500)] | None = None

    def page_request(self) -> PageRequest:
        return PageRequest(limit=self.limit, starting_after=search.after_id(self.page))


def search_object(url: str, data: Sequence[dict[str, Any]], has_more: bool) -> dict[str, Any]:
    """A `search_result`; `next_page` continues after the last object (null on the last page)."""
    next_page = search.page_token(data[-1]["id"]) if has_more and data else None
    return {"object": "search_result", "data": list(data), "has_more": has_more, "next_page": next_page, "url": url}

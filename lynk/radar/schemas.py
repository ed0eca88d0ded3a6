"""Request parameters of early fraud warnings."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from lynk.wire.lists import CreatedParam, ListParams

Id = Annotated[str, Field(min_length=1, max_length=255)]


class ListEarlyFraudWarnings(ListParams):
    charge: Id | None = None
    payment_intent: Id | None = None
    created: CreatedParam | None = None

"""Request parameters of test clocks."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from lynk.wire.lists import ListParams
from lynk.wire.params import Params, Timestamp


class CreateTestClock(Params):
    frozen_time: Timestamp
    name: Annotated[str, Field(max_length=300)] | None = None


class AdvanceTestClock(Params):
    frozen_time: Timestamp


class ListTestClocks(ListParams):
    pass

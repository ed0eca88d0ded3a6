"""The scope every query runs in: one merchant, in one mode."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scope:
    merchant_id: str
    livemode: bool

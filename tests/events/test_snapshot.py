"""An event keeps its object as it was when the event was recorded: later changes to the dicts and lists the
object was built from (an intent's metadata, its payment method types) never reach the event's payload."""

from __future__ import annotations

from dataclasses import dataclass, field

from lynk.events.service import previous_attributes, snapshot


@dataclass
class _Box:
    items: list[int] = field(default_factory=list)


def test_a_snapshot_is_equal_and_shares_nothing_mutable() -> None:
    metadata = {"order": "1"}
    types = ["card"]
    box = _Box([1])
    obj = {"id": "pi_1", "amount": 2000, "metadata": metadata, "payment_method_types": types, "other": box}
    copied = snapshot(obj)
    assert copied == obj
    metadata["order"] = "2"
    types.append("link")
    box.items.append(2)  # not JSON: deep-copied all the same
    assert copied["metadata"] == {"order": "1"}
    assert copied["payment_method_types"] == ["card"]
    assert copied["other"].items == [1]


def test_previous_attributes_keep_the_old_values() -> None:
    before = {"status": "processing", "metadata": {"a": "1"}, "amount": 5}
    after = {"status": "succeeded", "metadata": {"a": "2"}, "amount": 5}
    previous = previous_attributes(before, after)
    assert previous == {"status": "processing", "metadata": {"a": "1"}}
    before["metadata"]["a"] = "3"
    assert previous["metadata"] == {"a": "1"}

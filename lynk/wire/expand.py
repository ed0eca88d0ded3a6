"""`expand[]`: replace an id with its object, also inside lists (`data.customer`).

Domains register which fields of their objects can be expanded and how to load
the target (`Expander.register`); the app wires them together, so no domain
imports another to expand it. The expander knows nothing of the call a loader is handed (the API's
`ApiCall`): it is a type parameter, so `expand` imports nothing of `routing`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from lynk.core.errors import InvalidRequestError

C = TypeVar("C")  # the call a loader reads with (its session, scope and runtime)
Loader = Callable[[C, str], Awaitable[dict[str, Any] | list[Any] | None]]
MAX_EXPAND_DEPTH = 4
LISTS = ("list", "search_result")


class Expander(Generic[C]):
    def __init__(self) -> None:
        self._fields: dict[str, dict[str, Loader[C]]] = {}
        self._from_id: set[tuple[str, str]] = set()

    def register(self, object_name: str, field: str, loader: Loader[C], *, from_id: bool = False) -> None:
        """`field` may be dotted, for ids inside sub-objects (`invoice_settings.default_payment_method`).
        With `from_id`, the field is shown only when expanded, loaded from the object's own id (a
        charge's `refunds`)."""
        self._fields.setdefault(object_name, {})[field] = loader
        if from_id:
            self._from_id.add((object_name, field))

    def check(self, paths: list[str], object_name: str | None) -> None:
        """Refuse, before a request does anything, a path that no expansion could follow.

        `object_name` is what the request returns when it is known (a registered object); otherwise
        each step of the path must be expandable on some object. `expand` still checks the result.
        """
        for path in dict.fromkeys(paths):
            _check_depth(path, is_list=False)
            known = self._fields.get(object_name) if object_name else None
            if not self._resolves(path, known):
                raise InvalidRequestError(f"This property cannot be expanded ({path}).", param="expand")

    def _resolves(self, path: str, fields: dict[str, Loader[C]] | None) -> bool:
        names = fields.keys() if fields is not None else {name for known in self._fields.values() for name in known}
        for name in names:
            if path == name:
                return True
            if path.startswith(name + ".") and self._resolves(path[len(name) + 1 :], None):
                return True
        return False

    async def expand(self, call: C, obj: dict[str, Any], paths: list[str]) -> dict[str, Any]:
        for path in dict.fromkeys(paths):
            _check_depth(path, is_list=obj.get("object") == "list")
            await self._expand_path(call, obj, path, path)
        return obj

    async def _expand_path(self, call: C, obj: dict[str, Any], path: str, full: str) -> None:
        if obj.get("object") in LISTS and path.startswith("data."):
            for item in obj.get("data", []):
                await self._expand_path(call, item, path[len("data.") :], full)
            return
        fields = self._fields.get(str(obj.get("object")), {})
        for field, loader in fields.items():
            if path == field or path.startswith(field + "."):
                holder, key = _locate(obj, field)
                value = holder.get(key) if holder is not None else None
                if value is None and (str(obj.get("object")), field) in self._from_id:
                    holder, value = holder if holder is not None else obj, await loader(call, str(obj["id"]))
                    holder[key] = value
                elif isinstance(value, str):
                    value = await loader(call, value)
                    assert holder is not None
                    holder[key] = value
                rest = path[len(field) + 1 :]
                if rest and isinstance(value, dict):
                    await self._expand_path(call, value, rest, full)
                return
        raise InvalidRequestError(f"This property cannot be expanded ({full}).", param="expand")


def _check_depth(path: str, *, is_list: bool) -> None:
    if len(path.split(".")) > MAX_EXPAND_DEPTH + (1 if is_list else 0):
        raise InvalidRequestError(
            f"You cannot expand more than {MAX_EXPAND_DEPTH} levels of a property: {path}.", param="expand"
        )


def _locate(obj: dict[str, Any], dotted: str) -> tuple[dict[str, Any] | None, str]:
    *parents, key = dotted.split(".")
    node: Any = obj
    for parent in parents:
        node = node.get(parent) if isinstance(node, dict) else None
    return (node if isinstance(node, dict) else None), key

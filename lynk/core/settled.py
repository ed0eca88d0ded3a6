"""What a process keeps of rows that never change once committed (a vault secret, a ledger account's pk).

`Settled` holds values per database (engine, weakly: a disposed engine takes its values with it), so two
databases in one process (tests, the CLI) never see each other's. A value is kept only when read, never when the
reading session wrote it itself (`wrote`): that session may still roll back, and the row with it.
"""

from __future__ import annotations

from typing import Generic, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy.ext.asyncio import AsyncSession

K = TypeVar("K")
V = TypeVar("V")


class Settled(Generic[K, V]):
    def __init__(self, name: str) -> None:
        self._by_engine: WeakKeyDictionary[object, dict[K, V]] = WeakKeyDictionary()
        self._wrote = f"lynk_settled_wrote_{name}"

    def get(self, session: AsyncSession, key: K) -> V | None:
        known = self._by_engine.get(session.bind) if session.bind is not None else None
        return None if known is None else known.get(key)

    def keep(self, session: AsyncSession, key: K, value: V) -> None:
        """Keep `value`, read in `session`, unless that session wrote its row."""
        if session.bind is not None and key not in session.info.get(self._wrote, ()):
            self._by_engine.setdefault(session.bind, {})[key] = value

    def wrote(self, session: AsyncSession, key: K) -> None:
        """`session` wrote the row of `key`: what it reads of it is not kept."""
        session.info.setdefault(self._wrote, set()).add(key)

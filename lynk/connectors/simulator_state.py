"""Where the simulator keeps what it did: its idempotency keys, its payments, the bank's verdicts.

A processor remembers: a restarted Lynk, a second `lynk serve` process or a deploy must find the
authorizations the simulator granted before. `SimulatorStore` is that memory, written one unit at a
time: a unit reads and changes the state of one call atomically, and the units of one key never
overlap. `MemoryStore` (the default) lives and dies with the process; `lynk.simulation` keeps it in
a database, in the simulator's own tables, which is what `lynk serve` uses.

Requests and results cross the store as text (`encode_request`, `encode_result`), so a store compares
and replays them without knowing their types.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal, Protocol

from lynk.connectors.protocol import (
    AuthorizeRequest,
    AuthorizeResult,
    AuthorizeStatus,
    CaptureRequest,
    DebitRequest,
    DebitResult,
    DebitStatus,
    IncrementRequest,
    OperationResult,
    OperationStatus,
    RefundRequest,
    VoidRequest,
)

Request = AuthorizeRequest | CaptureRequest | IncrementRequest | VoidRequest | RefundRequest | DebitRequest
Result = AuthorizeResult | OperationResult | DebitResult
PaymentState = Literal["authorized", "captured", "voided", "declined"]


@dataclass
class SimPayment:
    """An authorization (or debit) the simulator holds, by its reference. `card` is the vault card id."""

    amount: int
    state: PaymentState
    captured: int = 0
    refunded: int = 0
    card: str | None = None


@dataclass(frozen=True)
class Stored:
    """A key's call as the store keeps it: the request and the result, as text; a debit's verdict."""

    request: str
    result: str
    verdict: str | None = None


class StoreConflict(Exception):
    """Another process stored the same key first; run the unit again (it will replay)."""


class Unit(Protocol):
    """One atomic change of the store. A unit reads before it writes (the key's operation, the payment it changes):
    what it saves may not be visible to its own reads, since the database store sends its writes when it ends."""

    async def operation(self, key: str) -> Stored | None: ...

    async def save_operation(self, key: str, stored: Stored) -> None: ...

    async def payment(self, reference: str) -> SimPayment | None:
        """The payment, locked until the unit ends; changes are kept by `save_payment`."""
        ...

    async def save_payment(self, reference: str, payment: SimPayment) -> None: ...


class SimulatorStore(Protocol):
    def unit(self, key: str, *, first: bool = False) -> AbstractAsyncContextManager[Unit]:
        """One atomic change; units of the same key run one after another. May raise `StoreConflict`.

        `first`: the key is most likely new (the first try of a call). A store that undoes a unit whose key turns
        out to be stored already may then answer `operation` with None unread, and raise `StoreConflict` at the
        end instead: the retry that follows (not `first`) reads it and replays."""
        ...

    async def operation(self, key: str) -> Stored | None:
        """Read without a unit (for `status`)."""
        ...

    async def close(self) -> None: ...


_RESULTS: dict[str, type[Result]] = {"authorize": AuthorizeResult, "operation": OperationResult, "debit": DebitResult}
_STATUSES: dict[str, Any] = {"authorize": AuthorizeStatus, "operation": OperationStatus, "debit": DebitStatus}


def encode_request(request: Request) -> str:
    return json.dumps([type(request).__name__, asdict(request)], sort_keys=True, separators=(",", ":"))


def encode_result(result: Result) -> str:
    kind = next(name for name, cls in _RESULTS.items() if isinstance(result, cls))
    fields = {**asdict(result), "status": str(result.status)}
    return json.dumps([kind, fields], sort_keys=True, separators=(",", ":"))


def decode_result(text: str) -> Result:
    kind, fields = json.loads(text)
    fields["status"] = _STATUSES[kind](fields["status"])
    return _RESULTS[kind](**fields)


class _MemoryUnit:
    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    async def operation(self, key: str) -> Stored | None:
        return self._store.operations.get(key)

    async def save_operation(self, key: str, stored: Stored) -> None:
        self._store.operations[key] = stored

    async def payment(self, reference: str) -> SimPayment | None:
        payment = self._store.payments.get(reference)
        return replace(payment) if payment is not None else None

    async def save_payment(self, reference: str, payment: SimPayment) -> None:
        self._store.payments[reference] = replace(payment)


class MemoryStore:
    """The simulator's state in this process only: forgotten by a restart (what fault tests want)."""

    def __init__(self) -> None:
        self.operations: dict[str, Stored] = {}
        self.payments: dict[str, SimPayment] = {}
        self._lock = asyncio.Lock()
        self._key_locks: dict[str, asyncio.Lock] = {}

    @asynccontextmanager
    async def unit(self, key: str, *, first: bool = False) -> AsyncIterator[Unit]:
        # `first` changes nothing here: memory can't undo a unit, so every unit reads its key.
        async with self._key_locks.setdefault(key, asyncio.Lock()), self._lock:
            yield _MemoryUnit(self)

    async def operation(self, key: str) -> Stored | None:
        return self.operations.get(key)

    async def close(self) -> None:
        return None

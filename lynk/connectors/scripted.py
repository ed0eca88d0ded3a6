"""A connector that wraps another and fails on cue, for fault tests.

    connector = ScriptedConnector(Simulator())
    connector.fail_next("authorize", mode="crash_after")
    # the simulator authorizes, then SimulatedCrash is raised: the caller never learns the result;
    # connector.status(key) still tells what happened.

Modes:

- `timeout_before`: raise `ConnectorTimeout` without calling through (nothing happened).
- `timeout_after`: call through, then raise `ConnectorTimeout` (the processor acted, the answer was lost).
- `crash_after`: call through, then raise `SimulatedCrash`, as if the process died after the processor
  acted and before its result was recorded.

Faults are queued per method and used in order; `after=n` lets n calls through before the fault.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

from lynk.connectors.protocol import (
    AuthorizeRequest,
    AuthorizeResult,
    CaptureRequest,
    CompleteRequest,
    Connector,
    ConnectorTimeout,
    DebitRequest,
    DebitResult,
    IncrementRequest,
    OperationResult,
    RefundRequest,
    VoidRequest,
)

Method = Literal["authorize", "capture", "increment", "void", "refund", "debit", "status", "complete"]
FaultMode = Literal["timeout_before", "timeout_after", "crash_after"]
_METHODS: tuple[Method, ...] = ("authorize", "capture", "increment", "void", "refund", "debit", "status", "complete")
_MODES: tuple[FaultMode, ...] = ("timeout_before", "timeout_after", "crash_after")

T = TypeVar("T")


class SimulatedCrash(BaseException):
    """The process "died" here. A BaseException, like SystemExit, so `except Exception` does not catch it."""


@dataclass
class _Fault:
    mode: FaultMode
    times: int
    after: int


class ScriptedConnector:
    """A `Connector` that passes calls to `inner` except where a fault was scheduled."""

    def __init__(self, inner: Connector) -> None:
        self.inner = inner
        self.calls: list[tuple[Method, str]] = []
        """Every call received, as (method, idempotency key), faulted or not."""
        self._faults: dict[Method, deque[_Fault]] = {method: deque() for method in _METHODS}

    def fail_next(self, method: Method, *, mode: FaultMode = "timeout_before", times: int = 1, after: int = 0) -> None:
        """Make the next `times` calls to `method` fail with `mode`, once `after` calls have gone through."""
        if method not in _METHODS:
            raise ValueError(f"unknown method {method!r}")
        if mode not in _MODES:
            raise ValueError(f"unknown mode {mode!r}")
        if times < 1 or after < 0:
            raise ValueError("times must be at least 1 and after at least 0")
        self._faults[method].append(_Fault(mode, times, after))

    def clear(self) -> None:
        """Forget every scheduled fault."""
        for queue in self._faults.values():
            queue.clear()

    def pending(self, method: Method) -> int:
        """How many faulty calls are still scheduled for `method`."""
        return sum(fault.times for fault in self._faults[method])

    async def authorize(self, request: AuthorizeRequest) -> AuthorizeResult:
        return await self._call("authorize", request.idempotency_key, lambda: self.inner.authorize(request))

    async def capture(self, request: CaptureRequest) -> OperationResult:
        return await self._call("capture", request.idempotency_key, lambda: self.inner.capture(request))

    async def increment_authorization(self, request: IncrementRequest) -> OperationResult:
        return await self._call(
            "increment", request.idempotency_key, lambda: self.inner.increment_authorization(request)
        )

    async def void(self, request: VoidRequest) -> OperationResult:
        return await self._call("void", request.idempotency_key, lambda: self.inner.void(request))

    async def refund(self, request: RefundRequest) -> OperationResult:
        return await self._call("refund", request.idempotency_key, lambda: self.inner.refund(request))

    async def debit(self, request: DebitRequest) -> DebitResult:
        return await self._call("debit", request.idempotency_key, lambda: self.inner.debit(request))

    async def status(self, idempotency_key: str) -> AuthorizeResult | OperationResult | DebitResult | None:
        return await self._call("status", idempotency_key, lambda: self.inner.status(idempotency_key))

    async def complete(self, request: CompleteRequest) -> AuthorizeResult | None:
        return await self._call("complete", request.idempotency_key, lambda: self.inner.complete(request))

    async def _call(self, method: Method, key: str, call: Callable[[], Awaitable[T]]) -> T:
        self.calls.append((method, key))
        mode = self._take_fault(method)
        if mode == "timeout_before":
            raise ConnectorTimeout(f"{method} timed out before reaching the processor (scripted)")
        result = await call()
        if mode == "timeout_after":
            raise ConnectorTimeout(f"{method} timed out after the processor acted (scripted)")
        if mode == "crash_after":
            raise SimulatedCrash(f"crashed after {method} reached the processor (scripted)")
        return result

    def _take_fault(self, method: Method) -> FaultMode | None:
        queue = self._faults[method]
        if not queue:
            return None
        fault = queue[0]
        if fault.after > 0:
            fault.after -= 1
            return None
        fault.times -= 1
        if fault.times == 0:
            queue.popleft()
        return fault.mode

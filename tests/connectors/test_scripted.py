"""Scripted faults: timeouts before and after the processor acts, crashes, and recovery through status()."""

from __future__ import annotations

import asyncio

import pytest

from lynk.connectors import (
    AuthorizeResult,
    AuthorizeStatus,
    CaptureRequest,
    Connector,
    ConnectorTimeout,
    ConnectorUnavailable,
    RefundRequest,
    ScriptedConnector,
    SimulatedCrash,
    Simulator,
)
from tests.connectors.support import auth_request


def test_timeout_before_means_nothing_happened() -> None:
    async def scenario() -> None:
        simulator = Simulator()
        connector = ScriptedConnector(simulator)
        connector.fail_next("authorize", mode="timeout_before")
        with pytest.raises(ConnectorTimeout):
            await connector.authorize(auth_request(key="a1"))
        assert simulator.authorizations == 0
        assert await connector.status("a1") is None
        retried = await connector.authorize(auth_request(key="a1"))
        assert retried.status == AuthorizeStatus.AUTHORIZED
        assert simulator.authorizations == 1

    asyncio.run(scenario())


def test_timeout_after_means_the_processor_acted_and_a_retry_replays_it() -> None:
    async def scenario() -> None:
        simulator = Simulator()
        connector = ScriptedConnector(simulator)
        connector.fail_next("authorize", mode="timeout_after")
        with pytest.raises(ConnectorUnavailable):  # ConnectorTimeout is a ConnectorUnavailable
            await connector.authorize(auth_request(key="a1"))
        assert simulator.authorizations == 1
        seen = await connector.status("a1")
        assert await connector.authorize(auth_request(key="a1")) == seen
        assert simulator.authorizations == 1

    asyncio.run(scenario())


def test_crash_after_authorize_is_recovered_through_status() -> None:
    async def scenario() -> None:
        simulator = Simulator()
        connector = ScriptedConnector(simulator)
        connector.fail_next("authorize", mode="crash_after")
        with pytest.raises(SimulatedCrash):
            await connector.authorize(auth_request(key="attempt_1"))
        recovered = await connector.status("attempt_1")
        assert isinstance(recovered, AuthorizeResult)
        assert recovered.status == AuthorizeStatus.AUTHORIZED
        assert simulator.authorizations == 1
        capture = await connector.capture(CaptureRequest("cap_1", recovered.reference, 2000))
        assert capture.succeeded
        assert simulator.captures == 1

    asyncio.run(scenario())


def test_a_crash_is_not_caught_as_an_ordinary_error() -> None:
    async def pipeline(connector: Connector) -> str:
        try:
            await connector.authorize(auth_request(key="a1"))
        except Exception:
            return "recorded as failed"
        return "recorded as done"

    connector = ScriptedConnector(Simulator())
    connector.fail_next("authorize", mode="crash_after")
    with pytest.raises(SimulatedCrash):
        asyncio.run(pipeline(connector))


def test_crash_after_refund_then_retry_refunds_once() -> None:
    async def scenario() -> None:
        simulator = Simulator()
        connector = ScriptedConnector(simulator)
        auth = await connector.authorize(auth_request(key="a1", capture=True))
        connector.fail_next("refund", mode="crash_after")
        with pytest.raises(SimulatedCrash):
            await connector.refund(RefundRequest("re1", auth.reference, 2000))
        retried = await connector.refund(RefundRequest("re1", auth.reference, 2000))
        assert retried.succeeded
        assert retried == await connector.status("re1")
        assert simulator.refunds == 1

    asyncio.run(scenario())


def test_faults_follow_times_and_after_per_method() -> None:
    async def scenario() -> None:
        simulator = Simulator()
        connector = ScriptedConnector(simulator)
        connector.fail_next("authorize", times=2, after=1)
        connector.fail_next("capture", mode="timeout_before")
        assert connector.pending("authorize") == 2
        first = await connector.authorize(auth_request(key="a1"))
        for key in ("a2", "a3"):
            with pytest.raises(ConnectorTimeout):
                await connector.authorize(auth_request(key=key))
        assert (await connector.authorize(auth_request(key="a4"))).succeeded
        assert connector.pending("authorize") == 0
        with pytest.raises(ConnectorTimeout):
            await connector.capture(CaptureRequest("c1", first.reference, 2000))
        assert (await connector.capture(CaptureRequest("c1", first.reference, 2000))).succeeded
        assert (simulator.authorizations, simulator.captures) == (2, 1)
        assert [method for method, _ in connector.calls] == ["authorize"] * 4 + ["capture"] * 2

    asyncio.run(scenario())


def test_status_itself_can_time_out_and_faults_can_be_cleared() -> None:
    async def scenario() -> None:
        connector = ScriptedConnector(Simulator())
        connector.fail_next("status")
        with pytest.raises(ConnectorTimeout):
            await connector.status("a1")
        connector.fail_next("authorize", times=3)
        connector.clear()
        assert connector.pending("authorize") == 0
        assert (await connector.authorize(auth_request(key="a1"))).succeeded

    asyncio.run(scenario())


def test_fail_next_refuses_nonsense() -> None:
    connector = ScriptedConnector(Simulator())
    with pytest.raises(ValueError):
        connector.fail_next("charge", mode="timeout_before")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        connector.fail_next("authorize", mode="explode")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        connector.fail_next("authorize", times=0)

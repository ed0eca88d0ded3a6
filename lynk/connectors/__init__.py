"""Connectors: how Lynk talks to card processors. See `lynk.connectors.protocol` for the contract."""

from lynk.connectors.protocol import (
    AuthorizeRequest,
    AuthorizeResult,
    AuthorizeStatus,
    CaptureRequest,
    CardRef,
    CheckResult,
    Connector,
    ConnectorError,
    ConnectorTimeout,
    ConnectorUnavailable,
    IdempotencyKeyReused,
    NetworkStatus,
    OperationResult,
    OperationStatus,
    RefundRequest,
    VoidRequest,
)
from lynk.connectors.scripted import FaultMode, ScriptedConnector, SimulatedCrash
from lynk.connectors.simulator import Simulator

__all__ = [
    "AuthorizeRequest",
    "AuthorizeResult",
    "AuthorizeStatus",
    "CaptureRequest",
    "CardRef",
    "CheckResult",
    "Connector",
    "ConnectorError",
    "ConnectorTimeout",
    "ConnectorUnavailable",
    "FaultMode",
    "IdempotencyKeyReused",
    "NetworkStatus",
    "OperationResult",
    "OperationStatus",
    "RefundRequest",
    "ScriptedConnector",
    "SimulatedCrash",
    "Simulator",
    "VoidRequest",
]

"""Log output: `LYNK_LOG_FORMAT=text` (the default: uvicorn's lines, as before) or `json`.

In JSON every log record of the process (Lynk's, uvicorn's, SQLAlchemy's) becomes one object per line,
rendered by structlog from the standard library's records: `timestamp`, `level`, `logger`, `event` (the
message), the fields a record carries (`extra=`), `exception` with its traceback, and the trace and
span ids when a trace is being recorded. Each request writes one line (`lynk.access`, event `request`)
with `request_id`, `merchant_id`, `mode`, `method`, `route`, `status` and `duration_ms`; uvicorn's own
access line, which shows the raw path, is off.

Card numbers are masked as everywhere (`lynk.vault.logfilter`): in the message when the record is made,
and here in every other field, the traceback included.
"""

from __future__ import annotations

import logging
from typing import Any

import structlog
from opentelemetry import trace

from lynk.vault.logfilter import mask_pans


def _mask(_: Any, __: str, event: structlog.typing.EventDict) -> structlog.typing.EventDict:
    return {key: mask_pans(value) if isinstance(value, str) else value for key, value in event.items()}


def _trace_ids(_: Any, __: str, event: structlog.typing.EventDict) -> structlog.typing.EventDict:
    context = trace.get_current_span().get_span_context()
    if context.is_valid:
        event["trace_id"] = format(context.trace_id, "032x")
        event["span_id"] = format(context.span_id, "016x")
    return event


def json_formatter() -> logging.Formatter:
    """The formatter of `json` (named in `config`, so uvicorn builds it in each server process)."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.stdlib.ExtraAdder(),
            _trace_ids,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _mask,
            structlog.processors.JSONRenderer(),
        ],
    )


def config(log_format: str) -> dict[str, Any] | None:
    """The `logging.config.dictConfig` of a log format for uvicorn to apply; None keeps uvicorn's own."""
    if log_format != "json":
        return None
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.json_formatter"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["stderr"], "level": "INFO"},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False},
            "httpx": {"level": "WARNING"},  # the webhook attempt log has every request already
        },
    }

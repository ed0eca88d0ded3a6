"""Mask anything shaped like a card number in every log line Lynk writes.

Installed once as the log record factory, so it covers every logger (ours, uvicorn's,
SQLAlchemy's): runs of 13 to 19 digits, with optional spaces or dashes between them,
that pass the Luhn check become `************4242`.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from lynk.vault.cards import luhn_valid

_CANDIDATE = re.compile(r"(?<![0-9])[0-9](?:[ -]?[0-9]){12,18}(?![0-9])")


def mask_pans(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        digits = re.sub(r"[ -]", "", match.group(0))
        if not luhn_valid(digits):
            return match.group(0)
        return "*" * (len(digits) - 4) + digits[-4:]

    return _CANDIDATE.sub(replace, text)


_installed = False


def install() -> None:
    """Wrap the log record factory so every record's message is masked (idempotent)."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:
            return record
        masked = mask_pans(message)
        if masked != message:
            # Only then is the record rewritten: formatters that read `args` (uvicorn's access log
            # does) keep working on every other record.
            record.msg, record.args = masked, ()
        return record

    logging.setLogRecordFactory(factory)
    _installed = True

"""Mask card data and Link session secrets in every log line Lynk writes, in every encoding.

Installed once as the log record factory, so it covers every logger (ours, uvicorn's,
SQLAlchemy's). Three rules, applied to the message and to each argument separately (uvicorn's
access formatter unpacks its arguments, so their number and order are kept):

- the value of any `number`, `cvc`, `account_number` or `consumer_session_client_secret` parameter,
  as a query string or a form body writes it (`card[number]=…`, `card%5Bcvc%5D=…`) or as JSON does
  (`"cvc": "…"`), becomes `***`;
- runs of 13 to 19 digits that pass the Luhn check, with spaces, dashes or `+` between them, plain or
  percent-encoded (`%20`, `%2B`, `%2D`, and once more encoded as `%2520`…), become `************4242`,
  also right after a percent-escape made of digits (`%27` in `%7B%274242…%27`: the run reads `274242…`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from lynk.vault.cards import luhn_valid

_SEPARATOR = r"(?:[ +\-]|%(?:25)?(?:20|2[bBdD]))?"
# Up to 4 digits more than a card number: those of percent-escapes the run may start with (below).
_CANDIDATE = re.compile(rf"(?<![0-9])[0-9](?:{_SEPARATOR}[0-9]){{12,22}}(?![0-9])")
_SEPARATORS = re.compile(r"[^0-9]")
_NAMES = r"(?:number|cvc|account_number|consumer_session_client_secret)"
_CLOSE = r"(?:\]|%(?:25)?5[dD])?"
# `card[cvc]=739`, `card%5Bcvc%5D=739`, `cvc%3D739`: the value up to the next separator.
_OPEN = r"(?:(?<=\[)|(?<=%5[bB])|(?<=%255[bB])|(?<![A-Za-z0-9_]))"
_FORM_VALUE = re.compile(rf"(?i)({_OPEN}{_NAMES}{_CLOSE}(?:=|%(?:25)?3[dD]))[^&\s\"'<>]*")
# `"cvc": "739"`, `'number': '4242…'`
_JSON_VALUE = re.compile(rf"(?i)([\"']{_NAMES}[\"']\s*:\s*[\"']?)[^\"',}}\s]*")


def _masked(run: str) -> str | None:
    """The run masked if it is a card number (13 to 19 digits passing Luhn), else None."""
    digits = _SEPARATORS.sub("", run)
    if not 13 <= len(digits) <= 19 or not luhn_valid(digits):
        return None
    return "*" * (len(digits) - 4) + digits[-4:]


def _mask_run(match: re.Match[str]) -> str:
    """A run right after `%` starts with the two hex digits of an escape (`%274242…` is `'4242…`; `%2527`
    is that escape encoded again): a card number may start after them, so those are tried too."""
    run, escape = match.group(0), ""
    while True:
        masked = _masked(run)
        if masked is not None:
            return escape + masked
        before = match.string[match.start() - 1] if match.start() > 0 else ""
        if not (before == "%" or escape.endswith("25")) or len(run) < 15 or not run[:2].isdigit():
            return match.group(0)
        escape, run = escape + run[:2], run[2:]


def mask_pans(text: str) -> str:
    """`text` with every sensitive value masked (the rules above)."""
    text = _FORM_VALUE.sub(lambda m: m.group(1) + "***", text)
    text = _JSON_VALUE.sub(lambda m: m.group(1) + "***", text)
    return _CANDIDATE.sub(_mask_run, text)


def _masked_arg(arg: Any) -> Any:
    """A string masked; anything else kept as it is unless its text holds something to mask."""
    if isinstance(arg, str):
        return mask_pans(arg)
    shown = str(arg)
    masked = mask_pans(shown)
    return arg if masked == shown else masked


def mask_record(record: logging.LogRecord) -> None:
    """Mask `record` in place: its message and each argument, keeping the arguments' shape."""
    if isinstance(record.msg, str):
        record.msg = mask_pans(record.msg)
    args = record.args
    if isinstance(args, tuple):
        record.args = tuple(_masked_arg(arg) for arg in args)
    elif isinstance(args, Mapping):
        record.args = {key: _masked_arg(value) for key, value in args.items()}
    try:
        message = record.getMessage()
    except Exception:  # a masked argument no longer fits its placeholder (`%d`): keep the masked text only
        record.msg, record.args = mask_pans(str(record.msg)), ()
        return
    masked = mask_pans(message)  # a value split across the message and an argument
    if masked != message:
        record.msg, record.args = masked, ()


_installed = False


def install() -> None:
    """Wrap the log record factory so every record is masked (idempotent)."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            mask_record(record)
        except Exception:  # masking must never lose a log line
            return record
        return record

    logging.setLogRecordFactory(factory)
    _installed = True

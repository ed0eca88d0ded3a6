"""Envelope encryption round trips, refuses tampering, and PANs are masked in logs."""

from __future__ import annotations

import logging
import os

import pytest
from cryptography.exceptions import InvalidTag

from lynk.vault import crypto, logfilter


def _key() -> crypto.MasterKey:
    return crypto.MasterKey.from_secret(os.urandom(32))


def test_seal_and_unseal() -> None:
    master = _key()
    sealed = crypto.seal(master, b"4242424242424242", record_id="vcard_1")
    assert b"4242424242424242" not in sealed.ciphertext + sealed.wrapped_key
    assert sealed.key_id == master.key_id
    assert crypto.unseal(master, sealed, record_id="vcard_1") == b"4242424242424242"


def test_ciphertext_is_bound_to_its_record_and_key() -> None:
    master = _key()
    sealed = crypto.seal(master, b"4242424242424242", record_id="vcard_1")
    with pytest.raises(InvalidTag):
        crypto.unseal(master, sealed, record_id="vcard_2")
    with pytest.raises(InvalidTag):
        crypto.unseal(_key(), sealed, record_id="vcard_1")
    tampered = crypto.Sealed(sealed.key_id, sealed.wrapped_key, sealed.ciphertext[:-1] + b"\x00")
    with pytest.raises(InvalidTag):
        crypto.unseal(master, tampered, record_id="vcard_1")


def test_rewrap_keeps_the_ciphertext_and_changes_the_key() -> None:
    old, new = _key(), _key()
    sealed = crypto.seal(old, b"5555555555554444", record_id="vcard_9")
    moved = crypto.rewrap(old, new, sealed, record_id="vcard_9")
    assert moved.ciphertext == sealed.ciphertext
    assert moved.key_id == new.key_id
    assert crypto.unseal(new, moved, record_id="vcard_9") == b"5555555555554444"
    with pytest.raises(InvalidTag):
        crypto.unseal(old, moved, record_id="vcard_9")


def test_master_key_must_be_32_bytes() -> None:
    with pytest.raises(ValueError):
        crypto.MasterKey.from_secret(b"short")


def test_pans_are_masked_in_every_log_line(caplog: pytest.LogCaptureFixture) -> None:
    logfilter.install()
    with caplog.at_level(logging.INFO):
        logging.getLogger("anything.at.all").info("charging %s for order 12345", "4242 4242 4242 4242")
        logging.getLogger("lynk.test").info("raw 5555555555554444 and not-a-card 1234567890123")
    text = caplog.text
    assert "4242 4242 4242 4242" not in text
    assert "5555555555554444" not in text
    assert "************4242" in text
    assert "************4444" in text
    assert "1234567890123" in text  # fails Luhn: not a card, left alone
    assert "order 12345" in text


def test_a_pan_right_after_a_percent_escape_of_digits_is_masked() -> None:
    """Seen in a fuzzed query string: `{'4000000000000101': []}` URL-encoded puts `%27` (a quote) before the
    number, so the digit run reads 274000…; the card number in it is masked all the same."""
    line = "GET /v1/link/metrics?until=%7B%274000000000000101%27%3A+%5B%5D%7D&x=%25274242424242424242%2527"
    masked = logfilter.mask_pans(line)
    assert "4000000000000101" not in masked and "4242424242424242" not in masked
    assert "until=%7B%27************0101%27%3A+%5B%5D%7D" in masked
    assert "x=%2527************4242%2527" in masked
    assert logfilter.mask_pans("order 2712345678901234567 and %2712345") == "order 2712345678901234567 and %2712345"


def test_records_without_card_numbers_keep_their_args() -> None:
    """Formatters that read `record.args` (uvicorn's access log) must still get them."""
    logfilter.install()
    record = logging.getLogger("uvicorn.access").makeRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1", "GET", "/", "1.1", 200),
        None,
    )
    factory_record = logging.getLogRecordFactory()(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1", "GET", "/", "1.1", 200),
        None,
    )
    assert record.args == ("127.0.0.1", "GET", "/", "1.1", 200)
    assert factory_record.args == ("127.0.0.1", "GET", "/", "1.1", 200)

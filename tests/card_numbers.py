"""Every card number Lynk's code and tests know (the test-card page, the simulator's numbers), and a way to
take them out of generated data.

`PANS` is what the last test of a run looks for in the database (tests/zz_after_everything). The contract
fuzz draws strings from hypothesis, which mixes in string constants found in local modules, these numbers
among them: a generated `metadata` or `description` can carry one, and a merchant's own text is stored as
given (as Stripe does). Such a number would be the merchant's mistake, not card data leaking from the
vault, so `without_card_numbers` turns every one into a number that is not a card (its last digit changed,
which breaks its Luhn check) before the request goes; only the fields named `number` (`card[number]`, which
the vault takes) keep theirs.
"""

from __future__ import annotations

import re
from typing import Any

from lynk.vault.sandbox_cards import TEST_CARD_NUMBERS, TEST_PAGE_NUMBERS

PANS = sorted(set(TEST_CARD_NUMBERS.values()) | set(TEST_PAGE_NUMBERS))


def _spoiled(pan: str) -> str:
    return pan[:-1] + str((int(pan[-1]) + 1) % 10)


def _text_without(text: str) -> str:
    # Spoiling one number can't make another (a changed last digit fails every Luhn check it was part of),
    # but a number can hide inside another's digits: repeat until none is left.
    found = True
    while found:
        found = False
        for pan in PANS:
            if pan in text:
                text, found = text.replace(pan, _spoiled(pan)), True
    return text


def without_card_numbers(value: Any, name: str | None = None) -> Any:
    """`value` (a request's body, query or headers, nested) with every known card number spoiled, in keys and
    values alike, except under a field called `number`."""
    if isinstance(value, str):
        return value if name == "number" else _text_without(value)
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
        return value if name == "number" or _text_without(text) == text else int(_text_without(text))
    if isinstance(value, dict):
        return {
            (_text_without(key) if isinstance(key, str) else key): without_card_numbers(item, key)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [without_card_numbers(item, name) for item in value]
    return value


def shows(text: str, digits: str) -> bool:
    """Whether `digits` (a CVC, a card's last four) stand on their own in `text`: not inside a longer run of
    letters and digits. Random ids, keyed digests and timestamps hold any short run of digits now and then, so
    a plain `"314" not in body` fails by chance; a card's digits written back stand apart."""
    return re.search(rf"(?<![0-9A-Za-z]){re.escape(digits)}(?![0-9A-Za-z])", text) is not None

"""The rules parser, property-based: what it parses means what Radar's syntax says, and every error
points at the column where the text goes wrong."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lynk.radar import rules

ATTRS = ("amount_in_usd", "card_country", "risk_score", "email")
WORDS = ("US", "FR", "a@b.c", "x")


@dataclass(frozen=True)
class Node:
    kind: str  # cmp, in, and, or, not
    parts: tuple[Any, ...]


def compare(op: str, left: Any, right: Any) -> bool:
    """Radar's comparison, written out: numbers as numbers, strings case-blind, a string and a number
    equal when their texts are and never ordered, a missing value never matching."""
    if left is None:
        return False
    if isinstance(left, str) or isinstance(right, str):
        a, b = str(left).lower(), str(right).lower()
        if op == "=":
            return a == b
        if op == "!=":
            return a != b
        if not (isinstance(left, str) and isinstance(right, str)):
            return False
        left, right = a, b
    return {
        "=": left == right,
        "!=": left != right,
        "<": left < right,
        ">": left > right,
        "<=": left <= right,
        ">=": left >= right,
    }[op]


def evaluate(node: Node, attrs: dict[str, Any]) -> bool:
    if node.kind == "cmp":
        attr, op, value = node.parts
        return compare(op, attrs.get(attr), value)
    if node.kind == "in":
        attr, values = node.parts
        got = attrs.get(attr)
        return got is not None and str(got).lower() in {str(v).lower() for v in values}
    if node.kind == "not":
        return not evaluate(node.parts[0], attrs)
    results = [evaluate(part, attrs) for part in node.parts]
    return all(results) if node.kind == "and" else any(results)


def literal(value: Any) -> str:
    return f"'{value}'" if isinstance(value, str) else str(value)


def render(node: Node, keyword: Any) -> str:
    """Text with only the parentheses precedence needs (NOT over AND over OR)."""
    if node.kind == "cmp":
        attr, op, value = node.parts
        return f":{attr}: {op} {literal(value)}"
    if node.kind == "in":
        attr, values = node.parts
        return f":{attr}: {keyword('IN')} ({', '.join(literal(v) for v in values)})"
    if node.kind == "not":
        inner = render(node.parts[0], keyword)
        return f"{keyword('NOT')} " + (f"({inner})" if node.parts[0].kind in ("and", "or") else inner)
    joiner = f" {keyword(node.kind.upper())} "
    texts = []
    for part in node.parts:
        text = render(part, keyword)
        texts.append(f"({text})" if part.kind == "or" or (part.kind == "and" and node.kind == "and") else text)
    return joiner.join(texts)


values = st.one_of(st.integers(-5, 2000), st.sampled_from(WORDS))
leaves = st.one_of(
    st.builds(
        lambda a, o, v: Node("cmp", (a, o, v)),
        st.sampled_from(ATTRS),
        st.sampled_from(["=", "!=", "<", ">", "<=", ">="]),
        values,
    ),
    st.builds(
        lambda a, vs: Node("in", (a, tuple(vs))), st.sampled_from(ATTRS), st.lists(values, min_size=1, max_size=3)
    ),
)
trees = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.builds(lambda p: Node("not", (p,)), inner),
        st.builds(lambda ps: Node("and", tuple(ps)), st.lists(inner, min_size=2, max_size=3)),
        st.builds(lambda ps: Node("or", tuple(ps)), st.lists(inner, min_size=2, max_size=3)),
    ),
    max_leaves=8,
)
attribute_values = st.fixed_dictionaries(
    {name: st.one_of(st.none(), st.integers(-5, 2000), st.sampled_from(WORDS)) for name in ATTRS}
)


@settings(max_examples=300, deadline=None)
@given(tree=trees, attrs=attribute_values, action=st.sampled_from(rules.ACTIONS), upper=st.booleans())
def test_a_parsed_rule_means_what_its_text_says(tree: Node, attrs: dict[str, Any], action: str, upper: bool) -> None:
    text = render(tree, str.upper if upper else str.lower)
    parsed = rules.parse(f"{action.upper() if upper else action} if {text}")
    assert parsed.action == action
    assert parsed.predicate == text
    assert parsed.test(attrs, {}) == evaluate(tree, attrs)


@settings(max_examples=300, deadline=None)
@given(tree=trees, data=st.data())
def test_a_stray_character_is_reported_at_its_column(tree: Node, data: st.DataObject) -> None:
    text = "block if " + render(tree, str.upper)
    outside_quotes = [i for i in range(len(text)) if text[:i].count("'") % 2 == 0]
    at = data.draw(st.sampled_from(outside_quotes))
    broken = text[:at] + "$" + text[at:]
    word = at
    while word > 0 and (text[word - 1].isalnum() or text[word - 1] in "_:@.-!<>="):
        word -= 1
    with pytest.raises(rules.RuleSyntaxError) as error:
        rules.parse(broken)
    # At the stray character, or at the start of the word it broke (`b$lock` is no word of the language).
    assert error.value.column is not None and word + 1 <= error.value.column <= at + 1
    assert error.value.param == "predicate"


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list(" :abc_'()=<>!@,0123456789INANDORNOTifblock")), max_size=40))
def test_any_text_parses_or_fails_with_a_column_inside_it(text: str) -> None:
    try:
        rules.parse(text)
    except rules.RuleSyntaxError as error:
        assert error.column is None or 1 <= error.column <= len(text) + 1


def test_value_lists_and_unknown_attributes() -> None:
    parsed = rules.parse("allow if :email: IN @vip_emails", frozenset({"email"}))
    assert parsed.lists == {"vip_emails"}
    assert parsed.test({"email": "Jo@Example.com"}, {"vip_emails": frozenset({"jo@example.com"})})
    assert not parsed.test({"email": "jo@example.com"}, {})
    with pytest.raises(rules.RuleSyntaxError) as unknown:
        rules.parse("block if :risk_scor: > 80", frozenset({"risk_score"}))
    assert unknown.value.column == 10 and "unknown attribute :risk_scor:" in unknown.value.message


def test_deep_nesting_is_refused_not_crashed_on() -> None:
    with pytest.raises(rules.RuleSyntaxError) as parentheses:
        rules.parse("block if " + "(" * 900 + ":risk_score: > 1" + ")" * 900)
    assert parentheses.value.column == len("block if ") + 33
    with pytest.raises(rules.RuleSyntaxError):
        rules.parse("block if " + "NOT " * 450 + ":risk_score: > 1")
    assert rules.parse("block if " + "NOT " * 20 + ":risk_score: > 1").test({"risk_score": 5}, {})
    assert not rules.parse("block if :email: = '" + "(" * 40 + "'").test({"email": "x"}, {})

"""Radar's rule language, `{action} if {predicate}`, parsed with lark and evaluated on a payment's attributes.

    block if :risk_level: = 'highest'
    review if :amount_in_usd: > 1000 AND NOT :card_country: IN ('US', 'CA')
    allow if :email: IN @vip_emails
    request_credentials if :total_charges_per_ip_address_hourly: >= 3

Attributes are `:name:` (see `signals.ATTRIBUTES`), strings are in single quotes, numbers are plain,
lists are `('a', 'b')` or `@alias` (a value list). `AND` binds tighter than `OR`; `NOT` tighter than both.
An error names the column where the text stops making sense.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from lark import Lark, Token, Transformer, Tree, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput
from lark.exceptions import VisitError

from lynk.core.errors import ParameterInvalid

ACTIONS = ("request_credentials", "allow", "block", "review")  # in the order Radar evaluates them
MAX_PREDICATE = 2100  # the action and `if`, and a predicate of up to 2000 characters
MAX_PARENTHESES = 32
MAX_DEPTH = 100  # evaluation recurses once per level

_GRAMMAR = r"""
    rule: ACTION _IF expr
    ?expr: or_
    ?or_: and_ (_OR and_)*      -> any_
    ?and_: not_ (_AND not_)*    -> all_
    ?not_: _NOT not_            -> negate
         | atom
    ?atom: "(" expr ")"
         | comparison
    comparison: attribute OPERATOR value
              | attribute _IN collection  -> member
              | attribute                 -> truthy
    attribute: ATTRIBUTE
    ?value: STRING -> string
          | NUMBER -> number
          | BOOLEAN -> boolean
          | attribute
    ?collection: "(" [value ("," value)*] ")" -> literal_list
               | LIST                         -> value_list

    ACTION.2: /(request_credentials|allow|block|review)(?![A-Za-z0-9_])/i
    _IF.2: /if(?![A-Za-z0-9_])/i
    _AND.2: /AND(?![A-Za-z0-9_])/i
    _OR.2: /OR(?![A-Za-z0-9_])/i
    _NOT.2: /NOT(?![A-Za-z0-9_])/i
    _IN.2: /IN(?![A-Za-z0-9_])/i
    BOOLEAN.2: /(true|false)(?![A-Za-z0-9_])/i
    ATTRIBUTE: /:[a-z][a-z0-9_]*:/
    LIST: /@[A-Za-z0-9_]+/
    OPERATOR: "<=" | ">=" | "!=" | "=" | "<" | ">"
    STRING: /'(?:[^'\\]|\\.)*'/
    NUMBER: /-?[0-9]+(\.[0-9]+)?/

    %import common.WS
    %ignore WS
"""

_PARSER = Lark(_GRAMMAR, start="rule", parser="lalr")
_HEAD = re.compile(r"\s*[A-Za-z_]+\s+if(?![A-Za-z0-9_])", re.IGNORECASE)

# A predicate is a function of (attributes, lists) → bool; lists maps an alias to its values.
Lists = Mapping[str, frozenset[str]]
Predicate = Callable[[Mapping[str, Any], Lists], bool]


@dataclass(frozen=True)
class ParsedRule:
    action: str
    predicate: str  # the text after `if`, as the merchant wrote it
    test: Predicate
    attributes: frozenset[str]  # the attribute names it reads
    lists: frozenset[str]  # the value list aliases it reads


class RuleSyntaxError(ParameterInvalid):
    """A rule that does not parse, or names an unknown attribute: 400 with the column."""

    def __init__(self, message: str, column: int | None) -> None:
        where = f" (at column {column})" if column is not None else ""
        super().__init__(f"Invalid rule{where}: {message}", param="predicate", code="parameter_invalid")
        self.column = column


def _compare(op: str, left: Any, right: Any) -> bool:
    """Numbers compare as numbers, strings without regard to case; a string and a number are equal when
    their texts are (`:card_bin: = 424242`) but never ordered; a missing attribute matches nothing."""
    if left is None or right is None:
        return False
    if isinstance(left, bool) or isinstance(right, bool):
        return op in ("=", "!=") and (bool(left) == bool(right)) == (op == "=")
    if isinstance(left, str) or isinstance(right, str):
        mixed = not (isinstance(left, str) and isinstance(right, str))
        left, right = str(left).lower(), str(right).lower()
        if op in ("=", "!="):
            return bool((left == right) == (op == "="))
        if mixed:
            return False
    return bool(_ORDER[op](left, right))


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


class _Build(Transformer[Token, Any]):
    """Turn the tree into closures: each node is a function of (attributes, lists)."""

    def __init__(self, known: frozenset[str] | None) -> None:
        super().__init__()
        self.known = known
        self.attributes: set[str] = set()
        self.lists: set[str] = set()

    def attribute(self, items: list[Token]) -> Callable[..., Any]:
        token = items[0]
        name = str(token)[1:-1]
        if self.known is not None and name not in self.known:
            raise RuleSyntaxError(f"unknown attribute :{name}:", token.column)
        self.attributes.add(name)
        return lambda attrs, lists: attrs.get(name)

    def string(self, items: list[Token]) -> Callable[..., Any]:
        text = str(items[0])[1:-1].replace("\\'", "'").replace("\\\\", "\\")
        return lambda attrs, lists: text

    def number(self, items: list[Token]) -> Callable[..., Any]:
        text = str(items[0])
        value = float(text) if "." in text else int(text)
        return lambda attrs, lists: value

    def boolean(self, items: list[Token]) -> Callable[..., Any]:
        value = str(items[0]).lower() == "true"
        return lambda attrs, lists: value

    def comparison(self, items: list[Any]) -> Predicate:
        left, op, right = items[0], str(items[1]), items[2]
        return lambda attrs, lists: _compare(op, left(attrs, lists), right(attrs, lists))

    def truthy(self, items: list[Any]) -> Predicate:
        get = items[0]
        return lambda attrs, lists: bool(get(attrs, lists))

    def literal_list(self, items: list[Any]) -> Callable[..., frozenset[str]]:
        values = [item for item in items if item is not None]
        return lambda attrs, lists: frozenset(str(v(attrs, lists)).lower() for v in values)

    def value_list(self, items: list[Token]) -> Callable[..., frozenset[str]]:
        alias = str(items[0])[1:]
        self.lists.add(alias)
        return lambda attrs, lists: lists.get(alias, frozenset())

    def member(self, items: list[Any]) -> Predicate:
        get, collection = items

        def test(attrs: Mapping[str, Any], lists: Lists) -> bool:
            value = get(attrs, lists)
            return value is not None and str(value).lower() in collection(attrs, lists)

        return test

    def negate(self, items: list[Predicate]) -> Predicate:
        inner = items[0]
        return lambda attrs, lists: not inner(attrs, lists)

    def all_(self, items: list[Predicate]) -> Predicate:
        return lambda attrs, lists: all(p(attrs, lists) for p in items)

    def any_(self, items: list[Predicate]) -> Predicate:
        return lambda attrs, lists: any(p(attrs, lists) for p in items)


def _explain(error: UnexpectedInput, text: str) -> str:
    if isinstance(error, UnexpectedEOF):
        return "the rule ends too early"
    if isinstance(error, UnexpectedCharacters):
        return f"unexpected character {text[error.pos_in_stream or 0]!r}"
    token = getattr(error, "token", None)
    if token is not None and token.type == "$END":
        return "the rule ends too early"
    return f"unexpected {str(token)!r}" if token is not None else "unexpected input"


def _check_nesting(text: str) -> None:
    """Refuse parentheses nested too deep, at the column where they do (outside quoted strings)."""
    depth, quoted = 0, False
    for index, char in enumerate(text):
        if char == "'" and (index == 0 or text[index - 1] != "\\"):
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
            if depth > MAX_PARENTHESES:
                raise RuleSyntaxError(f"parentheses nest more than {MAX_PARENTHESES} deep", index + 1)
        elif not quoted and char == ")":
            depth -= 1


def _depth(tree: Tree[Token]) -> int:
    """How deep the tree goes, counted without recursion (a chain of NOTs can be long)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in node.children if isinstance(child, Tree))
    return deepest


def parse(text: str, known: frozenset[str] | None = None) -> ParsedRule:
    """Parse `{action} if {predicate}`; `known` (attribute names) refuses a misspelled attribute."""
    if not text.strip():
        raise RuleSyntaxError("the rule is empty; write `{action} if {predicate}`", None)
    if len(text) > MAX_PREDICATE:
        raise RuleSyntaxError(f"a rule is at most {MAX_PREDICATE} characters", None)
    _check_nesting(text)
    try:
        tree = _PARSER.parse(text)
    except UnexpectedInput as error:
        column = getattr(error, "column", None)
        if isinstance(column, int) and column < 0:
            column = None
        token = getattr(error, "token", None)
        if isinstance(error, UnexpectedEOF) or column is None or (token is not None and token.type == "$END"):
            column = len(text.rstrip()) + 1
        raise RuleSyntaxError(_explain(error, text), column) from None
    if _depth(tree) > MAX_DEPTH:
        raise RuleSyntaxError(f"the rule nests more than {MAX_DEPTH} levels deep", None)
    action_token = tree.children[0]
    assert isinstance(action_token, Token)
    body = tree.children[1]
    build = _Build(known)
    try:
        test = build.transform(body) if isinstance(body, Tree) else body
    except VisitError as error:
        if isinstance(error.orig_exc, RuleSyntaxError):
            raise error.orig_exc from None
        raise
    head = _HEAD.match(text)
    assert head is not None, "a rule that parsed starts with its action and `if`"
    assert callable(test)
    return ParsedRule(
        action=str(action_token).lower(),
        predicate=text[head.end() :].strip(),
        test=test,
        attributes=frozenset(build.attributes),
        lists=frozenset(build.lists),
    )

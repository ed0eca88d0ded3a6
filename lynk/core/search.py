"""Stripe's search query language (`email:'a@b.com' AND metadata['order']:'6735'`), parsed with lark
and turned into a SQL condition over the fields a resource declares searchable.

A query is up to 10 clauses joined by `AND` or `OR` (not both; a space means `AND`). A clause is
`field:value` (exact), `field~value` (substring, 3 characters at least), `field>value`, `>=`, `<`, `<=`
(numbers and `created`), optionally negated with a leading `-`; `metadata['key']:'value'` reads a
metadata key; `field:null` finds unset fields. Every error names the clause it is about.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from lark import Lark, Token, Transformer, UnexpectedInput
from lark.exceptions import VisitError
from sqlalchemy import ColumnElement, and_, false, func, not_, or_

from lynk.core.errors import ParameterInvalid

MAX_CLAUSES = 10
MIN_SUBSTRING = 3
MAX_NUMBER = 2**53  # what every database column and client language holds exactly
_ID = re.compile(r"[A-Za-z0-9_-]{1,255}")

_GRAMMAR = r"""
    query: clause (connector? clause)*
    connector: AND | OR
    clause: NEGATE? field OPERATOR value
    field: metadata | NAME ("." NAME)*
    metadata: "metadata" "[" STRING "]"
    value: STRING | NUMBER | NULL

    AND.3: /AND(?![A-Za-z0-9_])/i
    OR.3: /OR(?![A-Za-z0-9_])/i
    NULL.3: /null(?![A-Za-z0-9_])/
    NEGATE: "-"
    OPERATOR: ">=" | "<=" | ":" | "~" | ">" | "<"
    NAME: /[A-Za-z_][A-Za-z0-9_]*/
    STRING: /'(?:[^'\\]|\\.)*'/ | /"(?:[^"\\]|\\.)*"/
    NUMBER: /-?[0-9]+(\.[0-9]+)?/

    %import common.WS
    %ignore WS
"""

_PARSER = Lark(_GRAMMAR, start="query", parser="lalr")


class Kind(StrEnum):
    STRING = "string"  # `:` exact, `~` substring
    EXACT = "exact"  # `:` only (ids, enums)
    NUMBER = "number"  # `:` and comparisons
    BOOLEAN = "boolean"  # `:true` / `:false`


@dataclass(frozen=True)
class Field:
    column: Any
    kind: Kind
    lowercase: bool = False  # stored in lower case (currencies): compare the value lowered


@dataclass(frozen=True)
class Clause:
    field: str
    operator: str
    value: str | float | None
    negated: bool = False
    metadata_key: str | None = None

    def __str__(self) -> str:
        shown = "null" if self.value is None else repr(self.value) if isinstance(self.value, str) else self.value
        name = f"metadata[{self.metadata_key!r}]" if self.metadata_key is not None else self.field
        return f"{'-' if self.negated else ''}{name}{self.operator}{shown}"


@dataclass(frozen=True)
class Query:
    clauses: tuple[Clause, ...]
    any_of: bool  # joined by OR (else AND)


def _unquote(token: str) -> str:
    body = token[1:-1]
    out, escaped = [], False
    for char in body:
        if escaped or char != "\\":
            out.append(char)
            escaped = False
        else:
            escaped = True
    return "".join(out)


class _ToQuery(Transformer[Token, Any]):
    def query(self, items: list[Any]) -> Query:
        clauses = tuple(item for item in items if isinstance(item, Clause))
        connectors = {item for item in items if isinstance(item, str)}
        if len(connectors) > 1:
            raise ParameterInvalid("Invalid query: use either AND or OR between clauses, not both.", param="query")
        return Query(clauses=clauses, any_of=connectors == {"OR"})

    def connector(self, items: list[Token]) -> str:
        return str(items[0]).upper()

    def clause(self, items: list[Any]) -> Clause:
        negated = len(items) == 4
        (name, key), operator, value = items[-3:]
        return Clause(field=name, operator=str(operator), value=value, negated=negated, metadata_key=key)

    def field(self, items: list[Any]) -> tuple[str, str | None]:
        if len(items) == 1 and isinstance(items[0], tuple):
            return items[0]
        return ".".join(str(item) for item in items), None

    def metadata(self, items: list[Token]) -> tuple[str, str | None]:
        return "metadata", _unquote(str(items[0]))

    def value(self, items: list[Token]) -> str | float | None:
        token = items[0]
        if token.type == "NULL":
            return None
        if token.type == "NUMBER":
            return float(token) if "." in token else int(token)
        return _unquote(str(token))


def parse(text: str) -> Query:
    """The query's clauses, or `ParameterInvalid` (param `query`) saying where it went wrong."""
    try:
        tree = _PARSER.parse(text)
    except UnexpectedInput as error:
        position = getattr(error, "column", "?")
        context = error.get_context(text, span=20).splitlines()[0].strip()
        raise ParameterInvalid(
            f"Invalid query: unexpected input at position {position} near {context!r}. Write clauses as "
            "field:'value', joined by AND or OR.",
            param="query",
        ) from None
    try:
        query: Query = _ToQuery().transform(tree)
    except VisitError as error:  # lark wraps what a rule raised
        raise error.orig_exc from None
    if len(query.clauses) > MAX_CLAUSES:
        raise ParameterInvalid(f"Invalid query: at most {MAX_CLAUSES} clauses are allowed.", param="query")
    return query


def condition(text: str, fields: Mapping[str, Field], metadata_column: Any) -> ColumnElement[bool]:
    """A SQL condition for `text` over `fields` (and `metadata['…']` over `metadata_column`)."""
    query = parse(text)
    parts = [_clause(clause, fields, metadata_column) for clause in query.clauses]
    return or_(*parts) if query.any_of else and_(*parts)


def _invalid(clause: Clause, reason: str) -> ParameterInvalid:
    return ParameterInvalid(f"Invalid query clause `{clause}`: {reason}", param="query")


def _clause(clause: Clause, fields: Mapping[str, Field], metadata_column: Any) -> ColumnElement[bool]:
    if clause.metadata_key is not None:
        if clause.operator != ":" or not isinstance(clause.value, str | type(None)):
            raise _invalid(clause, "metadata supports only `:` with a quoted value or null.")
        column = metadata_column[clause.metadata_key].as_string()
        found: ColumnElement[bool] = column.is_(None) if clause.value is None else column == clause.value
        return _negated(found, column, clause) if clause.negated else found
    spec = fields.get(clause.field)
    if spec is None:
        known = ", ".join(sorted([*fields, "metadata"]))
        raise _invalid(clause, f"`{clause.field}` is not a searchable field here; use one of {known}.")
    found = _match(clause, spec)
    return _negated(found, spec.column, clause) if clause.negated else found


def _negated(found: ColumnElement[bool], column: Any, clause: Clause) -> ColumnElement[bool]:
    """`-field:value` also finds objects where the field is unset (SQL's NOT would skip them)."""
    return not_(found) if clause.value is None else or_(not_(found), column.is_(None))


def _match(clause: Clause, spec: Field) -> ColumnElement[bool]:
    column, value, operator = spec.column, clause.value, clause.operator
    if value is None:
        if operator != ":":
            raise _invalid(clause, "null can only be matched with `:`.")
        return column.is_(None)  # type: ignore[no-any-return]
    if spec.kind == Kind.NUMBER:
        if not isinstance(value, int | float):
            raise _invalid(clause, f"`{clause.field}` is a number: write it without quotes.")
        if operator == "~":
            raise _invalid(clause, f"`~` matches text, and `{clause.field}` is a number.")
        if abs(value) > MAX_NUMBER:
            raise _invalid(clause, f"numbers are at most {MAX_NUMBER} in size.")
        return _compare(column, operator, value)
    if not isinstance(value, str):
        raise _invalid(clause, f"`{clause.field}` takes a quoted value.")
    if spec.kind == Kind.BOOLEAN:
        if operator != ":" or value not in ("true", "false"):
            raise _invalid(clause, f"`{clause.field}` takes `:'true'` or `:'false'`.")
        return column.is_(value == "true")  # type: ignore[no-any-return]
    if spec.lowercase:
        value = value.lower()
    if operator == ":":
        return column == value  # type: ignore[no-any-return]
    if operator == "~" and spec.kind == Kind.STRING:
        if len(value) < MIN_SUBSTRING:
            raise _invalid(clause, f"`~` needs at least {MIN_SUBSTRING} characters.")
        pattern = "%" + value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return func.lower(column).like(pattern, escape="\\")
    raise _invalid(clause, f"`{operator}` does not apply to `{clause.field}`; use `:`.")


def _compare(column: Any, operator: str, value: float) -> ColumnElement[bool]:
    if operator == ":":
        return column == value  # type: ignore[no-any-return]
    if operator == ">":
        return column > value  # type: ignore[no-any-return]
    if operator == ">=":
        return column >= value  # type: ignore[no-any-return]
    if operator == "<":
        return column < value  # type: ignore[no-any-return]
    if operator == "<=":
        return column <= value  # type: ignore[no-any-return]
    return false()


def page_token(last_id: str) -> str:
    """`next_page`: an opaque cursor after the last object shown."""
    return base64.urlsafe_b64encode(last_id.encode()).decode().rstrip("=")


def after_id(token: str | None) -> str | None:
    """The object a `page` token continues after."""
    if not token:
        return None
    try:
        found = base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_", validate=True).decode()
    except ValueError:  # binascii.Error, UnicodeDecodeError, and a token that is not ASCII at all
        found = ""
    if not _ID.fullmatch(found):
        raise ParameterInvalid("Invalid page: use the next_page of a previous search.", param="page")
    return found

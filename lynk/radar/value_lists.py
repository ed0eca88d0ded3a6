"""Value lists (`radar.value_list`) and their items, as Stripe's API, with Stripe's default lists.

Every merchant has the default allow and block lists (`rule_book.DEFAULT_LISTS`), made the first time
it reads its lists; it may add and remove their items but not delete or rename them. A list a rule
refers to (`@alias`) cannot be deleted either. Items are checked against the list's `item_type`. Every
change stamps the merchant's lists anew (`repository.stamp_lists`), in its transaction: the risk stage keeps
the values per process and reads them again when the stamp changes.
"""

from __future__ import annotations

import ipaddress
import re

from sqlalchemy.ext.asyncio import AsyncSession

from lynk.core.errors import InvalidRequestError, ParameterInvalid
from lynk.core.ids import new_id
from lynk.core.metadata import MetadataUpdate
from lynk.core.pagination import Page, PageRequest
from lynk.core.scope import Scope
from lynk.models import ValueList, ValueListItem
from lynk.radar import repository, rule_book
from lynk.radar.errors import ValueListItemNotFound, ValueListNotFound

CREATED_BY_API = "API"
CREATED_BY_LYNK = "Lynk"  # the default lists
_ALIAS = re.compile(r"^[A-Za-z0-9_]{1,100}$")


async def ensure_defaults(session: AsyncSession, scope: Scope, *, now: int) -> None:
    """Make the merchant's default lists, once."""
    have = {found.alias for found in await repository.value_lists(session, scope)}
    missing = [found for found in rule_book.DEFAULT_LISTS if found[0] not in have]
    for alias, name, item_type, _attribute in missing:
        await repository.add(session, _new_list(scope, alias, name, item_type, CREATED_BY_LYNK, {}, now))
    if missing:
        await repository.stamp_lists(session, scope)


def _new_list(
    scope: Scope, alias: str, name: str, item_type: str, by: str, metadata: dict[str, str], now: int
) -> ValueList:
    return ValueList(
        id=new_id("rsl"),
        created=now,
        merchant_id=scope.merchant_id,
        livemode=scope.livemode,
        metadata_=metadata,
        alias=alias,
        name=name,
        item_type=item_type,
        created_by=by,
    )


def _is_default(value_list: ValueList) -> bool:
    return value_list.created_by == CREATED_BY_LYNK


async def _check_alias(session: AsyncSession, scope: Scope, alias: str) -> None:
    if not _ALIAS.match(alias):
        raise ParameterInvalid("An alias has letters, digits and underscores only (up to 100).", param="alias")
    if await repository.value_list_by_alias(session, scope, alias) is not None:
        raise InvalidRequestError(f"A value list with the alias '{alias}' already exists.", param="alias")


async def create(
    session: AsyncSession,
    scope: Scope,
    *,
    alias: str,
    name: str,
    item_type: str,
    metadata: MetadataUpdate | None,
    now: int,
) -> ValueList:
    await ensure_defaults(session, scope, now=now)
    await _check_alias(session, scope, alias)
    found = _new_list(scope, alias, name, item_type, CREATED_BY_API, (metadata or MetadataUpdate()).apply({}), now)
    await repository.add(session, found)
    await repository.stamp_lists(session, scope)
    return found


async def get(session: AsyncSession, scope: Scope, list_id: str, *, param: str = "id") -> ValueList:
    found = await repository.get_value_list(session, scope, list_id)
    if found is None:
        raise ValueListNotFound(list_id, param=param)
    return found


async def items_preview(session: AsyncSession, value_list: ValueList) -> tuple[list[ValueListItem], int]:
    """Its newest items (what the object embeds) and how many it holds."""
    return (await repository.items_of(session, value_list.id))[:10], await repository.item_count(session, value_list.id)


async def update(
    session: AsyncSession,
    scope: Scope,
    list_id: str,
    *,
    alias: str | None,
    name: str | None,
    metadata: MetadataUpdate | None,
) -> ValueList:
    found = await get(session, scope, list_id)
    if (alias is not None or name is not None) and _is_default(found):
        raise InvalidRequestError("A default list cannot be renamed.", param="alias" if alias else "name")
    if alias is not None and alias != found.alias:
        await _check_referenced(session, scope, found)
        await _check_alias(session, scope, alias)
        found.alias = alias
        await repository.stamp_lists(session, scope)  # rules read the values by alias
    if name is not None:
        found.name = name
    if metadata is not None:
        found.metadata_ = metadata.apply(found.metadata_)
    await session.flush()
    return found


async def _check_referenced(session: AsyncSession, scope: Scope, value_list: ValueList) -> None:
    for rule in (await rule_book.load(session, scope)).rules:
        if value_list.alias in rule.parsed.lists:
            raise InvalidRequestError(
                f"The value list '{value_list.alias}' is used by the rule {rule.id}: delete the rule first.",
                code="value_list_in_use",
            )


async def delete(session: AsyncSession, scope: Scope, list_id: str) -> None:
    found = await get(session, scope, list_id)
    if _is_default(found):
        raise InvalidRequestError("A default list cannot be deleted; remove its items instead.")
    await _check_referenced(session, scope, found)
    await repository.delete_items(session, found.id)
    await repository.delete(session, found)
    await repository.stamp_lists(session, scope)


async def list_page(
    session: AsyncSession, scope: Scope, page: PageRequest, *, alias: str | None, contains: str | None, now: int
) -> Page[ValueList]:
    await ensure_defaults(session, scope, now=now)
    return await repository.value_list_page(session, scope, page, alias=alias, contains=contains)


def check_value(item_type: str, value: str) -> str:
    """The value as stored, or a 400 naming what is wrong for this list's type."""
    value = value.strip()
    ok = bool(value)
    if item_type == "email":
        ok = re.fullmatch(r"[^@\s]+@[^@\s]+", value) is not None
    elif item_type == "ip_address":
        try:
            value = str(ipaddress.ip_address(value))
        except ValueError:
            ok = False
    elif item_type == "country":
        ok, value = re.fullmatch(r"[A-Za-z]{2}", value) is not None, value.upper()
    elif item_type == "card_bin":
        ok = re.fullmatch(r"[0-9]{6,8}", value) is not None
    elif item_type == "customer_id":
        ok = value.startswith("cus_")
    if not ok:
        raise ParameterInvalid(f"Invalid value for a list of type {item_type}: '{value}'.", param="value")
    return value


async def add_item(session: AsyncSession, scope: Scope, list_id: str, value: str, *, now: int) -> ValueListItem:
    found = await get(session, scope, list_id, param="value_list")
    stored = check_value(found.item_type, value)
    if await repository.item_by_value(session, found.id, stored) is not None:
        raise InvalidRequestError(f"The value '{stored}' is already on this list.", param="value")
    item = ValueListItem(
        id=new_id("rsli"),
        created=now,
        merchant_id=scope.merchant_id,
        livemode=scope.livemode,
        metadata_={},
        value_list_id=found.id,
        value=stored,
        created_by=CREATED_BY_API,
    )
    await repository.add(session, item)
    await repository.stamp_lists(session, scope)
    return item


async def get_item(session: AsyncSession, scope: Scope, item_id: str) -> ValueListItem:
    found = await repository.get_item(session, scope, item_id)
    if found is None:
        raise ValueListItemNotFound(item_id)
    return found


async def delete_item(session: AsyncSession, scope: Scope, item_id: str) -> None:
    await repository.delete(session, await get_item(session, scope, item_id))
    await repository.stamp_lists(session, scope)


async def item_page(
    session: AsyncSession, scope: Scope, page: PageRequest, *, list_id: str, value: str | None
) -> Page[ValueListItem]:
    await get(session, scope, list_id, param="value_list")
    return await repository.item_page(session, scope, page, list_id=list_id, value=value)

"""An index in front of the app's router: a request tries only the routes whose path could match it.

FastAPI's router tries every route of every included router in turn, setting and restoring its own keys
in the scope for each; with some 250 routes in 25 routers that was about 6% of the CPU an API request
cost (a Link request, near the end of the list, paid some 300 µs). The index groups the router's
entries (an included router, a mount, a route) by the first two literal segments of the paths they hold,
and tries, in the router's order, only those whose paths could start like the request's. The entry
that answers is the one the router would have picked first, handled by FastAPI itself
(`entry.handle`); a request no candidate fully matches (a 404, a 405, a redirect) goes through the
router as before, and so does a route of the app's own when FastAPI's telemetry is on (the router notes its
path). So path parameters, methods, errors and the OpenAPI schema are FastAPI's own, unchanged.

It sits where Starlette puts a router's own middleware (`Router.middleware_stack`), inside FastAPI's
exception handling, and is built from the routes present when it is installed (Lynk's routers are
complete once imported): routes added at the top level afterwards make it rebuild; routes added to an
already included router are not seen, so it is installed last.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute, Match, Router
from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger("lynk.api")

ANY = object()  # a segment a path parameter (or an unreadable route) leaves open
Key = tuple[object, object]  # the first two segments of a path: a segment's text, None (none), or ANY


def path_key(path_format: str) -> Key:
    """What a route's path fixes of the first two segments of the paths it matches.

    A route's regex starts with the literal text before its first parameter (Starlette's `compile_path`),
    so every path it matches starts with that text; a segment that text ends inside is left open."""
    literal, brace, _ = path_format.partition("{")
    parts = literal.split("/", 3)  # "/v1/customers/" -> ["", "v1", "customers", ""]
    exact = not brace  # no parameter: the path must be the literal itself
    first: object = parts[1] if len(parts) > 2 or (exact and len(parts) == 2) else ANY
    if first is ANY:
        return ANY, ANY
    if len(parts) > 3 or (exact and len(parts) == 3):
        return first, parts[2]
    return first, None if exact else ANY


def request_key(path: str) -> tuple[str, str | None]:
    parts = path.split("/", 3)
    return parts[1] if len(parts) > 1 else "", parts[2] if len(parts) > 2 else None


def entry_keys(entry: BaseRoute) -> set[Key]:
    """The keys of every path `entry` holds (an included router's routes, with their prefixes), read
    through FastAPI's `iter_route_contexts` (what its OpenAPI reads): anything unreadable matches all."""
    try:
        formats = [context.path_format for context in iter_route_contexts([entry])]
    except Exception:  # a FastAPI that changed its internals: correct, only slower
        log.warning("route index: cannot read the paths of %r; it is tried for every request", entry)
        return {(ANY, ANY)}
    keys: set[Key] = set()
    for path_format in formats:
        if not isinstance(path_format, str):
            return {(ANY, ANY)}  # a host route, or anything without a path
        keys.add(path_key(path_format))
    return keys


class Candidates:
    """The router's entries that could match a path, by its first two segments, in the router's order."""

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        keyed = [(route, entry_keys(route)) for route in routes]
        firsts = {first for _route, keys in keyed for first, _second in keys if first is not ANY}
        pairs = {(first, second) for _route, keys in keyed for first, second in keys if first is not ANY}
        self.pairs = {pair: _fitting(keyed, *pair) for pair in pairs if pair[1] is not ANY}
        self.firsts = {first: _fitting(keyed, first, ANY) for first in firsts}
        self.rest = _fitting(keyed, ANY, ANY)

    def of(self, path: str) -> tuple[BaseRoute, ...]:
        first, second = request_key(path)
        found = self.pairs.get((first, second))
        if found is None:
            found = self.firsts.get(first, self.rest)
        return found


def _fitting(keyed: Iterable[tuple[BaseRoute, set[Key]]], first: object, second: object) -> tuple[BaseRoute, ...]:
    """The entries with a path that can match a request whose first segments are `first` and `second`
    (ANY: one the index does not know, so only the routes that leave it open fit)."""

    def fits(key: Key) -> bool:
        if key[0] is ANY:
            return True
        return key[0] == first and (key[1] is ANY or (second is not ANY and key[1] == second))

    return tuple(route for route, keys in keyed if any(fits(key) for key in keys))


class RouteIndex:
    """The router's own entry point with an index in front; everything it does not take, the router does."""

    def __init__(self, router: Router, fallback: ASGIApp) -> None:
        self.router = router
        self.fallback = fallback
        self.built_for: list[BaseRoute] = []
        self.candidates = Candidates([])

    def current(self) -> Candidates:
        if self.built_for != self.router.routes:  # a route added at the top level since: index them all again
            self.built_for = list(self.router.routes)
            self.candidates = Candidates(self.built_for)
        return self.candidates

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope.get("root_path"):  # a root path changes the path routes see
            if "router" not in scope:
                scope["router"] = self.router
            traced = scope.get("fastapi.telemetry") is not None
            for route in self.current().of(scope["path"]):
                match, child_scope = route.matches(scope)
                if match is not Match.FULL:
                    continue
                # The first full match: the router's own choice. When FastAPI's telemetry is on, the router
                # notes a route's path as it picks one (an included router notes its own route itself).
                if traced and getattr(route, "path_format", None) is not None:
                    break
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
        await self.fallback(scope, receive, send)


def install(app: FastAPI) -> RouteIndex:
    """Put the index in front of `app`'s router (once every route is added)."""
    index = RouteIndex(app.router, app.router.middleware_stack)
    index.current()
    app.router.middleware_stack = index
    return index

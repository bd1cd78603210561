"""The one operation lookup of the toolkit: which declared operation and response a call belongs to.

:class:`SpecIndex` finds the operation for a ``(method, URL)`` pair across loaded specs, through
each spec's servers (``servers`` / ``host`` + ``basePath``) and its path templates; specs that share
a host (the KPN Things beta under ``/api/...`` and the new API at the root) are told apart by their
paths. :func:`select_response` then finds the declared response for a status code.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from kpn_contract.contract.model import Operation, ResponseSpec, Spec

__all__ = ["SpecIndex", "select_response"]


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


_TEMPLATE = re.compile(r"\{([^{}/]+)\}")
_UNSEEN: object = object()  # a cache miss (None is a cached "no such operation")


@dataclass
class _Route:
    operation: Operation
    hosts: frozenset[str]  # hosts whose base path leads here (empty: the spec names no host)
    params: tuple[tuple[int, str], ...]  # (segment position, name) of whole-segment parameters
    # segments that mix text and parameters: (position, regex, parameter names in order)
    patterns: tuple[tuple[int, re.Pattern[str], tuple[str, ...]], ...]


@dataclass
class _Node:
    literal: dict[str, _Node] = field(default_factory=dict)
    pattern: _Node | None = None  # a segment like "{id}.json"
    param: _Node | None = None  # a whole-segment parameter
    routes: list[_Route] = field(default_factory=list)


def _split_server(url: str) -> tuple[str | None, list[str]]:
    parts = urlsplit(url)
    host = parts.hostname.lower() if parts.scheme and parts.hostname else None
    return host, _segments(parts.path)


class SpecIndex:
    """Finds the operation for ``(method, URL)`` across loaded specs. Build once, query often.

    A segment trie per method, walked literal-first, so a literal segment beats a templated one and a
    lookup costs the depth of the path, not the number of operations. Results are cached per
    ``(method, host, path)``.
    """

    _CACHE_LIMIT = 4096

    def __init__(self, specs: Sequence[Spec]) -> None:
        self._specs = list(specs)
        self._roots: dict[str, _Node] = {}
        self._known_hosts: set[str] = set()
        self._cache: dict[tuple[str, str], tuple[Operation, dict[str, str]] | None] = {}
        for spec in self._specs:
            bases: dict[tuple[str, ...], set[str]] = {}
            for server in spec.servers:
                host, segs = _split_server(server)
                hosts = bases.setdefault(tuple(segs), set())
                if host:
                    hosts.add(host)
                    self._known_hosts.add(host)
            if not bases:
                bases[()] = set()
            for operation in spec.operations:
                for base, hosts in bases.items():
                    self._insert(operation, [*base, *_segments(operation.path)], frozenset(hosts))

    def _insert(self, operation: Operation, segments: list[str], hosts: frozenset[str]) -> None:
        node = self._roots.setdefault(operation.method, _Node())
        params: list[tuple[int, str]] = []
        patterns: list[tuple[int, re.Pattern[str], tuple[str, ...]]] = []
        for position, segment in enumerate(segments):
            whole = _TEMPLATE.fullmatch(segment)
            if whole:
                params.append((position, whole.group(1)))
                node.param = node.param or _Node()
                node = node.param
            elif _TEMPLATE.search(segment):
                regex = "".join(
                    "([^/]+?)" if m.startswith("{") else re.escape(m)
                    for m in re.split(r"(\{[^{}/]+\})", segment)
                    if m
                )
                patterns.append((position, re.compile(regex + "$"), tuple(_TEMPLATE.findall(segment))))
                node.pattern = node.pattern or _Node()
                node = node.pattern
            else:
                node = node.literal.setdefault(segment, _Node())
        node.routes.append(_Route(operation, hosts, tuple(params), tuple(patterns)))

    @property
    def specs(self) -> list[Spec]:
        """The specs this index was built from, in load order."""
        return list(self._specs)

    @property
    def operations(self) -> list[Operation]:
        """Every indexed operation, in load order."""
        return [op for spec in self._specs for op in spec.operations]

    def find(self, method: str, url: str) -> Operation | None:
        """The operation for ``method`` and ``url`` (absolute, emulator or bare path), or None."""
        found = self.match(method, url)
        return found[0] if found else None

    def match(self, method: str, url: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation and its path parameters (decoded) for ``method`` and ``url``, or None.

        When the URL's host is a server host of some spec, operations of that host win; otherwise
        (emulator URL, bare path, unknown host) the path alone decides.
        """
        # Keyed by the URL before its query, as given: a repeated call costs one partition and one
        # dict lookup, not a urlsplit (a third of the response validation's own time).
        key = (method, url.partition("?")[0].partition("#")[0])
        found = self._cache.get(key, _UNSEEN)
        if found is not _UNSEEN:
            return found  # type: ignore[return-value]
        parts = urlsplit(url)
        host = parts.hostname.lower() if parts.hostname else None
        result = self._lookup(method.upper(), host, parts.path)
        if len(self._cache) >= self._CACHE_LIMIT:
            self._cache.clear()
        self._cache[key] = result
        return result

    def _lookup(self, method: str, host: str | None, path: str) -> tuple[Operation, dict[str, str]] | None:
        root = self._roots.get(method)
        if root is None:
            return None
        collapsed = [unquote(s) for s in _segments(path)]
        written = _written_segments(path)
        if len(written) == len(collapsed):
            return self._find(root, host, collapsed)
        # An empty path parameter: "/keys//activate" is "/keys/{key_id}/activate" and "/keys/" is
        # "/keys/{key_id}" with key_id "" (a value `type: string` allows). An empty segment inside the
        # path is read in its place first; a trailing slash only where the path without it names no
        # operation of this method ("/a//b" is still "/a/b", and "/list/" a declared "/list/").
        readings = (written, collapsed) if "//" in path.rstrip("/") else (collapsed, written)
        for segments in readings:
            found = self._find(root, host, segments)
            if found is not None:
                return found
        return None

    def _find(
        self, root: _Node, host: str | None, segments: list[str]
    ) -> tuple[Operation, dict[str, str]] | None:
        prefer_host = host if host in self._known_hosts else None
        fallback: tuple[_Route, list[str]] | None = None
        for route in self._walk(root, segments, 0):
            if prefer_host is None or prefer_host in route.hosts:
                return route.operation, _params(route, segments)
            if fallback is None:
                fallback = (route, segments)
        if fallback is None:
            return None
        return fallback[0].operation, _params(fallback[0], segments)

    def _walk(self, node: _Node, segments: list[str], position: int) -> Iterator[_Route]:
        if position == len(segments):
            yield from node.routes
            return
        segment = segments[position]
        child = node.literal.get(segment)
        if child is not None:
            yield from self._walk(child, segments, position + 1)
        if node.pattern is not None:
            yield from (
                route
                for route in self._walk(node.pattern, segments, position + 1)
                if _patterns_match(route, position, segment)
            )
        if node.param is not None:
            yield from self._walk(node.param, segments, position + 1)


def _written_segments(path: str) -> list[str]:
    """``path``'s segments as written: an empty one ("//", a trailing "/") kept in its place (decoded)."""
    return [unquote(s) for s in path.split("/")[1:]] if path.startswith("/") else []


def _patterns_match(route: _Route, position: int, segment: str) -> bool:
    return all(rx.match(segment) for pos, rx, _ in route.patterns if pos == position)


def _params(route: _Route, segments: list[str]) -> dict[str, str]:
    values = {name: segments[position] for position, name in route.params}
    for position, rx, names in route.patterns:
        found = rx.match(segments[position])
        if found:
            values.update(zip(names, found.groups(), strict=True))
    return values


def select_response(responses: dict[str, ResponseSpec], status: int) -> ResponseSpec | None:
    """The declared response for ``status``: exact code, then its class (``2XX``), then ``default``."""
    code = str(status)
    return responses.get(code) or responses.get(f"{code[:1]}XX") or responses.get("default")

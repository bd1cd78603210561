"""How a request finds its recording: a key per request and an index of queues.

Stock vcrpy compares every incoming request with every recorded interaction (a linear scan per
request, so replaying n interactions costs O(n²)); at 3,000 interactions that is minutes. Here the
recordings are indexed once by key, and each request costs one scrub, one key and one dict lookup.

The key is the method, the normalised URL (scheme and host lower-case, default port dropped, query
parameters sorted) and, for POST/PUT/PATCH, the body compared semantically (JSON canonicalised,
form fields sorted). Both sides are scrubbed by the same :class:`Scrubber` first, so secrets and
tokens that differ between runs never decide a match.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from kpn_contract.cassettes.scrub import Scrubber
from kpn_contract.cassettes.store import Interaction
from kpn_contract.secrets import REGISTRY

if TYPE_CHECKING:
    import httpx

__all__ = ["BODY_METHODS", "InteractionIndex", "RequestKey", "canonical_body", "normalise_url", "request_key"]

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_DEFAULT_PORTS = {"http": 80, "https": 443}

RequestKey = tuple[str, str, str]


def normalise_url(url: str) -> str:
    """Scheme and host lower-case, default port and fragment dropped, query parameters sorted."""
    match = _PLAIN_URL.fullmatch(url)
    if match is None:  # anything unusual goes through urllib
        parts = urlsplit(url)
        scheme, netloc = _origin(parts.scheme, parts.netloc)
        return urlunsplit((scheme, netloc, parts.path or "/", _query(parts.query), ""))
    # The common absolute URL, split by one regex (a third of urlsplit + urlunsplit; the same result)
    scheme, netloc = _origin(match["scheme"], match["netloc"])
    path: str = match["path"] or "/"
    query = _query(match["query"] or "")
    if not netloc or netloc.startswith(":"):  # no host: as urllib has it
        return urlunsplit((scheme, netloc, path, query, ""))
    return f"{scheme}://{netloc}{path}{'?' if query else ''}{query}"


# scheme://netloc/path?query#fragment, without the characters urlsplit strips or treats specially.
_PLAIN_URL = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<netloc>[^/?#\s\\\[\]]+)"
    r"(?P<path>/[^?#\s]*)?(?:\?(?P<query>[^#\s]*))?(?:#[^\s]*)?"
)


@functools.lru_cache(maxsize=256)
def _origin(scheme: str, netloc: str) -> tuple[str, str]:
    # A run talks to a handful of hosts: each is normalised once (replay, measured in benchmarks/replay.py).
    parts = urlsplit(f"//{netloc}")
    scheme = scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, host if port is None or _DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"


# Characters urlencode leaves as they are: a query made only of them (and "=" and "&") is its own
# canonical form once its pairs are sorted, without the decode and re-encode round trip.
_PLAIN_QUERY = re.compile(r"[A-Za-z0-9_.~=&-]*")


def _query(query: str) -> str:
    if not query:
        return ""
    if _PLAIN_QUERY.fullmatch(query):
        pairs = sorted(pair.partition("=")[::2] for pair in query.split("&") if pair)
        if not any("=" in value for _, value in pairs):  # else urlencode would quote the second "="
            return "&".join(f"{name}={value}" for name, value in pairs)
    return urlencode(sorted(parse_qsl(query, keep_blank_values=True)))


def canonical_body(body: bytes, content_type: str | None) -> str:
    """A body reduced to what it means: JSON with sorted keys, form fields sorted, else the text."""
    if not body:
        return ""
    text = body.decode("utf-8", "surrogateescape")
    kind = (content_type or "").lower()
    if "x-www-form-urlencoded" in kind:
        # surrogateescape both ways: a form body that is not UTF-8 keeps its bytes (it raised before)
        pairs = parse_qsl(text, keep_blank_values=True, errors="surrogateescape")
        return urlencode(sorted(pairs), errors="surrogateescape")
    if "json" in kind or text.lstrip().startswith(("{", "[")):
        try:
            return json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        except (ValueError, RecursionError):
            return text
    return text


def request_key(
    method: str, url: str, body: bytes, content_type: str | None, scrubber: Scrubber
) -> RequestKey:
    """The matching key of a request, computed on its scrubbed form."""
    verb = method.upper()
    scrubbed_url = normalise_url(scrubber.url(url))
    if verb not in BODY_METHODS:
        return verb, scrubbed_url, ""
    return verb, scrubbed_url, canonical_body(scrubber.body(body, content_type), content_type)


class InteractionIndex:
    """Recorded interactions by key; each key holds a queue played in recorded order.

    ``repeat_last``: once a key's queue is exhausted, play its last response again. Replay needs
    this because a run may ask more often than the recording did: token endpoints in particular
    are called again whenever a cached token is missing or expired, and replay cannot tell.

    Building the index computes every recording's key from its method, URI, body and content type.
    Those keys are kept by that raw input too, so a request spelled exactly as a recording (the
    usual case in replay: the same test asking the same thing) gets its key by one dict lookup
    instead of scrubbing and normalising its URL again (the key is a function of that input, the
    scrubber and the registered secrets; measured in benchmarks/replay.py). The lookup is used only
    while the registered secrets are those the keys were computed with; anything else goes the
    whole way through :func:`request_key`, so both paths always give the same key.
    """

    def __init__(self, interactions: Iterable[Interaction], scrubber: Scrubber) -> None:
        self._scrubber = scrubber
        self._queues: dict[RequestKey, list[Interaction]] = {}
        self._played: dict[RequestKey, int] = {}
        self._lock = threading.Lock()
        self._known: dict[tuple[str, str, bytes, str | None], RequestKey] = {}
        self._secrets_version = REGISTRY.version
        for interaction in interactions:
            method = interaction.method
            content_type = (
                interaction.request_header("content-type") if method.upper() in BODY_METHODS else None
            )
            raw = _raw_input(method, interaction.uri, interaction.request_body, content_type)
            key = self._known.get(raw)
            if key is None:
                key = self._known[raw] = request_key(*raw, scrubber)
            self._queues.setdefault(key, []).append(interaction)
        if REGISTRY.version != self._secrets_version:  # a secret registered meanwhile: trust none
            self._known.clear()

    def __len__(self) -> int:
        return sum(len(queue) for queue in self._queues.values())

    def key(self, method: str, url: str, body: bytes, content_type: str | None) -> RequestKey:
        """The key of an incoming request (scrubbed with this index's scrubber)."""
        raw = _raw_input(method, url, body, content_type)
        if REGISTRY.version == self._secrets_version:
            known = self._known.get(raw)
            if known is not None:
                return known
        return request_key(*raw, self._scrubber)

    def key_of(self, request: httpx.Request) -> RequestKey:
        """:meth:`key` of an httpx request (its body read)."""
        method = request.method
        if method.upper() in BODY_METHODS:
            return self.key(method, str(request.url), request.content, request.headers.get("content-type"))
        return self.key(method, str(request.url), b"", None)

    def next(self, key: RequestKey, *, repeat_last: bool) -> Interaction | None:
        """The next recording for ``key``, or None when there is none (left)."""
        queue = self._queues.get(key)
        if not queue:
            return None
        with self._lock:
            played = self._played.get(key, 0)
            if played < len(queue):
                self._played[key] = played + 1
                return queue[played]
        return queue[-1] if repeat_last else None

    def unplayed(self) -> list[Interaction]:
        """Recordings never played, in recorded order within each key (for strict teardown checks)."""
        with self._lock:
            return [i for key, queue in self._queues.items() for i in queue[self._played.get(key, 0) :]]


def _raw_input(
    method: str, url: str, body: bytes, content_type: str | None
) -> tuple[str, str, bytes, str | None]:
    # What a key depends on: the body and its content type only for methods that send one.
    if method.upper() in BODY_METHODS:
        return method, url, body, content_type
    return method, url, b"", None

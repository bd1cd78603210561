"""One recorded exchange (:class:`Interaction`), as a cassette holds it and the parsed-file cache keeps it.

Here rather than in :mod:`~kpn_contract.cassettes.store` so that the cache's form of a cassette
(:mod:`~kpn_contract.cassettes._cached_form`) can build interactions without importing the store.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Headers", "Interaction"]

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Interaction:
    """One recorded request and its response. Bodies are bytes; headers keep order and repeats."""

    method: str
    uri: str
    request_headers: Headers
    request_body: bytes
    status: int
    reason: str
    response_headers: Headers
    response_body: bytes

    def request_header(self, name: str) -> str | None:
        """The first value of a request header (case-insensitive), or None."""
        return _first(self.request_headers, name)

    def response_header(self, name: str) -> str | None:
        """The first value of a response header (case-insensitive), or None."""
        return _first(self.response_headers, name)


def _first(headers: Headers, name: str) -> str | None:
    lowered = name.lower()
    for key, value in headers:
        if key.lower() == lowered:
            return value
    return None

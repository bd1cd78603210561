"""A fuzz run's traffic (token calls and generated cases) as cassette interactions.

The cassette is our own rather than schemathesis's, so every interaction passes through
:class:`kpn_contract.cassettes.scrub.Scrubber` before it is written.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

__all__ = ["TrafficLog", "recorded_interactions"]


def recorded_interactions(recorder: Any) -> Iterator[Any]:
    for interaction in recorder.interactions.values():
        if interaction.response is not None:
            yield interaction


def _headers(raw: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = []
    for name, value in raw.items():
        values = value if isinstance(value, list | tuple) else [value]
        pairs.extend((str(name), str(item)) for item in values)
    return tuple(pairs)


class TrafficLog:
    """The run's traffic (token calls and generated cases) as cassette interactions, live URLs only."""

    def __init__(self, sent_origin: str, canonical_origin: str) -> None:
        self.sent_origin = sent_origin
        self.canonical_origin = canonical_origin
        self.interactions: list[Any] = []

    def _canonical(self, uri: str) -> str:
        if uri.startswith(self.sent_origin):
            return self.canonical_origin + uri[len(self.sent_origin) :]
        return uri

    def add_httpx(self, response: httpx.Response) -> None:
        """httpx event hook of the token client: record a token (or context-switch) exchange."""
        from kpn_contract.cassettes.store import Interaction

        response.read()
        request = response.request
        self.interactions.append(
            Interaction(
                method=request.method,
                uri=str(request.url),
                request_headers=tuple((k, v) for k, v in request.headers.multi_items()),
                request_body=request.content,
                status=response.status_code,
                reason=response.reason_phrase,
                response_headers=tuple((k, v) for k, v in response.headers.multi_items()),
                response_body=response.content,
            )
        )

    def add_scenario(self, recorder: Any) -> None:
        """Record every answered case of a finished scenario."""
        from kpn_contract.cassettes.store import Interaction

        for item in recorded_interactions(recorder):
            request, response = item.request, item.response
            self.interactions.append(
                Interaction(
                    method=request.method,
                    uri=self._canonical(request.uri),
                    request_headers=_headers(request.headers),
                    request_body=request.body or b"",
                    status=response.status_code,
                    reason=response.message or "",
                    response_headers=_headers(response.headers),
                    response_body=response.content or b"",
                )
            )

    def save(self, path: Path, *, secrets: Sequence[str], meta: dict[str, Any]) -> int:
        """Scrub every interaction with our Scrubber and write the cassette atomically; returns the count."""
        from kpn_contract.cassettes.scrub import Scrubber
        from kpn_contract.cassettes.store import Cassette, save_cassette

        scrubber = Scrubber(secrets=secrets)
        path.parent.mkdir(parents=True, exist_ok=True)
        save_cassette(
            Cassette(path=path, interactions=[scrubber.interaction(i) for i in self.interactions], meta=meta)
        )
        return len(self.interactions)

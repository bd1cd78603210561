"""Offline replay at the httpx transport seam, through an index (O(1) per request)."""

from __future__ import annotations

import httpx

from kpn_contract.cassettes.match import InteractionIndex
from kpn_contract.cassettes.scrub import Scrubber
from kpn_contract.cassettes.store import Cassette, Interaction
from kpn_contract.errors import NetworkBlockedError

__all__ = ["DEFAULT_MISS_HINT", "ReplayTransport", "describe_request", "response_from"]

DEFAULT_MISS_HINT = (
    "the replay target never goes to the network; record it with --kpn-target emulator (or live) "
    "and --kpn-record-mode once or new_episodes"
)


def response_from(interaction: Interaction) -> httpx.Response:
    """An httpx response carrying a recording's status, headers and body."""
    extensions = {"http_version": b"HTTP/1.1"}
    if interaction.reason:
        extensions["reason_phrase"] = interaction.reason.encode("ascii", "replace")
    return httpx.Response(
        interaction.status,
        headers=interaction.response_headers,
        content=interaction.response_body,
        extensions=extensions,
    )


def describe_request(request: httpx.Request, scrubber: Scrubber) -> str:
    """``METHOD url`` with the URL scrubbed, for error messages."""
    return f"{request.method} {scrubber.url(str(request.url))}"


class ReplayTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Answers every request from a cassette; there is no network below it.

    A request without a recording raises :class:`NetworkBlockedError` naming the request and the
    cassette. Each key's recordings play in order, and the last one repeats once they are used up
    (see :class:`InteractionIndex`).
    """

    def __init__(self, cassette: Cassette, scrubber: Scrubber | None = None, *, miss_hint: str | None = None):
        self.cassette = cassette
        self.scrubber = scrubber or Scrubber()
        self.index = InteractionIndex(cassette.interactions, self.scrubber)
        self._miss_hint = miss_hint or DEFAULT_MISS_HINT
        self._exists = cassette.path.exists()

    def _answer(self, request: httpx.Request) -> httpx.Response:
        key = self.index.key_of(request)
        interaction = self.index.next(key, repeat_last=True)
        if interaction is None:
            missing = "" if self._exists else " (the cassette does not exist)"
            described = describe_request(request, self.scrubber)
            raise NetworkBlockedError(
                f"no recording for {described}{missing}: {self._miss_hint}",
                path=str(self.cassette.path),
                request=described,
            )
        return response_from(interaction)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        return self._answer(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        return self._answer(request)

    def unplayed(self) -> list[Interaction]:
        """Recordings this run never asked for."""
        return self.index.unplayed()

    def flush(self) -> None:
        """Nothing to write: replay never changes a cassette (here so both cassette transports agree)."""

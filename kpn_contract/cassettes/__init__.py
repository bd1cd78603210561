"""Cassettes: secret-safe recording, fast indexed replay, offline verification and audit.

Recording and replay sit at the httpx transport seam (:class:`RecordingTransport`,
:class:`ReplayTransport`); files are real vcrpy cassettes with a ``kpn_contract:`` metadata key.
``audit`` and ``verify`` are imported from their modules on demand (``verify`` loads the validator).

May import contract, transport, config and the root (secrets included); the session, coverage,
drift and the front doors build on it.

The names below are imported on first use (PEP 562): reading a cassette or a spec (``kpn-contract
diff``, ``drift``) then does not import httpx and the transports (a third of that command's time).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kpn_contract.cassettes.match import InteractionIndex, normalise_url, request_key
    from kpn_contract.cassettes.naming import cassette_path
    from kpn_contract.cassettes.netblock import block_network
    from kpn_contract.cassettes.record import (
        RecordingTransport,
        RecordMode,
        open_cassette_transport,
        parse_record_mode,
    )
    from kpn_contract.cassettes.replay import ReplayTransport
    from kpn_contract.cassettes.scrub import Scrubber
    from kpn_contract.cassettes.store import (
        Cassette,
        Interaction,
        iter_cassettes,
        load_cassette,
        save_cassette,
    )

__all__ = [
    "Cassette",
    "Interaction",
    "InteractionIndex",
    "RecordMode",
    "RecordingTransport",
    "ReplayTransport",
    "Scrubber",
    "block_network",
    "cassette_path",
    "iter_cassettes",
    "load_cassette",
    "normalise_url",
    "open_cassette_transport",
    "parse_record_mode",
    "request_key",
    "save_cassette",
]

_HOMES = {
    "Cassette": "store",
    "Interaction": "store",
    "iter_cassettes": "store",
    "load_cassette": "store",
    "save_cassette": "store",
    "InteractionIndex": "match",
    "normalise_url": "match",
    "request_key": "match",
    "cassette_path": "naming",
    "block_network": "netblock",
    "RecordingTransport": "record",
    "RecordMode": "record",
    "open_cassette_transport": "record",
    "parse_record_mode": "record",
    "ReplayTransport": "replay",
    "Scrubber": "scrub",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value

"""Cassettes: secret-safe recording, fast indexed replay, offline verification and audit.

Recording and replay sit at the httpx transport seam (:class:`RecordingTransport`,
:class:`ReplayTransport`); files are real vcrpy cassettes with a ``kpn_contract:`` metadata key.
``audit`` and ``verify`` are imported from their modules on demand (``verify`` loads the validator).

May import contract, transport, config and the root (secrets included); the session, coverage,
drift and the front doors build on it.
"""

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
from kpn_contract.cassettes.store import Cassette, Interaction, iter_cassettes, load_cassette, save_cassette

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

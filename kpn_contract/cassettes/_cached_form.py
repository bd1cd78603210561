"""A loaded cassette in the form the parsed-file cache keeps (:mod:`kpn_contract.config.parsed_cache`).

The entry is read with a typed msgspec decoder, so an entry of the wrong shape is refused as it is
read (and rebuilt from the YAML); the metadata is held to the same nesting cap as the YAML.
"""

from __future__ import annotations

from typing import Any, Final

import msgspec

from kpn_contract.cassettes.interaction import Interaction
from kpn_contract.cassettes.safe_yaml import check_depth
from kpn_contract.config.parsed_cache import CacheForm

__all__ = ["FORM"]

# method, uri, request headers, request body, status, reason, response headers, response body
_Row = tuple[str, str, list[tuple[str, str]], bytes, int, str, list[tuple[str, str]], bytes]
DECODER: Final = msgspec.msgpack.Decoder(tuple[list[_Row], dict[str, Any]])


def to_data(loaded: tuple[list[Any], dict[str, Any]]) -> list[Any]:
    interactions, meta = loaded
    rows = [
        [
            i.method,
            i.uri,
            [list(pair) for pair in i.request_headers],
            i.request_body,
            i.status,
            i.reason,
            [list(pair) for pair in i.response_headers],
            i.response_body,
        ]
        for i in interactions
    ]
    return [rows, meta]


def from_data(data: tuple[list[_Row], dict[str, Any]]) -> tuple[list[Any], dict[str, Any]]:
    rows, meta = data
    check_depth(meta)
    interactions = []
    for method, uri, rh, rb, status, reason, sh, sb in rows:
        if not 100 <= status <= 999:
            raise ValueError("not an HTTP status code")
        interactions.append(Interaction(method, uri, tuple(rh), rb, status, reason, tuple(sh), sb))
    return interactions, meta


FORM: Final = CacheForm("cassette", to_data, from_data, DECODER)

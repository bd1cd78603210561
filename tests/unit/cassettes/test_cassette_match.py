"""Request keys: a URL's equivalent spellings give one key, on the regex fast path and through urllib."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpn_contract.cassettes.match import normalise_url


def _urllib(url: str) -> str:
    """The normalisation as it was written before the fast path, with urllib alone."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    netloc = host if port is None or {"http": 80, "https": 443}.get(scheme) == port else f"{host}:{port}"
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True))) if parts.query else ""
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "HTTPS://API.kpnthings.com:443/api/devices?b=2&a=1#top",
            "https://api.kpnthings.com/api/devices?a=1&b=2",
        ),
        ("http://127.0.0.1:8080?x=%41&y=a+b", "http://127.0.0.1:8080/?x=A&y=a+b"),
        ("https://host/p?flag&a=", "https://host/p?a=&flag="),
        ("https://host/p?q=1=2", "https://host/p?q=1%3D2"),
        ("https://user:pw@Host:80/", "https://host:80/"),
        ("https://[::1]:443/a", "https://[::1]/a"),
    ],
)
def test_equivalent_spellings_normalise_alike(url: str, expected: str) -> None:
    assert normalise_url(url) == expected == _urllib(url)


_PIECES = st.sampled_from(
    ["https://", "HTTP://", "api.Example.test", ":443", ":80", ":8080", "/", "/a", "/b%20c", "?", "a=1", "&",
     "b=", "#f", "x=%41", "y=a+b", "@", "user:pw@", "[::1]", "//", ";p", "q=1=2", " ", "é", "~_.-"]
)  # fmt: skip


@given(st.lists(_PIECES, min_size=1, max_size=9).map("".join))
def test_the_fast_path_gives_what_urllib_gives(url: str) -> None:
    try:
        expected = _urllib(url)
    except ValueError:
        return  # urllib refuses it (a bad IPv6 literal): nothing to compare
    assert normalise_url(url) == expected

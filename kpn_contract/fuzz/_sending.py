"""What fuzz sends beyond schemathesis's own choices, each for a named reason.

* :func:`keep_empty_path_segments`: an empty path parameter goes out as its empty segment;
* :func:`emulator_api_keys`: on the emulator target, the emulator's API key for a product on its own
  host (FIAM Eneco), which is called with its key rather than the gateway token.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["emulator_api_keys", "keep_empty_path_segments"]


def keep_empty_path_segments(schema: Any) -> None:
    """Send a case's empty path parameter as the empty segment it is ("/keys//activate").

    schemathesis joins the case's path to the base URL with ``urljoin``, which drops an empty segment
    in the middle: ``key_id`` "" of ``/keys/{key_id}/activate`` (valid under ``type: string``, taken
    from a body by the stateful phase) went out as ``/keys/activate``, another operation's path. Only
    such a path is built here (base URL and quoted path concatenated, as the join would without the
    drop); every other URL is schemathesis's own.
    """
    from urllib.parse import quote, unquote

    from schemathesis.transport.prepare import prepare_path

    build = schema.build_request_url

    def build_request_url(case: Any, base_url: str) -> str:
        path = prepare_path(case.path, case.path_parameters)
        if "//" not in path.rstrip("/"):
            return str(build(case, base_url))
        return unquote(base_url.rstrip("/").replace("%", "%25") + "/" + quote(path.lstrip("/")))

    schema.build_request_url = build_request_url


def emulator_api_keys(spec_path: Path) -> dict[str, str]:
    """The emulator's API key in each ``apiKey`` header of a product on its own host (FIAM Eneco).

    Such a product is called with its own key, not the gateway token that the auth provider puts on
    every case. On the emulator target the emulator's documented key goes on every case, as a user's
    ``schemathesis run -H "apikey: …"`` would; schemathesis then also sends a wrong key and no key
    (its ``ignored_auth`` check). Live, no key is invented: the product's own key is the caller's.
    """
    from kpn_contract.config._demo import PRODUCT_API_KEY
    from kpn_contract.contract.specs import load_spec
    from kpn_contract.emulator import on_own_server

    spec = load_spec(spec_path)
    if not on_own_server(spec):
        return {}
    return {
        scheme.api_key_name: PRODUCT_API_KEY
        for scheme in spec.security_schemes.values()
        if scheme.type == "apiKey" and scheme.api_key_in == "header" and scheme.api_key_name
    }

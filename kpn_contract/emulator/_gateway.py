"""Which products sit behind the API Store gateway, and the gateway's own answers to a bad token.

Most API Store products are served through the gateway ``api-prd.kpn.com``: the emulator checks the
gateway's bearer token before a product sees a request. A product whose only servers are its own
(FIAM Eneco: ``https://api-acc.enecogroup.com/``, called with Eneco's API key) is not behind the
gateway; the emulator serves it at its own server's path on the same loopback server (Eneco's is
``/``, so ``/datashare/v1/...``), where the routing transport sends a request for the live host, and
checks the credentials its definition declares instead of a gateway token.
"""

from __future__ import annotations

import json
import time
from typing import Final
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from kpn_contract.config._demo import PRODUCT_API_KEY
from kpn_contract.contract.model import Operation, Spec
from kpn_contract.emulator._request_errors import gateway_fault
from kpn_contract.emulator._state import IssuedToken
from kpn_contract.emulator._tokens import emulator_state, expire_early_seconds

__all__ = [
    "GATEWAY_HOST",
    "PRODUCT_API_KEY",
    "api_key_refused",
    "behind_gateway",
    "expired_token_fault",
    "gateway_refusal",
    "invalid_token_fault",
    "on_own_server",
]

GATEWAY_HOST: Final = "api-prd.kpn.com"


def behind_gateway(spec: Spec) -> bool:
    """Whether one of ``spec``'s servers is the API Store gateway."""
    return any(urlsplit(server).hostname == GATEWAY_HOST for server in spec.servers)


def on_own_server(spec: Spec) -> bool:
    """An API Store product served only from its own host (absolute servers, none the gateway's).

    The family is the rule table's (``x-kpn-family``, else ``specs/rules.yaml``): a published file
    carries none and is an API Store product by default, KPN Things and GRIP by their hosts.
    """
    from kpn_contract.contract.rules import default_rules

    hosts = [urlsplit(server).hostname for server in spec.servers]
    return (
        bool(spec.operations)
        and bool(hosts)
        and all(hosts)
        and GATEWAY_HOST not in hosts
        and default_rules().family_for(spec) == "api-store"
    )


def api_key_refused(operation: Operation, spec: Spec, request: Request) -> bool:
    """Whether the API key of a call to a product on its own server is not one the emulator knows.

    An alternative of the operation's ``security`` is met when each of its ``apiKey`` schemes carries
    :data:`PRODUCT_API_KEY` (whether a scheme's credentials are there at all is the request validator's
    ``request.security``). Any other key is refused, as the product would refuse a key it never issued.
    """
    values = {"header": request.headers, "query": request.query_params, "cookie": request.cookies}

    def met(name: str) -> bool:
        scheme = spec.security_schemes.get(name)
        if scheme is None or scheme.type != "apiKey" or not scheme.api_key_name:
            return True
        return values.get(scheme.api_key_in or "header", {}).get(scheme.api_key_name) == PRODUCT_API_KEY

    alternatives = operation.security_requirements
    return bool(alternatives) and not any(all(met(name) for name in alt) for alt in alternatives)


def _token_fault(faultstring: str, errorcode: str) -> JSONResponse:
    return JSONResponse({"fault": {"faultstring": faultstring, "detail": {"errorcode": errorcode}}}, 401)


def invalid_token_fault() -> JSONResponse:
    """The gateway's answer to a missing or unknown bearer token."""
    return _token_fault("Invalid access token", "oauth.v2.InvalidAccessToken")


def expired_token_fault() -> JSONResponse:
    """The gateway's answer to an expired bearer token."""
    return _token_fault("Access Token expired", "oauth.v2.AccessTokenExpired")


def gateway_refusal(
    request: Request, found: tuple[Operation, Spec, str] | None
) -> tuple[IssuedToken | None, Response | None]:
    """The gateway's token check: the token's row, or the 401 fault for a missing or expired token."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    row = emulator_state(request).lookup(token.strip() if scheme.lower() == "bearer" else None)
    fault: JSONResponse | None = None
    if row is None or row.kind != "gateway":
        fault = invalid_token_fault()
    elif time.monotonic() >= row.expires_at or (
        (early := expire_early_seconds(request)) is not None and time.monotonic() - row.issued_at >= early
    ):
        fault = expired_token_fault()
    if fault is not None:
        return row, fault if found is None else gateway_fault(found[0], json.loads(bytes(fault.body)))
    return row, None

"""Authentication of KPN calls: tokens, the token cache, the two token flows and ``KPNAuth``.

The API Store gateway uses OAuth 2.0 client credentials (:mod:`~kpn_contract.auth.api_store`);
KPN Things uses GRIP machine authentication (:mod:`~kpn_contract.auth.grip`). Neither has a refresh
token: :class:`TokenCache` reuses a token until shortly before it expires, then a new one is requested.

May import transport (the retry policy), config and the root; the session and the fuzz
provider build on it.
"""

from kpn_contract.auth.api_store import ApiStoreTokenProvider, parse_gateway_token
from kpn_contract.auth.grip import GripTokenProvider, parse_grip_token
from kpn_contract.auth.httpx_auth import KPNAuth, auth_failure
from kpn_contract.auth.providers import provider_for
from kpn_contract.auth.subcustomer import request_access_rights
from kpn_contract.auth.tokens import Token, TokenCache, TokenProvider, cache_key_for

__all__ = [
    "ApiStoreTokenProvider",
    "GripTokenProvider",
    "KPNAuth",
    "Token",
    "TokenCache",
    "TokenProvider",
    "auth_failure",
    "cache_key_for",
    "parse_gateway_token",
    "parse_grip_token",
    "provider_for",
    "request_access_rights",
]

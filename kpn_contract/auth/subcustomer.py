"""Sub-customer access rights (KPN Things' Customer Management add-on).

Once per API key per sub-customer, the key must be granted access to that sub-customer's environment
with the context-switch call. After that, every call carries ``x-client-id: {customerId}``.
"""

from __future__ import annotations

from urllib.parse import quote

import httpx

from kpn_contract.auth.httpx_auth import SKIP_CLIENT_ID
from kpn_contract.errors import TokenError, UsageError
from kpn_contract.redact import register_secret

__all__ = ["CONTEXT_SWITCH_PATH", "request_access_rights"]

CONTEXT_SWITCH_PATH = "/api/v1/lifecycle/clients/{customer_id}/context-switch"


def request_access_rights(client: httpx.Client, customer_id: str) -> httpx.Response:
    """Grant the client's API key access to the sub-customer ``customer_id``; returns the 2xx response.

    ``client`` is an authenticated KPN Things client (``base_url`` ``https://api.kpnthings.com``). The call is
    ``POST /api/v1/lifecycle/clients/{customerId}/context-switch`` with an empty body and without
    ``x-client-id``, even when the client is a sub-customer client. A refusal raises TokenError with a hint.
    """
    if not customer_id or not customer_id.strip():
        raise UsageError("request_access_rights needs a sub-customer ID (KPN_THINGS_SUBCUSTOMER_ID)")
    register_secret(customer_id)
    path = CONTEXT_SWITCH_PATH.format(customer_id=quote(customer_id, safe=""))
    request = client.build_request("POST", path, content=b"", extensions={SKIP_CLIENT_ID: True})
    request.headers.pop("x-client-id", None)
    response = client.send(request)
    if response.is_success:
        return response
    status = response.status_code
    if status == 403:
        hint = (
            "the API key may not switch to this sub-customer: check that the account has the Customer "
            "Management add-on and that the customer ID belongs to one of your sub-customers"
        )
    elif status == 404:
        hint = "no sub-customer with this ID: copy it from Customer details in the KPN Things Portal"
    elif status == 302:
        hint = "the access token is wrong or has no access to KPN Things; check the API key in GRIP"
    else:
        hint = "unexpected answer to the context-switch call"
    raise TokenError(
        f"requesting access rights to the sub-customer failed (HTTP {status})",
        hint=hint,
        status=status,
    )

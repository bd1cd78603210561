"""Token endpoints: each profile gets a conforming token; each documented error reads as documented."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from kpn_contract.session.kpn_session import KPNSession

PROFILES = ["sandbox", "project", "things", "things-subcustomer"]


@pytest.mark.parametrize("profile", PROFILES)
def test_each_profile_gets_a_conforming_token(
    profile: str, kpn_token: Callable[[str | None], str], kpn_session: KPNSession
) -> None:
    token = kpn_token(profile)
    assert token  # replayed tokens are scrubbed to REDACTED, live and emulator ones are real
    # The token response was validated against its spec when it arrived; no violation was seen.
    assert kpn_session.token_verdicts.get(profile) == [] or profile not in kpn_session.token_verdicts


def test_gateway_rejects_an_unknown_client(kpn_client: Callable[..., httpx.Client]) -> None:
    client = kpn_client("sandbox", authenticated=False)
    response = client.post(
        "/oauth/client_credential/accesstoken",
        params={"grant_type": "client_credentials"},
        data={"client_id": "no-such-client-id", "client_secret": "not-the-secret-0000"},
    )
    assert response.status_code == 401
    assert response.json() == {"ErrorCode": "invalid_client", "Error": "ClientId is Invalid"}


@pytest.mark.kpn(validate="response")  # the request leaves grant_type out on purpose
def test_gateway_requires_grant_type(kpn_client: Callable[..., httpx.Client]) -> None:
    client = kpn_client("sandbox", authenticated=False)
    response = client.post(
        "/oauth/client_credential/accesstoken",
        data={"client_id": "x-client", "client_secret": "y-secret-000"},
    )
    assert response.status_code == 400
    assert response.json()["Error"] == "Required param : grant_type"

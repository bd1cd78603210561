"""Scrubbing by construction: planted secrets never reach a written byte."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from unittest.mock import patch
from urllib.parse import parse_qsl, quote, quote_plus

import httpx
from hypothesis import example, given
from hypothesis import strategies as st

from kpn_contract.cassettes import RecordingTransport, Scrubber
from kpn_contract.cassettes.audit import audit
from kpn_contract.cassettes.scrub import SECRET_FIELDS, SECRET_QUERY_PARAMS, may_hold_pair
from kpn_contract.cassettes.store import Interaction
from kpn_contract.redact import _BY_PLACE, REDACTED, _detector_for, redact, register_secret
from kpn_contract.secrets import REGISTRY


def _rand(prefix: str) -> str:
    return f"{prefix}-{secrets.token_urlsafe(18)}"


def _forms(value: str) -> set[str]:
    return {value, quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1]}


def test_planted_secrets_of_all_four_profiles_never_reach_a_written_byte(
    tmp_path: Path, clean_secret_registry: None
) -> None:
    planted = {
        "sandbox_id": _rand("sbx"),
        "sandbox_secret": _rand("sbx-secret") + "+/=",
        "project_id": _rand("prj"),
        "project_secret": _rand("prj-secret"),
        "tenant": _rand("tenant"),
        "grip_id": _rand("key"),
        "grip_secret": _rand("key-secret"),
        "email": f"{secrets.token_hex(6)}@example.com",
        "subcustomer": _rand("customer"),
    }
    issued: list[str] = []

    def origin(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(("/accesstoken", "/token")):
            token = secrets.token_urlsafe(32)
            issued.append(token)
            return httpx.Response(
                200,
                json={
                    "access_token": token,
                    "developer_email": planted["email"],
                    "developer.email": planted["email"],
                    "client_id": "echoed-" + planted["sandbox_id"],
                    "refresh_token": "",
                    "expires_in": "3599",
                },
                headers={"x-echo-tenant": planted["tenant"]},
            )
        # An endpoint that echoes everything back: the worst case for leaks.
        echoed = {"url": str(request.url), "headers": dict(request.headers), "body": request.content.decode()}
        return httpx.Response(200, json=echoed)

    scrubber = Scrubber(
        secrets=[v for k, v in planted.items() if k not in ("email", "subcustomer")],
        identifiers=[planted["subcustomer"]],
    )
    folder = tmp_path / "cassettes"
    for profile, (cid, secret) in {
        "sandbox": (planted["sandbox_id"], planted["sandbox_secret"]),
        "project": (planted["project_id"], planted["project_secret"]),
    }.items():
        transport = RecordingTransport(
            httpx.MockTransport(origin), folder / f"{profile}.yaml", mode="once", scrubber=scrubber
        )
        with httpx.Client(transport=transport) as client:
            token = client.post(
                "https://api-prd.kpn.com/oauth/client_credential/accesstoken?grant_type=client_credentials",
                data={"client_id": cid, "client_secret": secret},
            ).json()["access_token"]
            register_secret(token)
            client.get(
                "https://api-prd.kpn.com/communication/parley/secure-messenger/v1/x",
                params={"access_token": token},
                headers={"Authorization": f"Bearer {token}"},
            )
    for profile in ("things", "things-subcustomer"):
        transport = RecordingTransport(
            httpx.MockTransport(origin), folder / f"{profile}.yaml", mode="once", scrubber=scrubber
        )
        with httpx.Client(transport=transport) as client:
            token = client.post(
                f"https://auth.grip-on-it.com/v2/{planted['tenant']}/oidc/idp/c1/token",
                json={
                    "grant_type": "client_credentials",
                    "audience": "4dc82561-f65f-523g-dek9-6c79ec314f02",
                    "client_id": planted["grip_id"],
                    "client_secret": planted["grip_secret"],
                },
            ).json()["access_token"]
            # Registered *after* the token request was recorded, as an auth layer would do it.
            register_secret(token)
            headers = {"Authorization": f"Bearer {token}"}
            if profile == "things-subcustomer":
                headers["x-client-id"] = planted["subcustomer"]
                client.post(
                    f"https://api.kpnthings.com/api/v1/lifecycle/clients/{planted['subcustomer']}/context-switch",
                    headers=headers,
                )
            client.get("https://api.kpnthings.com/api/devices", headers=headers)

    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len([p for p in written if p.suffix == ".yaml"]) == 4
    values = [*planted.values(), *issued]
    assert len(issued) == 4
    for path in written:
        data = path.read_bytes()
        for value in values:
            for form in _forms(value):
                assert form.encode() not in data, f"{path.name} holds a planted value"
    assert audit([folder], secrets=values) == []
    text = (folder / "things.yaml").read_text()
    assert "Bearer REDACTED" in text
    assert "/v2/REDACTED/oidc/idp/c1/token" in text


def test_scrubber_pieces_keep_structure() -> None:
    scrubber = Scrubber(secrets=["known-secret-1"])
    assert scrubber.url("https://h/p?b=known-secret-1&token=t0k3n12&x=1") == (
        "https://h/p?b=REDACTED&token=REDACTED&x=1"
    )
    assert scrubber.headers(
        (("Authorization", "Basic dXNlcjpwYXNz"), ("Accept", "x"), ("Cookie", "a=b"))
    ) == (
        ("Authorization", "Basic REDACTED"),
        ("Accept", "x"),
        ("Cookie", REDACTED),
    )
    # Short values escape text replacement, so the structure is rebuilt.
    assert scrubber.body(b"client_id=ab&grant_type=x", "application/x-www-form-urlencoded") == (
        b"client_id=REDACTED&grant_type=x"
    )
    assert json.loads(scrubber.body(b'{"id_token": "abc", "keep": "known-secret-1x"}', None)) == {
        "id_token": REDACTED,
        "keep": "REDACTEDx",
    }
    # Formatting survives when text replacement suffices.
    assert scrubber.body(b'{\n  "access_token": "abcdef123456"\n}') == b'{\n  "access_token": "REDACTED"\n}'
    assert scrubber.body(b"\xff\x00known-secret-1\xfe") == b"\xff\x00REDACTED\xfe"


def test_scrubbed_interaction_keeps_content_length_true() -> None:
    interaction = Interaction(
        "GET",
        "https://h/",
        (),
        b"",
        200,
        "OK",
        (("Content-Length", "40"),),
        b'{"access_token": "abcdef1234567890xy"}',
    )
    scrubbed = Scrubber().interaction(interaction)
    assert scrubbed.response_body == b'{"access_token": "REDACTED"}'
    assert scrubbed.response_header("content-length") == str(len(scrubbed.response_body))
    assert Scrubber().interaction(scrubbed) == scrubbed  # idempotent


# ---------------------------------------------------------------------- shortcuts, held to the full path

_PAIR_PIECES = st.sampled_from(
    ["token", "TOKEN", "To\u212aen", "client%5Fsecret", "client_secret", "Client_Secret", "=", "==", "&",
     "&&", "+", "REDACTED", "x", "é", ";", "sig", "password", " ", "a=1", "%3D", "#"]
)  # fmt: skip
_QUERIES = st.lists(_PAIR_PIECES, max_size=8).map("".join)


@given(_QUERIES)
@example("client%5Fsecret=abc")
@example("a=1&Client+Secret=x&To\u212aen=abc")
def test_may_hold_pair_says_no_only_when_parse_qsl_finds_no_such_pair(text: str) -> None:
    for names in (SECRET_QUERY_PARAMS, SECRET_FIELDS):
        named = [k for k, v in parse_qsl(text, keep_blank_values=True) if k.lower() in names and v]
        assert may_hold_pair(text, names) or not named


@given(_QUERIES, st.sampled_from(["https://h/p", "https://h/v2/tenant-aaaaaaaa/x"]))
def test_urls_and_forms_scrub_the_same_without_the_pair_shortcut(query: str, base: str) -> None:
    scrubber = Scrubber(secrets=["tenant-aaaaaaaa", "secret-aaaa"])
    url, form = f"{base}?{query}", query.encode()
    fast = scrubber.url(url), scrubber.body(form, "application/x-www-form-urlencoded")
    with patch("kpn_contract.cassettes.scrub.may_hold_pair", return_value=True):
        slow = scrubber.url(url), scrubber.body(form, "application/x-www-form-urlencoded")
    assert fast == slow


_TEXT_PIECES = st.sampled_from(
    ["Bearer abcdefgh12", "bearer ", "BEARER", "client_secret=xyz12", "CLIENT_SECRET=", '"access_token": "t"',
     "'developer.email': 'a@b'", '"developer_email":"x"', "plain text", " ", "\n", "=", "tenant-aaaaaaaa"]
)  # fmt: skip


@given(st.lists(_TEXT_PIECES, max_size=6).map("".join))
def test_redact_gives_what_every_place_rule_applied_gives(text: str) -> None:
    expected = _detector_for(frozenset({"tenant-aaaaaaaa"})).redact(REGISTRY.redact(text))
    for _, rx, replacement in _BY_PLACE:  # the rules applied without the word pre-check
        expected = rx.sub(replacement, expected)
    assert redact(text, extra=("tenant-aaaaaaaa",)) == expected

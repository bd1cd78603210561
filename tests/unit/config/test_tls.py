"""One verifying TLS context per CA bundle, shared by every client and transport of the process."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx
import pytest

from kpn_contract.config.profiles import Profile
from kpn_contract.config.tls import trusted_context
from kpn_contract.errors import ConfigError
from kpn_contract.transport.routing import EmulatorRoutingTransport


def _profile(*, verify: bool | str) -> Profile:
    return Profile(name="x", kind="api-store", client_id_env="A", client_secret_env="B", verify=verify)


def test_the_default_context_is_built_once_and_verifies() -> None:
    context = trusted_context()
    assert context is trusted_context()
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0  # certifi's bundle, as httpx's own default


def test_every_profile_that_verifies_shares_the_process_context() -> None:
    assert _profile(verify=True).tls_verify() is trusted_context()
    assert _profile(verify=True).tls_verify() is _profile(verify=True).tls_verify()
    assert _profile(verify=False).tls_verify() is False


def test_a_ca_bundle_gets_a_context_of_its_own_once(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.pem"
    certificates = trusted_context().get_ca_certs(binary_form=True)[:3]
    bundle.write_text("".join(ssl.DER_cert_to_PEM_cert(der) for der in certificates), encoding="ascii")
    first = _profile(verify=str(bundle)).tls_verify()
    assert isinstance(first, ssl.SSLContext)
    assert first is _profile(verify=str(bundle)).tls_verify()
    assert first is not trusted_context()


def test_a_bundle_that_cannot_be_loaded_is_refused_every_time(tmp_path: Path) -> None:
    broken = tmp_path / "broken.pem"
    broken.write_text("not a certificate", encoding="utf-8")
    for _ in range(2):  # a failure is not cached as if it were a context
        with pytest.raises(ConfigError, match="cannot be loaded"):
            _profile(verify=str(broken)).tls_verify()


def test_the_emulator_route_uses_the_shared_context(monkeypatch: pytest.MonkeyPatch) -> None:
    given: list[object] = []
    real = httpx.HTTPTransport

    def recording(**kwargs: object) -> httpx.HTTPTransport:
        given.append(kwargs.get("verify"))
        return real(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(httpx, "HTTPTransport", recording)
    routing = EmulatorRoutingTransport("http://127.0.0.1:9")
    with pytest.raises(httpx.ConnectError, match=r"the emulator at http://127\.0\.0\.1:9 cannot be reached"):
        routing.handle_request(httpx.Request("GET", "https://api-prd.kpn.com/x"))
    routing.close()
    assert given == [trusted_context()]

"""In pytest, a KPN Things 403 for a missing scope fails the test naming the scope, and nothing secret."""

from __future__ import annotations

import pytest

from kpn_contract.config import _demo

READER = """
[tool.kpn_contract.profiles.reader]
kind = "grip"
client_id_env = "KPN_GRIP_PROJECT_READER_CLIENT_ID"
client_secret_env = "KPN_GRIP_PROJECT_READER_CLIENT_SECRET"
tenant_id_env = "KPN_GRIP_TENANT_ID"
scopes = ["project.read"]
"""


def test_a_missing_scope_fails_the_test_naming_it(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", pyproject=READER)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.kpn(profile="reader")
        def test_devices(kpn_client):
            assert kpn_client().get("/projects").status_code == 200
            assert kpn_client().get("/devices").status_code == 200
        """
    )
    result = pytester.runpytest("--kpn-target", "emulator", "-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    refused = (
        "*MissingScopeError*GET /devices was refused with 403 insufficient_scope*lacks the scope device.read*"
    )
    result.stdout.fnmatch_lines([refused])
    text = result.stdout.str()
    for secret in (
        _demo.GRIP_PROJECT_READER_CLIENT_SECRET,
        _demo.GRIP_PROJECT_READER_CLIENT_ID,
        _demo.GRIP_TENANT_ID,
    ):
        assert secret not in text

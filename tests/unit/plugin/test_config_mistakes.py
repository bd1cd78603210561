"""A mistake in the config is one line at pytest's start-up, as in the CLI: no traceback per test."""

from __future__ import annotations

import pytest

SMOKE = """
import pytest

@pytest.mark.kpn(profile="sandbox")
def test_token(kpn_token):
    assert kpn_token()
"""


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ('spec_dir = "no-such-specs"', "field 'spec_dir': spec folder */no-such-specs does not exist"),
        ('cassette_dir = "a-file"', "field 'cassette_dir': cassette folder */a-file is not a folder"),
        ('casette_dir = "cassettes"', "field 'casette_dir': unknown key (did you mean 'cassette_dir'?)"),
    ],
    ids=["missing-spec-dir", "cassette-dir-is-a-file", "misspelt-key"],
)
def test_a_wrong_folder_or_key_is_one_line(pytester: pytest.Pytester, config: str, expected: str) -> None:
    pytester.makefile(".toml", **{"kpn-contract": config})
    pytester.makefile("", **{"a-file": "not a folder"})
    pytester.makepyfile(test_smoke=SMOKE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.stderr.lines if line.strip()]
    assert len(errors) == 1, result.stderr.str()
    result.stderr.fnmatch_lines([f"ERROR: kpn_contract: *kpn-contract.toml, {expected}"])
    assert "Traceback" not in result.stdout.str() + result.stderr.str()

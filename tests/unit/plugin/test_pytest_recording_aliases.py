"""pytest-recording's names (``--record-mode``, ``@pytest.mark.vcr``) work without it, and stay its own
when it is installed: kpn_contract and pytest-recording run side by side unchanged."""

from __future__ import annotations

import pytest

# PyYAML's C extension cannot be imported twice in pytester's in-process runs (see test_plugin.py).
import yaml  # noqa: F401

WITHOUT = ("-p", "no:recording", "-p", "no:cacheprovider")

MARKED = """
import pytest

@pytest.mark.vcr
def test_marked():
    pass

def test_unmarked():
    pass
"""


def _header(result: pytest.RunResult) -> str:
    (line,) = [line for line in result.outlines if line.startswith("kpn_contract:")]
    return line


def test_without_pytest_recording_record_mode_is_kpn_record_mode(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest(*WITHOUT, "--kpn-target", "emulator", "--record-mode", "once")
    result.assert_outcomes(passed=1)
    assert "record mode=once" in _header(result)
    # The kpn option wins when both are given.
    result = pytester.runpytest(
        *WITHOUT, "--kpn-target", "emulator", "--record-mode", "once", "--kpn-record-mode", "all"
    )
    assert "record mode=all" in _header(result)


def test_without_pytest_recording_record_mode_needs_a_target_like_kpn_record_mode(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest(*WITHOUT, "--record-mode", "once")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "record mode 'once' needs a target to record from" in result.stderr.str()


def test_without_pytest_recording_a_vcr_marked_test_gets_its_cassette(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(MARKED)
    result = pytester.runpytest(*WITHOUT, "--strict-markers", "--setup-show")
    result.assert_outcomes(passed=2)
    text = result.stdout.str()
    marked, unmarked = text.split("test_marked")[0], text.split("test_marked", 1)[1]
    assert "SETUP    F kpn_cassette" in marked
    assert "kpn_cassette" not in unmarked.split("test_unmarked")[0].split("TEARDOWN")[-1]


def test_without_pytest_recording_vcr_arguments_are_one_line_naming_the_kpn_way(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.vcr("extra.yaml", record_mode="once")
        def test_marked():
            pass
        """
    )
    result = pytester.runpytest(*WITHOUT)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*@pytest.mark.vcr('extra.yaml', record_mode=...): kpn_contract reads a bare @pytest.mark.vcr only*"]
    )


def test_with_pytest_recording_its_names_stay_its_own(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.vcr
        def test_marked(vcr, request):
            assert type(vcr).__name__ == "Cassette"  # pytest-recording's own fixture, unchanged
        """
    )
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--strict-markers", "--setup-show", "--kpn-target", "emulator",
        "--record-mode", "once",
    )  # fmt: skip
    result.assert_outcomes(passed=1)
    assert "kpn_cassette" not in result.stdout.str()
    assert "record mode=none" in _header(result)  # --record-mode went to pytest-recording

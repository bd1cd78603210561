"""pytest's sinks outside a report go through the one detector, and pytest's objects keep their shape."""

from __future__ import annotations

import dataclasses

import pytest
from _pytest._io import saferepr
from _pytest.python import Metafunc

SECRET = "planted-sink-secret-5e1f0c"

CONFTEST = f"""
from kpn_contract.redact import register_secret
register_secret({SECRET!r})
"""


def test_the_private_names_the_sinks_rely_on_exist() -> None:
    # pytest has no public hook for these; a pytest that renames them must fail here, not leak.
    assert callable(saferepr._ellipsize)
    assert hasattr(saferepr.SafeRepr, "repr_str")
    from _pytest import python

    callspec = vars(python).get("CallSpec") or vars(python)["CallSpec2"]  # renamed in pytest 9
    assert "_idlist" in {f.name for f in dataclasses.fields(callspec)}
    assert "_calls" in Metafunc.__init__.__code__.co_names


def test_a_skip_reason_with_a_secret_keeps_its_tuple_and_pytest_runs_on(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        f"""
        import pytest

        def test_skip():
            pytest.skip("because {SECRET}")

        def test_after():
            pass
        """
    )
    for flags in (["-v"], ["-rs"], ["-rA", "--junitxml=out.xml"]):
        result = pytester.runpytest("-p", "no:cacheprovider", *flags)
        assert result.ret == pytest.ExitCode.OK, flags
        result.assert_outcomes(passed=1, skipped=1)
        assert "INTERNALERROR" not in result.stdout.str()
        assert "Traceback" not in result.stdout.str()
        assert SECRET not in result.stdout.str()
    result.stdout.fnmatch_lines(["SKIPPED [[]1[]] *: because REDACTED"])
    assert 'message="because REDACTED"' in (pytester.path / "out.xml").read_text()


def test_warnings_xfail_and_exit_banners_are_redacted(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        f"""
        import warnings
        import pytest

        class OwnWarning(UserWarning):
            pass

        def test_a_warns():
            warnings.warn(OwnWarning("own {SECRET}"))

        def test_b_xfails():
            pytest.xfail("xfail {SECRET}")

        def test_c_exits():
            pytest.exit("exit {SECRET}")
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:randomly", "-rA", "-W", "default")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    out = result.stdout.str()
    assert SECRET not in out
    result.stdout.fnmatch_lines(
        ["*OwnWarning: own REDACTED", "XFAIL *test_b_xfails - xfail REDACTED", "*Exit: exit REDACTED*"]
    )


def test_a_keyboard_interrupt_banner_is_redacted(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(f"def test_x():\n    raise KeyboardInterrupt('ctrl-c {SECRET}')\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    assert SECRET not in result.stdout.str()
    result.stdout.fnmatch_lines(["*KeyboardInterrupt: ctrl-c REDACTED*"])


def test_a_value_cut_by_saferepr_is_redacted_whole(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        f"""
        def test_cut():
            head = "x" * 105 + {SECRET!r} + "y" * 300
            assert head == [head]
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-l")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "head       = 'xxx" in out  # the local was shown, cut
    assert SECRET[:8] not in out  # nor its first characters, where the cut fell inside it
    assert "REDACTED" in out


def test_debug_log_is_redacted(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.parametrize("value", [{SECRET!r}])
        def test_p(value):
            assert value == "other"
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--debug")
    result.assert_outcomes(failed=1)
    log = (pytester.path / "pytestdebug.log").read_text(encoding="utf-8")
    assert "pytest_runtest_logreport" in log
    assert "test_p[REDACTED]" in log
    assert SECRET not in log


def test_a_value_split_by_the_vv_pretty_printer_is_redacted_whole(pytester: pytest.Pytester) -> None:
    spaced = "planted words with spaces 7c3a91d2"  # pprint wraps a long string at its spaces
    pytester.makeconftest(f"from kpn_contract.redact import register_secret\nregister_secret({spaced!r})\n")
    pytester.makepyfile(
        f"""
        def test_diff():
            assert {{"k": "a" * 60 + {spaced!r} + "b" * 60, "n": 1}} == {{"k": "other", "n": 2}}
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-vv")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "REDACTED" in out
    assert "7c3a91d2" not in out
    assert "planted words" not in out

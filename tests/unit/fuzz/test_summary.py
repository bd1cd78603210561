"""The fuzz summary's verdict: a run that sent nothing is not a pass."""

from __future__ import annotations

import io
from types import SimpleNamespace
from typing import Any, cast

from kpn_contract.fuzz._results import CheckTally, FuzzSummary, print_summary


def _printed(summary: FuzzSummary) -> str:
    out = io.StringIO()
    print_summary(out, summary, cast(Any, SimpleNamespace(token_fetches=1)))
    return out.getvalue()


def test_a_run_that_sent_no_case_fails_and_says_why() -> None:
    summary = FuzzSummary()
    assert not summary.ok
    text = _printed(summary)
    assert "ERROR no case was sent: nothing was tested" in text
    assert text.rstrip().endswith("FAILED")


def test_a_run_with_cases_and_no_failure_passes() -> None:
    summary = FuzzSummary()
    summary.cases["GET /devices"] = 3
    summary.checks["not_a_server_error"] = CheckTally(passed=3)
    assert summary.ok
    text = _printed(summary)
    assert "no case was sent" not in text
    assert text.rstrip().endswith("PASSED")

"""What pytest shows and writes, redacted: the plugin's hooks call these; the plugin itself stays thin.

pytest has many sinks besides a test's own prints, and a secret reaches each of them in its own way:

* failure text: assertion rewriting shows values as reprs (escaped), ``--showlocals``/``-l`` shows
  every local variable, ``-rA`` repeats the captured sections;
* captured output and logs (``report.sections``), which the terminal and JUnit's
  ``system-out``/``system-err`` (``junit_logging=all``) both read;
* live logging (``log_cli``), ``caplog`` and ``--log-file``, which format records as they come;
* JUnit ``<property>`` elements from ``record_property`` and ``record_testsuite_property``;
* skip and xfail reasons (``-rs``, ``-rx``, ``-v``, JUnit's ``<skipped message=...>``).

The sinks outside a report (warnings, interrupt banners, ``--debug``, saferepr's cuts, parametrize
IDs) are in ``sinks.py``.

Each is passed through :func:`kpn_contract.redact.redact` before any reporter sees it. A report that
holds no secret keeps pytest's rich formatting: it is replaced only when redaction changed it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from kpn_contract.errors import CassetteError, NetworkBlockedError
from kpn_contract.logs import RedactingFilter
from kpn_contract.redact import redact

if TYPE_CHECKING:
    import pytest

__all__ = [
    "guard_pytest_logging",
    "redact_collect_report",
    "redact_junit_globals",
    "redact_test_report",
]


def _redacted_value(value: object) -> object:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    text = str(value)
    cleaned = redact(text)
    return value if cleaned == text else cleaned


def _redact_longrepr(report: pytest.TestReport | pytest.CollectReport) -> None:
    if report.longrepr is None:
        return
    if isinstance(report.longrepr, tuple):
        # A skip: (path, line, reason). Reporters unpack it (-v, -rs, JUnit), so it stays a tuple.
        path, line, reason = report.longrepr
        report.longrepr = (redact(str(path)), line, redact(reason))
        return
    text = str(report.longrepr)
    cleaned = redact(text)
    if cleaned != text:
        report.longrepr = cleaned


def redact_test_report(
    report: pytest.TestReport, excinfo: pytest.ExceptionInfo[BaseException] | None
) -> None:
    """Redact a test report in place: failure text (locals included), sections and user properties.

    A cassette that cannot be loaded (corrupt, unsafe, an alias bomb) is reported as its one-line
    error naming the file, not as a traceback through the fixtures.
    """
    error = excinfo.value if excinfo is not None else None
    if isinstance(error, CassetteError) and not isinstance(error, NetworkBlockedError):
        report.longrepr = f"{type(error).__name__}: {error.message.splitlines()[0]}"
    _redact_longrepr(report)
    wasxfail = getattr(report, "wasxfail", None)
    if isinstance(wasxfail, str):  # the XFAIL line (-rx) and JUnit's <skipped message=...>
        report.wasxfail = redact(wasxfail)
    report.sections = [(title, redact(content)) for title, content in report.sections]
    report.user_properties = [(name, _redacted_value(value)) for name, value in report.user_properties]


def redact_collect_report(report: pytest.CollectReport) -> None:
    """Redact a collection error (a module that fails on import may show a secret)."""
    _redact_longrepr(report)
    report.sections = [(title, redact(content)) for title, content in report.sections]


def redact_junit_globals(config: pytest.Config) -> None:
    """Redact ``record_testsuite_property`` values before the JUnit XML file is written."""
    from _pytest.junitxml import xml_key

    xml = config.stash.get(xml_key, None)
    if xml is not None:
        # JUnit writes each value with str(): redacting the text form loses nothing.
        xml.global_properties = [(name, redact(str(value))) for name, value in xml.global_properties]


class _RedactingFormatter(logging.Formatter):
    """Wraps pytest's formatter: the formatted text, tracebacks included, is redacted."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.inner.format(record))

    def __getattr__(self, name: str) -> Any:  # pytest's ColoredLevelFormatter has extra methods
        return getattr(self.inner, name)


def guard_pytest_logging(config: pytest.Config) -> None:
    """Redact every record pytest's logging plugin handles: caplog, the report sections, log_cli, log_file.

    Records of kpn_contract and httpx are redacted when they are made (``logs.py``); this also covers
    a test's own loggers, which reach the same handlers.
    """
    plugin = config.pluginmanager.get_plugin("logging-plugin")
    if plugin is None:
        return
    for name in ("caplog_handler", "report_handler", "log_cli_handler", "log_file_handler"):
        handler = getattr(plugin, name, None)
        if not isinstance(handler, logging.Handler):
            continue
        handler.addFilter(RedactingFilter())
        if handler.formatter is not None and not isinstance(handler.formatter, _RedactingFormatter):
            handler.setFormatter(_RedactingFormatter(handler.formatter))

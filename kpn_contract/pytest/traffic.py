"""What the pytest plugin learns from a run's traffic: contract coverage and stale replayed cassettes.

``--kpn-coverage FILE`` writes the JSON coverage report of every response the run's clients saw (token
responses included, validated or not), and the terminal summary shows one line per spec.
``--kpn-coverage-fail-under PCT`` fails the run when *operations called / operations declared*, over
every spec the run loaded, is below ``PCT`` percent. ``--kpn-coverage-specs NAME[,NAME]`` (or the
config's ``coverage_specs``) limits both to the specs named (``coverage.model.scoped``). In replay, the
summary counts the replayed cassettes recorded against spec versions other than today's.

The plugin registers :class:`TrafficPlugin` in ``pytest_configure`` and hands it each
:class:`~kpn_contract.session.kpn_session.KPNSession`. Under xdist each worker sends what it saw to the
controller (``workeroutput``), which merges, writes and judges. Importing this module imports pytest only.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import httpx

    from kpn_contract.coverage.model import CoverageReport
    from kpn_contract.session.kpn_session import KPNSession

__all__ = ["PLUGIN_NAME", "TrafficPlugin", "add_traffic_options", "traffic_plugin"]

PLUGIN_NAME = "kpn_contract-traffic"
_WORKER_KEY = "kpn_contract_traffic"


def add_traffic_options(group: pytest.OptionGroup) -> None:
    group.addoption(
        "--kpn-coverage",
        default=None,
        metavar="FILE",
        help="write the run's contract coverage (JSON) to FILE and summarise it per spec",
    )
    group.addoption(
        "--kpn-coverage-fail-under",
        default=None,
        metavar="PCT",
        help="fail the run when operations called / operations declared is below PCT percent",
    )
    group.addoption(
        "--kpn-coverage-specs",
        default=None,
        metavar="NAME[,NAME]",
        help="limit coverage and its fail-under to these specs: a file (kpn-number-verify), a folder "
        "(kpn-things) or a title (default: the config's coverage_specs, else every spec)",
    )


def _threshold(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        pct = float(value)
    except ValueError:
        pct = math.nan
    if not 0 <= pct <= 100:  # NaN fails too
        raise pytest.UsageError(f"kpn_contract: --kpn-coverage-fail-under {value!r}: give a percentage 0-100")
    return pct


class TrafficPlugin:
    """Collects exchanges and stale-cassette counts in a worker or a plain run; reports in the controller."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.fail_under = _threshold(config.getoption("--kpn-coverage-fail-under"))
        target = config.getoption("--kpn-coverage")
        self.target: Path | None = None
        if target is not None:
            self.target = config.invocation_params.dir / target
            if self.target.is_dir():
                raise pytest.UsageError(f"kpn_contract: --kpn-coverage {target}: is a directory, not a file")
        self.covering = self.target is not None or self.fail_under is not None
        self.exchanges: list[dict[str, Any]] = []
        self.spec_dir: str | None = None
        self.replayed: dict[str, bool] = {}  # cassette path → recorded against other spec versions
        self._sessions: list[KPNSession] = []
        self.report: CoverageReport | None = None
        self.below: str | None = None  # why the run fails: under the threshold, or the report unwritable

    # -- collecting (each xdist worker, or the only process) -----------------------------------
    def attach(self, session: KPNSession) -> None:
        """Listen to every response of ``session``'s clients; its replayed cassettes are read at the end."""
        self._sessions.append(session)
        if self.spec_dir is None:
            spec_dir = session.options.spec_dir or session.config.spec_dir
            self.spec_dir = str(spec_dir) if spec_dir is not None else None
        if self.covering:
            session.observers.append(self._observe)

    def _observe(self, response: httpx.Response) -> None:
        from kpn_contract.coverage.sources import exchange_from_response

        self.exchanges.append(exchange_from_response(response).to_dict())

    def _collect_replayed(self) -> None:
        from kpn_contract.cassettes.freshness import stale_specs

        for session in self._sessions:
            if not session.replayed:
                continue
            current = {spec.title: spec.version for spec in session.validator.index.specs}
            for cassette in session.replayed:
                if cassette.path.exists():  # a missing recording is a failed test, not a stale one
                    self.replayed[str(cassette.path)] = bool(stale_specs(cassette.meta, current))
        self._sessions.clear()

    def _state(self) -> dict[str, Any]:
        return {"exchanges": self.exchanges, "spec_dir": self.spec_dir, "replayed": self.replayed}

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        """xdist (controller): merge what a worker saw."""
        del error
        state = getattr(node, "workeroutput", {}).get(_WORKER_KEY)
        if state:
            self.exchanges.extend(state["exchanges"])
            self.spec_dir = self.spec_dir or state["spec_dir"]
            self.replayed.update(state["replayed"])

    # -- reporting ---------------------------------------------------------------------------
    @pytest.hookimpl(trylast=True)  # after the session fixtures are torn down
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        self._collect_replayed()
        workeroutput = getattr(self.config, "workeroutput", None)
        if workeroutput is not None:  # an xdist worker: the controller reports
            workeroutput[_WORKER_KEY] = self._state()
            return
        if not self.covering:
            return
        from kpn_contract.errors import KPNContractError

        try:
            self.report = self._compute()
        except KPNContractError as exc:  # coverage specs that select nothing: one line, not a traceback
            self.below = f"kpn_contract: {exc.message}"
            session.exitstatus = pytest.ExitCode.USAGE_ERROR
            return
        if self.target is not None and not self._write(self.target, self.report):
            session.exitstatus = pytest.ExitCode.USAGE_ERROR
            return
        pct = self.report.operations_percent
        if self.fail_under is not None and (pct is None or pct < self.fail_under):
            shown = "no operations declared" if pct is None else f"{pct:.1f}% of operations called"
            self.below = f"coverage {shown} is below --kpn-coverage-fail-under {self.fail_under:g}"
            if session.exitstatus == pytest.ExitCode.OK:
                session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def _write(self, target: Path, report: CoverageReport) -> bool:
        from kpn_contract.coverage.render import render

        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(render(report, "json") + "\n", encoding="utf-8")
        except OSError as exc:
            self.below = f"--kpn-coverage {target}: cannot write it ({exc.strerror or exc})"
            return False
        return True

    def _compute(self) -> CoverageReport:
        from kpn_contract.contract.specs import project_index
        from kpn_contract.coverage import Exchange, compute
        from kpn_contract.coverage.model import scoped

        spec_dir = Path(self.spec_dir) if self.spec_dir else _project_spec_dir(self.config)
        exchanges = (Exchange.from_dict(item) for item in self.exchanges)
        return scoped(compute(project_index(spec_dir), exchanges, source="pytest"), self._scope())

    def _scope(self) -> list[str]:
        option = self.config.getoption("--kpn-coverage-specs")
        if option is not None:
            return str(option).split(",")
        from kpn_contract.errors import ConfigError
        from kpn_contract.pytest.settings import load_project_config

        kpn_config = load_project_config(self.config)
        names = kpn_config.settings.get("coverage_specs", [])
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            where = str(kpn_config.source) if kpn_config.source else None
            raise ConfigError("must be a list of spec names", path=where, field="coverage_specs")
        return list(names)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        from kpn_contract.redact import redact

        lines = list(self._summary_lines())
        if not lines:
            return
        terminalreporter.section("kpn_contract")
        for line, red in lines:
            terminalreporter.write_line(redact(line), red=red)

    def _summary_lines(self) -> Iterable[tuple[str, bool]]:
        if self.report is not None:
            from kpn_contract.coverage.lines import spec_line, totals_line

            written = self.config.getoption("--kpn-coverage")
            written = f" (written to {written})" if self.target and self.below is None else ""
            yield f"coverage: {totals_line(self.report)}{written}", False
            for spec in self.report.specs:
                yield f"  {spec_line(spec)}", False
            if self.below:
                yield f"FAILED: {self.below}", True
        elif self.below:
            yield f"FAILED: {self.below}", True
        if self.replayed:
            stale = sum(self.replayed.values())
            yield (
                f"replay: {stale} of {len(self.replayed)} replayed cassette(s) recorded against other spec "
                "versions" + (" (`kpn-contract verify` names them)" if stale else ""),
                False,
            )


def traffic_plugin(config: pytest.Config) -> TrafficPlugin:
    """The run's :class:`TrafficPlugin`, registered by the kpn_contract plugin in ``pytest_configure``."""
    plugin = config.pluginmanager.get_plugin(PLUGIN_NAME)
    if not isinstance(plugin, TrafficPlugin):
        raise TypeError(f"the {PLUGIN_NAME} plugin is not registered")
    return plugin


def _project_spec_dir(config: pytest.Config) -> Path | None:
    from kpn_contract.pytest.settings import load_project_config

    return load_project_config(config).spec_dir

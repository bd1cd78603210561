"""Stock ``schemathesis run`` (default checks and phases, no wrapper): every bundled spec on the emulator.

Issue 20: where KPN is narrower than a schema says, the spec says so (a cursor ``pattern``, the 404 for a
cursor of another query or a deviceId/clientId in a body that names nothing), so that the emulator never
departs from its own spec. This runs the schemathesis CLI's own command, as a user would run
``schemathesis run SPEC --url EMULATOR/BASE -H "Authorization: Bearer …"``: the URL is the emulator
plus the spec's server base path (the gateway's for an API Store product), the token a gateway token
for API Store products and a GRIP token for KPN Things. The command runs in this process (its click
command, called as ``schemathesis`` calls it) rather than one interpreter per spec, one example per
operation: the coverage phase, which holds most of the cases, does not depend on the example count.
The emulator remembers deletions (``kpn-contract emulate --remember-deletions``), as schemathesis's
stateful ``use_after_free`` check expects.

A spec that stock schemathesis does not pass yet is listed in ``KNOWN_FAILURES`` with what it reports:
it shows as an xfail with that reason, never a silent skip, and ``benchmarks/stock.py`` runs it.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

import pytest

from kpn_contract.config._demo import PRODUCT_API_KEY
from kpn_contract.contract.specs import bundled_spec_dir, load_spec
from kpn_contract.emulator import EmulatorServer, EmulatorSettings, on_own_server
from tests.unit.emulator.conftest import gateway_token, grip_token, loopback_client

GATEWAY_HOST: Final = "api-prd.kpn.com"


def bundled_specs() -> list[Path]:
    """Every product definition in specs/ (not rules.yaml, the migration maps or the tools)."""
    root = bundled_spec_dir()
    return sorted(
        path
        for path in root.rglob("*.yaml")
        if not ({"_tools", "migrations"} & set(path.relative_to(root).parts)) and path.name != "rules.yaml"
    )


# What stock schemathesis 4.32 still reports (seeds 20 and 7, one example), and why. Each is a known gap.
KNOWN_FAILURES: Final[dict[str, str]] = {
    "elcies-health-data-aggregator.yaml": "declares no operation (KPN publishes none): exit 2, nothing run",
    "kpn-things-beta.yaml": "ST203: a missing token answers KPN's documented 302, and schemathesis "
    "requires 401 for a missing Authorization whatever the spec declares",
    "kpn-api-store-gateway-token.yaml": "ST101: the MSM token endpoint answers bad credentials with its "
    "documented 500, and schemathesis fails every 5xx",
    "grip-token.yaml": "ST202: a generated tenant or audience names no GRIP tenant (400 invalid_request)",
}


# Pass, but too long for the suite (minutes, and 15 s, of coverage cases); benchmarks/stock.py runs them.
TOO_LONG: Final = {
    "kpn-sd-lan-sd-wan-network-view.yaml": "passes in benchmarks/stock.py; 344 operations",
    "kpn-mobile-services-management.yaml": "passes in benchmarks/stock.py; 99 operations (15 s)",
}


def _spec_params() -> list[object]:
    params: list[object] = []
    # The largest definitions (the longest runs) first, so that pytest-xdist's workers end together.
    for path in sorted(bundled_specs(), key=lambda spec: -spec.stat().st_size):
        name = path.relative_to(bundled_spec_dir()).as_posix()
        reason = KNOWN_FAILURES.get(path.name)
        marks = [pytest.mark.xfail(run=False, reason=reason)] if reason else []
        if path.name in TOO_LONG:
            marks = [pytest.mark.skip(reason=TOO_LONG[path.name])]
        params.append(pytest.param(path, id=name, marks=marks))
    return params


def run_stock_cli(arguments: list[str]) -> tuple[int, str]:
    """``schemathesis ARGUMENTS`` in this process, as its console script runs it: exit code and output."""
    from schemathesis.cli.commands import schemathesis

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            schemathesis.main(arguments, prog_name="schemathesis", standalone_mode=False)
            code = 0
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else 1
    return code, out.getvalue()


def base_path(spec: Path) -> str:
    """The path of the spec's server on the emulator: the gateway's server when it has one, else the first."""
    servers = load_spec(spec).servers
    gateway = [s for s in servers if urlsplit(s).hostname == GATEWAY_HOST]
    chosen = (gateway or list(servers) or [""])[0]
    return urlsplit(chosen).path.rstrip("/")


def credentials_header(spec: Path, tokens: dict[str, str]) -> str:
    """The ``-H`` a user passes: a GRIP token for KPN Things, the product's own API key for a product
    on its own host (FIAM Eneco's ``apikey``), else a gateway token."""
    if "kpn-things" in spec.parts or spec.name == "grip-token.yaml":
        return f"Authorization: Bearer {tokens['grip']}"
    loaded = load_spec(spec)
    if on_own_server(loaded):
        keys = [
            s.api_key_name for s in loaded.security_schemes.values() if s.type == "apiKey" and s.api_key_name
        ]
        return f"{keys[0]}: {PRODUCT_API_KEY}"
    return f"Authorization: Bearer {tokens['gateway']}"


def reached_operations(emulator: EmulatorServer, spec: Path) -> int:
    """How many requests the emulator counted under one of ``spec``'s operations (not a 404 path)."""
    base = base_path(spec)
    declared = {f"{op.method} {base}{op.path}" for op in load_spec(spec).operations}
    with loopback_client(emulator.base_url, timeout=10) as client:
        counts: dict[str, int] = client.get("/_emulator/stats").json()["requests"]
    return sum(n for key, n in counts.items() if key in declared)


@pytest.fixture(scope="module")
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorSettings(remember_deletions=True)) as server:
        yield server


@pytest.fixture(scope="module")
def tokens(emulator: EmulatorServer) -> dict[str, str]:
    return issue_tokens(emulator.base_url)


def issue_tokens(base_url: str) -> dict[str, str]:
    """A gateway token (API Store products) and a GRIP token (KPN Things), from the emulator."""
    with loopback_client(base_url, timeout=10) as client:
        return {"gateway": gateway_token(client), "grip": grip_token(client)}


def test_every_bundled_spec_is_run_or_named_with_its_reason() -> None:
    names = {path.name for path in bundled_specs()}
    assert len(names) >= 47  # 34 API Store products, 10 KPN Things, 2 token endpoints, ELCIES
    assert set(KNOWN_FAILURES) | set(TOO_LONG) <= names  # no stale entry


def test_base_path_is_the_gateway_server_path() -> None:
    root = bundled_spec_dir()
    assert base_path(root / "kpn-sms-inbound.yaml") == ""  # swaggerhub first, then the bare gateway
    assert base_path(root / "kpn-sms.yaml") == "/communication/kpn/sms"  # Swagger 2: host + basePath
    assert base_path(root / "kpn-sim-swap.yaml") == "/kpn/sim-swap"
    assert base_path(root / "kpn-things" / "devices.yaml") == ""


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore")  # schemathesis' own warnings are its report's business, not pytest's
@pytest.mark.parametrize("spec", _spec_params())
def test_stock_schemathesis_run_passes(
    emulator: EmulatorServer,
    tokens: dict[str, str],
    spec: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:

    monkeypatch.chdir(tmp_path)  # schemathesis keeps a crash cache in the cwd and replays it first

    before = reached_operations(emulator, spec)
    arguments = [
        "run",
        str(spec),
        "--url",
        emulator.base_url + base_path(spec),
        "-H",
        credentials_header(spec, tokens),
        "--max-examples",
        "1",
        "--seed",
        "20",
        "--no-color",
    ]
    code, output = run_stock_cli(arguments)
    output = output.replace(tokens["grip"], "[token]").replace(tokens["gateway"], "[token]")
    assert "generated" in output, output[-4000:]  # cases were run
    assert code == 0, output[-4000:]
    assert reached_operations(emulator, spec) > before, "no request reached one of the spec's operations"

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
import functools
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

import pytest

from kpn_contract.config._demo import PRODUCT_API_KEY
from kpn_contract.contract.model import Spec
from kpn_contract.contract.specs import bundled_spec_dir, load_spec
from kpn_contract.emulator import EmulatorServer, EmulatorSettings, on_own_server
from tests.unit.emulator.conftest import gateway_token, grip_token, loopback_client

GATEWAY_HOST: Final = "api-prd.kpn.com"
# The repository's stock schemathesis config: two KPN-documented statuses a stock rule refuses, per spec.
CONFIG: Final = Path(__file__).resolve().parents[3] / "schemathesis.toml"


def bundled_specs() -> list[Path]:
    """Every product definition in specs/ (not rules.yaml, the migration maps or the tools)."""
    root = bundled_spec_dir()
    return sorted(
        path
        for path in root.rglob("*.yaml")
        if not ({"_tools", "migrations"} & set(path.relative_to(root).parts)) and path.name != "rules.yaml"
    )


@functools.cache
def loaded_spec(path: Path) -> Spec:
    """A bundled spec, loaded once per process: its URL, credentials and operations are read often."""
    return load_spec(path)


# What stock schemathesis 4.32 still reports (seeds 20 and 7, one example), and why. Each is a known gap.
KNOWN_FAILURES: Final[dict[str, str]] = {
    "elcies-health-data-aggregator.yaml": "declares no operation (KPN publishes none, and inventing one "
    "would test nothing KPN serves): schemathesis exits 2, 'The schema defines no API operations'",
}


# Too long for the suite (20,634 and about 5,340 cases); benchmarks/stock.py runs them (both pass at
# seeds 20 and 7). SD-LAN's ST202 x9 (a deleted resource answered 400) is gone since its derived
# contract declares the 404 Meraki documents (derive_published.py, NOT_FOUND_DOCUMENTED).
TOO_LONG: Final = {
    "kpn-sd-lan-sd-wan-network-view.yaml": "passes in benchmarks/stock.py; 344 operations, 20,634 cases "
    "(1.5 min under load)",
    "kpn-mobile-services-management.yaml": "passes in benchmarks/stock.py; 99 operations, 5,336-5,338 cases "
    "(25-40 s under load)",
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


def stock_arguments(
    spec: Path, emulator: EmulatorServer, tokens: dict[str, str], *, max_examples: int = 1, seed: int = 20
) -> list[str]:
    """``run SPEC --url EMULATOR/BASE -H CREDENTIALS``, with the credentials a user passes for SPEC."""
    arguments = ["run", str(spec), "--url", emulator.base_url + base_path(spec)]
    arguments += ["-H", credentials_header(spec, tokens), "--max-examples", str(max_examples)]
    return [*arguments, "--seed", str(seed), "--no-color"]


def base_path(spec: Path) -> str:
    """The path of the spec's server on the emulator: the gateway's server when it has one, else the first."""
    servers = loaded_spec(spec).servers
    gateway = [s for s in servers if urlsplit(s).hostname == GATEWAY_HOST]
    chosen = (gateway or list(servers) or [""])[0]
    return urlsplit(chosen).path.rstrip("/")


def credentials_header(spec: Path, tokens: dict[str, str]) -> str:
    """The ``-H`` a user passes: a GRIP token for KPN Things, the product's own API key for a product
    on its own host (FIAM Eneco's ``apikey``), else a gateway token."""
    if "kpn-things" in spec.parts or spec.name == "grip-token.yaml":
        return f"Authorization: Bearer {tokens['grip']}"
    loaded = loaded_spec(spec)
    if on_own_server(loaded):
        keys = [
            s.api_key_name for s in loaded.security_schemes.values() if s.type == "apiKey" and s.api_key_name
        ]
        return f"{keys[0]}: {PRODUCT_API_KEY}"
    return f"Authorization: Bearer {tokens['gateway']}"


def reached_operations(emulator: EmulatorServer, spec: Path) -> int:
    """How many requests the emulator counted under one of ``spec``'s operations (not a 404 path)."""
    base = base_path(spec)
    declared = {f"{op.method} {base}{op.path}" for op in loaded_spec(spec).operations}
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
    code, output = run_stock_cli(["--config-file", str(CONFIG), *stock_arguments(spec, emulator, tokens)])
    output = output.replace(tokens["grip"], "[token]").replace(tokens["gateway"], "[token]")
    assert "generated" in output, output[-4000:]  # cases were run
    assert code == 0, output[-4000:]
    assert reached_operations(emulator, spec) > before, "no request reached one of the spec's operations"


# -- schemathesis.toml: the two KPN-documented statuses a stock rule refuses, and nothing else ---------

# What the repository's config changes, per spec title and operation, from stock's defaults.
CONFIG_DEPARTURES: Final = {
    "KPN Things API (beta)": {
        "GET /api/devices": {"missing_required_header": "off"},
        "POST /api/v1/lifecycle/clients/{customerId}/context-switch": {"missing_required_header": "off"},
        "POST /api/actuator/downlinks": {"missing_required_header": "off"},
    },
    "KPN API Store gateway token endpoint": {
        "POST /oauth/client_credential/accesstoken": {},
        "POST /oauth/grip/msm/accesstoken": {"not_a_server_error": "2xx, 3xx, 4xx, 500"},
    },
}


def config_departures(spec: Path, config_file: Path) -> dict[str, dict[str, str]]:
    """Per operation of SPEC, each check whose setting under CONFIG_FILE differs from stock's default."""
    import schemathesis
    from schemathesis.config import ChecksConfig, SchemathesisConfig
    from schemathesis.core.result import Ok

    schema = schemathesis.openapi.from_path(spec, config=SchemathesisConfig.from_path(config_file))

    def settings(checks: ChecksConfig) -> dict[str, str]:
        names = [name for name in vars(type(checks))["__annotations__"] if not name.startswith("_")]
        described = {}
        for name in names:
            check = getattr(checks, name)
            statuses = getattr(check, "expected_statuses", None)
            described[name] = ", ".join(statuses) if check.enabled and statuses else str(check.enabled)
        return described

    stock = settings(ChecksConfig())
    departures = {}
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result
        operation = result.ok()
        ours = settings(schema.config.checks_config_for(operation=operation))
        changed = {
            name: ("off" if value == "False" else value)
            for name, value in ours.items()
            if value != stock[name]
        }
        departures[operation.label] = changed
    return departures


def test_the_config_names_two_bundled_specs_and_changes_only_what_it_says() -> None:
    from schemathesis.config import SchemathesisConfig

    named = set(SchemathesisConfig.from_path(CONFIG).projects.named)
    titles = {path: loaded_spec(path).title for path in bundled_specs()}
    assert named == set(CONFIG_DEPARTURES)
    for title in named:  # a [[project]] applies by info.title: each names exactly one bundled spec
        (spec,) = [path for path, spec_title in titles.items() if spec_title == title]
        assert config_departures(spec, CONFIG) == CONFIG_DEPARTURES[title]
    # Any other spec runs with stock's settings: the new KPN Things API keeps missing_required_header.
    devices = config_departures(bundled_spec_dir() / "kpn-things" / "devices.yaml", CONFIG)
    assert devices
    assert all(changed == {} for changed in devices.values())


@pytest.mark.parametrize("cwd", [".", "specs/kpn-things"])
def test_stock_schemathesis_discovers_the_config_from_the_repository(
    cwd: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from schemathesis.config import SchemathesisConfig

    monkeypatch.chdir(
        CONFIG.parent / cwd
    )  # what `schemathesis run` (no --config-file) reads, as its CLI does
    assert SchemathesisConfig.discover().config_path == str(CONFIG)


@pytest.mark.parametrize(
    ("name", "failure"),
    [("kpn-things/kpn-things-beta.yaml", "ST203"), ("kpn-api-store-gateway-token.yaml", "ST101")],
)
def test_without_the_config_stock_schemathesis_fails(
    emulator: EmulatorServer,
    tokens: dict[str, str],
    name: str,
    failure: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)  # no schemathesis.toml above tmp_path: stock's defaults
    code, output = run_stock_cli(stock_arguments(bundled_spec_dir() / name, emulator, tokens))
    assert "Configuration:" not in output
    assert code == 1
    assert f"{failure} " in output

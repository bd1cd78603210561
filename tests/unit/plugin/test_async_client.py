"""``kpn_async_client``, as users meet it: async test files run by pytester under anyio and pytest-asyncio."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

# pytester's in-process runs drop the modules first imported inside them; PyYAML's C extension cannot
# be imported twice (see test_plugin.py).
import yaml
from anyio import get_available_backends

# Both plugins loaded side by side (as in this repository), each in strict mode: neither takes the
# other's tests. The loop scope is set so that pytest-asyncio does not warn under -W error.
INI = """
[pytest]
asyncio_mode = strict
asyncio_default_fixture_loop_scope = function
filterwarnings = error
"""

DEVICES = '"/api/devices", headers={"Accept": "application/vnd.kpnthings.device.v1.response+json"}'

ANYIO_TEST = f"""
import re

import pytest

pytestmark = pytest.mark.anyio

@pytest.fixture
def anyio_backend():
    return "asyncio"

@pytest.mark.kpn(profile="things")
async def test_devices(kpn_async_client):
    client = kpn_async_client()
    page = await client.get({DEVICES})
    assert page.status_code == 200
    assert page.json()
"""

ASYNCIO_TEST = ANYIO_TEST.replace("pytest.mark.anyio", "pytest.mark.asyncio").replace(
    '@pytest.fixture\ndef anyio_backend():\n    return "asyncio"\n', ""
)

SYNC_TEST = f"""
import re

import pytest

@pytest.mark.kpn(profile="things")
def test_devices(kpn_client):
    page = kpn_client().get({DEVICES})
    assert page.status_code == 200
"""


def record_then_replay(pytester: pytest.Pytester, source: str, cassettes: Path, *, tests: int = 1) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(test_devices=source)
    recorded = pytester.runpytest(
        "--kpn-target", "emulator", "--kpn-record-mode", "once", "--kpn-cassettes", str(cassettes)
    )
    recorded.assert_outcomes(passed=tests)
    # Offline: the network is blocked and every answer comes from what was just written.
    pytester.runpytest("--kpn-cassettes", str(cassettes)).assert_outcomes(passed=tests)


def interactions(cassette: Path) -> list[tuple[str, str, int, str]]:
    data = yaml.safe_load(cassette.read_text(encoding="utf-8"))
    return [
        (
            i["request"]["method"],
            i["request"]["uri"],
            i["response"]["status"]["code"],
            i["response"]["body"]["string"][:40],
        )
        for i in data["interactions"]
    ]


@pytest.mark.parametrize(
    "source",
    [ANYIO_TEST, ANYIO_TEST.replace('return "asyncio"', 'return "trio"'), ASYNCIO_TEST],
    ids=["anyio-asyncio", "anyio-trio", "pytest-asyncio"],
)
def test_an_async_test_records_then_replays(pytester: pytest.Pytester, source: str) -> None:
    cassettes = pytester.path / "cassettes"
    record_then_replay(pytester, source, cassettes)
    written = sorted(str(p.relative_to(cassettes)) for p in cassettes.rglob("*.yaml"))
    assert written[0] == "test_devices/test_devices.yaml"
    assert len(written) == 2
    assert written[1] == "tokens/grip-auth.grip-on-it.com.yaml"
    assert [i[:3] for i in interactions(cassettes / "test_devices" / "test_devices.yaml")] == [
        ("GET", "https://api.kpnthings.com/api/devices", 200)
    ]


def test_pytest_asyncio_auto_mode_needs_no_marker(pytester: pytest.Pytester) -> None:
    source = ASYNCIO_TEST.replace("pytestmark = pytest.mark.asyncio\n", "")
    assert "mark.asyncio" not in source
    pytester.makeini(INI.replace("asyncio_mode = strict", "asyncio_mode = auto"))
    pytester.makepyfile(test_devices=source)
    pytester.runpytest("--kpn-target", "emulator").assert_outcomes(passed=1)


def test_an_async_cassette_has_the_sync_format_and_stock_vcrpy_replays_it(pytester: pytest.Pytester) -> None:
    async_dir, sync_dir = pytester.path / "async", pytester.path / "sync"
    record_then_replay(pytester, ANYIO_TEST, async_dir)
    record_then_replay(pytester, SYNC_TEST, sync_dir)
    name = Path("test_devices") / "test_devices.yaml"
    ours = yaml.safe_load((async_dir / name).read_text(encoding="utf-8"))
    theirs = yaml.safe_load((sync_dir / name).read_text(encoding="utf-8"))
    assert ours.keys() == theirs.keys() == {"interactions", "version", "kpn_contract"}
    assert ours["kpn_contract"].keys() == theirs["kpn_contract"].keys()
    for mine, other in zip(ours["interactions"], theirs["interactions"], strict=True):
        assert mine["request"].keys() == other["request"].keys()
        assert sorted(mine["request"]["headers"]) == sorted(other["request"]["headers"])
        assert mine["response"].keys() == other["response"].keys()
    assert interactions(async_dir / name) == interactions(sync_dir / name)
    # Stock vcrpy, with its own httpx patch, plays the async recording back to an async client.
    pytester.makepyfile(
        test_vcrpy=f"""
        import anyio, httpx, vcr

        def test_stock_vcrpy_replays_it():
            async def main():
                async with httpx.AsyncClient() as client:
                    return await client.get("https://api.kpnthings.com/api/devices")

            with vcr.use_cassette({str(async_dir / name)!r}, record_mode="none"):
                response = anyio.run(main)
            assert response.status_code == 200
            assert response.json()
        """
    )
    pytester.runpytest("test_vcrpy.py").assert_outcomes(passed=1)


SINGLE_FLIGHT_TEST = """
import anyio, httpx, pytest

pytestmark = pytest.mark.anyio
TASKS = 25

@pytest.fixture
def anyio_backend():
    return "{backend}"

@pytest.mark.kpn(profile="things")
async def test_concurrent_first_requests_share_one_token(kpn_async_client, kpn_emulator):
    async with httpx.AsyncClient(base_url=kpn_emulator.base_url) as raw:
        await raw.post("/_emulator/reset")
        one = kpn_async_client()
        others = [kpn_async_client() for _ in range(4)]
        statuses = []

        async def get(client):
            page = await client.get(
                "/api/devices", headers={"Accept": "application/vnd.kpnthings.device.v1.response+json"}
            )
            statuses.append(page.status_code)

        async with anyio.create_task_group() as tasks:
            for index in range(TASKS):
                tasks.start_soon(get, one if index % 2 else others[index % 4])
        counts = (await raw.get("/_emulator/stats")).json()["requests"]
    token_fetches = sum(n for endpoint, n in counts.items() if "token" in endpoint)
    print(f"single-flight: {TASKS} concurrent requests -> {token_fetches} token fetch(es)")
    assert statuses == [200] * TASKS
    assert counts["GET /api/devices"] == TASKS
    assert token_fetches == 1
"""


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_concurrent_first_requests_fetch_one_token(pytester: pytest.Pytester, backend: str) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(test_flight=SINGLE_FLIGHT_TEST.replace("{backend}", backend))
    result = pytester.runpytest("--kpn-target", "emulator", "-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*single-flight: 25 concurrent requests -> 1 token fetch(es)*"])


REPLAY_TESTS = """
import httpx, pytest
from kpn_contract.errors import NetworkBlockedError

pytestmark = pytest.mark.{marker}
{backend}

@pytest.mark.kpn(profile="things")
async def test_unrecorded_request_fails_naming_it(kpn_async_client):
    await kpn_async_client().get("/api/devices")

async def test_other_async_clients_are_blocked_too(kpn_cassette):
    async with httpx.AsyncClient() as client:
        for url in ("https://example.invalid/x", "http://127.0.0.1:9/y"):
            with pytest.raises(NetworkBlockedError, match="network request GET " + url):
                await client.get(url)

async def test_name_lookups_are_blocked(kpn_cassette):
    import anyio
    with pytest.raises(NetworkBlockedError, match="name lookup of example.invalid:443 refused"):
        await anyio.getaddrinfo("example.invalid", 443)
"""
ANYIO_BACKEND = '@pytest.fixture\ndef anyio_backend():\n    return "asyncio"\n'


@pytest.mark.parametrize(
    ("marker", "backend"), [("anyio", ANYIO_BACKEND), ("asyncio", "")], ids=["anyio", "pytest-asyncio"]
)
def test_replay_blocks_async_requests_with_a_readable_error(
    pytester: pytest.Pytester, marker: str, backend: str
) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(test_replay=REPLAY_TESTS.format(marker=marker, backend=backend))
    result = pytester.runpytest("--kpn-cassettes", str(pytester.path / "empty"), "--tb=short")
    result.assert_outcomes(passed=2, failed=1)
    output = result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "no recording for POST https://auth.grip-on-it.com/v2/*",
            "  cassette:  empty/tokens/grip-auth.grip-on-it.com.yaml (does not exist)",
        ]
    )
    assert "ExceptionGroup" not in output


def test_an_async_client_outside_an_async_test_is_a_clear_error(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(
        """
        def test_sync(kpn_async_client):
            kpn_async_client()
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            (
                "*kpn_async_client needs an async test run by anyio (@pytest.mark.anyio) "
                "or pytest-asyncio (@pytest.mark.asyncio)"
            )
        ]
    )
    assert "Traceback" not in result.stdout.str()


CLOSING_TEST = """
import gc, pytest

{backend}
made = []

@pytest.mark.{marker}
@pytest.mark.kpn(profile="things")
async def test_uses_a_client_and_leaves_it_open(kpn_async_client):
    client = kpn_async_client()
    made.append(client)
    await client.get({devices})
    assert not client.is_closed

def test_it_was_closed():
    gc.collect()  # an unclosed connection would warn here, and -W error fails the run
    assert [client.is_closed for client in made] == [True]
"""


@pytest.mark.parametrize(
    ("marker", "backend"), [("anyio", ANYIO_BACKEND), ("asyncio", "")], ids=["anyio", "pytest-asyncio"]
)
def test_async_clients_are_closed_at_teardown_without_warnings(
    pytester: pytest.Pytester, marker: str, backend: str
) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(CLOSING_TEST.format(marker=marker, backend=backend, devices=DEVICES))
    result = pytester.runpytest("--kpn-target", "emulator", "-W", "error")
    result.assert_outcomes(passed=2)


def test_an_async_contract_violation_reads_as_a_test_failure(pytester: pytest.Pytester) -> None:
    pytester.makeini(INI)
    pytester.makepyfile(
        f"""
        import pytest

        pytestmark = pytest.mark.anyio
        {ANYIO_BACKEND}

        @pytest.mark.kpn(profile="things", validate="response")  # the request lacks auth on purpose
        async def test_not_authenticated(kpn_async_client):
            await kpn_async_client(authenticated=False).get({DEVICES})

        @pytest.mark.kpn(profile="things", validate=False)
        async def test_validation_switched_off_by_the_marker(kpn_async_client):
            response = await kpn_async_client(authenticated=False).get({DEVICES})
            assert response.status_code == 302
        """.replace("\n        ", "\n")
    )
    result = pytester.runpytest("--kpn-target", "emulator")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*ContractViolation*", "*302*"])
    assert "ExceptionGroup" not in result.stdout.str()


def test_the_live_target_path_with_a_custom_profile_on_loopback(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "live" means: the profile's own URLs, real credentials from the environment, no demo fallback.
    # Here the profile's URLs are a loopback emulator, so the live transport stack is exercised for real.
    from kpn_contract.config import _demo
    from kpn_contract.emulator import EmulatorServer, EmulatorSettings

    server = EmulatorServer(EmulatorSettings()).start()
    try:
        url = server.base_url
        pytester.makefile(
            ".toml",
            pyproject=f"""
            [tool.kpn_contract.profiles.things-loopback]
            kind = "grip"
            tenant_id_env = "LOOP_TENANT"
            client_id_env = "LOOP_KEY_ID"
            client_secret_env = "LOOP_KEY_SECRET"
            token_url = "{url}/v2/{{tenant_id}}/oidc/idp/c1/token"
            base_url = "{url}"
            """.replace("\n            ", "\n"),
        )
        pytester.makeini(INI)
        monkeypatch.setenv("LOOP_TENANT", _demo.GRIP_TENANT_ID)
        monkeypatch.setenv("LOOP_KEY_ID", _demo.GRIP_CLIENT_ID)
        monkeypatch.setenv("LOOP_KEY_SECRET", _demo.GRIP_CLIENT_SECRET)
        source = ANYIO_TEST.replace('profile="things"', 'profile="things-loopback"')
        cassettes = pytester.path / "cassettes"
        pytester.makepyfile(test_devices=source)
        recorded = pytester.runpytest(
            "--kpn-target", "live", "--kpn-record-mode", "once", "--kpn-cassettes", str(cassettes)
        )
        recorded.assert_outcomes(passed=1)
        assert server.stats()["requests"]["GET /api/devices"] == 1
    finally:
        server.stop()
    written = (cassettes / "test_devices" / "test_devices.yaml").read_text(encoding="utf-8")
    assert "target: live" in written
    every_file = "".join(path.read_text(encoding="utf-8") for path in cassettes.rglob("*.yaml"))
    for secret in (_demo.GRIP_CLIENT_SECRET, _demo.GRIP_CLIENT_ID, _demo.GRIP_TENANT_ID):
        assert secret not in every_file  # the token request's form and URL were scrubbed too
    # The server is gone: replay answers from the cassettes alone.
    pytester.runpytest("--kpn-cassettes", str(cassettes)).assert_outcomes(passed=1)


def test_the_readme_async_test_records_then_replays(pytester: pytest.Pytester, repo_root: Path) -> None:
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    (snippet,) = [
        block
        for block in re.findall(r"```python\n(.*?)```", readme, re.DOTALL)
        if "kpn_async_client" in block
    ]
    # Without an anyio_backend fixture, anyio runs the test once per installed backend (asyncio, trio).
    record_then_replay(pytester, snippet, pytester.path / "cassettes", tests=len(get_available_backends()))

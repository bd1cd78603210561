"""Settings, the server's life cycle, port 0, and the foreground runner behind `kpn-contract emulate`."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest

from kpn_contract.config import _demo
from kpn_contract.emulator import EmulatorServer, EmulatorSettings, GripKey, create_app, run_emulator_cli
from kpn_contract.errors import UsageError
from kpn_contract.redact import known_secrets

from .conftest import GRIP_TOKEN_PATH, grip_body, loopback_client


def test_default_settings_are_the_demo_credentials() -> None:
    settings = EmulatorSettings()
    assert settings.api_store_clients == {
        _demo.SANDBOX_CLIENT_ID: _demo.SANDBOX_CLIENT_SECRET,
        _demo.PROJECT_CLIENT_ID: _demo.PROJECT_CLIENT_SECRET,
    }
    assert settings.grip_keys[_demo.GRIP_CLIENT_ID].things_service is True
    assert settings.grip_keys[_demo.GRIP_NO_SERVICE_CLIENT_ID].things_service is False
    assert settings.tenants == {_demo.GRIP_TENANT_ID}
    assert _demo.THINGS_SUBCUSTOMER_ID in settings.subcustomers
    assert (settings.gateway_token_lifetime, settings.grip_token_lifetime) == (3599, 3600)


def test_from_environment_takes_set_variables_and_demo_values_for_the_rest(
    clean_secret_registry: None,
) -> None:
    env = {
        "KPN_SANDBOX_CLIENT_ID": "real-sandbox-id",
        "KPN_SANDBOX_CLIENT_SECRET": "real-sandbox-secret-123",
        "KPN_GRIP_TENANT_ID": "real-tenant",
        "KPN_GRIP_CLIENT_SECRET": "real-grip-secret-456",
        "KPN_THINGS_SUBCUSTOMER_ID": "real-customer",
    }
    settings = EmulatorSettings.from_environment(env, variant="next", grip_token_lifetime=5)
    assert settings.api_store_clients == {
        "real-sandbox-id": "real-sandbox-secret-123",
        _demo.PROJECT_CLIENT_ID: _demo.PROJECT_CLIENT_SECRET,
    }
    key = settings.grip_keys[_demo.GRIP_CLIENT_ID]
    assert (key.secret, key.tenant_id) == ("real-grip-secret-456", "real-tenant")
    assert settings.grip_keys[_demo.GRIP_NO_SERVICE_CLIENT_ID].tenant_id == "real-tenant"
    assert "real-customer" in settings.subcustomers
    assert (settings.variant, settings.grip_token_lifetime) == ("next", 5)
    assert {"real-sandbox-secret-123", "real-grip-secret-456"} <= known_secrets()


def test_settings_repr_shows_no_secret() -> None:
    settings = EmulatorSettings(
        api_store_clients={"id-1": "planted-secret-aaa"}, grip_keys={"k": GripKey("planted-secret-bbb", "t")}
    )
    text = repr(settings) + repr(settings.grip_keys["k"])
    assert "planted-secret" not in text


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"gateway_token_lifetime": 0}, "gateway_token_lifetime"),
        ({"grip_token_lifetime": -1}, "grip_token_lifetime"),
        ({"device_count": -3}, "device_count"),
    ],
)
def test_bad_settings_are_usage_errors_naming_the_field(kwargs: dict[str, int], named: str) -> None:
    with pytest.raises(UsageError, match=named):
        EmulatorSettings(**kwargs)  # type: ignore[arg-type]


def test_port_zero_binds_a_free_port_and_base_url_reports_it() -> None:
    with EmulatorServer(port=0) as first, EmulatorServer(port=0) as second:
        assert first.port != 0
        assert first.port != second.port
        assert first.base_url == f"http://127.0.0.1:{first.port}"
        with loopback_client() as http:
            assert http.get(f"{first.base_url}/_emulator/stats").status_code == 200
            assert http.get(f"{second.base_url}/_emulator/stats").status_code == 200
    assert not first.running


def test_stop_releases_the_port_and_is_idempotent() -> None:
    server = EmulatorServer().start()
    port = server.port
    server.stop()
    server.stop()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))  # free again
    with pytest.raises(httpx.ConnectError), loopback_client() as http:
        http.get(f"http://127.0.0.1:{port}/_emulator/stats")


def test_starting_twice_is_a_usage_error() -> None:
    with EmulatorServer() as server, pytest.raises(UsageError, match="already running"):
        server.start()


def test_a_port_in_use_is_a_clear_usage_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(UsageError, match=f"could not listen on 127.0.0.1:{port}"):
            EmulatorServer(port=port).start()


def test_create_app_serves_through_an_asgi_transport() -> None:
    import asyncio

    async def call() -> int:
        transport = httpx.ASGITransport(app=create_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as http:
            return (await http.post(GRIP_TOKEN_PATH, json=grip_body())).status_code

    assert asyncio.run(call()) == 200


def _run_cli(**kwargs: object) -> tuple[str, threading.Event, threading.Thread, list[BaseException]]:
    out, stop, errors = io.StringIO(), threading.Event(), []

    def target() -> None:
        try:
            run_emulator_cli(out=out, stop=stop, **kwargs)  # type: ignore[arg-type]
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    deadline = time.monotonic() + 10
    while "press Ctrl-C" not in out.getvalue() and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    return out.getvalue(), stop, thread, errors


def test_run_emulator_cli_prints_the_url_and_demo_credentials_and_applies_faults() -> None:
    env = {"KPN_GRIP_CLIENT_SECRET": "planted-real-secret-999"}
    text, stop, thread, errors = _run_cli(
        host="127.0.0.1", port=0, variant="next", faults=["GET /api/devices=503"], token_lifetime=7, env=env
    )
    try:
        url = next(line.split()[-1] for line in text.splitlines() if "listening on" in line)
        assert "(next variant)" in text
        assert f"KPN_SANDBOX_CLIENT_SECRET={_demo.SANDBOX_CLIENT_SECRET}" in text
        assert "KPN_GRIP_CLIENT_SECRET=(from your environment)" in text
        assert "planted-real-secret-999" not in text
        assert "fault: GET /api/devices -> status" in text
        with loopback_client(base_url=url) as http:
            assert http.get("/api/devices").status_code == 503
            body = grip_body(secret="planted-real-secret-999")
            assert http.post(GRIP_TOKEN_PATH, json=body).json()["expires_in"] == 7
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert errors == []


def test_run_emulator_cli_rejects_a_bad_fault_before_starting() -> None:
    with pytest.raises(UsageError, match="unknown fault 'boom'"):
        run_emulator_cli(port=0, faults=["GET /api/devices=boom"], out=io.StringIO())


def test_a_malformed_request_prints_nothing_into_the_callers_output() -> None:
    # uvicorn warns "Invalid HTTP request received." on a malformed request (fuzz sends them); with no
    # logging configured, Python's last-resort handler would print it on stderr. A fresh process has no
    # handlers (pytest's own would hide the difference here).
    script = (
        "import socket\n"
        "from kpn_contract.emulator import EmulatorServer\n"
        "with EmulatorServer() as server:\n"
        "    host, port = server.base_url.rsplit('/', 1)[-1].split(':')\n"
        "    with socket.create_connection((host, int(port))) as sock:\n"
        "        sock.sendall(b'GET / HTTP/1.1\\r\\nHost: x\\r\\nBad Header\\r\\n\\r\\n')\n"
        "        print(sock.recv(200).split(b'\\r\\n')[0].decode())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("HTTP/1.1 400"), done.stdout  # the request did reach uvicorn's parser
    assert done.stderr == ""

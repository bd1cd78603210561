"""The emulator serves a project's own product definitions beside the bundled ones, the project's winning."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kpn_contract.contract.specs import bundled_spec_dir
from kpn_contract.emulator import EmulatorServer, EmulatorSettings
from kpn_contract.emulator._products import ProductCatalog
from tests.cli_runner import run_cli
from tests.unit.emulator.conftest import gateway_token, loopback_client

PARLEY = "/communication/parley/secure-messenger"  # bundled Parley's base path

# A product of the project's own: not bundled, with a path parameter its template lacks.
OWN_PRODUCT = {
    "openapi": "3.0.1",
    "info": {"title": "Own product", "version": "1"},
    "servers": [{"url": "https://api-prd.kpn.com/own/product"}],
    "paths": {
        "/things": {
            "get": {
                "parameters": [
                    {"name": "ghost", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"type": "array"}}},
                    }
                },
            }
        }
    },
}


def _own_parley(folder: Path) -> Path:
    """The bundled Parley with one operation renamed: the project's definition of the same product."""
    document = yaml.safe_load(
        (bundled_spec_dir() / "parley-secure-messenger.yaml").read_text(encoding="utf-8")
    )
    document["paths"]["/configuration"] = document["paths"].pop("/config")
    path = folder / "parley-secure-messenger.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def test_a_project_definition_of_a_bundled_product_replaces_it(tmp_path: Path) -> None:
    _own_parley(tmp_path)
    catalog = ProductCatalog(None, extra_specs=[tmp_path])
    assert catalog.match("GET", f"{PARLEY}/configuration") is not None
    assert catalog.match("GET", f"{PARLEY}/config") is None  # the bundled Parley is not served
    assert catalog.match("GET", f"{PARLEY}/messages") is not None
    assert "kpn-things" not in catalog.names  # KPN Things is not a gateway product…
    assert catalog.index is not None
    assert any("kpn-things" in s.path for s in catalog.index.specs)  # …but stays served


def test_a_project_product_is_served_as_its_definition_allows(tmp_path: Path) -> None:
    (tmp_path / "own.yaml").write_text(yaml.safe_dump(OWN_PRODUCT), encoding="utf-8")
    with (
        EmulatorServer(EmulatorSettings(extra_specs=(tmp_path,))) as server,
        loopback_client(server.base_url) as http,
    ):
        token = gateway_token(http)
        # The path parameter can never be sent (path-parameter-not-in-template): the request is valid.
        response = http.get("/own/product/things", headers={"authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        assert isinstance(response.json(), list)


def test_emulate_refuses_a_missing_specs_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["emulate", "--port", "0", "--specs", str(tmp_path / "absent")], capsys)
    assert code == 2, err
    assert "does not exist" in err
    assert err.strip().count("\n") == 0


def test_kpn_contract_emulate_serves_the_config_spec_dir(tmp_path: Path) -> None:
    # Issue 20: a project with spec_dir = "myspecs" holding a product definition; `kpn-contract emulate`,
    # started as a user starts it (a process, in the project folder), serves it, its Parley winning.
    import re
    import signal
    import subprocess
    import sys

    folder = tmp_path / "myspecs"
    folder.mkdir()
    _own_parley(folder)
    (folder / "own-product.yaml").write_text(yaml.safe_dump(OWN_PRODUCT), encoding="utf-8")
    (tmp_path / "kpn-contract.toml").write_text('spec_dir = "myspecs"\n', encoding="utf-8")
    name = "kpn-contract.exe" if sys.platform == "win32" else "kpn-contract"
    command = Path(sys.executable).with_name(name)
    with subprocess.Popen(
        [str(command), "emulate", "--port", "0"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        try:
            match = re.search(r"http://127\.0\.0\.1:\d+", process.stdout.readline())
            assert match, process.stderr.read() if process.poll() is not None else "no URL printed"
            with loopback_client(match.group(0)) as client:
                headers = {"Authorization": f"Bearer {gateway_token(client)}", "uniqueAppDeviceId": "d-1"}
                assert client.get("/own/product/things", headers=headers).status_code == 200
                assert client.get(f"{PARLEY}/configuration", headers=headers).status_code == 200
                bundled = client.get(f"{PARLEY}/config", headers=headers)  # the bundled Parley is replaced
                assert bundled.status_code == 404
                assert "ApplicationNotFound" in bundled.text
        finally:
            if sys.platform == "win32":  # Popen.send_signal takes no SIGINT there
                process.terminate()
            else:
                process.send_signal(signal.SIGINT)
            process.communicate(timeout=10)

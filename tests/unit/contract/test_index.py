"""SpecIndex: the one operation lookup (servers, templates, hosts, emulator URLs)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from kpn_contract.contract.specs import SpecIndex, load_spec, project_index

WriteSpec = Callable[..., Path]


def spec_doc(servers: list[str], paths: list[str], title: str = "T") -> dict[str, Any]:
    return {
        "openapi": "3.0.0",
        "info": {"title": title, "version": "1"},
        "servers": [{"url": u} for u in servers],
        "paths": {
            p: {"get": {"operationId": f"{title}:{p}", "responses": {"200": {"description": "ok"}}}}
            for p in paths
        },
    }


def test_literal_segment_beats_template(write_spec: WriteSpec) -> None:
    index = SpecIndex([load_spec(write_spec(spec_doc(["https://h.example/base"], ["/a/{id}", "/a/latest"])))])
    found = index.match("GET", "https://h.example/base/a/latest")
    assert found is not None
    assert found[0].path == "/a/latest"
    assert found[1] == {}
    templated = index.match("get", "https://h.example/base/a/42?x=1")
    assert templated is not None
    assert (templated[0].path, templated[1]) == ("/a/{id}", {"id": "42"})


def test_path_parameters_are_decoded_and_mixed_segments_match(write_spec: WriteSpec) -> None:
    index = SpecIndex([load_spec(write_spec(spec_doc(["/v1"], ["/files/{name}.{ext}", "/u/{user}"])))])
    found = index.match("GET", "/v1/files/report.pdf")
    assert found is not None
    assert found[1] == {"name": "report", "ext": "pdf"}
    user = index.match("GET", "/v1/u/a%20b")
    assert user is not None
    assert user[1] == {"user": "a b"}


def test_server_base_path_is_required(write_spec: WriteSpec) -> None:
    index = SpecIndex(
        [load_spec(write_spec(spec_doc(["https://api-prd.kpn.com/communication/x"], ["/send"])))]
    )
    assert index.find("GET", "https://api-prd.kpn.com/communication/x/send") is not None
    assert index.find("GET", "https://api-prd.kpn.com/send") is None
    assert index.find("POST", "https://api-prd.kpn.com/communication/x/send") is None


def test_emulator_and_bare_paths_match_by_path(write_spec: WriteSpec) -> None:
    index = SpecIndex([load_spec(write_spec(spec_doc(["https://api.kpnthings.com"], ["/api/devices"])))])
    for url in ("http://127.0.0.1:54321/api/devices", "/api/devices", "/api/devices/"):
        op = index.find("GET", url)
        assert op is not None, url
        assert op.path == "/api/devices"
    assert index.find("GET", "/api/unknown") is None
    assert index.find("DELETE", "/api/devices") is None


def test_known_host_wins_over_path_only_match(write_spec: WriteSpec) -> None:
    one = load_spec(write_spec(spec_doc(["https://one.example/p"], ["/x"], "one"), "one.yaml"))
    two = load_spec(write_spec(spec_doc(["https://two.example/p"], ["/x"], "two"), "two.yaml"))
    index = SpecIndex([one, two])
    assert index.find("GET", "https://two.example/p/x").operation_id == "two:/x"  # type: ignore[union-attr]
    assert index.find("GET", "https://one.example/p/x").operation_id == "one:/x"  # type: ignore[union-attr]
    # Unknown host: path alone decides, first loaded wins.
    assert index.find("GET", "http://127.0.0.1:1/p/x").operation_id == "one:/x"  # type: ignore[union-attr]


def test_every_server_base_is_indexed(write_spec: WriteSpec) -> None:
    doc = spec_doc(
        ["https://virtserver.swaggerhub.com/kpn/NV/1.2.1", "https://api-prd.kpn.com/nv"], ["/session/{id}"]
    )
    index = SpecIndex([load_spec(write_spec(doc))])
    assert index.find("GET", "https://api-prd.kpn.com/nv/session/9") is not None
    assert index.find("GET", "https://virtserver.swaggerhub.com/kpn/NV/1.2.1/session/9") is not None


def test_operations_and_specs_properties(write_spec: WriteSpec) -> None:
    spec = load_spec(write_spec(spec_doc(["/"], ["/a", "/b"])))
    index = SpecIndex([spec])
    assert [op.path for op in index.operations] == ["/a", "/b"]
    assert index.specs == [spec]


def test_project_index_is_cached_and_finds_kpn_things(repo_root: Path) -> None:
    index = project_index(repo_root / "specs")
    assert project_index(repo_root / "specs") is index
    op = index.find("GET", "https://api.kpnthings.com/api/devices?currentPage=0")
    assert op is not None
    assert op.operation_id == "listDevices"
    switch = index.match("POST", "https://api.kpnthings.com/api/v1/lifecycle/clients/c-1/context-switch")
    assert switch is not None
    assert switch[1] == {"customerId": "c-1"}
    token = index.find("POST", "https://api-prd.kpn.com/oauth/client_credential/accesstoken?grant_type=x")
    assert token is not None
    assert token.operation_id == "getApiStoreToken"
    grip = index.match("POST", "https://auth.grip-on-it.com/v2/tenant-7/oidc/idp/c1/token")
    assert grip is not None
    assert grip[1] == {"tenantId": "tenant-7"}


def test_beta_and_new_kpn_things_share_a_host_and_are_both_found(bundled_index: SpecIndex) -> None:
    host = "https://api.kpnthings.com"
    beta = bundled_index.find("GET", f"{host}/api/devices")
    new = bundled_index.find("GET", f"{host}/devices?limit=2")
    assert beta is not None
    assert new is not None
    assert (beta.operation_id, Path(beta.spec_path).name, beta.deprecated) == (
        "listDevices",
        "kpn-things-beta.yaml",
        True,
    )
    assert (new.operation_id, Path(new.spec_path).name, new.deprecated) == (
        "searchDevices",
        "devices.yaml",
        False,
    )
    device = "7b3c6a52-0000-4000-8000-000000000001"
    found = bundled_index.match("DELETE", f"http://127.0.0.1:8765/devices/{device}/device-groups/g-1")
    assert found is not None
    assert (found[0].operation_id, found[1]) == (
        "removeDeviceGroupFromDevice",
        {"deviceId": device, "deviceGroupId": "g-1"},
    )
    lora = bundled_index.find("POST", f"{host}/lora/downlinks")
    assert lora is not None
    assert lora.operation_id == "sendLoraDownlink"


def test_an_empty_path_parameter_matches_its_segment(write_spec: WriteSpec) -> None:
    # webhook-signing-keys, stateful phase: key_id "" (valid: `type: string`) gives "/keys//activate"
    # and "/keys/"; read with "//" as "/" and the last slash dropped, they named another operation
    # (DELETE /keys/{key_id} with key_id "activate") or none: the emulator answered 405.
    key = [{"name": "key_id", "in": "path", "required": True, "schema": {"type": "string"}}]
    ok = {"200": {"description": "ok"}}
    doc = spec_doc(["https://h.example/base"], ["/a/b", "/list/"])
    doc["paths"]["/keys/{key_id}/activate"] = {"post": {"parameters": key, "responses": ok}}
    doc["paths"]["/keys/{key_id}"] = {"delete": {"parameters": key, "responses": ok}}
    doc["paths"]["/keys"] = {"get": {"responses": ok}}
    index = SpecIndex([load_spec(write_spec(doc))])
    inner = index.match("POST", "https://h.example/base/keys//activate")
    assert inner is not None
    assert (inner[0].path, inner[1]) == ("/keys/{key_id}/activate", {"key_id": ""})
    last = index.match("DELETE", "https://h.example/base/keys/")
    assert last is not None
    assert (last[0].path, last[1]) == ("/keys/{key_id}", {"key_id": ""})
    listed = index.match("GET", "https://h.example/base/keys/")  # the collection, slash or not
    assert listed is not None
    assert listed[0].path == "/keys"
    # where "//" read as "/" names an operation, that one still wins; a literal is never empty
    collapsed = index.match("GET", "https://h.example/base/a//b")
    assert collapsed is not None
    assert collapsed[0].path == "/a/b"
    declared = index.match("GET", "https://h.example/base/list/")
    assert declared is not None
    assert declared[0].path == "/list/"
    assert index.match("POST", "https://h.example/base/keys///activate") is None
    assert index.match("DELETE", "https://h.example/base/keys//") is None

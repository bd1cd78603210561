"""The generated contracts of KPN Things' new API (specs/kpn-things/) and their generator."""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from kpn_contract.contract.index import SpecIndex
from kpn_contract.contract.specs import load_spec, load_specs
from kpn_contract.contract.validate import Validator

REPO = Path(__file__).resolve().parents[3]
GENERATOR = REPO / "specs" / "_tools" / "build_things_specs.py"
THINGS = REPO / "specs" / "kpn-things"

# KPN's titles and versions (THINGS-DECISIONS.md, from KPN-THINGS-NEW-API.md §2).
PUBLISHED = {
    "devices.yaml": ("Device API", "0.15.0"),
    "device-groups.yaml": ("Device Group API", "0.9.0"),
    "projects.yaml": ("Projects API", "0.8.0"),
    "downlinks.yaml": ("Downlinks API", "0.8.0"),
    "lora-downlinks.yaml": ("LoRa Downlinks API", "0.8.0"),
    "mqtt-downlinks.yaml": ("MQTT Downlinks API", "0.10.0"),
    "lora-bindings.yaml": ("LoRa Bindings API", "1.0.0"),
    "http-bindings.yaml": ("HTTP Bindings API", "0.6.0"),
    "mqtt-bindings.yaml": ("MQTT Bindings API", "0.2.0"),
}


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_things_specs", GENERATOR)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def rendered(generator: ModuleType) -> dict[str, str]:
    result: dict[str, str] = generator.render_all()
    return result


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def test_committed_files_are_the_generated_ones(rendered: dict[str, str]) -> None:
    assert sorted(rendered) == sorted(PUBLISHED)
    for name, text in rendered.items():
        assert (THINGS / name).read_text(encoding="utf-8") == text, f"{name} is stale: rerun {GENERATOR.name}"


def test_generation_is_deterministic(generator: ModuleType, rendered: dict[str, str]) -> None:
    assert generator.render_all() == rendered


def test_check_mode_names_a_stale_file(
    generator: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(generator, "OUT_DIR", tmp_path)
    assert generator.main([]) == 0
    assert generator.main(["--check"]) == 0
    (tmp_path / "projects.yaml").write_text("openapi: 3.1.0\n", encoding="utf-8")
    assert generator.main(["--check"]) == 1
    assert capsys.readouterr().err.strip() == (
        "out of date: projects.yaml; run python specs/_tools/build_things_specs.py"
    )


def test_titles_versions_server_and_dialect(rendered: dict[str, str]) -> None:
    for name, text in rendered.items():
        doc = yaml.safe_load(text)
        assert doc["openapi"] == "3.1.0"
        assert (doc["info"]["title"], doc["info"]["version"]) == PUBLISHED[name]
        assert doc["servers"][0]["url"] == "https://api.kpnthings.com"
        assert doc["components"]["securitySchemes"]["BearerAuth"] == {
            **doc["components"]["securitySchemes"]["BearerAuth"],
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
        }


def test_every_open_choice_mark_quotes_the_one_table(generator: ModuleType, rendered: dict[str, str]) -> None:
    texts = {key: choice.text for key, choice in generator.OPEN_CHOICES.items()}
    used: set[str] = set()
    marks = 0
    for text in rendered.values():
        for string in _strings(yaml.safe_load(text)):
            for match in re.finditer(r" \[\?\]", string):
                marks += 1
                before = string[: match.start()]
                owners = [key for key, choice in texts.items() if before.endswith(choice)]
                assert owners, f"a [?] not taken from OPEN_CHOICES: ...{before[-80:]!r}"
                used.update(owners)
    assert marks > 50
    assert used == set(texts), f"open choices never used: {sorted(set(texts) - used)}"


def test_every_operation_requires_one_bearer_scope_and_declares_its_failures(
    rendered: dict[str, str],
) -> None:
    for name, text in rendered.items():
        doc = yaml.safe_load(text)
        for path, item in doc["paths"].items():
            by_id = "{" in path
            for method, op in item.items():
                if method == "parameters":
                    continue
                where = f"{name} {method.upper()} {path}"
                [requirement] = op["security"]
                [(scheme, [scope])] = requirement.items()
                assert scheme == "BearerAuth", where
                assert re.fullmatch(r"[a-z-]+\.(read|write)", scope), where
                codes = set(op["responses"])
                assert {"400", "401", "403"} <= codes, where
                names = {q["name"] for q in op.get("parameters", [])}
                body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
                references = body.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1] in {
                    "DeviceCreate",
                    "DownlinkCreate",
                    "LoraDownlinkCreate",
                    "MqttDownlinkCreate",
                }
                # 404: an identifier in the path, a cursor of another query, a body naming another resource
                assert ("404" in codes) == (by_id or "cursor" in names or references), where
                assert codes & {"200", "201", "204"}, where
                for code in ("401", "403"):
                    assert op["responses"][code]["headers"]["WWW-Authenticate"]["required"] is True, where
                    assert "application/problem+json" in op["responses"][code]["content"], where


def test_json_schema_2020_12_keywords_are_used(rendered: dict[str, str]) -> None:
    everything = "\n".join(rendered.values())
    for keyword in (
        "prefixItems:",
        "$defs:",
        "const:",
        "- 'null'",
        "#/components/schemas/PageLinks/$defs/Link",
    ):
        assert keyword in everything, keyword


def test_every_file_loads_without_warnings_and_with_its_scopes(rendered: dict[str, str]) -> None:
    for name, text in rendered.items():
        spec = load_spec(THINGS / name)
        assert spec.format == "openapi-3.1", name
        assert spec.warnings == [], name
        raw = yaml.safe_load(text)["paths"]
        for op in spec.operations:
            [declared] = raw[op.path][op.method.lower()]["security"]
            assert op.security_requirements == ({"BearerAuth": tuple(declared["BearerAuth"])},)
            assert op.scopes == tuple(declared["BearerAuth"])


def test_the_validator_applies_the_2020_12_keywords_of_the_new_api() -> None:
    validator = Validator(SpecIndex(load_specs([THINGS])))
    url = "https://api.kpnthings.com/devices?limit=1"
    device = {
        "id": "7b3c6a52-0000-4000-8000-000000000001",
        "clientId": "7b3c6a52-0000-4000-8000-000000000002",
        "name": "Meter 1",
        "description": None,
        "barcode": None,
        "deviceSpecificationId": "7b3c6a52-0000-4000-8000-000000000003",
    }
    page = {"items": [device], "links": {"next": "/devices?cursor=abc&limit=1"}}
    json_headers = {"content-type": "application/json"}
    problem_headers = {"content-type": "application/problem+json"}

    def rules(status: int, headers: dict[str, str], body: object) -> list[str]:
        raw = json.dumps(body).encode()
        return [v.rule_id for v in validator.validate("GET", url, status, headers, raw)]

    assert rules(200, json_headers, page) == []
    assert rules(200, json_headers, {"items": [device]}) == ["body.schema"]  # links is always present
    assert rules(200, json_headers, {**page, "links": {"next": ""}}) == ["body.schema"]  # $defs Link
    assert rules(200, json_headers, {**page, "items": [{**device, "barcode": 5}]}) == ["body.schema"]
    forbidden = {"type": "about:blank", "title": "Forbidden", "status": 403, "detail": "needs device.read"}
    challenge = {
        **problem_headers,
        "www-authenticate": 'Bearer error="insufficient_scope", scope="device.read"',
    }
    assert rules(403, challenge, forbidden) == []
    assert rules(403, problem_headers, forbidden) == ["header.missing"]
    assert rules(403, challenge, {**forbidden, "status": 401}) == ["body.schema"]  # const
    command = validator.index.find("POST", "https://api.kpnthings.com/downlinks")
    assert command is not None
    assert command.request_body is not None
    body_schema = command.request_body.content["application/json"].schema
    assert body_schema is not None
    assert body_schema["properties"]["command"]["prefixItems"][1] == {
        "type": ["number", "string", "boolean"],
        "description": "The command's value.",
    }

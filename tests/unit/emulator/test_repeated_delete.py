"""A DELETE of an already deleted resource, where the operation declares no 404, succeeds again.

Vonage Voice (derived, seed 11, 2 examples): the stateful phase deleted an application twice; the
second DELETE /applications/{uuid} (declared: 204, 400, 401) got the closest declared status to 404,
400, which calls a valid request invalid (positive_data_acceptance). DELETE is idempotent.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from kpn_contract.emulator import EmulatorServer, EmulatorSettings

from .conftest import gateway_token, loopback_client

UUID = {"name": "uuid", "in": "path", "required": True, "schema": {"type": "string"}}


def _answers(*codes: str) -> dict[str, dict[str, str]]:
    return {code: {"description": code} for code in codes}


def test_a_repeated_delete_without_a_declared_404_succeeds_again(tmp_path: Path) -> None:
    doc = {
        "openapi": "3.0.3",
        "info": {"title": "Apps", "version": "1"},
        "servers": [{"url": "https://api-prd.kpn.com/apps"}],
        "paths": {
            "/applications/{uuid}": {
                "delete": {"parameters": [UUID], "responses": _answers("204", "400", "401")},
                "get": {"parameters": [UUID], "responses": _answers("200", "401", "404")},
            },
            "/keys/{uuid}": {"delete": {"parameters": [UUID], "responses": _answers("204", "400", "404")}},
        },
    }
    (tmp_path / "apps.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    settings = EmulatorSettings(spec_dir=tmp_path, remember_deletions=True)
    with EmulatorServer(settings) as server, loopback_client(server.base_url) as http:
        token = {"authorization": f"Bearer {gateway_token(http)}"}
        assert http.delete("/apps/applications/a1", headers=token).status_code == 204
        assert http.delete("/apps/applications/a1", headers=token).status_code == 204  # not the closest, 400
        assert http.get("/apps/applications/a1", headers=token).status_code == 404  # still deleted
        # where a 404 is declared, the deleted resource answers it
        assert http.delete("/apps/keys/k1", headers=token).status_code == 204
        assert http.delete("/apps/keys/k1", headers=token).status_code == 404

"""The published Wholesale WBA definition, served as published: its refusals keep its declared 400.

Skipped where ``../shared/kpn-specs`` is absent. Fuzzing found a header value that is not UTF-8
(``X-Originator: ©…`` sent as Latin-1) answered with ``status: 400`` as an integer, where WBA's
``error`` schema says a string.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kpn_contract.contract.specs import SpecIndex, load_spec
from kpn_contract.contract.validate import Validator
from kpn_contract.emulator import EmulatorServer, EmulatorSettings

from .conftest import gateway_token, loopback_client

pytestmark = pytest.mark.corpus
FILE = "kpn-wholesale-wba-openapi.yml"


def test_a_header_that_is_not_utf8_is_refused_with_the_declared_400(
    kpn_specs_dir: Path, tmp_path: Path
) -> None:
    shutil.copyfile(kpn_specs_dir / FILE, tmp_path / FILE)
    contract = Validator(SpecIndex([load_spec(tmp_path / FILE)]))
    with (
        EmulatorServer(EmulatorSettings(extra_specs=(tmp_path,))) as server,
        loopback_client(server.base_url) as http,
    ):
        headers = [
            ("authorization", f"Bearer {gateway_token(http)}".encode()),
            ("x-originator", "\xa9'\xa1h".encode("latin-1")),
        ]
        response = http.get("/wba/adresses/carriers", headers=headers)  # type: ignore[arg-type]
    assert response.status_code == 400, response.text
    url = f"https://api-prd.kpn.com{response.url.path}"
    assert contract.validate("GET", url, 400, response.headers, response.content) == []
    assert response.json()["status"] == "400"
    assert response.json()["message"] == "request header x-originator is not UTF-8 text"

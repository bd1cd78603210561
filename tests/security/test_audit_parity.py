"""Audit parity: whatever the scrubber removes, ``kpn-contract audit`` finds, by file and form, silently.

Each form the detector knows is planted in a cassette, a notebook and a report; the audit run by
the real CLI names each file and the form, exits 1, and prints none of the forms.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

from kpn_contract.cassettes.audit import audit
from kpn_contract.cassettes.scrub import SECRET_FIELDS, Scrubber
from kpn_contract.cli.main import main
from kpn_contract.config.startup import register_startup_secrets
from kpn_contract.secrets import encoded_forms

pytestmark = pytest.mark.usefixtures("clean_secret_registry")

AWKWARD = "s3cr+t/=&%\"'\\ é€"
VARIABLE = "KPN_GRIP_CLIENT_SECRET"


@pytest.fixture
def value(monkeypatch: pytest.MonkeyPatch) -> str:
    planted = f"{AWKWARD}{secrets.token_hex(4)}"
    for name in [n for n in os.environ if n.startswith("KPN_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv(VARIABLE, planted)
    return planted


def _plant(folder: Path, index: int, spelling: str) -> dict[str, Path]:
    cassette = folder / f"c{index}.yaml"
    cassette.write_text(f"interactions:\n- response:\n    body: |\n      x {spelling} y\n", encoding="utf-8")
    notebook = folder / f"n{index}.ipynb"
    notebook.write_text(
        json.dumps({"cells": [{"outputs": [{"text": [f"out {spelling}\n"]}]}]}, indent=1), encoding="utf-8"
    )
    report = folder / f"r{index}.md"
    report.write_text(f"# Report\n\nseen: {spelling}\n", encoding="utf-8")
    return {"cassette": cassette, "notebook": notebook, "report": report}


def test_audit_flags_each_form_in_each_kind_of_file_and_prints_none(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    forms = encoded_forms(value)
    planted = {name: _plant(tmp_path, i, spelling) for i, (spelling, name) in enumerate(forms.items())}

    code = main(["audit", str(tmp_path)])
    out, err = capsys.readouterr()

    assert code == 1
    lines = out.splitlines()
    for form, files in planted.items():
        for kind, path in files.items():
            hits = [line for line in lines if line.startswith(f"{path}:") and VARIABLE in line]
            assert hits, f"{form} in the {kind} was not flagged"
            if kind != "notebook":  # a notebook stores its text JSON-escaped: a form of the form
                assert any(line.endswith(f"[{form}]") for line in hits), (form, kind, hits)
    for spelling in forms:
        assert spelling not in out
        assert spelling not in err


def test_everything_the_scrubber_removes_the_audit_finds(value: str, tmp_path: Path) -> None:
    register_startup_secrets()  # as every front door does: the configured variables are registered
    forms = encoded_forms(value)
    text = "\n".join(f"line {spelling} end" for spelling in forms)
    scrubbed = Scrubber().text(text)
    report = tmp_path / "report.txt"
    report.write_text(text, encoding="utf-8")
    findings = audit([report])
    assert {f.line for f in findings} == set(range(1, len(forms) + 1))
    assert {f.form for f in findings} == set(forms.values())
    (tmp_path / "clean.txt").write_text(scrubbed, encoding="utf-8")
    assert audit([tmp_path / "clean.txt"]) == []


def test_audit_finds_a_folded_yaml_value_and_a_binary_body(value: str, tmp_path: Path) -> None:
    dumps = [
        yaml.safe_dump({"interactions": [{"response": {"body": "w " * n + value + " more" * 9}}]}, width=40)
        for n in range(40)
    ]
    folded = next(t for t in dumps if not any(spelling in t for spelling in encoded_forms(value)))
    cassette = tmp_path / "folded.yaml"
    cassette.write_text(folded, encoding="utf-8")
    binary = tmp_path / "binary.yaml"
    blob = base64.encodebytes(b"\xff\x00prefix " + value.encode("utf-8") + b" \xfe").decode("ascii")
    binary.write_text(
        "interactions:\n- response:\n    body: !!binary |\n"
        + "".join(f"      {line}\n" for line in blob.splitlines()),
        encoding="utf-8",
    )
    findings = audit([cassette, binary])
    assert {f.path for f in findings} == {str(cassette), str(binary)}
    assert any(f.form.endswith("in a parsed value") for f in findings if f.path == str(cassette))


def test_a_latin1_report_is_flagged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    planted = f"clé-secrète-{secrets.token_hex(4)}"
    monkeypatch.setenv("KPN_PROJECT_CLIENT_SECRET", planted)
    report = tmp_path / "latin1.txt"
    report.write_bytes(b"value: " + planted.encode("latin-1") + b"\n")
    (finding,) = audit([report])
    assert finding.form == "raw (Latin-1 bytes)"
    assert "KPN_PROJECT_CLIENT_SECRET" in finding.kind


@pytest.mark.parametrize("field", sorted(SECRET_FIELDS))
@pytest.mark.parametrize("shape", ["json", "form"])
def test_a_field_the_scrubber_blanks_is_flagged_by_the_audit(field: str, shape: str, tmp_path: Path) -> None:
    # Values nobody registered: only the field's place marks them.
    planted = f"Zq{secrets.token_hex(10)}"
    if shape == "json":
        body, content_type = json.dumps({"keep": "x", field: planted}).encode(), "application/json"
    else:
        body, content_type = f"keep=x&{field}={planted}".encode(), "application/x-www-form-urlencoded"
    leaked = tmp_path / "leaked.txt"
    leaked.write_bytes(body)
    assert [f.kind for f in audit([leaked], environ={})] in ([f"{field} value"], [f"token in {field} field"])
    scrubbed = tmp_path / "scrubbed.txt"
    scrubbed.write_bytes(Scrubber().body(body, content_type))
    assert planted not in scrubbed.read_text()
    assert audit([scrubbed], environ={}) == []


def test_audit_finds_the_forms_it_used_to_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Both quotes in an XML attribute (' raw, " as &quot;), a tab as &#09;, and %2f in lowercase.
    planted = f"a'b\"c\td/e{secrets.token_hex(6)}"
    monkeypatch.setenv(VARIABLE, planted)
    junit = tmp_path / "junit.xml"
    junit.write_text(ET.tostring(ET.Element("testcase", name=planted), "unicode"), encoding="utf-8")
    url = tmp_path / "urls.txt"
    url.write_text(f"GET /x?q={quote(planted, safe='').lower()}\n", encoding="utf-8")
    junit_text = junit.read_text(encoding="utf-8")
    assert "&quot;" in junit_text
    assert "&#09;" in junit_text
    assert "%2f" in url.read_text(encoding="utf-8")
    findings = audit([junit, url])
    assert {f.path for f in findings} == {str(junit), str(url)}
    assert all(VARIABLE in f.kind for f in findings)

"""The one secret detector: every encoded form, in text and in bytes, and nothing else.

Each artifact below is produced by the real encoder (httpx, json, PyYAML, html, base64, repr), not
by the detector's own list of forms, so a form the detector forgot makes a test fail.
"""

from __future__ import annotations

import base64
import html
import json
import re
import secrets
import shlex
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote
from xml.sax.saxutils import quoteattr

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpn_contract.cassettes.naming import cassette_path
from kpn_contract.cassettes.scrub import Scrubber
from kpn_contract.redact import REDACTED, redact, register_secret
from kpn_contract.secrets import (
    ANYWHERE_LENGTH,
    MIN_SECRET_LENGTH,
    SecretDetector,
    contains_secret,
    encoded_forms,
    find_secrets,
)

pytestmark = pytest.mark.usefixtures("clean_secret_registry")

AWKWARD = "s3cr+t/=&%\"'\\ é€"  # + / = & % " ' \, a space and non-ASCII
CLIENT_ID = "client-id-for-basic"


def planted() -> str:
    # Random per run, so a hit can only come from this run.
    return f"{AWKWARD}{secrets.token_hex(4)}"


def all_spellings(value: str) -> list[str]:
    return list(encoded_forms(value))


def assert_clean(text: str, value: str) -> None:
    left = [name for spelling, name in encoded_forms(value).items() if spelling in text]
    assert left == [], f"forms left in the output: {left}"


def _yaml_double(value: str) -> str:
    return str(yaml.safe_dump({"v": value}, default_style='"', allow_unicode=False, width=10**6))


def _basic_blob(value: str, offset: int) -> str:
    # base64("id:secret") inside a longer blob, with the secret starting at byte offset 0, 1 or 2.
    client = CLIENT_ID[: len(CLIENT_ID) - (len(CLIENT_ID) + 1 - offset) % 3]
    raw = f"{client}:{value}".encode()
    assert (len(client) + 1) % 3 == offset
    return "header-blob " + base64.b64encode(b"prefix-bytes" + raw + b"tail").decode()


# name -> how a real encoder writes the value into an artifact
ARTIFACTS: dict[str, Callable[[str], str]] = {
    "raw": lambda v: f"error: tenant {v} unknown",
    "httpx query": lambda v: str(httpx.Request("GET", "https://x.test/a", params={"q": v}).url),
    "httpx path": lambda v: str(httpx.Request("GET", f"https://x.test/v2/{v}/oidc").url),
    "httpx form body": lambda v: httpx.Request("POST", "https://x.test", data={"k": v}).read().decode(),
    "httpx json body": lambda v: httpx.Request("POST", "https://x.test", json={"k": v}).read().decode(),
    "lowercase %2f": lambda v: quote(v, safe="").lower(),
    "json ascii": lambda v: json.dumps({"k": v}),
    "json in json": lambda v: json.dumps({"outer": json.dumps({"k": v})}),
    "json in json, unicode": lambda v: json.dumps(
        {"o": json.dumps({"k": v}, ensure_ascii=False)}, ensure_ascii=False
    ),
    "python repr": lambda v: repr({"k": v}),
    "python bytes repr": lambda v: repr(v.encode()),
    "yaml double-quoted escapes": _yaml_double,
    "yaml single-quoted": lambda v: str(yaml.safe_dump({"v": v}, default_style="'", allow_unicode=True)),
    "yaml plain dump": lambda v: str(yaml.safe_dump({"v": v}, width=10**6)),
    "html": lambda v: f"<td>{html.escape(v)}</td>",
    "base64": lambda v: "x " + base64.b64encode(v.encode()).decode() + " y",
    "base64url": lambda v: base64.urlsafe_b64encode(v.encode()).decode(),
    "basic id:secret offset 0": lambda v: _basic_blob(v, 0),
    "basic id:secret offset 1": lambda v: _basic_blob(v, 1),
    "basic id:secret offset 2": lambda v: _basic_blob(v, 2),
    "xml attribute (ElementTree, pytest's JUnit)": lambda v: ET.tostring(ET.Element("t", name=v), "unicode"),
    "xml attribute (saxutils.quoteattr)": lambda v: f"<t name={quoteattr(v)}/>",
    "pytest test ID (str)": lambda v: f"test_x[{v.encode('unicode_escape').decode('ascii')}]",
    "pytest test ID (bytes)": lambda v: f"test_x[{v.encode().decode('ascii', 'backslashreplace')}]",
    "hex": lambda v: f"dump {v.encode().hex()} end",
    "percent-encoded twice": lambda v: quote(quote(v, safe=""), safe=""),
    "percent-encoded twice, lowercase hex": lambda v: re.sub(
        "%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(quote(v, safe=""), safe="")
    ),
    "httpx query, lowercase hex": lambda v: re.sub(
        "%[0-9A-F]{2}",
        lambda m: m.group(0).lower(),
        str(httpx.Request("GET", "https://x.test/a", params={"q": v}).url),
    ),
    "shell single-quoted": lambda v: f"curl -u {shlex.quote(v)}",
    "base64 of a JSON body": lambda v: base64.b64encode(json.dumps({"k": v}).encode()).decode(),
    "unicode NFD": lambda v: unicodedata.normalize("NFD", v),
    "repr of a repr (pytest --debug)": lambda v: repr(ValueError(repr(v))),
}


@pytest.mark.parametrize("artifact", ARTIFACTS)
@pytest.mark.parametrize("kind", ["text", "bytes"])
def test_a_planted_secret_is_found_and_removed_in_each_artifact(artifact: str, kind: str) -> None:
    value = planted()
    register_secret(value)
    written = ARTIFACTS[artifact](value)
    assert value not in written or artifact == "raw"  # the artifact really is encoded
    if kind == "text":
        assert find_secrets(written), artifact
        assert_clean(redact(written), value)
    else:
        data = written.encode("utf-8")
        assert find_secrets(data), artifact
        cleaned = SecretDetector([value]).redact_bytes(data).decode("utf-8", errors="replace")
        assert_clean(cleaned, value)


def test_every_listed_form_is_found_as_text_and_as_bytes() -> None:
    value = planted()
    detector = SecretDetector({value: "planted"})
    forms = encoded_forms(value)
    assert len(forms) >= 25  # the forms the README promises, once duplicates are merged
    for spelling, name in forms.items():
        text = f"before {spelling} after"
        assert [m.form for m in detector.find(text)] == [name]
        assert [m.form for m in detector.find(text.encode("utf-8"))] == [name]
        assert_clean(detector.redact(text), value)


def test_latin1_bytes_of_a_non_ascii_value_are_found() -> None:
    value = f"clé-secrète-{secrets.token_hex(4)}"
    detector = SecretDetector([value])
    assert [m.form for m in detector.find(b"x=" + value.encode("latin-1"))] == ["raw (Latin-1 bytes)"]
    assert [m.form for m in detector.find(value.encode("utf-8").decode("latin-1"))] == [
        "UTF-8 read as Latin-1"
    ]


def test_hex_identifiers_are_found_in_either_case() -> None:
    tenant = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
    detector = SecretDetector([tenant])
    for spelling in (tenant, tenant.upper(), base64.b64encode(tenant.upper().encode()).decode()):
        assert detector.find(f"/v2/{spelling}/oidc"), spelling
    # A case-sensitive secret is not matched in another case.
    assert not SecretDetector(["Case-Sensitive-Secret"]).find("case-sensitive-secret")


def test_matches_carry_the_form_and_source_but_never_the_value() -> None:
    value = planted()
    detector = SecretDetector({value: "environment variable KPN_X"})
    (match,) = detector.find(f"q={quote(value, safe='').lower()}")
    assert (match.form, match.source) == ("URL-encoded (lowercase hex)", "environment variable KPN_X")
    assert all(spelling not in repr(match) for spelling in all_spellings(value))
    assert all(spelling not in repr(detector) for spelling in all_spellings(value))


def test_a_value_added_later_is_found_after_the_rebuild() -> None:
    detector = SecretDetector(["first-secret-value-1"])
    assert detector.find("x first-secret-value-1")
    assert not detector.find("x second-secret-value-2")
    detector.add("second-secret-value-2")
    assert detector.find("x second-secret-value-2")
    assert not detector.add("short")  # under the minimum length: not held
    assert len(detector) == 2


def test_a_secret_folded_by_yaml_is_found_in_the_parsed_value() -> None:
    value = planted()
    register_secret(value)
    dumps = [yaml.safe_dump({"body": "w " * n + value + " more words" * 6}, width=40) for n in range(40)]
    # The dumps in which folding split the value: no spelling of it is left in the text.
    folded = [text for text in dumps if not any(spelling in text for spelling in all_spellings(value))]
    assert folded, "PyYAML never folded the value"
    for text in folded:
        assert not find_secrets(text)
        assert find_secrets(yaml.safe_load(text)["body"])


# ------------------------------------------------------------------ never more than the secret


def _inner_substrings(word: str) -> list[str]:
    return [word[i : i + n] for n in (MIN_SECRET_LENGTH, 9) for i in range(1, len(word) - n)]


def test_ordinary_words_are_never_cut_by_a_short_ish_secret(repo_root: Path) -> None:
    text = "\n".join(
        (repo_root / name).read_text(encoding="utf-8") for name in ("README.md", "ARCHITECTURE.md")
    )
    text += "\nContent-Type: application/json\nAccept: application/vnd.kpnthings.device.v1.response+json\n"
    words = set(re.findall(r"[A-Za-z]{10,}", text))
    tokens = set(re.findall(r"[A-Za-z0-9]+", text))
    # Pieces from inside longer words that never stand alone in the text: secrets a user might pick.
    pieces = sorted({p for w in words for p in _inner_substrings(w) if p not in tokens})[:200]
    assert len(pieces) > 50
    detector = SecretDetector(pieces)
    assert detector.redact(text) == text
    assert all(len(p) < ANYWHERE_LENGTH for p in pieces)
    # Standing alone, the same values are removed.
    sample = pieces[0]
    assert detector.redact(f"key: {sample}\n") == f"key: {REDACTED}\n"


def test_a_tab_and_both_quotes_in_an_xml_attribute_are_found() -> None:
    value = f"tab\there 'single' \"double\" {secrets.token_hex(4)}"
    register_secret(value)
    written = ET.tostring(ET.Element("testcase", name=value), "unicode")
    assert "&#09;" in written
    assert "&quot;" in written
    assert find_secrets(written)
    assert_clean(redact(written), value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Accept: application/vnd.kpnthings.device.v1.response+json", None),  # a dotted name: not cut
        ("Content-Type: application/vnd.kpnthings+json", f"Content-Type: application/{REDACTED}+json"),
        ("secret=vnd.kpnthings&x=1", f"secret={REDACTED}&x=1"),
        ("the value is vnd.kpnthings.", f"the value is {REDACTED}."),  # a full stop ends a sentence
        ("test_x[vnd.kpnthings-2]", f"test_x[{REDACTED}-2]"),
        ("xvnd.kpnthings", None),
        ("vnd.kpnthings_2", None),
        ("vnd.kpnthings9", None),
    ],
)
def test_a_short_value_is_matched_only_as_a_whole_token(text: str, expected: str | None) -> None:
    register_secret("vnd.kpnthings")  # a whole token before "+" or "-" is the value standing alone
    assert redact(text) == (text if expected is None else expected)


def test_a_short_value_holding_digits_is_found_glued_to_a_letter() -> None:
    register_secret("known-secret-1")  # no ordinary word: the letter-edge rule only
    assert redact("keep known-secret-1x") == f"keep {REDACTED}x"
    assert redact("xknown-secret-1") == "xknown-secret-1"  # its first letter glued to a letter


def test_application_json_survives_a_secret_found_inside_it() -> None:
    register_secret("plication")
    assert redact("Content-Type: application/json") == "Content-Type: application/json"
    assert redact("tenant=plication&x=1") == f"tenant={REDACTED}&x=1"


# ------------------------------------------------------------------ file names and test IDs


def test_no_secret_reaches_a_cassette_file_name(tmp_path: Path) -> None:
    value = planted()
    register_secret(value)
    for spelling in (value, quote(value, safe=""), value.replace(" ", "_")):
        path = cassette_path(tmp_path, f"tests/test_x.py::test_a[{spelling}]")
        assert not contains_secret(str(path)), spelling
        assert_clean(str(path), value)
    one = cassette_path(tmp_path, f"tests/test_x.py::test_a[{value}]")
    assert one.parent == tmp_path / "test_x"
    assert one.name.startswith("test_a-REDACTED-")


def test_contains_secret_flags_a_parametrize_id() -> None:
    value = planted()
    register_secret(value)
    assert contains_secret(f"test_call[{value}]")
    assert contains_secret(f"test_call[{quote(value, safe='')}]".encode())
    assert not contains_secret("test_call[sandbox-page-2]")


# ------------------------------------------------------------------ property


_SECRET_CHARS = st.characters(
    blacklist_categories=("Cs", "Lu"), blacklist_characters="acdert\n\r\x00"
)  # no letter of "REDACTED" in either case, so a replacement cannot rebuild a form


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    value=st.text(_SECRET_CHARS, min_size=ANYWHERE_LENGTH, max_size=30),
    pieces=st.lists(st.one_of(st.text(max_size=12), st.integers(0, 10_000)), max_size=8),
)
def test_scrubbed_text_holds_no_form_of_a_registered_value(value: str, pieces: list[str | int]) -> None:
    detector = SecretDetector([value])
    forms = all_spellings(value)
    # Filler text around randomly chosen encoded forms of the value.
    text = "".join(forms[p % len(forms)] if isinstance(p, int) else p for p in pieces)
    scrubbed = Scrubber(secrets=[value]).text(text)
    assert not any(spelling in scrubbed for spelling in forms)
    assert not detector.find(scrubbed.encode("utf-8"))


@pytest.mark.parametrize("client_id", ["a", "ab", "abc"])  # the secret at each of the three offsets
def test_basic_credentials_in_a_custom_header_are_removed_whole(client_id: str) -> None:
    value = planted()
    register_secret(value)  # the secret only: the client ID goes with it, as part of the blob
    blob = base64.b64encode(f"{client_id}:{value}".encode()).decode()
    headers = Scrubber().headers((("x-partner-auth", f"Basic {blob}"), ("accept", "application/json")))
    assert headers == (("x-partner-auth", f"Basic {REDACTED}"), ("accept", "application/json"))

"""A careless user's test file, run with every pytest sink on, leaves no form of any planted value.

Every profile variable and a ``secret_env`` variable hold awkward values (``' " \\``, a space, a tab,
``+ / = & %``, non-ASCII, a trailing newline). The user's tests put them in warnings, skip and xfail
reasons, ``pytest.exit`` and ``KeyboardInterrupt`` messages, parametrize IDs (auto, explicit, bytes),
long locals that saferepr cuts (``-l``), hex and twice percent-encoded locals, and failing
assertions. pytest runs with ``-v -rA -l --debug --durations=0 --junitxml`` and
``junit_logging=all``, and once more with ``--collect-only``. Every artefact (stdout, stderr, the
JUnit XML, ``pytestdebug.log``, ``.pytest_cache``) is searched for each value in the detector's
forms and in forms computed here, and for the random core of each value (what a cut would leave).
"""

from __future__ import annotations

import secrets
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest

from .conftest import PLANTED_VARIABLES, clean_environment
from .test_awkward_corpus import _run, all_forms, traces

CUSTOM_VARIABLE = "MY_TEAM_SHARED_TOKEN"

CARELESS = r"""
import logging, os, warnings
from urllib.parse import quote

import pytest

NAMES = sorted(name for name in os.environ if name.startswith("KPN_") or name == "MY_TEAM_SHARED_TOKEN")
VALUES = [os.environ[name] for name in NAMES]
SECRET = os.environ["KPN_GRIP_CLIENT_SECRET"]
TENANT = os.environ["KPN_GRIP_TENANT_ID"]
CUSTOM = os.environ["MY_TEAM_SHARED_TOKEN"]


def test_a_warning():
    for value in VALUES:
        warnings.warn(f"careless {value}")


def test_b_skip():
    pytest.skip(f"skipped because {SECRET}")


@pytest.mark.skipif(True, reason=f"skipif {TENANT}")
def test_b_skipif():
    pass


def test_c_xfail():
    pytest.xfail(f"xfail {TENANT}")


@pytest.mark.xfail(reason=f"known bug with {CUSTOM}")
def test_c_xfail_marker():
    assert CUSTOM == "something else"


@pytest.mark.parametrize("value", VALUES)
def test_d_auto_ids(value):
    assert value


@pytest.mark.parametrize("value", [pytest.param(v, id=v) for v in VALUES])
def test_d_explicit_ids(value):
    assert value


@pytest.mark.parametrize("raw", [v.encode() for v in VALUES])
def test_d_bytes_ids(raw):
    assert raw


def test_e_locals_cut_by_saferepr():
    # saferepr keeps the first ~118 and the last ~119 characters: each cut falls inside a value.
    head_cut = "x" * 105 + SECRET + "y" * 300
    tail_cut = "y" * 300 + TENANT + "z" * 80
    hexed = SECRET.encode().hex()
    twice = quote(quote(TENANT, safe=""), safe="")
    print("printed", CUSTOM)
    logging.getLogger("careless.user").warning("logged %s", TENANT)
    assert head_cut + tail_cut == hexed + twice


def test_f_assertion_cut():
    assert [SECRET * 3, TENANT] == [TENANT * 3, SECRET]


def test_z_exit():
    pytest.exit(f"stopping: {SECRET}")
"""

INTERRUPTED = r"""
import os


def test_interrupt():
    raise KeyboardInterrupt(f"ctrl-c with {os.environ['KPN_GRIP_CLIENT_SECRET']}")
"""


def awkward(label: str) -> tuple[str, str]:
    """(value, its random core): the core alone must not survive anywhere either."""
    core = secrets.token_hex(8)  # 16 characters: long enough that 8 of them are unique to this run
    return f"{label}{core} +/=&%\"'\\\t é ø\n", core


@pytest.fixture(scope="module")
def planted() -> dict[str, tuple[str, str]]:
    names = [*PLANTED_VARIABLES, CUSTOM_VARIABLE]
    return {name: awkward(f"c{index}") for index, name in enumerate(names)}


def independent_forms(value: str) -> set[str]:
    """Spellings made here by the real encoders, not by the detector's list."""
    element = ET.Element("t", name=value)
    attribute = ET.tostring(element, encoding="unicode").split('name="', 1)[1].rsplit('"', 1)[0]
    return {
        value,
        value.encode("unicode_escape").decode("ascii"),
        value.encode().decode("ascii", "backslashreplace"),
        attribute,
        quoteattr(value)[1:-1],
        value.encode().hex(),
    }


def _pytest(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return _run(["-p", "no:randomly", "-p", "no:xdist", *args], project, env)


@pytest.fixture(scope="module")
def careless_runs(
    planted: dict[str, tuple[str, str]], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, subprocess.CompletedProcess[str]]]:
    project = tmp_path_factory.mktemp("careless")
    (project / "pyproject.toml").write_text(
        f'[tool.kpn_contract]\nsecret_env = ["{CUSTOM_VARIABLE}"]\n', encoding="utf-8"
    )
    (project / "test_careless.py").write_text(CARELESS, encoding="utf-8")
    (project / "test_interrupted.py").write_text(INTERRUPTED, encoding="utf-8")
    env = clean_environment({name: value for name, (value, _) in planted.items()})
    sinks = ["-v", "-rA", "-l", "--debug", "--durations=0", "-o", "junit_logging=all", "-W", "default"]
    runs = {
        "main": _pytest(project, env, *sinks, "--junitxml=junit.xml", "test_careless.py"),
        "interrupt": _pytest(project, env, "-rA", "--junitxml=junit-interrupt.xml", "test_interrupted.py"),
        "collect": _pytest(project, env, "--collect-only", "-q", "test_careless.py"),
    }
    return project, runs


def artefacts(project: Path, runs: Mapping[str, subprocess.CompletedProcess[str]]) -> dict[str, str]:
    texts: dict[str, str] = {}
    for name, run in runs.items():
        texts[f"{name} stdout"] = run.stdout
        texts[f"{name} stderr"] = run.stderr
    for path in sorted(p for p in project.rglob("*") if p.is_file() and p.suffix not in {".py", ".pyc"}):
        texts[path.relative_to(project).as_posix()] = path.read_bytes().decode("utf-8", errors="replace")
    return texts


@pytest.mark.slow
def test_a_careless_test_file_leaves_no_form_of_any_value_in_any_artefact(
    careless_runs: tuple[Path, dict[str, subprocess.CompletedProcess[str]]],
    planted: dict[str, tuple[str, str]],
) -> None:
    project, runs = careless_runs
    main = runs["main"]
    # pytest ran every sink and exited normally: no INTERNALERROR, the session stopped by pytest.exit.
    assert main.returncode == pytest.ExitCode.INTERRUPTED, main.stdout[-3000:]
    assert runs["interrupt"].returncode == pytest.ExitCode.INTERRUPTED, runs["interrupt"].stdout[-2000:]
    assert runs["collect"].returncode == pytest.ExitCode.OK, runs["collect"].stdout[-2000:]
    texts = artefacts(project, runs)
    everything = "\n".join(texts.values())
    assert "INTERNALERROR" not in everything
    for sink in (
        "SKIPPED (skipped because REDACTED",
        "XFAIL (xfail REDACTED",
        "careless REDACTED",
        "!!! _pytest.outcomes.Exit: stopping: REDACTED",
        "test_d_auto_ids[REDACTED",
        "slowest durations",
        "head_cut   = ",
    ):
        assert sink in main.stdout, sink
    assert "KeyboardInterrupt: ctrl-c with REDACTED" in runs["interrupt"].stdout
    assert '<skipped type="pytest.skip" message="skipped because REDACTED' in texts["junit.xml"]
    assert "test_d_bytes_ids[REDACTED" in texts["junit.xml"]
    assert "pytest_runtest_logreport" in texts["pytestdebug.log"]
    assert any(name.startswith(".pytest_cache/") for name in texts)
    assert "test_d_explicit_ids[REDACTED" in runs["collect"].stdout

    values = {name: value for name, (value, _) in planted.items()}
    values.update({f"{name} (stripped)": value.strip() for name, (value, _) in planted.items()})
    forms = all_forms(values)
    for label, value in values.items():
        for form in independent_forms(value):
            forms.setdefault(form, label)
    for name, (_, core) in planted.items():
        # What a cut through a value would leave: the first or last 8 characters of its random core.
        forms.setdefault(core[:8], f"{name} (the start of its random core)")
        forms.setdefault(core[-8:], f"{name} (the end of its random core)")
    assert traces(texts, forms) == []


def test_the_independent_forms_are_not_vacuous() -> None:
    value, _ = awkward("t")
    forms = independent_forms(value)
    assert len(forms) == 6  # each encoder spells the value differently
    assert traces({"a": f"<{value.encode('unicode_escape').decode()}>"}, dict.fromkeys(forms, "v")) == [
        "a: v"
    ]

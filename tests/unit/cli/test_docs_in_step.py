"""The README's command-line synopsis and fault words stay in step with the parser and the emulator."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from kpn_contract.cli.main import _parser
from kpn_contract.emulator import Fault, parse_fault_spec

README = Path(__file__).resolve().parents[3] / "README.md"


def _synopsis() -> dict[str, str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## The command line", 1)[1]
    block = section.split("```", 2)[1]
    lines = [line.strip() for line in block.splitlines() if line.startswith("kpn-contract ")]
    by_command: dict[str, str] = {}
    for line in lines:  # a command may have several forms, one line each
        word = line.split()[1]
        key = "" if word.startswith("[") else word
        by_command[key] = f"{by_command.get(key, '')} {line}".strip()
    return by_command


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = _parser()
    (action,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _shown_options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if a.help != argparse.SUPPRESS and "-h" not in a.option_strings]


def test_every_subcommand_has_a_synopsis_line_and_no_line_is_stale() -> None:
    assert set(_synopsis()) - {""} == set(_subparsers())


@pytest.mark.parametrize("command", sorted(_subparsers()))
def test_synopsis_names_every_option_and_choice(command: str) -> None:
    line = _synopsis()[command]
    for action in _shown_options(_subparsers()[command]):
        if action.option_strings:
            assert action.option_strings[-1] in line, f"{command}: {action.option_strings[-1]} missing"
        else:
            shown = action.metavar or action.dest
            assert isinstance(shown, str), f"{command}: {action.dest} has a tuple metavar"
            assert shown.upper() in line, f"{command}: {action.dest} missing"
        if action.choices:
            assert "|".join(str(choice) for choice in action.choices) in line, f"{command}: {action.dest}"
    named = set(re.findall(r"--[a-z][a-z-]*", line))
    known = {s for a in _subparsers()[command]._actions for s in a.option_strings}
    assert named <= known, f"{command}: the README names options the parser lacks: {named - known}"


def test_synopsis_names_the_global_options() -> None:
    line = _synopsis()[""]
    for action in _shown_options(_parser()):
        if action.option_strings:
            assert action.option_strings[-1] in line


def test_fault_words_are_the_ones_the_emulator_accepts() -> None:
    text = " ".join(README.read_text(encoding="utf-8").split())
    listed = text.split("the fault words are ", 1)[1].split(" (", 1)[0]
    words = set(re.findall(r"`([^`]+)`", listed))
    assert words == {str(fault) for fault in Fault} | {"429", "5xx"}
    for word in words:
        parse_fault_spec(f"GET /api/devices={word}")  # each one parses


ARCHITECTURE = README.with_name("ARCHITECTURE.md")
TOKEN_CASSETTE = re.compile(r"(api-store|grip)-[a-z0-9.-]+[a-z]\.yaml")


def test_token_cassette_naming_is_documented_as_it_is() -> None:
    # ARCHITECTURE once said tokens/<profile>.yaml while the files were tokens/<kind>-<env>.yaml.
    pattern = "tokens/<kind>-<token host>.yaml"
    assert pattern in " ".join(ARCHITECTURE.read_text(encoding="utf-8").split())
    assert pattern in README.read_text(encoding="utf-8")
    shipped = sorted((README.parent / "cassettes").rglob("tokens/*.yaml"))
    assert shipped
    for path in shipped:
        assert TOKEN_CASSETTE.fullmatch(path.name), path


def test_the_readme_profile_example_can_be_pasted(tmp_path: Path) -> None:
    # Pasting it once broke every profile: its CA bundle did not exist, and one bad profile failed all.
    from kpn_contract.config.profiles import load_config, resolve_credentials

    text = README.read_text(encoding="utf-8").split("Add or override profiles in", 1)[1]
    example = text.split("```toml", 1)[1].split("```", 1)[0]
    (tmp_path / "pyproject.toml").write_text(example, encoding="utf-8")
    config = load_config(start=tmp_path)
    assert not config.problems
    profile = config.profile("things-acme")
    credentials = resolve_credentials(profile, {}, demo_fallback=True)  # offline: no variable needed
    assert credentials.subcustomer_id
    assert config.profile("things").kind == "grip"

"""The command line explains itself: every option says what it does and its default, the reference page
``docs/cli.md`` is the parser's own output, and ``--output`` means the same in every command."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from kpn_contract.cli import reference
from kpn_contract.cli.main import main
from kpn_contract.cli.parser import build_parser, subcommands

REPO = Path(__file__).resolve().parents[3]
SPEC = REPO / "specs" / "weseedo-personal.yaml"
CASSETTES = REPO / "cassettes" / "contract" / "test_tokens"


def _documented() -> list[tuple[str, argparse.Action]]:
    parsers = {"(global)": build_parser(), **subcommands()}
    return [
        (name, action)
        for name, parser in parsers.items()
        for action in parser._actions
        if action.help != argparse.SUPPRESS
        and not isinstance(
            action, argparse._HelpAction | argparse._VersionAction | argparse._SubParsersAction
        )
    ]


@pytest.mark.parametrize(
    ("command", "action"),
    _documented(),
    ids=[f"{name} {(action.option_strings or [action.dest])[-1]}" for name, action in _documented()],
)
def test_every_option_has_a_description_and_its_default(command: str, action: argparse.Action) -> None:
    text = action.help or ""
    assert len(text) > 15, f"{command}: {action.dest} has no real description"
    required = action.required if action.option_strings else action.nargs is None
    if required:
        assert "(required)" in text, f"{command}: {action.dest} is required and must say so"
    else:
        assert "(default: " in text, f"{command}: {action.dest} does not state its default"
    if isinstance(action, argparse._AppendAction):
        assert "repeatable" in text, f"{command}: {action.dest} may be given again and must say so"


def test_the_reference_page_is_the_parsers_output() -> None:
    committed = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert committed == reference.render(), (
        "docs/cli.md is out of date: run python -m kpn_contract.cli.reference --write docs/cli.md"
    )


def test_the_reference_page_has_a_section_and_usage_per_subcommand() -> None:
    text = reference.render()
    for name, parser in subcommands().items():
        assert f"## `kpn-contract {name}`" in text
        for action in parser._actions:
            for option in action.option_strings:
                if action.help != argparse.SUPPRESS and option.startswith("--") and option != "--help":
                    assert f"`{option}" in text.split(f"## `kpn-contract {name}`", 1)[1]


def test_check_mode_fails_on_a_stale_page_and_write_mode_fixes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "cli.md"
    page.write_text("# stale\n", encoding="utf-8")
    assert reference.main(["--check", str(page)]) == 1
    assert "is out of date" in capsys.readouterr().err
    assert reference.main(["--write", str(page)]) == 0
    assert reference.main(["--check", str(page)]) == 0


@pytest.mark.parametrize(
    ("command", "arguments"),
    [
        ("diff", [str(SPEC), str(SPEC)]),
        ("drift", [str(CASSETTES), str(CASSETTES)]),
        ("coverage", [str(CASSETTES)]),
    ],
)
def test_output_writes_the_report_instead_of_stdout_in_every_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, arguments: list[str]
) -> None:
    output = tmp_path / "deeper" / "report.json"
    code = main([command, *arguments, "--format", "json", "--output", str(output)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.out.splitlines() == [f"{command}: json report written to {output}"]
    assert output.read_text(encoding="utf-8").lstrip().startswith(("{", "["))
    # Without --output the same report goes to stdout.
    assert main([command, *arguments, "--format", "json"]) == 0
    assert capsys.readouterr().out.strip() == output.read_text(encoding="utf-8").strip()


def test_every_command_with_a_report_offers_output_with_one_wording() -> None:
    helps = {
        name: action.help
        for name, parser in subcommands().items()
        for action in parser._actions
        if "--output" in action.option_strings
    }
    assert set(helps) == {"coverage", "diff", "drift"}
    assert len(set(helps.values())) == 1

"""Running ``kpn-contract`` in-process, as the CLI tests do: its exit code and what it printed."""

from __future__ import annotations

import pytest

from kpn_contract.cli.main import main


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``(exit code, stdout, stderr)`` of ``kpn-contract *argv``; argparse's own exits are codes too."""
    try:
        code = main(argv)
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err

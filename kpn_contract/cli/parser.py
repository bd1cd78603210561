"""The ``kpn-contract`` argument parser: every subcommand, option, description and default.

Kept apart from ``main.py`` (which runs a command) so that the reference page ``docs/cli.md`` can be
generated from it (``cli/reference.py``). House rule, checked by ``tests/unit/cli/test_cli_help.py``:
every option says what it does and its default (``default:``), or that it is ``required``.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import NoReturn

from kpn_contract.cli.commands import EXIT_USAGE
from kpn_contract.config.run_modes import SENDING_TARGETS

__all__ = ["build_parser", "subcommands"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, as for every other usage error (argparse would add the whole usage text).
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port: choose 0-65535 (0 picks a free port)")
    return port


def _days(value: str) -> float:
    try:
        days = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of days") from None
    if not math.isfinite(days) or days < 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of days: give 0 or more")
    return days


# One wording per shared option, so that the same option reads the same in every subcommand.
_OUTPUT_HELP = (
    "write the report to FILE instead of stdout, which then gets one line naming FILE (default: stdout)"
)
_SPECS_HELP = (
    "folder or file of the specs to check against (default: spec_dir of the config, else the bundled specs)"
)
_PROFILE_HELP = "the credential profile (see `kpn-contract profiles`)"


def _add_target(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target",
        choices=SENDING_TARGETS,
        default="emulator",
        help="where the requests go: a local emulator, or KPN itself (default: emulator)",
    )
    parser.add_argument(
        "--emulator-url",
        metavar="URL",
        help="a running emulator, e.g. from `kpn-contract emulate` (default: start one for this call)",
    )


def _add_format(parser: argparse.ArgumentParser, *choices: str) -> None:
    parser.add_argument(
        "--format", choices=choices, default=choices[0], help=f"the report's format (default: {choices[0]})"
    )


def build_parser() -> argparse.ArgumentParser:
    from kpn_contract import __version__

    parser = _Parser(prog="kpn-contract", description="Contract testing for KPN's APIs.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show tracebacks and DEBUG logs, redacted (default: off)"
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="kpn-contract.toml or pyproject.toml to read (default: the nearest one, going upward from here)",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    # --debug is accepted after the subcommand too; SUPPRESS keeps a subcommand from resetting it.
    debug = _Parser(add_help=False)
    debug.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    p = sub.add_parser(
        "init", help="scaffold kpn_contract into a project (never overwrites)", parents=[debug]
    )
    p.add_argument(
        "dir", nargs="?", type=Path, default=Path(), metavar="DIR", help="the project folder (default: here)"
    )

    p = sub.add_parser("profiles", help="list the credential profiles and their problems", parents=[debug])

    p = sub.add_parser(
        "doctor",
        help="show the config, folders, profiles, target and record mode a run here would use",
        parents=[debug],
    )
    _add_format(p, "text", "json")

    p = sub.add_parser("emulate", help="run the local KPN emulator", parents=[debug])
    p.add_argument("--host", default="127.0.0.1", help="the address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=_port, default=8080, help="the port; 0 picks a free one (default: 8080)")
    p.add_argument(
        "--variant",
        choices=("current", "next"),
        default="current",
        help="the API version served; next is the announced beta (default: current)",
    )
    p.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="RULE",
        help='inject a fault, e.g. "GET /api/devices=500"; repeatable (default: none)',
    )
    p.add_argument(
        "--token-lifetime",
        type=int,
        metavar="SECONDS",
        help="how long issued tokens live (default: KPN's documented lifetime)",
    )
    p.add_argument(
        "--scopes",
        metavar="SCOPE[,SCOPE...]",
        help="the scopes the demo GRIP key's tokens carry (default: every scope the KPN Things specs name)",
    )
    p.add_argument(
        "--remember-deletions",
        action="store_true",
        help="a product resource answers 404 after a successful DELETE, as fuzz's use_after_free "
        "expects (default: off)",
    )
    p.add_argument(
        "--specs",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="a folder or file of product definitions to serve beside the bundled specs and the config's "
        "spec_dir; repeatable, a project's definition of a bundled product replaces it (default: none)",
    )

    p = sub.add_parser("token", help="get a token for a profile and print it masked", parents=[debug])
    p.add_argument("--profile", required=True, help=f"{_PROFILE_HELP} (required)")
    _add_target(p)

    p = sub.add_parser(
        "access-rights", help="request access rights to a sub-customer (context switch)", parents=[debug]
    )
    p.add_argument(
        "--profile", default="things-subcustomer", help=f"{_PROFILE_HELP} (default: things-subcustomer)"
    )
    p.add_argument("--customer", help="the sub-customer ID (default: the profile's)")
    _add_target(p)

    p = sub.add_parser(
        "access", help="which operations a grip profile's token may call (its scopes)", parents=[debug]
    )
    p.add_argument("--profile", default="things", help=f"{_PROFILE_HELP}; a grip one (default: things)")
    _add_format(p, "text", "json")
    _add_target(p)

    p = sub.add_parser("specs", help="load specs and list them with their warnings", parents=[debug])
    p.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="spec files or folders (default: the bundled specs)",
    )
    _add_format(p, "text", "json")

    p = sub.add_parser("verify", help="check recorded cassettes against the specs, offline", parents=[debug])
    p.add_argument(
        "dirs",
        nargs="*",
        type=Path,
        metavar="DIR",
        help="cassette folders (default: cassette_dir of the config)",
    )
    p.add_argument("--specs", type=Path, metavar="DIR", help=_SPECS_HELP)
    p.add_argument(
        "--max-age",
        type=_days,
        metavar="DAYS",
        help="report (and fail on) cassettes recorded longer ago (default: no age limit)",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="fail on cassettes recorded against other spec versions (default: off, they are listed)",
    )

    p = sub.add_parser(
        "coverage", help="which declared operations and statuses the cassettes exercise", parents=[debug]
    )
    p.add_argument(
        "dirs",
        nargs="*",
        type=Path,
        metavar="CASSETTE_DIR",
        help="cassette folders (default: cassette_dir of the config)",
    )
    _add_format(p, "text", "json", "markdown", "html")
    p.add_argument("--specs", type=Path, metavar="DIR", help=_SPECS_HELP)
    p.add_argument("--output", type=Path, metavar="FILE", help=_OUTPUT_HELP)

    p = sub.add_parser("audit", help="scan cassettes, notebooks and reports for secrets", parents=[debug])
    p.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="files or folders to scan (default: the cassette, notebook and report folders of the config)",
    )

    p = sub.add_parser("cache", help="the parsed-file cache (.kpn-contract-cache/)", parents=[debug])
    p.add_argument(
        "action", choices=("clear",), help="clear: remove every cached entry of this project (required)"
    )

    for name, help_text, first, second in (
        ("diff", "compare two specs from a consumer's point of view", "old", "new"),
        ("drift", "compare two sets of recordings", "baseline", "new"),
    ):
        what = "spec file or folder" if name == "diff" else "cassette folder"
        p = sub.add_parser(name, help=help_text, parents=[debug])
        p.add_argument(first, type=Path, help=f"the {first} {what} (required)")
        p.add_argument(second, type=Path, help=f"the {second} {what} (required)")
        _add_format(p, "text", "markdown", "json", "junit")
        p.add_argument(
            "--fail-on",
            choices=("breaking", "warning"),
            default="breaking",
            help="the lowest severity that makes the exit code 1 (default: breaking)",
        )
        p.add_argument(
            "--severity",
            action="append",
            metavar="RULE=LEVEL",
            help="set a rule to breaking, warning, info or off; repeatable, beats the config (default: none)",
        )
        p.add_argument("--output", type=Path, metavar="FILE", help=_OUTPUT_HELP)
        if name == "diff":
            p.add_argument(
                "--used-by",
                type=Path,
                action="append",
                metavar="DIR",
                help="report only what the code or cassettes under DIR use; repeatable (default: everything)",
            )
            p.add_argument(
                "--map",
                type=Path,
                metavar="FILE",
                help="migration map: report what moving OLD to NEW asks of a consumer (default: none)",
            )
        else:
            p.add_argument("--specs", type=Path, metavar="DIR", help=_SPECS_HELP)
            p.add_argument(
                "--no-validate",
                action="store_true",
                help="do not check the new responses against the specs (default: they are checked)",
            )
    _add_fuzz(
        sub.add_parser(
            "fuzz", help="property-based contract testing with schemathesis and profile auth", parents=[debug]
        )
    )
    return parser


def _add_fuzz(p: argparse.ArgumentParser) -> None:
    p.add_argument("--profile", required=True, help=f"{_PROFILE_HELP} (required)")
    p.add_argument(
        "--spec",
        metavar="NAME|PATH",
        help="a bundled spec's name (things, parley, ...), a spec file, or a folder of product specs "
        "(each fuzzed in turn) (default: the profile's API)",
    )
    p.add_argument(
        "--all",
        action="store_true",
        help="fuzz every bundled API Store product, one line each, then a total (default: off)",
    )
    _add_target(p)
    p.add_argument(
        "--operation",
        action="append",
        metavar="OPERATION",
        help='fuzz only this operation: "METHOD /path" as the spec writes it, or an operationId; '
        "repeatable (default: every operation of the spec)",
    )
    p.add_argument(
        "--max-examples",
        type=int,
        default=25,
        metavar="N",
        help="cases per operation and phase (default: 25)",
    )
    p.add_argument(
        "--checks",
        action="append",
        metavar="NAME[,NAME]",
        help="schemathesis checks to run; repeatable (default: schemathesis's defaults)",
    )
    p.add_argument(
        "--report",
        type=Path,
        metavar="DIR",
        help="write junit.xml and a scrubbed cassette here (default: no report files)",
    )
    p.add_argument(
        "--allow-unsafe",
        action="store_true",
        help="also send POST, PUT, PATCH and DELETE live (default: off; the emulator always gets them)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="operations fuzzed at once, in threads; a live rate limit still holds (default: 1)",
    )
    p.add_argument("--rate-limit", metavar="R", help="e.g. 2/s (default: 2/s live, unlimited emulator)")
    p.add_argument(
        "--phases",
        metavar="P[,P]",
        help="schemathesis phases: examples, coverage, fuzzing, stateful (default: all)",
    )
    p.add_argument("--seed", type=int, help="generate the same cases on every run (default: a random seed)")


def subcommands(parser: argparse.ArgumentParser | None = None) -> dict[str, argparse.ArgumentParser]:
    """Every subcommand's parser by name, in the order ``--help`` lists them."""
    parser = parser or build_parser()
    (action,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)

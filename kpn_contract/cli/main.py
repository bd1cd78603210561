"""The ``kpn-contract`` command. Thin: it parses arguments, calls a layer, prints, and exits.

Exit codes: 0 ok, 1 a contract, token or drift failure, 2 a usage, configuration or input error.
Errors print one line on stderr; ``--debug`` adds the traceback.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from kpn_contract.cli.commands import EXIT_FAILURE, EXIT_USAGE
from kpn_contract.config.run_modes import SENDING_TARGETS
from kpn_contract.errors import KPNContractError, TokenError


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


def _add_target(parser: argparse.ArgumentParser, default: str = "emulator") -> None:
    parser.add_argument("--target", choices=SENDING_TARGETS, default=default)
    parser.add_argument(
        "--emulator-url", metavar="URL", help="a running emulator (default: start one for this call)"
    )


def _parser() -> argparse.ArgumentParser:
    from kpn_contract import __version__

    parser = _Parser(prog="kpn-contract", description="Contract testing for KPN's APIs.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and DEBUG logs (redacted)")
    parser.add_argument(
        "--config", type=Path, metavar="FILE", help="kpn-contract.toml or pyproject.toml to read"
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    # --debug is accepted after the subcommand too; SUPPRESS keeps a subcommand from resetting it.
    debug = _Parser(add_help=False)
    debug.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    p = sub.add_parser(
        "init", help="scaffold kpn_contract into a project (never overwrites)", parents=[debug]
    )
    p.add_argument("dir", nargs="?", type=Path, default=Path(), metavar="DIR", help="default: here")

    p = sub.add_parser("profiles", help="list the credential profiles and their problems", parents=[debug])

    p = sub.add_parser("emulate", help="run the local KPN emulator", parents=[debug])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=_port, default=8080, help="0 picks a free port")
    p.add_argument("--variant", choices=("current", "next"), default="current")
    p.add_argument("--fault", action="append", default=[], metavar="RULE", help='e.g. "GET /api/devices=500"')
    p.add_argument("--token-lifetime", type=int, metavar="SECONDS")
    p.add_argument(
        "--scopes",
        metavar="SCOPE[,SCOPE...]",
        help="the scopes the demo GRIP key's tokens carry (default: every scope the KPN Things specs name)",
    )
    p.add_argument(
        "--remember-deletions",
        action="store_true",
        help="a product resource answers 404 after a successful DELETE (what fuzz's use_after_free expects)",
    )
    p.add_argument(
        "--specs",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="a folder or file of product definitions to serve beside the bundled specs and the config's "
        "spec_dir (repeatable; a project's definition of a bundled product replaces it)",
    )

    p = sub.add_parser("token", help="get a token for a profile and print it masked", parents=[debug])
    p.add_argument("--profile", required=True)
    _add_target(p)

    p = sub.add_parser(
        "access-rights", help="request access rights to a sub-customer (context switch)", parents=[debug]
    )
    p.add_argument("--profile", default="things-subcustomer")
    p.add_argument("--customer", help="the sub-customer ID (default: the profile's)")
    _add_target(p)

    p = sub.add_parser(
        "access", help="which operations a grip profile's token may call (its scopes)", parents=[debug]
    )
    p.add_argument("--profile", default="things")
    p.add_argument("--format", choices=("text", "json"), default="text")
    _add_target(p)

    p = sub.add_parser("specs", help="load specs and list them with their warnings", parents=[debug])
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH")
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = sub.add_parser("verify", help="check recorded cassettes against the specs, offline", parents=[debug])
    p.add_argument("dirs", nargs="*", type=Path, metavar="DIR")
    p.add_argument("--specs", type=Path, metavar="DIR")
    p.add_argument(
        "--max-age", type=_days, metavar="DAYS", help="report (and fail on) cassettes recorded longer ago"
    )
    p.add_argument(
        "--strict", action="store_true", help="fail on cassettes recorded against other spec versions"
    )

    p = sub.add_parser(
        "coverage", help="which declared operations and statuses the cassettes exercise", parents=[debug]
    )
    p.add_argument("dirs", nargs="*", type=Path, metavar="CASSETTE_DIR", help="default: the cassette_dir")
    p.add_argument("--format", choices=("text", "json", "markdown", "html"), default="text")
    p.add_argument("--specs", type=Path, metavar="DIR")
    p.add_argument("--output", type=Path, metavar="FILE", help="write the report here instead of stdout")

    p = sub.add_parser("audit", help="scan cassettes, notebooks and reports for secrets", parents=[debug])
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH")

    for name, help_text, first, second in (
        ("diff", "compare two specs from a consumer's point of view", "old", "new"),
        ("drift", "compare two sets of recordings", "baseline", "new"),
    ):
        p = sub.add_parser(name, help=help_text, parents=[debug])
        p.add_argument(first, type=Path)
        p.add_argument(second, type=Path)
        p.add_argument("--format", choices=("text", "markdown", "json", "junit"), default="text")
        p.add_argument("--fail-on", choices=("breaking", "warning"), default="breaking")
        p.add_argument("--output", type=Path, metavar="FILE", help="write the report here as well")
        if name == "diff":
            p.add_argument("--used-by", type=Path, action="append", metavar="DIR")
            p.add_argument(
                "--map",
                type=Path,
                metavar="FILE",
                help="migration map: report what moving OLD to NEW asks of a consumer",
            )
        else:
            p.add_argument("--specs", type=Path, metavar="DIR")
            p.add_argument(
                "--no-validate", action="store_true", help="do not check new responses against specs"
            )
    p = sub.add_parser(
        "fuzz", help="property-based contract testing with schemathesis and profile auth", parents=[debug]
    )
    p.add_argument("--profile", required=True)
    p.add_argument(
        "--spec",
        metavar="NAME|PATH",
        help="a bundled spec's name (things, parley, ...), a spec file, or a folder of product specs "
        "(each fuzzed in turn) (default: the profile's API)",
    )
    p.add_argument(
        "--all", action="store_true", help="fuzz every bundled API Store product, one line each, then a total"
    )
    _add_target(p)
    p.add_argument("--max-examples", type=int, default=25, metavar="N")
    p.add_argument("--checks", action="append", metavar="NAME[,NAME]", help="schemathesis checks to run")
    p.add_argument("--report", type=Path, metavar="DIR", help="write junit.xml and a scrubbed cassette here")
    p.add_argument("--allow-unsafe", action="store_true", help="also send POST, PUT, PATCH and DELETE (live)")
    p.add_argument("--rate-limit", metavar="R", help="e.g. 2/s (default: 2/s live, unlimited emulator)")
    p.add_argument("--phases", metavar="P[,P]", help="schemathesis phases (examples, coverage, fuzzing)")
    p.add_argument("--seed", type=int, help="generate the same cases on every run")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from kpn_contract.cli import commands
    from kpn_contract.config.startup import register_project_secrets

    handler: Callable[[argparse.Namespace], int] = getattr(commands, args.command.replace("-", "_"))
    if args.debug:
        import logging

        from kpn_contract.logs import configure_debug_logging

        configure_debug_logging(logging.DEBUG)
    try:
        # Every configured secret is registered before any command reads, prints or writes.
        register_project_secrets(path=args.config)
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except KPNContractError as exc:
        _traceback_if(args.debug)
        # One line: a hint on its own line (TokenError) joins the message.
        _error(args.command, " ".join(line.strip() for line in exc.message.splitlines() if line.strip()))
        return EXIT_FAILURE if isinstance(exc, TokenError) else EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - no traceback without --debug, whatever failed
        _traceback_if(args.debug)
        from kpn_contract.redact import redact

        detail = redact(str(exc)).splitlines()[0] if str(exc).strip() else ""
        _error(args.command, f"{type(exc).__name__}: {detail} (run with --debug for the traceback)")
        return EXIT_USAGE


def _traceback_if(debug: bool) -> None:
    # --debug shows the (redacted) traceback; the one-line error and the exit code stay the same.
    if debug:
        import traceback

        from kpn_contract.redact import redact

        sys.stderr.write(redact(traceback.format_exc()))


def _error(command: str, message: str) -> None:
    sys.stderr.write(f"kpn-contract {command}: {message}\n")


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

"""The ``kpn-contract`` command. Thin: it parses arguments (``parser.py``), calls a layer, prints, and exits.

Exit codes: 0 ok, 1 a contract, token or drift failure, 2 a usage, configuration or input error.
Errors print one line on stderr; ``--debug`` adds the traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from kpn_contract.cli.commands import EXIT_FAILURE, EXIT_USAGE
from kpn_contract.cli.parser import build_parser
from kpn_contract.errors import KPNContractError, TokenError

_parser = build_parser  # the name tests and tools used before the parser had a module of its own


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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

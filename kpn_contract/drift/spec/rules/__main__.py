"""``python -m kpn_contract.drift.spec.rules``: print the rule tables, or write/check docs/drift-rules.md."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from kpn_contract.drift.spec.rules.docs import render_tables, update_document


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kpn_contract.drift.spec.rules", description=__doc__)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--markdown", action="store_true", help="print the generated tables (default)")
    group.add_argument("--write", type=Path, metavar="FILE", help="regenerate the tables inside FILE")
    group.add_argument("--check", type=Path, metavar="FILE", help="exit 1 when FILE is out of date")
    args = parser.parse_args(argv)
    target: Path | None = args.write or args.check
    if target is None:
        sys.stdout.write(render_tables())
        return 0
    try:
        current = target.read_text(encoding="utf-8")
        wanted = update_document(current)
    except (OSError, ValueError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    if args.write:
        target.write_text(wanted, encoding="utf-8")
        return 0
    if current != wanted:
        sys.stderr.write(
            f"{target} is out of date: run python -m kpn_contract.drift.spec.rules --write {target}\n"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

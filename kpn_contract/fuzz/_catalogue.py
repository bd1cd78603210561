"""``kpn-contract fuzz --all`` (or ``--spec FOLDER``): every product of a folder, one line each, then a total.

Each product is fuzzed by :func:`kpn_contract.fuzz.run_fuzz` exactly as ``--spec FILE`` would (its
own emulator, serving that file). The banner lists every file of the folder that is not fuzzed, with
its reason, and per product the checks its published defects leave out, by leniency name
(:mod:`kpn_contract.contract.leniency`); nothing is skipped silently.
"""

from __future__ import annotations

import io
import re
import time
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TextIO
from urllib.parse import urlsplit

from kpn_contract.errors import SpecError, UsageError

if TYPE_CHECKING:
    from kpn_contract.contract.model import Spec

__all__ = ["catalogue_folder", "catalogue_specs", "run_fuzz_catalogue"]

_CASES: Final = re.compile(r"^(\d+) cases? over", re.MULTILINE)
_GATEWAY: Final = "api-prd.kpn.com"


def catalogue_folder(
    *, all_products: bool, spec: str | None, report: Path | None, operations: list[str] | None
) -> Path | None:
    """The folder ``fuzz --all`` (the bundled specs) or ``--spec FOLDER`` names; None for one spec."""
    if all_products:
        if spec is not None:
            raise UsageError("fuzz: give --all or --spec, not both")
        folder = None
    elif spec is not None and Path(spec).is_dir():
        folder = Path(spec)
    else:
        return None
    what = "--all" if folder is None else "--spec FOLDER"
    if report is not None:
        raise UsageError(f"fuzz {what}: --report is written per spec; fuzz one --spec FILE to keep one")
    if operations:
        raise UsageError(f"fuzz {what}: --operation names the operations of one --spec FILE")
    if folder is None:
        from kpn_contract.contract.specs import bundled_spec_dir

        folder = bundled_spec_dir()
    return folder


def _served_product(spec: Spec) -> bool:
    """An API Store product the emulator serves: behind the gateway, or on its own host (FIAM Eneco)."""
    from kpn_contract.emulator import on_own_server

    return any(urlsplit(server).hostname == _GATEWAY for server in spec.servers) or on_own_server(spec)


def catalogue_specs(folder: Path) -> tuple[list[Path], dict[Path, str]]:
    """The product specs of ``folder`` to fuzz, and every other spec file with the reason it is not."""
    from kpn_contract.contract.specs import load_spec, spec_files

    products: list[Path] = []
    left_out: dict[Path, str] = {}
    for file in spec_files([folder]):
        try:
            spec = load_spec(file)
        except SpecError as exc:
            left_out[file] = f"cannot be read: {exc}"
            continue
        if not spec.operations:
            left_out[file] = "declares no operations"
        elif not _served_product(spec):
            left_out[file] = f"not an API Store product (no server on {_GATEWAY} nor a host of its own)"
        elif any("/oauth/" in operation.path for operation in spec.operations):
            left_out[file] = "the gateway's token endpoint (fuzzed through every product's auth)"
        else:
            products.append(file)
    return products, left_out


def _exclusion_counts(spec: Path) -> Counter[str]:
    from kpn_contract.fuzz._schema import excluded_operation_checks

    counts: Counter[str] = Counter()
    for exclusion in excluded_operation_checks(spec):
        name = exclusion.reason[1:].split("]", 1)[0] if exclusion.reason.startswith("[") else "documented"
        counts[f"{exclusion.check} ({name})"] += 1
    return counts


def run_fuzz_catalogue(profile: str, folder: Path, *, out: TextIO, **options: Any) -> int:
    """Fuzz every product spec in ``folder``; 0 when every product passed, else 1."""
    from kpn_contract.fuzz._run import run_fuzz

    if not folder.is_dir():
        raise UsageError(f"fuzz: {folder} is not a folder of specs")
    products, left_out = catalogue_specs(folder)
    if not products:
        raise UsageError(f"fuzz: {folder} holds no API Store product spec")
    lines = ["=" * 78, f"kpn-contract fuzz: {len(products)} product(s) in {folder}, profile {profile}"]
    lines += [f"  not fuzzed {file.name}: {reason}" for file, reason in left_out.items()]
    for spec in products:
        counts = _exclusion_counts(spec)
        if counts:
            said = ", ".join(f"{check} on {n} operation(s)" for check, n in sorted(counts.items()))
            lines.append(f"  excluded in {spec.name}: {said}")
    lines.append("=" * 78)
    out.write("\n".join(lines) + "\n")
    out.flush()
    failed: list[str] = []
    total_cases = 0
    started = time.perf_counter()
    for spec in products:
        buffer = io.StringIO()
        began = time.perf_counter()
        code = run_fuzz(profile, spec=spec, out=buffer, **options)
        found = _CASES.search(buffer.getvalue())
        cases = int(found.group(1)) if found else 0
        total_cases += cases
        if code != 0:
            failed.append(spec.name)
        verdict = "ok  " if code == 0 else "FAIL"
        out.write(f"{verdict} {spec.name:<50} {cases:>6} cases {time.perf_counter() - began:>7.1f}s\n")
        if code != 0:
            out.write(buffer.getvalue())
        out.flush()
    out.write(
        f"total: {len(products) - len(failed)} of {len(products)} product(s) passed, {total_cases} cases, "
        f"{time.perf_counter() - started:.1f}s\n"
    )
    return 1 if failed else 0

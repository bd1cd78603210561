"""What each ``kpn-contract`` subcommand does, one small function each, composing the layers.

``cli.py`` parses and maps exceptions to exit codes; these functions print and return the code.
Heavy imports stay inside the functions so that ``kpn-contract --help`` starts fast.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kpn_contract.errors import UsageError

if TYPE_CHECKING:
    from kpn_contract.cassettes.freshness import FreshnessReport
    from kpn_contract.cassettes.verify import VerifyReport
    from kpn_contract.contract.index import SpecIndex
    from kpn_contract.session.kpn_session import KPNSession

# The exit codes' one home (cli.py maps exceptions to them): 0 ok, 1 a contract, token or drift
# failure, 2 a usage, configuration or input error.
EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def _out(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


@contextlib.contextmanager
def _session(args: argparse.Namespace, profile: str) -> Iterator[KPNSession]:
    """A KPNSession for a one-off command: no cassettes, validation collected rather than raised."""
    from kpn_contract.config.profiles import load_config
    from kpn_contract.config.run_settings import SessionOptions
    from kpn_contract.session.kpn_session import KPNSession
    from kpn_contract.session.run_contexts import EmulatorContext

    config = load_config(args.config)
    config.profile(profile)  # an unknown profile is a usage error before anything starts
    if args.emulator_url:
        from kpn_contract.transport.routing import check_emulator_url

        check_emulator_url(args.emulator_url)  # the error names this URL, not the live one
    with contextlib.ExitStack() as stack:
        url = args.emulator_url
        if args.target == "emulator" and not url:
            url = stack.enter_context(EmulatorContext(profiles=config.profiles.values())).base_url
        options = SessionOptions(
            target=args.target, emulator_url=url, record_mode=None, on_violation="collect"
        )
        session = KPNSession(config, options)
        stack.callback(session.close)
        yield session


def emulate(args: argparse.Namespace) -> int:
    from kpn_contract.config.profiles import load_config
    from kpn_contract.emulator import run_emulator_cli

    spec_dir = load_config(args.config).spec_dir
    served = [*([spec_dir] if spec_dir is not None else []), *args.specs]
    missing = next((path for path in served if not path.exists()), None)
    if missing is not None:
        raise UsageError(f"spec folder {missing} does not exist (config spec_dir or --specs)")
    run_emulator_cli(
        specs=served,
        host=args.host,
        port=args.port,
        variant=args.variant,
        faults=args.fault,
        token_lifetime=args.token_lifetime,
        scopes=args.scopes.split(",") if args.scopes is not None else None,
        remember_deletions=args.remember_deletions,
        profiles=load_config(args.config).profiles.values(),  # grip profiles' scopes limit their keys
    )
    return EXIT_OK


def token(args: argparse.Namespace) -> int:
    from kpn_contract.session.token_report import describe_token

    with _session(args, args.profile) as session:
        report = describe_token(session, args.profile)
    _out(report.render())
    return EXIT_OK if report.conforms else EXIT_FAILURE


def access_rights(args: argparse.Namespace) -> int:
    from kpn_contract.auth.subcustomer import request_access_rights
    from kpn_contract.config.profiles import load_config

    kind = load_config(args.config).profile(args.profile).kind
    if kind != "grip":
        # Access rights are a KPN Things (GRIP) call: never send a gateway token there.
        raise UsageError(f"--profile {args.profile} is an {kind} profile; access-rights needs a grip profile")
    with _session(args, args.profile) as session:
        customer = args.customer or session.credentials(args.profile).subcustomer_id
        if not customer:
            raise UsageError(f"profile {args.profile!r} names no sub-customer: pass --customer ID")
        with session.client(args.profile, subcustomer=False) as client:
            response = request_access_rights(client, customer)
    _out(f"access rights granted: HTTP {response.status_code}")
    return EXIT_OK


def access(args: argparse.Namespace) -> int:
    from kpn_contract.cli.access import check_access

    with _session(args, args.profile) as session:
        report = check_access(session, args.profile)
    _out(report.to_json() if args.format == "json" else report.render_text())
    return report.exit_code


def specs(args: argparse.Namespace) -> int:
    from kpn_contract.contract.specs import bundled_spec_dir, describe_specs

    paths = args.paths or [bundled_spec_dir()]
    described = describe_specs(paths)
    if args.format == "json":
        _out(json.dumps({"specs": described}, indent=2))
    else:
        for spec in described:
            _out(
                f"{spec['path']}: {spec['title']} {spec['version']} ({spec['format']}), "
                f"{spec['operations']} operations, {len(spec['warnings'])} warnings"
            )
            _out(f"  base URL: {' | '.join(spec['base_urls']) or '- (no servers)'}")
            for warning in spec["warnings"]:
                _out(f"  warning: {warning}")
            for leniency in spec["leniencies"]:
                _out(f"  leniency: {leniency}")
            for operation, scopes in spec["scopes"].items():
                _out(f"  {operation}  scopes: {' '.join(scopes) or '-'}")
        total = sum(int(s["operations"]) for s in described)
        _out(f"{len(described)} specs, {total} operations")
    return EXIT_OK


def verify(args: argparse.Namespace) -> int:
    from kpn_contract.cassettes.verify import verify as verify_cassettes
    from kpn_contract.config.profiles import load_config
    from kpn_contract.config.project import verify_paths
    from kpn_contract.contract.specs import project_index
    from kpn_contract.contract.validate import Validator

    config = load_config(args.config)
    dirs = verify_paths(args.dirs, config)
    # strict_unknown: recordings of operations no spec declares are listed (they do not fail the run).
    validator = Validator(project_index(args.specs or config.spec_dir), strict_unknown=True)
    report = verify_cassettes(dirs, validator)
    if not report.cassettes:
        raise UsageError(f"nothing to verify: no cassettes under {', '.join(str(d) for d in dirs)}")
    _out(report.render_text())
    freshness = _freshness(report, validator.index, args)
    if freshness_text := freshness.render_text(strict=args.strict):
        _out(freshness_text)
    return max(report.exit_code, freshness.exit_code(strict=args.strict))


def _freshness(report: VerifyReport, index: SpecIndex, args: argparse.Namespace) -> FreshnessReport:
    from datetime import UTC, datetime

    from kpn_contract.cassettes.freshness import check_freshness

    return check_freshness(
        ((verdict.path, verdict.meta) for verdict in report.cassettes),
        {spec.title: spec.version for spec in index.specs},
        now=datetime.now(UTC),
        max_age_days=args.max_age,
    )


def coverage(args: argparse.Namespace) -> int:
    from kpn_contract.cassettes.store import iter_cassettes
    from kpn_contract.config.profiles import load_config
    from kpn_contract.contract.specs import project_index
    from kpn_contract.coverage import compute, exchanges_from_cassettes
    from kpn_contract.coverage.render import render

    config = load_config(args.config)
    dirs = args.dirs or [config.cassette_dir]
    if not any(True for _ in iter_cassettes(dirs)):
        raise UsageError(f"nothing to cover: no cassettes under {', '.join(str(d) for d in dirs)}")
    index = project_index(args.specs or config.spec_dir)
    text = render(compute(index, exchanges_from_cassettes(dirs), source="cassettes"), args.format)
    _report(text, args)
    return EXIT_OK


def _report(text: str, args: argparse.Namespace) -> None:
    """The one ``--output`` rule: the report goes to FILE instead of stdout, which gets one line."""
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text, encoding="utf-8")
        _out(f"{args.command}: {args.format} report written to {args.output}")
    else:
        _out(text)


def audit(args: argparse.Namespace) -> int:
    from kpn_contract.cassettes.audit import AUDITED_SUFFIXES, audited_files, format_findings
    from kpn_contract.cassettes.audit import audit as audit_paths
    from kpn_contract.config.profiles import load_config
    from kpn_contract.config.project import audit_paths as paths_to_audit
    from kpn_contract.config.project import has_files
    from kpn_contract.contract.examples import example_values
    from kpn_contract.contract.specs import project_index

    config = load_config(args.config)
    paths = paths_to_audit(args.paths, config)
    if not has_files(paths, AUDITED_SUFFIXES):
        raise UsageError(
            f"nothing to audit: no cassette, notebook or report under {', '.join(map(str, paths))}"
        )
    # The bundled specs' and the project's own examples: documentation values, never secrets.
    folders = [None, *([config.spec_dir] if config.spec_dir and config.spec_dir.is_dir() else [])]
    examples = example_values(spec for folder in folders for spec in project_index(folder).specs)
    findings = audit_paths(paths, examples=examples)
    scanned = f"{len(audited_files(paths))} file(s) scanned"
    if findings:
        _out(format_findings(findings))
        _out(f"{len(findings)} possible secret(s) found in {scanned}; values are not shown")
        return EXIT_FAILURE
    _out(f"no secrets found ({scanned})")
    return EXIT_OK


def cache(args: argparse.Namespace) -> int:
    from kpn_contract.config.parsed_cache import CACHE_DIR_NAME, clear_cache
    from kpn_contract.config.profiles import load_config

    root = load_config(args.config).root
    removed = clear_cache(root)
    _out(f"removed {removed} cached entr{'y' if removed == 1 else 'ies'} from {root / CACHE_DIR_NAME}")
    return EXIT_OK


def _emit(report: str, code: int, args: argparse.Namespace) -> int:
    from kpn_contract.redact import redact

    report = redact(report)
    _report(report, args)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary and args.format == "markdown":
        with Path(summary).open("a", encoding="utf-8") as fh:
            fh.write(report + "\n")
    return code


def _drift_policy(args: argparse.Namespace) -> dict[str, Any]:
    """``severities`` and ``policy`` from ``[tool.kpn_contract.diff/drift]``, then ``--severity``."""
    from kpn_contract.config.profiles import load_config
    from kpn_contract.drift.findings import parse_severity_options, policy_from_config

    overrides = parse_severity_options(args.severity or ())  # a bad option fails before the config is read
    severities, policy = policy_from_config(load_config(args.config).settings)
    return {"severities": {**severities, **overrides}, "policy": policy}


def diff(args: argparse.Namespace) -> int:
    from kpn_contract.drift.report import run_diff

    if args.map is not None:
        return _migration(args)
    report, code = run_diff(
        args.old,
        args.new,
        used_by=args.used_by or (),
        fmt=args.format,
        fail_on=args.fail_on,
        **_drift_policy(args),
    )
    return _emit(report, code, args)


def _migration(args: argparse.Namespace) -> int:
    from kpn_contract.drift.report import run_migration

    report, code = run_migration(
        args.old,
        args.new,
        args.map,
        used_by=args.used_by or (),
        fmt=args.format,
        fail_on=args.fail_on,
        **_drift_policy(args),
    )
    return _emit(report, code, args)


def drift(args: argparse.Namespace) -> int:
    from kpn_contract.drift.report import run_drift

    report, code = run_drift(
        [args.baseline],
        [args.new],
        spec_dirs=[args.specs] if args.specs else (),
        validate=not args.no_validate,
        fmt=args.format,
        fail_on=args.fail_on,
        **_drift_policy(args),
    )
    return _emit(report, code, args)


def fuzz(args: argparse.Namespace) -> int:
    try:
        import schemathesis  # noqa: F401 - only to find out whether the extra is installed
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] != "schemathesis":
            raise
        raise UsageError("fuzz needs schemathesis: pip install 'kpn-contract[fuzz]'") from None
    from kpn_contract.fuzz import run_fuzz

    if args.emulator_url and args.target == "emulator":
        from kpn_contract.transport.routing import check_emulator_url

        check_emulator_url(args.emulator_url)  # one clear line instead of an error per generated case

    def split(values: list[str] | str | None) -> list[str] | None:
        if not values:
            return None
        items = [values] if isinstance(values, str) else values
        return [name.strip() for item in items for name in item.split(",") if name.strip()]

    options: dict[str, Any] = {
        "target": args.target,
        "emulator_url": args.emulator_url,
        "max_examples": args.max_examples,
        "checks": split(args.checks),
        "allow_unsafe": args.allow_unsafe,
        "rate_limit": args.rate_limit,
        "phases": split(args.phases),
        "seed": args.seed,
        "out": sys.stdout,
        "config_path": args.config,
    }
    from kpn_contract.fuzz._catalogue import catalogue_folder, run_fuzz_catalogue

    folder = catalogue_folder(
        all_products=args.all, spec=args.spec, report=args.report, operations=args.operation
    )
    if folder is not None:
        return run_fuzz_catalogue(args.profile, folder, **options)
    return run_fuzz(
        args.profile,
        spec=args.spec,
        report_dir=args.report,
        operations=args.operation or (),
        workers=args.workers,
        **options,
    )


def doctor(args: argparse.Namespace) -> int:
    from kpn_contract.config.doctor import diagnose
    from kpn_contract.config.profiles import load_config

    diagnosis = diagnose(load_config(args.config))
    _out(diagnosis.to_json() if args.format == "json" else diagnosis.render_text())
    return EXIT_OK if diagnosis.ok else EXIT_USAGE


def profiles(args: argparse.Namespace) -> int:
    from kpn_contract.config.profiles import load_config
    from kpn_contract.config.project import describe_profiles

    config = load_config(args.config)
    table, problems = describe_profiles(config)
    _out(table)
    from kpn_contract.contract.specs import bundled_spec_dir, describe_specs, reached_by

    described = describe_specs([config.spec_dir or bundled_spec_dir()])
    by_url: dict[str, list[str]] = {}
    for name, profile in sorted(config.profiles.items()):
        by_url.setdefault(profile.base_url, []).append(name)
    _out("what the profiles reach (base URL (profiles): the specs served there):")
    for url, names in sorted(by_url.items()):
        _out(f"  {url} ({', '.join(names)}): {', '.join(reached_by(url, described)) or '-'}")
    return EXIT_USAGE if problems else EXIT_OK


def init(args: argparse.Namespace) -> int:
    from kpn_contract.cli.scaffold import init_project

    _out(init_project(args.dir).render())
    return EXIT_OK

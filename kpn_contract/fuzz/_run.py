"""``kpn-contract fuzz``: schemathesis's engine, driven in-process with profile auth.

The engine is run programmatically (no ``st`` subprocess), so the auth provider, the token cache and
the token transport are ours. Its events feed four outputs: a progress line per operation and phase,
a summary per check, a JUnit report, and a cassette of the traffic. The JUnit writer and the cassette
are our own (schemathesis's writers are CLI internals, and its cassettes would bypass our Scrubber):
every recorded interaction passes through :class:`kpn_contract.cassettes.scrub.Scrubber`, and every
message through :func:`kpn_contract.redact.redact`.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Any, Final, TextIO

import httpx

from kpn_contract.errors import UsageError
from kpn_contract.fuzz._auth import KPNSchemathesisAuth
from kpn_contract.fuzz._results import FuzzSummary, error_text, print_summary, record_scenario, write_junit
from kpn_contract.fuzz._schema import (
    SAFE_METHODS,
    BoundSchema,
    FuzzTarget,
    bind_schema,
    excluded_checks,
    excluded_operation_checks,
    origin_of,
    parse_fuzz_target,
    spec_by_name_or_path,
    spec_for_api,
    token_transport,
)
from kpn_contract.fuzz._traffic import TrafficLog
from kpn_contract.redact import redact

__all__ = ["DEFAULT_LIVE_RATE_LIMIT", "FuzzSummary", "run_fuzz"]

DEFAULT_LIVE_RATE_LIMIT: Final = "2/s"
PHASES: Final = ("examples", "coverage", "fuzzing", "stateful")
_UNLIMITED: Final = frozenset({"", "none", "unlimited", "off", "0"})
_MAX_WORKERS: Final = 64  # schemathesis's own CLI limit
_RATE_LIMIT: Final = re.compile(r"^\d+/(?:\d+)?[smhd]$")


# --------------------------------------------------------------------------------------------------
# Input checks (each a one-line UsageError)


def _check_rate_limit(value: str | None, target: FuzzTarget) -> str | None:
    if value is None:
        return DEFAULT_LIVE_RATE_LIMIT if target == "live" else None
    text = value.strip().lower()
    if text in _UNLIMITED:
        return None
    if not _RATE_LIMIT.match(text):
        raise UsageError(
            f"--rate-limit {value!r} is not a rate: write requests/period, e.g. 2/s, 100/m, 1000/h "
            "(or 'unlimited')"
        )
    return text


def _known_check_names() -> list[str]:
    from schemathesis.checks import CHECKS, load_all_checks

    load_all_checks()
    return sorted(CHECKS.get_all_names())


def _check_checks(checks: Sequence[str] | None, excluded: Mapping[str, str]) -> list[str] | None:
    if checks is None:
        return None
    names = [name.strip() for item in checks for name in item.split(",") if name.strip()]
    if not names:
        raise UsageError("--checks is empty: name at least one check, or 'all'")
    known = _known_check_names()
    unknown = [name for name in names if name != "all" and name not in known]
    if unknown:
        raise UsageError(f"--checks: unknown check {unknown[0]!r}; known checks: all, {', '.join(known)}")
    refused = [name for name in names if name in excluded]
    if refused:
        raise UsageError(f"--checks: {refused[0]!r} is excluded for this profile: {excluded[refused[0]]}")
    return names


def _check_emulator_url(url: str | None, target: FuzzTarget) -> None:
    if url is None:
        return
    if target != "emulator":
        raise UsageError("--emulator-url is only meaningful with --target emulator")
    parts = httpx.URL(url) if url.startswith(("http://", "https://")) else None
    if parts is None or not parts.host:
        raise UsageError(f"--emulator-url {url!r} is not an absolute http(s) URL")


def _only_operations(schema: Any, wanted: Sequence[str]) -> Any:
    """``schema`` narrowed to the operations named "METHOD /path" or by operationId (``--operation``).

    An exclude filter, not an include: schemathesis ORs include filters, so an include here would
    widen the safe-methods include of a live run instead of narrowing it.
    """
    from schemathesis.core.result import Ok

    names: dict[str, str] = {}  # every accepted spelling -> the operation's "METHOD /path"
    for result in schema.get_all_operations():
        if isinstance(result, Ok):
            operation = result.ok()
            key = f"{operation.method.upper()} {operation.path}"
            names[key] = key
            operation_id = operation.definition.raw.get("operationId")
            if isinstance(operation_id, str):
                names[operation_id] = key
    chosen = set()
    for name in wanted:
        spelled = " ".join(name.split())
        spelled = (
            f"{spelled.split(' ', 1)[0].upper()} {spelled.split(' ', 1)[1]}" if " " in spelled else spelled
        )
        if spelled not in names:
            import difflib

            close = difflib.get_close_matches(spelled, list(names), n=1)
            hint = (
                f" (did you mean {close[0]!r}?)"
                if close
                else " (see `kpn-contract specs` for its operations)"
            )
            raise UsageError(f"--operation {name!r}: no such operation in this spec{hint}")
        chosen.add(names[spelled])
    return schema.exclude(
        func=lambda ctx: f"{ctx.operation.method.upper()} {ctx.operation.path}" not in chosen
    )


# --------------------------------------------------------------------------------------------------
# The run


def _configure(
    bound: BoundSchema,
    *,
    max_examples: int,
    checks: list[str] | None,
    rate_limit: str | None,
    safe_only: bool,
    phases: list[str] | None = None,
    seed: int | None = None,
    operations: Sequence[str] = (),
    workers: int = 1,
) -> Any:
    schema = bound.schema
    if operations:
        schema = _only_operations(schema, operations)
    config = schema.config
    if seed is not None:
        config.seed = seed  # the same cases every run: a CI failure can be replayed exactly
    if phases is not None:
        config.phases.update(phases=phases)
    config.generation.update(max_examples=max_examples, database="none")
    if workers != 1:
        config.update(workers=workers)  # threads over operations; the auth provider is thread-safe
    if rate_limit is not None:
        config.update(rate_limit=rate_limit)
    if checks is not None:
        excluded = list(excluded_checks(bound.auth.provider.profile.kind)) or None
        config.checks.update(included_check_names=checks, excluded_check_names=excluded)
    if safe_only:
        # Only GET and HEAD operations, and no probing of undeclared methods such as PUT or DELETE.
        config.phases.coverage.unexpected_methods = {"get"}
        schema = schema.include(method=list(SAFE_METHODS))
    return schema


def _banner(
    out: TextIO,
    *,
    profile: str,
    target: FuzzTarget,
    bound: BoundSchema,
    methods: str,
    rate_limit: str | None,
    max_examples: int,
    checks: list[str] | None,
) -> None:
    where = (
        bound.base_url if target == "live" else f"{bound.base_url} (emulator for {bound.canonical_base_url})"
    )
    lines = [
        "=" * 78,
        f"kpn-contract fuzz: target {target.upper()} {where}",
        f"  profile  {profile}",
        f"  spec     {bound.spec_path}",
        f"  methods  {methods}",
        f"  rate     {rate_limit or 'unlimited'}",
        f"  examples up to {max_examples} per operation and phase",
        f"  checks   {', '.join(checks) if checks else 'schemathesis defaults'}",
    ]
    excluded = excluded_checks(bound.auth.provider.profile.kind)
    lines.extend(f"  excluded {name}: {reason}" for name, reason in excluded.items())
    for item in excluded_operation_checks(bound.spec_path):
        phase = f" in the {item.phase} phase" if item.phase else ""
        lines.append(f"  excluded {item.check} on {item.operation}{phase}: {item.reason}")
    lines.append("=" * 78)
    out.write("\n".join(lines) + "\n")
    out.flush()


def run_fuzz(
    profile: str,
    *,
    spec: str | Path | None = None,
    target: str = "emulator",
    emulator_url: str | None = None,
    max_examples: int = 25,
    checks: list[str] | None = None,
    report_dir: Path | None = None,
    allow_unsafe: bool = False,
    rate_limit: str | None = None,
    out: TextIO,
    config_path: Path | None = None,
    env: Mapping[str, str] | None = None,
    phases: list[str] | None = None,
    seed: int | None = None,
    operations: Sequence[str] = (),
    workers: int = 1,
) -> int:
    """Fuzz one spec with schemathesis, authenticated by ``profile``; 0 when every check passed, else 1.

    ``spec`` defaults to the profile's API (KPN Things for a grip profile); an API Store profile needs
    ``spec``. ``target="emulator"`` starts a local emulator unless ``emulator_url`` names a running one.
    Live runs send only GET and HEAD unless ``allow_unsafe``, at ``rate_limit`` (default 2/s; the
    emulator is unlimited by default). A banner naming the target and the profile is written to ``out``
    before anything is sent. With ``report_dir``, ``junit.xml`` and ``cassettes/fuzz-<profile>.yaml``
    (scrubbed by our Scrubber) are written there. ``phases`` limits schemathesis's phases (examples,
    coverage, fuzzing, stateful; default all). ``seed`` makes the generated cases the same every run.
    ``operations`` ("METHOD /path" or operationId) limits the run to those operations; ``workers``
    fuzzes that many operations at once (threads; a live run's rate limit still holds).
    Bad input raises UsageError, ConfigError or SpecError.
    """
    from kpn_contract.config.profiles import load_config, resolve_credentials

    fuzz_target = parse_fuzz_target(target)
    if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= _MAX_WORKERS:
        raise UsageError(f"--workers must be a whole number from 1 to {_MAX_WORKERS}, not {workers!r}")
    if isinstance(max_examples, bool) or not isinstance(max_examples, int) or max_examples < 1:
        raise UsageError(f"--max-examples must be a whole number of at least 1, not {max_examples!r}")
    _check_emulator_url(emulator_url, fuzz_target)
    limit = _check_rate_limit(rate_limit, fuzz_target)
    config = load_config(config_path)
    the_profile = config.profile(profile)
    project_spec_dir = config.spec_dir if config.spec_dir is not None and config.spec_dir.is_dir() else None
    check_names = _check_checks(checks, excluded_checks(the_profile.kind))
    unknown_phases = sorted(set(phases or ()) - set(PHASES))
    if unknown_phases:
        raise UsageError(f"--phases: unknown phase {unknown_phases[0]!r}; choose from {', '.join(PHASES)}")
    if spec is not None:
        spec_path = spec_by_name_or_path(spec)
    elif the_profile.kind == "grip":
        spec_path = spec_for_api("things")
    else:
        raise UsageError(
            f"profile {profile!r} is an API Store profile: name the product's spec with --spec "
            "(a bundled spec's name such as parley, or a spec file)"
        )
    credentials = resolve_credentials(the_profile, env, demo_fallback=fuzz_target == "emulator")
    safe_only = fuzz_target == "live" and not allow_unsafe

    with ExitStack() as stack:
        url = emulator_url
        if fuzz_target == "emulator" and url is None:
            from kpn_contract.emulator import EmulatorServer, EmulatorSettings

            # Deleted resources stay deleted, as schemathesis's use_after_free check expects.
            # It serves the spec being fuzzed and the project's spec_dir beside the bundled specs.
            own = (*((project_spec_dir,) if project_spec_dir is not None else ()), spec_path)
            settings = EmulatorSettings.from_environment(
                os.environ if env is None else env, remember_deletions=True, extra_specs=own
            )
            server = EmulatorServer(settings)
            server.start()
            stack.callback(server.stop)
            url = server.base_url
        inner = token_transport(fuzz_target, url, verify=the_profile.tls_verify())
        stack.callback(inner.close)
        auth = KPNSchemathesisAuth.for_profile(the_profile, credentials, transport=inner)
        stack.callback(auth.close)
        bound = bind_schema(spec_path, auth, target=fuzz_target, emulator_url=url)
        traffic = TrafficLog(origin_of(bound.base_url), origin_of(bound.canonical_base_url))
        auth.token_client.event_hooks["response"].append(traffic.add_httpx)
        schema = _configure(
            bound,
            max_examples=max_examples,
            checks=check_names,
            rate_limit=limit,
            safe_only=safe_only,
            phases=phases,
            seed=seed,
            operations=operations,
            workers=workers,
        )
        _banner(
            out,
            profile=profile,
            target=fuzz_target,
            bound=bound,
            methods="GET, HEAD only (safe; --allow-unsafe lifts this)"
            if safe_only
            else "all declared methods",
            rate_limit=limit,
            max_examples=max_examples,
            checks=check_names,
        )
        summary = _execute(schema, traffic, out)
        print_summary(out, summary, auth)
        if report_dir is not None:
            report = Path(report_dir)
            write_junit(summary, report / "junit.xml", suite_name=f"kpn-contract fuzz {profile}")
            count = traffic.save(
                report / "cassettes" / f"fuzz-{profile}-{spec_path.stem}.yaml",
                secrets=credentials.secret_values(),
                meta={
                    "recorded_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
                    "target": fuzz_target,
                    "profiles": [profile],
                    "spec": spec_path.name,
                    "tool": "kpn-contract fuzz (schemathesis)",
                    # Negative cases (no token, bad input, undeclared methods) break the contract on
                    # purpose: `verify` reports their violations as expected.
                    "validated": False,
                },
            )
            out.write(f"report: {report / 'junit.xml'}; cassette with {count} interaction(s)\n")
    return 0 if summary.ok else 1


def _execute(schema: Any, traffic: TrafficLog, out: TextIO) -> FuzzSummary:
    from schemathesis import engine
    from schemathesis.engine import events

    summary = FuzzSummary()
    for event in engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            if not event.is_test_scenario:
                continue
            traffic.add_scenario(event.recorder)
            cases, failed = record_scenario(summary, event)
            if cases or failed:
                phase = getattr(event.phase, "value", str(event.phase))
                note = f", {failed} check failure(s)" if failed else ""
                out.write(f"  {phase:<9} {event.label}: {cases} case(s){note}\n")
                out.flush()
        elif isinstance(event, events.NonFatalError):
            text = error_text(event)
            errors = summary.errors.setdefault(event.label, [])
            if text not in errors:
                errors.append(text)
        elif isinstance(event, events.FatalError):
            summary.errors.setdefault("(run)", []).append(
                redact(f"{type(event.exception).__name__}: {event.exception}")
            )
    return summary

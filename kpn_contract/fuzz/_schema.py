"""Loading a spec from ``specs/`` as a schemathesis schema bound to a target, a profile and our auth.

Clients keep the canonical live URLs everywhere else in the toolkit; schemathesis, though, sends with
its own ``requests`` session, so in the ``emulator`` target its base URL is the spec's server URL with
the emulator's origin (same path). Token requests still go through the emulator-routing transport.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

import httpx

from kpn_contract.config.run_modes import SENDING_TARGETS, SendingTarget
from kpn_contract.errors import SpecError, UsageError
from kpn_contract.fuzz._auth import KPNSchemathesisAuth
from kpn_contract.fuzz._sending import emulator_api_keys, keep_empty_path_segments

__all__ = [
    "API_SPECS",
    "DEFAULT_PROFILES_BY_API",
    "EXCLUDED_CHECKS",
    "OPERATION_EXCLUSIONS",
    "BoundSchema",
    "FuzzTarget",
    "OperationExclusion",
    "bind_schema",
    "excluded_checks",
    "excluded_operation_checks",
    "resolve_spec",
    "spec_by_name_or_path",
    "spec_for_api",
]

FuzzTarget = SendingTarget  # fuzzing makes new requests: recorded cassettes cannot answer them

# API name → its contract in specs/ (the toolkit's own folder or a project's spec_dir): KPN Things, then
# the 34 API Store products, each derived from its published definition by specs/_tools/derive_published.py.
API_SPECS: Final[Mapping[str, str]] = {
    "things": "kpn-things/kpn-things-beta.yaml",
    "apidaze-voice": "apidaze-voice.yaml",
    "disturbance-check": "kpn-disturbance-check.yaml",
    "fiam": "kpn-fiam.yaml",
    "fiam-eneco": "kpn-fiam-eneco-data-products.yaml",
    "ftth-design": "kpn-high-level-design-ftth.yaml",
    "internet-speed-check": "kpn-internet-speed-check.yaml",
    "ise": "kpn-ise.yaml",
    "lora": "kpn-lora-device-management.yaml",
    "match": "kpn-match.yaml",
    "mobile-services": "kpn-mobile-services-management.yaml",
    "number-verify": "kpn-number-verify.yaml",
    "sd-lan-sd-wan": "kpn-sd-lan-sd-wan-network-view.yaml",
    "servicenow": "kpn-servicenow-connect.yaml",
    "sim-swap": "kpn-sim-swap.yaml",
    "sms": "kpn-sms.yaml",
    "sms-inbound": "kpn-sms-inbound.yaml",
    "tv-guide": "kpn-tv-guide.yaml",
    "webhook-privacy": "kpn-webhook-privacy-config-manager.yaml",
    "webhook-signing-keys": "kpn-webhook-signing-keys.yaml",
    "wholesale-fpi-cip": "kpn-wholesale-broadband-access-fpi-cip.yaml",
    "wholesale-wba": "kpn-wholesale-wba.yaml",
    "parley": "parley-secure-messenger.yaml",
    "pollyhelp": "pollyhelp-knowledge-management.yaml",
    "registered-email": "registered-email.yaml",
    "tracebuzz": "tracebuzz-social-media-webcare.yaml",
    "vonage-messages": "vonage-messages.yaml",
    "number-insight": "vonage-number-insight.yaml",
    "vonage-phone-numbers": "vonage-phone-numbers.yaml",
    "vonage-sms": "vonage-sms.yaml",
    "vonage-verify": "vonage-verify.yaml",
    "vonage-voice": "vonage-voice.yaml",
    "weseedo-direct": "weseedo-direct.yaml",
    "weseedo-personal": "weseedo-personal.yaml",
    "xdroid": "xdroid-speech-to-text.yaml",
}
# The default profile of each API: KPN Things speaks GRIP; every API Store product shares the gateway's
# client credentials, so the sandbox profile works for all of them.
DEFAULT_PROFILES_BY_API: Final[Mapping[str, str]] = {
    name: "things" if name == "things" else "sandbox" for name in API_SPECS
}
SAFE_METHODS: Final = ("GET", "HEAD")


def parse_fuzz_target(value: str) -> FuzzTarget:
    """Validate a fuzz target: ``emulator`` or ``live`` (replay cannot generate new traffic)."""
    for target in SENDING_TARGETS:
        if value == target:
            return target
    raise UsageError(
        f"fuzz target {value!r} is not supported: choose emulator or live (recorded cassettes cannot "
        "answer newly generated requests)"
    )


def spec_for_api(api: str, spec_dir: Path | None = None) -> Path:
    """The spec file of an API name (``things``, ``parley``, ...) in ``spec_dir`` or the bundled specs."""
    if api not in API_SPECS:
        raise UsageError(f"unknown API {api!r}: choose one of {', '.join(API_SPECS)}")
    if spec_dir is None:
        from kpn_contract.contract.specs import bundled_spec_dir

        spec_dir = bundled_spec_dir()
    return resolve_spec(Path(spec_dir) / API_SPECS[api])


def spec_by_name_or_path(value: str | Path, spec_dir: Path | None = None) -> Path:
    """A bundled spec's API name (``parley``, as :func:`kpn_schema` takes it) or the path of a spec file."""
    if isinstance(value, str) and value in API_SPECS:
        return spec_for_api(value, spec_dir)
    candidate = Path(value).expanduser()
    if not candidate.is_file():
        raise UsageError(
            f"spec {str(value)!r} is neither a spec file nor a bundled spec name ({', '.join(API_SPECS)})"
        )
    return candidate.resolve()


def resolve_spec(path: Path) -> Path:
    """``path`` if it is a readable file; a UsageError naming it otherwise."""
    candidate = Path(path).expanduser()
    if not candidate.is_file():
        raise UsageError(f"spec file {candidate} does not exist or is not a file")
    return candidate.resolve()


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def _with_origin(url: str, origin: str) -> str:
    parts, new = urlsplit(url), urlsplit(origin)
    return urlunsplit((new.scheme, new.netloc, parts.path.rstrip("/"), "", ""))


@dataclass
class BoundSchema:
    """A schemathesis schema ready to run: where it sends, what a cassette calls that, and its auth."""

    schema: Any  # schemathesis.BaseSchema (untyped library)
    auth: KPNSchemathesisAuth
    spec_path: Path
    base_url: str  # where schemathesis sends (emulator origin in the emulator target)
    canonical_base_url: str  # the live URL of the same server, as cassettes record it


def load_schemathesis_schema(spec_path: Path) -> Any:
    """Load ``spec_path`` with schemathesis, with a fresh config (no schemathesis.toml is read)."""
    import schemathesis
    from schemathesis.core.errors import LoaderError

    from kpn_contract.contract._dangling import dangling_refs_as_any
    from kpn_contract.contract.specs import lenient_document, load_spec

    # The guarded reader and $ref confinement first: schemathesis reads files and follows $ref itself.
    load_spec(spec_path)
    try:
        # The toolkit's one reading of published defects (kpn_contract.contract.leniency): the same
        # document the loader, the request validator and the emulator follow (cached by load_spec).
        document, repaired = lenient_document(spec_path)
        # the loader's reading of a dangling $ref (any value, with its warning), for schemathesis too
        document, dangling = dangling_refs_as_any(document)
        if repaired or dangling:
            return schemathesis.openapi.from_dict(document, config=schemathesis.Config())
        return schemathesis.openapi.from_path(spec_path, config=schemathesis.Config())
    except LoaderError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SpecError(f"schemathesis cannot load this spec: {first_line}", path=str(spec_path)) from None
    except SpecError:
        raise
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read the spec: {type(exc).__name__}", path=str(spec_path)) from None


def declared_server(schema: Any, spec_path: Path) -> str:
    """The spec's own absolute server URL (OpenAPI ``servers[0]`` or Swagger scheme+host+basePath)."""
    declared = schema.declared_base_url
    if not declared or not str(declared).startswith(("http://", "https://")):
        raise SpecError("the spec declares no absolute server URL to fuzz", path=str(spec_path))
    return str(declared).rstrip("/")


# KPN Things answers a missing or wrong token with 302 Found [doc], not 401: for grip profiles this
# check accepts it as the rejection it is.
_GRIP_REJECTION_CHECKS: Final = ("negative_data_rejection",)

# Checks left out, per profile kind, with the reason (shown in the banner and the README).
EXCLUDED_CHECKS: Final[Mapping[str, Mapping[str, str]]] = {
    "grip": {
        "missing_required_header": (
            "schemathesis requires exactly 401 when Authorization is missing (hard-coded, not configurable); "
            "KPN Things documents 302 Found for a missing or wrong token"
        ),
    },
    "api-store": {},
}


def excluded_checks(kind: str) -> Mapping[str, str]:
    """The checks left out for a profile kind, each with its reason."""
    return EXCLUDED_CHECKS.get(kind, {})


@dataclass(frozen=True)
class OperationExclusion:
    """A check left out for one operation of one bundled spec, with the reason.

    Each marks a place where the published definition and KPN's documented behaviour disagree:
    the emulator follows the documentation, and the check would hold the published text against it.
    """

    spec: str  # the spec's file name in specs/
    operation: str  # "METHOD /path/template", as the spec writes it
    check: str
    reason: str
    phase: str | None = None  # only in this schemathesis phase (None: in every phase)

    @property
    def method(self) -> str:
        return self.operation.split(" ", 1)[0]

    @property
    def path(self) -> str:
        return self.operation.split(" ", 1)[1]


OPERATION_EXCLUSIONS: Final[tuple[OperationExclusion, ...]] = (
    OperationExclusion(
        "kpn-number-verify.yaml",
        "POST /insights/{msisdn}",
        "status_code_conformance",
        "the gateway answers a missing, invalid or expired token with its 401 fault (KPN-FACTS §1); "
        "the published definition declares 401 on the other operations but not on this one",
    ),
    OperationExclusion(
        "parley-secure-messenger.yaml",
        "GET /config",
        "status_code_conformance",
        "Parley answers invalid input (a missing uniqueAppDeviceId) with 400 and its error envelope, "
        "as every other Parley operation documents; the published GET /config declares only 200 and 401",
    ),
)


def excluded_operation_checks(spec_path: Path) -> list[OperationExclusion]:
    """The per-operation exclusions of a spec: a bundled spec's own (matched by its file name), then
    those the published defects of :mod:`kpn_contract.contract.leniency` call for (any spec)."""
    named = [exclusion for exclusion in OPERATION_EXCLUSIONS if exclusion.spec == Path(spec_path).name]
    return named + _leniency_exclusions(Path(spec_path))


def _leniency_exclusions(spec_path: Path) -> list[OperationExclusion]:
    from kpn_contract.contract.leniency import STATUS_EXCLUDING, operation_leniencies
    from kpn_contract.contract.specs import load_spec

    try:
        spec = load_spec(spec_path)
    except SpecError:
        return []  # schemathesis's loader says what is wrong with the file
    taken = {(e.operation, e.check) for e in OPERATION_EXCLUSIONS if e.spec == spec_path.name}
    found: list[OperationExclusion] = []
    for item in operation_leniencies(spec.operations, swagger=spec.format == "swagger-2.0"):
        if item.operation is None:
            continue
        checks = _LENIENCY_CHECKS.get(
            item.name, ("status_code_conformance",) if item.name in STATUS_EXCLUDING else ()
        )
        for check in checks:
            if (item.operation, check) not in taken:
                reason = f"[{item.name}] {item.defect}; {item.instead}"
                found.append(OperationExclusion(spec_path.name, item.operation, check, reason))
    return found


# The checks a leniency leaves out (besides status_code_conformance for STATUS_EXCLUDING ones).
_LENIENCY_CHECKS: Final[Mapping[str, tuple[str, ...]]] = {
    "formdata-closed-set": ("negative_data_rejection",),
    "body-on-204": ("content_type_conformance", "response_schema_conformance"),
}


def _exclude_per_operation(schema: Any, spec_path: Path) -> None:
    from schemathesis.config import OperationConfig

    for exclusion in excluded_operation_checks(spec_path):
        disabled = {exclusion.check: {"enabled": False}}
        where = (
            {"phases": {exclusion.phase: {"checks": disabled}}} if exclusion.phase else {"checks": disabled}
        )
        config = OperationConfig.from_dict(
            {"include-method": exclusion.method, "include-path": exclusion.path, **where}
        )
        checks = config.phases.get_by_name(name=exclusion.phase).checks if exclusion.phase else config.checks
        # Explicitly excluded, so that a --checks list naming the check does not switch it back on.
        checks.update(excluded_check_names=[exclusion.check])
        schema.config.operations.operations.append(config)


def _accept_302_as_rejection(config: Any) -> None:
    for name in _GRIP_REJECTION_CHECKS:
        check = getattr(config.checks, name)
        if "302" not in check.expected_statuses:
            check.expected_statuses = [*check.expected_statuses, "302"]


def bind_schema(
    spec_path: Path,
    auth: KPNSchemathesisAuth,
    *,
    target: FuzzTarget,
    emulator_url: str | None = None,
) -> BoundSchema:
    """Load ``spec_path`` and bind it to the target's base URL and to ``auth``.

    ``live``: the spec's server path on the profile's ``base_url`` origin (TLS trust from the profile).
    ``emulator``: the same path on ``emulator_url``. The auth provider is registered on this schema
    only (never globally), together with its ``after_call`` hook.
    """
    schema = load_schemathesis_schema(spec_path)
    server = declared_server(schema, spec_path)
    profile = auth.provider.profile
    canonical = _with_origin(server, origin_of(profile.base_url))
    if target == "emulator":
        if not emulator_url:
            raise UsageError("the emulator target needs the emulator's URL")
        base_url = _with_origin(server, emulator_url)
        schema.config.update(base_url=base_url, headers=emulator_api_keys(spec_path) or None)
    else:
        base_url = canonical
        verify = profile.verify
        schema.config.update(base_url=base_url, tls_verify=verify)
    schema.config.update(request_timeout=profile.timeout)
    keep_empty_path_segments(schema)
    if profile.kind == "grip":
        _accept_302_as_rejection(schema.config)
    excluded = list(excluded_checks(profile.kind))
    if excluded:
        schema.config.checks.update(excluded_check_names=excluded)
    _exclude_per_operation(schema, spec_path)
    # schemathesis's AuthStorage instantiates provider *classes*; ours carries per-run state, so the
    # instance goes into the storage's public provider list directly.
    schema.auth.providers.append(auth)
    schema.hooks.register_hook_with_name(auth.after_call, "after_call")
    return BoundSchema(
        schema=schema, auth=auth, spec_path=spec_path, base_url=base_url, canonical_base_url=canonical
    )


def token_transport(
    target: FuzzTarget, emulator_url: str | None, *, verify: Any = True
) -> httpx.BaseTransport:
    """The transport for token requests: routed to the emulator, or a live one with the profile's trust."""
    if target == "emulator":
        from kpn_contract.transport.routing import EmulatorRoutingTransport

        assert emulator_url is not None
        return EmulatorRoutingTransport(emulator_url)
    return httpx.HTTPTransport(verify=verify)

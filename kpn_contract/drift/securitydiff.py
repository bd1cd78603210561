"""Security schemes of two specs compared: a scheme replaced, removed, changed type, or a new token URL."""

from __future__ import annotations

from kpn_contract.contract.model import SecurityScheme, Spec
from kpn_contract.drift.findings import FindingCollector
from kpn_contract.drift.schemaview import escape_pointer

__all__ = ["compare_security_schemes"]


# Swagger 2.0 names for what OpenAPI 3 calls the same thing.
_FLOW_NAMES = {"application": "clientCredentials", "accessCode": "authorizationCode"}
_TYPE_NAMES = {"basic": "http"}


def _scheme_kind(scheme: SecurityScheme) -> tuple[str, tuple[str, ...]]:
    """Type and flows in OpenAPI 3 terms, so Swagger 2.0 and OpenAPI 3 schemes compare equal."""
    return _TYPE_NAMES.get(scheme.type, scheme.type), tuple(
        sorted(_FLOW_NAMES.get(f, f) for f in scheme.flows)
    )


def _describe_scheme(scheme: SecurityScheme) -> str:
    kind, flows = _scheme_kind(scheme)
    return f"{kind} ({', '.join(flows)})" if flows else kind


def compare_security_schemes(differ: FindingCollector, old: Spec, new: Spec) -> dict[str, str]:
    """Compare security scheme definitions; return new-name → old-name for schemes that were renamed."""
    renamed: dict[str, str] = {}
    unmatched_new = dict(new.security_schemes)
    for name, scheme in old.security_schemes.items():
        users = tuple(o.key for o in old.operations if name in o.security) or tuple(
            o.key for o in old.operations
        )
        target = new.security_schemes.get(name)
        if target is None:
            target = next(
                (
                    s
                    for s in unmatched_new.values()
                    if (_scheme_kind(s), s.token_url) == (_scheme_kind(scheme), scheme.token_url)
                ),
                None,
            )
            if target is not None:
                renamed[target.name] = name
        if target is None:
            differ.emit(
                "security.scheme.changed",
                "*",
                f"/components/securitySchemes/{escape_pointer(name)}",
                old=_describe_scheme(scheme),
                new=None,
                message=f"security scheme {name!r} was removed",
                affects=users,
            )
            continue
        unmatched_new.pop(target.name, None)
        where = f"/components/securitySchemes/{escape_pointer(name)}"
        if _scheme_kind(scheme) != _scheme_kind(target):
            differ.emit(
                "security.scheme.changed",
                "*",
                where,
                old=_describe_scheme(scheme),
                new=_describe_scheme(target),
                message=f"security scheme {name!r} is now {_describe_scheme(target)}",
                affects=users,
            )
        elif (scheme.token_url or None) != (target.token_url or None):
            differ.emit(
                "security.token-url.changed",
                "*",
                f"{where}/tokenUrl",
                old=scheme.token_url,
                new=target.token_url,
                message=f"token URL of {name!r} changed",
                affects=users,
            )
    return renamed

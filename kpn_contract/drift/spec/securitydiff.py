"""Security schemes of two specs compared: a scheme replaced, removed, changed type, or a new URL.

A scheme that no operation uses is not compared (unless the spec names no requirement at all). The
token URL is in the model; the other URLs a client is configured with (``authorizationUrl``,
``refreshUrl`` per flow, ``openIdConnectUrl``) are read from the raw scheme.
"""

from __future__ import annotations

from typing import Any

from kpn_contract.contract.model import SecurityScheme, Spec
from kpn_contract.drift.findings import FindingCollector
from kpn_contract.drift.spec.schemaview import escape_pointer

__all__ = ["compare_security_schemes"]


# Swagger 2.0 names for what OpenAPI 3 calls the same thing.
_FLOW_NAMES = {"application": "clientCredentials", "accessCode": "authorizationCode"}
_TYPE_NAMES = {"basic": "http"}


def _scheme_kind(scheme: SecurityScheme) -> tuple[str, tuple[str, ...]]:
    """Type and what a client must do for it, in OpenAPI 3 terms, so Swagger 2.0 and OpenAPI 3 agree.

    That is the flows of an oauth2 scheme, the HTTP scheme (``basic``, ``bearer``) of an http one
    and where an apiKey goes.
    """
    kind = _TYPE_NAMES.get(scheme.type, scheme.type)
    if kind == "http":
        return kind, (scheme.http_scheme or ("basic" if scheme.type == "basic" else ""),)
    if kind == "apiKey":
        return kind, (scheme.api_key_in or "", (scheme.api_key_name or "").lower())
    return kind, tuple(sorted(_FLOW_NAMES.get(f, f) for f in scheme.flows))


# The URLs of a scheme besides the token URL, where OpenAPI 3 (per flow) and Swagger 2.0 put them.
_URL_KEYS = ("authorizationUrl", "refreshUrl")


def _raw_scheme(spec: Spec, name: str) -> dict[str, Any]:
    """The scheme as written (``{}`` when it is a ``$ref`` or missing: nothing to compare then)."""
    if spec.format == "swagger-2.0":
        table = spec.raw.get("securityDefinitions")
    else:
        components = spec.raw.get("components")
        table = components.get("securitySchemes") if isinstance(components, dict) else None
    node = table.get(name) if isinstance(table, dict) else None
    return node if isinstance(node, dict) and "$ref" not in node else {}


def scheme_urls(spec: Spec, name: str) -> dict[str, str]:
    """``{"flows/<flow>/authorizationUrl": url, ..., "openIdConnectUrl": url}`` of one scheme."""
    node = _raw_scheme(spec, name)
    urls: dict[str, str] = {}
    if isinstance(node.get("openIdConnectUrl"), str):
        urls["openIdConnectUrl"] = node["openIdConnectUrl"]
    flows = node.get("flows")
    if isinstance(flows, dict):
        for flow, body in flows.items():
            for key in _URL_KEYS:
                if isinstance(body, dict) and isinstance(body.get(key), str):
                    urls[f"flows/{_FLOW_NAMES.get(flow, flow)}/{key}"] = body[key]
    elif isinstance(node.get("authorizationUrl"), str):  # Swagger 2.0: one flow on the scheme
        flow = _FLOW_NAMES.get(str(node.get("flow", "")), str(node.get("flow", "")))
        urls[f"flows/{flow}/authorizationUrl"] = node["authorizationUrl"]
    return urls


def _compare_urls(
    differ: FindingCollector, old: Spec, new: Spec, names: tuple[str, str], users: tuple[str, ...]
) -> None:
    before, after = scheme_urls(old, names[0]), scheme_urls(new, names[1])
    for key in sorted(before.keys() | after.keys()):
        if key not in before or before[key] == after.get(key):
            continue  # a URL where there was none offers something new; nothing a client used moved
        differ.emit(
            "security.oauth-url.changed",
            "*",
            f"/components/securitySchemes/{escape_pointer(names[0])}/{key}",
            old=before.get(key),
            new=after.get(key),
            message=f"{key.rsplit('/', 1)[-1]} of {names[0]!r} changed",
            affects=users,
        )


def _describe_scheme(scheme: SecurityScheme) -> str:
    kind, details = _scheme_kind(scheme)
    shown = [d for d in details if d]
    return f"{kind} ({', '.join(shown)})" if shown else kind


def compare_security_schemes(differ: FindingCollector, old: Spec, new: Spec) -> dict[str, str]:
    """Compare security scheme definitions; return new-name → old-name for schemes that were renamed."""
    renamed: dict[str, str] = {}
    unmatched_new = dict(new.security_schemes)
    # A spec that names no requirement at all still authenticates with its schemes; otherwise a
    # scheme no operation uses changes nothing for a consumer.
    implicit = not any(o.security for o in old.operations)
    for name, scheme in old.security_schemes.items():
        users = tuple(o.key for o in old.operations if name in o.security)
        if implicit:
            users = tuple(o.key for o in old.operations)
        elif not users:
            continue
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
        else:
            _compare_urls(differ, old, new, (name, target.name), users)
    return renamed

"""Requests built from an operation's own contract: what a test sends to get its documented success.

Shared by the contract suite (tests/contract/test_products.py) and the emulator's product tests, so
both send the same inputs: every path parameter, the required query parameters and headers, and a
body generated from the request schema (deterministic: :func:`generate_instance`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

from kpn_contract.config.profiles import GATEWAY_BASE_URL
from kpn_contract.contract.instances import generate_instance
from kpn_contract.contract.model import Operation, Spec

__all__ = ["request_args"]

MULTIPART_BOUNDARY = "kpn-contract-suite"


def _param_value(schema: dict[str, Any], examples: bool = False) -> str:
    value = schema["example"] if examples and "example" in schema else generate_instance(schema)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return "x"
    return str(value)


def _form_value(value: Any) -> str:
    """A form field as OpenAPI serialises it: booleans as true/false, not Python's True/False."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _server(spec: Spec) -> str:
    """The spec's server on the API Store gateway where it lists one (some list a mock first), else its first.

    The gateway token goes to the gateway's host only (``KPNAuth``), never to a mock's or a product's own.
    """
    gateway = [url for url in spec.servers if urlsplit(url).hostname == urlsplit(GATEWAY_BASE_URL).hostname]
    return (gateway or list(spec.servers))[0].rstrip("/")


def request_args(
    spec: Spec, op: Operation, *, drop_required: bool = False, examples: bool = False
) -> dict[str, Any]:
    """URL, query, headers and body for ``op``, built from its parameters and request schema.

    ``examples``: a parameter's or body's documented example where the definition gives one (the
    generated instance otherwise).
    """
    path = op.path
    params: dict[str, str] = {}
    headers: dict[str, str] = {}
    for parameter in op.parameters:
        if parameter.location == "path":
            value = quote(_param_value(parameter.schema, examples), safe="")
            path = path.replace("{" + parameter.name + "}", value)
        elif parameter.location == "query" and parameter.required and not drop_required:
            params[parameter.name] = _param_value(parameter.schema, examples)
        elif (
            parameter.location == "header"
            and parameter.required
            and parameter.name.lower() != "authorization"
        ):
            headers[parameter.name] = _param_value(parameter.schema, examples)
    args: dict[str, Any] = {"url": _server(spec) + path, "params": params, "headers": headers}
    body = op.request_body
    if body is not None and body.content and not (drop_required and body.required):
        media_type, media = next(iter(body.content.items()))
        documented = examples and media.example is not None
        instance = media.example if documented else generate_instance(media.schema or {})
        if "json" in media_type:
            args["json"] = instance
        elif "form" in media_type and isinstance(instance, dict):
            fields = {k: _form_value(v) for k, v in instance.items()}
            if media_type.startswith("multipart/"):
                # A fixed boundary: the body is then the same every run, so replay finds its recording.
                args["files"] = {k: (None, v) for k, v in fields.items()}
                headers["content-type"] = f"{media_type}; boundary={MULTIPART_BOUNDARY}"
            else:
                args["data"] = fields
        else:
            args["content"] = str(instance).encode()
            headers["content-type"] = media_type
    return args

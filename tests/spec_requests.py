"""Requests built from an operation's own contract: what a test sends to get its documented success.

Shared by the contract suite (tests/contract/test_products.py) and the emulator's product tests, so
both send the same inputs: every path parameter, the required query parameters and headers, and a
body generated from the request schema (deterministic: :func:`generate_instance`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from kpn_contract.contract.instances import generate_instance
from kpn_contract.contract.model import Operation, Spec

__all__ = ["request_args"]


_BOUNDARY = "kpn-contract-boundary"  # fixed, so a recorded multipart body matches on replay


def _param_value(schema: dict[str, Any]) -> str:
    return _text(generate_instance(schema))


def _text(value: Any) -> str:
    """A value as a parameter or form field carries it: booleans as JSON writes them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return "x"
    return str(value)


def request_args(spec: Spec, op: Operation, *, drop_required: bool = False) -> dict[str, Any]:
    """URL, query, headers and body for ``op``, built from its parameters and request schema."""
    path = op.path
    params: dict[str, str] = {}
    headers: dict[str, str] = {}
    for parameter in op.parameters:
        if parameter.location == "path":
            path = path.replace("{" + parameter.name + "}", quote(_param_value(parameter.schema), safe=""))
        elif parameter.location == "query" and parameter.required and not drop_required:
            params[parameter.name] = _param_value(parameter.schema)
        elif (
            parameter.location == "header"
            and parameter.required
            and parameter.name.lower() != "authorization"
        ):
            headers[parameter.name] = _param_value(parameter.schema)
    args: dict[str, Any] = {"url": spec.servers[0].rstrip("/") + path, "params": params, "headers": headers}
    body = op.request_body
    if body is not None and body.content and not (drop_required and body.required):
        media_type, media = next(iter(body.content.items()))
        instance = generate_instance(media.schema or {})
        if "json" in media_type:
            args["json"] = instance
        elif media_type.startswith("multipart/form-data") and isinstance(instance, dict):
            args["content"] = _multipart({k: _text(v) for k, v in instance.items()})
            headers["content-type"] = f"multipart/form-data; boundary={_BOUNDARY}"
        elif "form" in media_type and isinstance(instance, dict):
            args["data"] = {k: _text(v) for k, v in instance.items()}
        else:
            args["content"] = str(instance).encode()
            headers["content-type"] = media_type
    return args


def _multipart(fields: dict[str, str]) -> bytes:
    parts = [
        f'--{_BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in fields.items()
    ]
    return ("".join(parts) + f"--{_BOUNDARY}--\r\n").encode()

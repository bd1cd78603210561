"""Reading operations and servers of one document into the format-neutral model (security: ``_security``).

Swagger 2.0, OpenAPI 3.0 and 3.1 all become the same :class:`~kpn_contract.contract.model.Operation`
objects; problems that still leave a usable spec become warnings (file + JSON pointer).
"""

from __future__ import annotations

import re
from typing import Any, cast

from kpn_contract.contract._callbacks import read_callbacks
from kpn_contract.contract._common import is_json, media_name
from kpn_contract.contract._document import join_pointer, mapping
from kpn_contract.contract._parameters import CONTENT_JSON, declared_serialisation
from kpn_contract.contract._security import SecurityReader
from kpn_contract.contract.model import (
    JSONSchema,
    MediaType,
    Operation,
    Parameter,
    ParameterLocation,
    RequestBody,
    ResponseSpec,
)

__all__ = ["CLOSED_FORM", "HTTP_METHODS", "SpecReader"]

# On a Swagger 2.0 operation: its formData parameters are the whole form, which must be sent.
CLOSED_FORM = "x-kpn-closed-form"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9!#$&^_.+*-]+/[A-Za-z0-9!#$&^_.+*-]+\s*(;.*)?$")
_STATUS_KEY = re.compile(r"^[1-5](?:[0-9]{2}|XX)$")
_LOCATIONS: frozenset[str] = frozenset({"path", "query", "header", "cookie", "formData", "body"})
# Swagger 2.0 parameter/header keys that are JSON Schema keywords.
_SWAGGER_SCHEMA_KEYS = frozenset(
    {
        "type",
        "format",
        "items",
        "enum",
        "default",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "minLength",
        "maxLength",
        "pattern",
        "minItems",
        "maxItems",
        "uniqueItems",
        "multipleOf",
        "x-nullable",
    }
)


class SpecReader(SecurityReader):
    """One load of one file: its operations, servers and security schemes (schemas via the base class)."""

    def media_types(self, content: Any, pointer: str) -> dict[str, MediaType]:
        result: dict[str, MediaType] = {}
        if content is None:
            return result
        if not isinstance(content, dict):
            self.warn(pointer, "'content' is not an object; ignored")
            return result
        for name, raw_media in content.items():
            at = join_pointer(pointer, name)
            if not isinstance(name, str) or not _MEDIA_TYPE.match(name):
                self.warn(at, f"invalid media type {name!r}; ignored")
                continue
            media = mapping(raw_media)
            schema = (
                self.schema(media["schema"], self.path, join_pointer(at, "schema"))
                if "schema" in media
                else None
            )
            example = media.get("example")
            if example is None and isinstance(media.get("examples"), dict):
                first = next(iter(media["examples"].values()), None)
                if isinstance(first, dict):
                    example = first.get("value")
            result[name] = MediaType(name, schema, example)
        return result

    def valid_media_list(self, value: Any, pointer: str) -> list[str] | None:
        """A Swagger ``produces``/``consumes`` list with invalid entries warned about and dropped."""
        if value is None:
            return None
        if not isinstance(value, list):
            self.warn(pointer, "media type list is not a list; ignored")
            return None
        kept = []
        for i, name in enumerate(value):
            if isinstance(name, str) and _MEDIA_TYPE.match(name):
                kept.append(name)
            else:
                self.warn(join_pointer(pointer, i), f"invalid media type {name!r}; ignored")
        return kept

    def parameters(self, raw: Any, pointer: str) -> list[tuple[dict[Any, Any], str]]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.warn(pointer, "'parameters' is not a list; ignored")
            return []
        found = []
        for i, item in enumerate(raw):
            node, _, _ = self.deref(item, self.path, join_pointer(pointer, i))
            if not (
                isinstance(node, dict) and isinstance(node.get("name"), str) and node.get("in") in _LOCATIONS
            ):
                self.warn(join_pointer(pointer, i), "parameter without a valid 'name' and 'in'; ignored")
                continue
            found.append((node, join_pointer(pointer, i)))
        return found

    def swagger_schema(self, node: dict[Any, Any], pointer: str) -> JSONSchema:
        subset = {k: v for k, v in node.items() if k in _SWAGGER_SCHEMA_KEYS}
        return self.schema(subset, self.path, pointer)

    def operation(
        self, path: str, method: str, op: dict[Any, Any], shared: list[Any], pointer: str
    ) -> Operation:
        swagger = self.format == "swagger-2.0"
        merged: dict[tuple[str, str], tuple[dict[Any, Any], str]] = {}
        for node, at in [
            *shared,
            *self.parameters(op.get("parameters"), join_pointer(pointer, "parameters")),
        ]:
            merged[(node["name"], node["in"])] = (node, at)
        params: list[Parameter] = []
        body: RequestBody | None = None
        form_props: JSONSchema = {}
        form_required: list[str] = []
        consumes = self.valid_media_list(op.get("consumes"), join_pointer(pointer, "consumes"))
        if consumes is None:
            consumes = self.valid_media_list(self.root.get("consumes"), "/consumes")
        for (name, location), (node, at) in merged.items():
            if location == "body":
                schema = self.schema(node.get("schema", {}), self.path, join_pointer(at, "schema"))
                names = consumes or ["application/json"]
                body = RequestBody(bool(node.get("required")), {m: MediaType(m, schema) for m in names})
                continue
            if location == "formData":
                form_props[name] = self.swagger_schema(node, at)
                if node.get("required"):
                    form_required.append(name)
                continue
            if swagger:
                schema = self.swagger_schema(node, at)
            elif "schema" in node:
                schema = self.schema(node["schema"], self.path, join_pointer(at, "schema"))
            elif isinstance(node.get("content"), dict) and node["content"]:
                first = next(iter(node["content"].values()))
                raw_schema = first.get("schema", {}) if isinstance(first, dict) else {}
                schema = self.schema(raw_schema, self.path, join_pointer(at, "content"))
            else:
                schema = {}
            loc = cast(ParameterLocation, location)
            required = bool(node.get("required")) or location == "path"
            style, explode = declared_serialisation(node, location, swagger=swagger)
            content = node.get("content") if not swagger and "schema" not in node else None
            if isinstance(content, dict) and any(is_json(media_name(str(m))) for m in content):
                style, explode = CONTENT_JSON, False  # the value is one JSON document
            params.append(
                Parameter(
                    name,
                    loc,
                    required,
                    schema,
                    bool(node.get("deprecated")),
                    style,
                    explode,
                    allow_empty_value=node.get("allowEmptyValue") is True,
                )
            )
        if form_props:
            form_schema: JSONSchema = {"type": "object", "properties": form_props}
            if form_required:
                form_schema["required"] = form_required
            # Swagger 2.0 leaves open whether other fields may be sent and whether the form may be left
            # out; a contract that says (x-kpn-closed-form) gets a closed, required form body.
            closed = op.get(CLOSED_FORM) is True
            if closed:
                form_schema["additionalProperties"] = False
            names = [m for m in (consumes or []) if "form" in m] or ["application/x-www-form-urlencoded"]
            body = RequestBody(closed or bool(form_required), {m: MediaType(m, form_schema) for m in names})
        if not swagger and "requestBody" in op:
            node, _, at = self.deref(op["requestBody"], self.path, join_pointer(pointer, "requestBody"))
            if isinstance(node, dict):
                body = RequestBody(
                    bool(node.get("required")),
                    self.media_types(node.get("content"), join_pointer(at, "content")),
                )
        produces = self.valid_media_list(op.get("produces"), join_pointer(pointer, "produces"))
        if produces is None:
            produces = self.valid_media_list(self.root.get("produces"), "/produces")
        if "security" in op:
            requirements = self.security_requirements(op["security"], join_pointer(pointer, "security"))
        else:
            requirements = self.security_requirements(self.root.get("security"), "/security")
        names_sec = list(dict.fromkeys(name for requirement in requirements for name in requirement))
        op_id = op.get("operationId")
        info = mapping(self.root.get("info"))
        sunset = op.get("x-sunset") or info.get("x-sunset")
        family = op.get("x-kpn-family") or self.root.get("x-kpn-family") or info.get("x-kpn-family")
        # oasdiff's x-stability-level names the same levels (draft, alpha, beta, stable).
        stability = op.get("x-kpn-stability") or op.get("x-stability-level")
        return Operation(
            spec_path=self.name,
            spec_title=self.title(),
            method=method.upper(),
            path=path,
            operation_id=op_id if isinstance(op_id, str) and op_id else f"{method.upper()} {path}",
            parameters=tuple(params),
            request_body=body,
            responses=self.responses(op.get("responses"), join_pointer(pointer, "responses"), produces),
            deprecated=op.get("deprecated") is True,
            sunset=str(sunset) if sunset else None,
            security=tuple(names_sec),
            family=str(family) if family else None,
            security_requirements=requirements,
            stability=str(stability) if stability else None,
            callbacks=read_callbacks(self, op.get("callbacks"), join_pointer(pointer, "callbacks")),
        )

    def path_item_operations(self, path: str, raw_item: Any, pointer: str) -> list[Operation]:
        """The operations of one path item (of ``paths``, ``webhooks`` or a callback)."""
        item, _, _ = self.deref(raw_item, self.path, pointer)
        if not isinstance(item, dict):
            self.warn(pointer, "path item is not an object; ignored")
            return []
        shared = self.parameters(item.get("parameters"), join_pointer(pointer, "parameters"))
        result = []
        for method in HTTP_METHODS:
            if method not in item:
                continue
            op = item[method]
            if not isinstance(op, dict):
                self.warn(join_pointer(pointer, method), "operation is not an object; ignored")
                continue
            result.append(self.operation(path, method, op, shared, join_pointer(pointer, method)))
        return result

    def responses(self, raw: Any, pointer: str, produces: list[str] | None) -> dict[str, ResponseSpec]:
        result: dict[str, ResponseSpec] = {}
        if not isinstance(raw, dict):
            self.warn(pointer, "'responses' is missing or not an object; the operation declares no responses")
            return result
        for key, value in raw.items():
            at = join_pointer(pointer, key)
            if isinstance(key, int) and not isinstance(key, bool):
                self.warn(at, f"response code written as a YAML integer ({key}); read as the string '{key}'")
                status = str(key)
            elif isinstance(key, str):
                status = key.upper() if key.lower() != "default" else "default"
                if status != "default" and not _STATUS_KEY.match(status):
                    self.warn(
                        at, f"response key {key!r} is not a status code, a range like '2XX', or 'default'"
                    )
            else:
                self.warn(at, f"response key {key!r} is not a status code; ignored")
                continue
            node, _, node_at = self.deref(value, self.path, at)
            if not isinstance(node, dict):
                node = {}
            if self.format == "swagger-2.0":
                content: dict[str, MediaType] = {}
                if "schema" in node:
                    schema = self.schema(node["schema"], self.path, join_pointer(node_at, "schema"))
                    examples = mapping(node.get("examples"))
                    for name in produces or ["*/*"]:
                        content[name] = MediaType(name, schema, examples.get(name))
            else:
                content = self.media_types(node.get("content"), join_pointer(node_at, "content"))
            headers, required = self.headers(node.get("headers"), join_pointer(node_at, "headers"))
            description = node.get("description")
            result[status] = ResponseSpec(
                status, description if isinstance(description, str) else "", content, required, headers
            )
        return result

    def headers(self, raw: Any, pointer: str) -> tuple[dict[str, JSONSchema], tuple[str, ...]]:
        schemas: dict[str, JSONSchema] = {}
        required: list[str] = []
        if not isinstance(raw, dict):
            return schemas, ()
        for name, value in raw.items():
            at = join_pointer(pointer, name)
            node, _, node_at = self.deref(value, self.path, at)
            if not isinstance(name, str) or not isinstance(node, dict):
                self.warn(at, "invalid response header; ignored")
                continue
            if self.format == "swagger-2.0":
                schemas[name] = self.swagger_schema(node, node_at)
            else:
                schemas[name] = self.schema(
                    node.get("schema", {}), self.path, join_pointer(node_at, "schema")
                )
                if node.get("required") is True:
                    required.append(name)
        return schemas, tuple(required)

    # -- the whole document ---------------------------------------------------------------------------------
    def title(self) -> str:
        info = self.root.get("info")
        title = info.get("title") if isinstance(info, dict) else None
        return str(title) if title else self.path.stem

    def servers(self) -> tuple[str, ...]:
        if self.format == "swagger-2.0":
            host = self.root.get("host")
            base = self.root.get("basePath") or ""
            base = str(base) if str(base).startswith("/") or not base else "/" + str(base)
            if not host:
                return (base or "/",)
            schemes = self.root.get("schemes")
            if not isinstance(schemes, list) or not schemes:
                schemes = ["https"]
            return tuple(f"{scheme}://{host}{base}" for scheme in schemes)
        raw = self.root.get("servers")
        if raw is None:
            return ("/",)
        if not isinstance(raw, list):
            self.warn("/servers", "'servers' is not a list; ignored")
            return ("/",)
        urls: list[str] = []
        for i, server in enumerate(raw):
            if not (isinstance(server, dict) and isinstance(server.get("url"), str)):
                self.warn(join_pointer("/servers", i), "server without a 'url'; ignored")
                continue
            url = server["url"]
            variables = mapping(server.get("variables"))
            for var, spec in variables.items():
                default = spec.get("default") if isinstance(spec, dict) else None
                url = url.replace("{" + str(var) + "}", str(default if default is not None else ""))
            urls.append(url)
        return tuple(urls) or ("/",)

    def operations(self) -> list[Operation]:
        paths = self.root.get("paths")
        if paths is None:
            if self.format != "openapi-3.1":
                self.warn("/paths", "no 'paths' object; the spec has no operations")
            return []
        if not isinstance(paths, dict):
            self.warn("/paths", "'paths' is not an object; the spec has no operations")
            return []
        result = []
        for raw_path, raw_item in paths.items():
            pointer = join_pointer("/paths", raw_path)
            if not isinstance(raw_path, str):
                self.warn(pointer, f"path key {raw_path!r} is not a string; ignored")
                continue
            path = raw_path
            if not path.startswith("/"):
                self.warn(pointer, "path does not start with '/'; read as if it did")
                path = "/" + path
            result.extend(self.path_item_operations(path, raw_item, pointer))
        return result

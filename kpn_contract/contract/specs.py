"""Loading specifications leniently, and the one operation lookup of the toolkit.

:func:`load_spec` reads Swagger 2.0, OpenAPI 3.0.x and OpenAPI 3.1 (YAML or JSON) into the
format-neutral model of :mod:`kpn_contract.contract.model`. Every ``$ref`` (local or cross-file)
is resolved into plain JSON Schema dictionaries that one Draft 2020-12 validator understands:
OpenAPI 3.0 ``nullable`` and Swagger ``x-nullable`` become ``"null"`` in the type, boolean
``exclusiveMaximum``/``exclusiveMinimum`` become numbers, and annotations such as ``example``,
``xml`` and ``x-…`` are dropped. Recursive ``$ref`` cycles are cut with ``{}`` (any value).

Resolved schemas are shared between operations (a ``$ref`` is resolved once): treat them as
read-only.

Published definitions are messy, so problems that still leave a usable spec become
:class:`~kpn_contract.contract.model.SpecWarning` (file + JSON pointer) and loading continues.
:class:`~kpn_contract.errors.SpecError` is raised only when a file cannot be read as a spec at all.

:class:`SpecIndex` finds the operation for a ``(method, URL)`` pair across loaded specs, through
each spec's servers (``servers`` / ``host`` + ``basePath``) and its path templates.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast
from urllib.parse import unquote, urlsplit

import jsonschema_rs
import yaml

from kpn_contract.contract.model import (
    JSONSchema,
    MediaType,
    Operation,
    Parameter,
    ParameterLocation,
    RequestBody,
    ResponseSpec,
    SecurityScheme,
    Spec,
    SpecFormat,
    SpecWarning,
)
from kpn_contract.errors import SpecError

__all__ = [
    "RULES_FILE_NAME",
    "SPEC_SUFFIXES",
    "SpecIndex",
    "bundled_spec_dir",
    "describe_specs",
    "load_spec",
    "load_specs",
    "project_index",
    "spec_files",
]

# The C loader parses the 1.8 MB SD-LAN definition about ten times faster than the pure-Python one.
_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SPEC_SUFFIXES = (".yml", ".yaml", ".json")
# The response-code rule table lives next to the specs but is not one; directory expansion skips it.
RULES_FILE_NAME = "rules.yaml"
# Folders inside a spec folder that hold other YAML (specs/kpn-things/migrations: beta-to-new maps).
SKIPPED_FOLDERS = frozenset({"migrations"})

_MEDIA_TYPE = re.compile(r"^[A-Za-z0-9!#$&^_.+*-]+/[A-Za-z0-9!#$&^_.+*-]+\s*(;.*)?$")
_STATUS_KEY = re.compile(r"^[1-5](?:[0-9]{2}|XX)$")
_JSON_TYPES = frozenset({"null", "boolean", "object", "array", "number", "string", "integer"})
_LOCATIONS: frozenset[str] = frozenset({"path", "query", "header", "cookie", "formData", "body"})
# Keywords that hold one subschema, a list of subschemas, or a name → subschema mapping.
_ONE_SCHEMA = frozenset(
    {
        "additionalProperties",
        "not",
        "additionalItems",
        "contains",
        "propertyNames",
        "if",
        "then",
        "else",
        "unevaluatedProperties",
        "unevaluatedItems",
    }
)
_SCHEMA_LIST = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
_SCHEMA_MAP = frozenset({"properties", "patternProperties", "dependentSchemas", "$defs", "definitions"})
# Annotations that change nothing for validation (or confuse a validator when embedded).
_DROPPED = frozenset(
    {
        "example",
        "examples",
        "xml",
        "externalDocs",
        "discriminator",
        "nullable",
        "$schema",
        "$id",
        "$anchor",
        "$comment",
        "collectionFormat",
    }
)
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
_MAX_REF_HOPS = 32


def _mapping(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _escape(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def _join(pointer: str, *tokens: object) -> str:
    return pointer + "".join("/" + _escape(t) for t in tokens)


def _read_document(path: Path) -> Any:
    """Parse one YAML or JSON file; every failure becomes a SpecError naming the file (and line)."""
    name = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SpecError("file not found", path=name) from None
    except OSError as exc:
        raise SpecError(f"cannot read file: {exc.strerror or exc}", path=name) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(f"not UTF-8 text (byte {exc.start})", path=name) from None
    if path.suffix.lower() == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpecError(f"invalid JSON at line {exc.lineno}: {exc.msg}", path=name) from None
        except RecursionError:
            raise SpecError("JSON nested too deeply", path=name) from None
    try:
        return yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader (CSafeLoader or SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise SpecError(f"invalid YAML{line}: {exc.problem or exc.context}", path=name) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"invalid YAML: {exc}", path=name) from None
    except (ValueError, TypeError, OverflowError) as exc:
        # The YAML constructors raise these for values such as the date 2020-13-45.
        raise SpecError(f"invalid YAML value: {exc}", path=name) from None
    except RecursionError:
        raise SpecError("YAML nested too deeply", path=name) from None


def _detect_format(root: dict[Any, Any], name: str) -> SpecFormat:
    if "swagger" in root:
        version = str(root["swagger"])
        if version in {"2.0", "2"}:
            return "swagger-2.0"
        raise SpecError(
            f"unsupported Swagger version {version!r} (only 2.0 is read)", path=name, pointer="/swagger"
        )
    if "openapi" in root:
        version = str(root["openapi"])
        if re.match(r"^3\.0(\.\d+)?$", version):
            return "openapi-3.0"
        if re.match(r"^3\.1(\.\d+)?$", version):
            return "openapi-3.1"
        raise SpecError(
            f"unsupported OpenAPI version {version!r} (3.0.x and 3.1.x are read)",
            path=name,
            pointer="/openapi",
        )
    raise SpecError("no 'openapi' or 'swagger' version key: not an API definition", path=name)


class _Loader:
    """One load of one file (and the files its ``$ref`` reach). Not reused between loads."""

    def __init__(self, path: Path, root: dict[Any, Any], fmt: SpecFormat) -> None:
        self.path = path
        self.name = str(path)
        self.root = root
        self.format = fmt
        self.warnings: list[SpecWarning] = []
        self._seen_warnings: set[tuple[str, str, str]] = set()
        self._docs: dict[Path, Any] = {path.resolve(): root}
        self._memo: dict[tuple[Path, str], JSONSchema] = {}
        self._in_progress: set[tuple[Path, str]] = set()

    # -- warnings ---------------------------------------------------------------------------------
    def warn(self, pointer: str, message: str, file: Path | None = None) -> None:
        where = self.name if file is None or file.resolve() == self.path.resolve() else str(file)
        key = (where, pointer, message)
        if key not in self._seen_warnings:
            self._seen_warnings.add(key)
            self.warnings.append(SpecWarning(where, pointer, message))

    # -- $ref ---------------------------------------------------------------------------------------
    def _document(self, file: Path, at: Path, pointer: str) -> Any:
        key = file.resolve()
        if key not in self._docs:
            try:
                self._docs[key] = _read_document(file)
            except SpecError as exc:
                self.warn(pointer, f"$ref to a file that cannot be read: {exc.message}", at)
                self._docs[key] = None
        return self._docs[key]

    def _locate(self, ref: object, base: Path, pointer: str) -> tuple[Any, Path, str] | None:
        """Find the target of ``ref`` written at ``pointer`` in ``base``; warn and return None if dangling."""
        if not isinstance(ref, str):
            self.warn(pointer, "$ref is not a string", base)
            return None
        file_part, _, fragment = ref.partition("#")
        target_file = base
        if file_part:
            if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", file_part):
                self.warn(
                    pointer, f"remote $ref {ref!r} is not fetched (offline); treated as any value", base
                )
                return None
            target_file = (base.parent / unquote(file_part)).resolve()
        doc = self._document(target_file, base, pointer)
        if doc is None:
            return None
        node = doc
        target_pointer = fragment
        if fragment and not fragment.startswith("/"):
            self.warn(pointer, f"$ref {ref!r}: only JSON-pointer fragments are supported", base)
            return None
        for token in fragment.split("/")[1:] if fragment else []:
            key = unquote(token).replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and key in node:
                node = node[key]
            elif key.isdigit() and (
                (isinstance(node, dict) and int(key) in node)
                or (isinstance(node, list) and int(key) < len(node))
            ):
                node = node[int(key)]
            else:
                self.warn(
                    pointer, f"dangling $ref {ref!r}: target does not exist; treated as any value", base
                )
                return None
        return node, target_file, target_pointer

    def deref(self, node: Any, base: Path, pointer: str) -> tuple[Any, Path, str]:
        """Follow ``$ref`` on a non-schema object (parameter, response, path item, …)."""
        for _ in range(_MAX_REF_HOPS):
            if not (isinstance(node, dict) and "$ref" in node):
                return node, base, pointer
            found = self._locate(node["$ref"], base, pointer)
            if found is None:
                return None, base, pointer
            node, base, pointer = found
        self.warn(pointer, "$ref chain too long or circular", base)
        return None, base, pointer

    # -- schemas --------------------------------------------------------------------------------------
    def schema(self, node: Any, base: Path, pointer: str) -> JSONSchema:
        """Resolve and normalise one schema into a Draft 2020-12 dictionary."""
        if isinstance(node, bool):
            return {} if node else {"not": {}}
        if not isinstance(node, dict):
            self.warn(
                pointer, f"schema is a {type(node).__name__}, not an object; treated as any value", base
            )
            return {}
        if "$ref" in node:
            resolved = self._ref_schema(node["$ref"], base, pointer)
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            if self.format == "openapi-3.1" and any(
                k not in _DROPPED and k not in _ANNOTATIONS for k in siblings
            ):
                return {"allOf": [resolved, self._convert(siblings, base, pointer)]}
            if self.format != "openapi-3.1" and (
                siblings.get("nullable") is True or siblings.get("x-nullable")
            ):
                return {"anyOf": [resolved, {"type": "null"}]}
            return resolved
        return self._convert(node, base, pointer)

    def _ref_schema(self, ref: object, base: Path, pointer: str) -> JSONSchema:
        found = self._locate(ref, base, pointer)
        if found is None:
            return {}
        target, file, target_pointer = found
        key = (file.resolve(), target_pointer)
        if key in self._memo:
            return self._memo[key]
        if key in self._in_progress:
            # A recursive schema: cut the cycle here, so the result stays a finite plain dict.
            return {}
        self._in_progress.add(key)
        try:
            result = self.schema(target, file, target_pointer)
        finally:
            self._in_progress.discard(key)
        self._memo[key] = result
        return result

    def _convert(self, node: dict[Any, Any], base: Path, pointer: str) -> JSONSchema:
        out: JSONSchema = {}
        for key, value in node.items():
            if not isinstance(key, str) or key in _DROPPED or key.startswith("x-"):
                continue
            at = _join(pointer, key)
            if key in _SCHEMA_MAP:
                if isinstance(value, dict):
                    out[key] = {str(k): self.schema(v, base, _join(at, k)) for k, v in value.items()}
                else:
                    self.warn(at, f"'{key}' is not an object; ignored", base)
            elif key in _SCHEMA_LIST:
                if isinstance(value, list):
                    out[key] = [self.schema(v, base, _join(at, i)) for i, v in enumerate(value)]
                else:
                    self.warn(at, f"'{key}' is not a list; ignored", base)
            elif key in _ONE_SCHEMA:
                out[key] = self.schema(value, base, at)
            elif key == "items":
                if isinstance(value, list):  # Draft 4 tuple form, spelled prefixItems in 2020-12
                    out["prefixItems"] = [self.schema(v, base, _join(at, i)) for i, v in enumerate(value)]
                else:
                    out["items"] = self.schema(value, base, at)
            elif key == "type":
                self._type(value, out, base, at)
            elif key == "required":
                if isinstance(value, list) and all(isinstance(v, str) for v in value):
                    out["required"] = value
                else:
                    self.warn(at, "'required' in a schema must be a list of property names; ignored", base)
            elif key == "pattern":
                if isinstance(value, str) and _valid_pattern(value):
                    out[key] = value
                else:
                    self.warn(at, f"pattern {value!r} is not a valid ECMA-262 regex; ignored", base)
            elif key in {"exclusiveMaximum", "exclusiveMinimum"} and isinstance(value, bool):
                bound = "maximum" if key == "exclusiveMaximum" else "minimum"
                if value and isinstance(node.get(bound), int | float):
                    out[key] = node[bound]
                    out["_drop_" + bound] = True
            else:
                out[key] = value
        for bound in ("maximum", "minimum"):
            if out.pop("_drop_" + bound, False):
                out.pop(bound, None)
        if node.get("nullable") is True or node.get("x-nullable") is True:
            out = _nullable(out)
        return out

    def _type(self, value: Any, out: JSONSchema, base: Path, at: str) -> None:
        names = value if isinstance(value, list) else [value]
        if self.format == "swagger-2.0" and names == ["file"]:
            return  # a file upload: any content
        kept = [t for t in names if isinstance(t, str) and t in _JSON_TYPES]
        if len(kept) != len(names):
            self.warn(at, f"unknown schema type {value!r}; unknown names ignored", base)
        if kept:
            out["type"] = kept if isinstance(value, list) else kept[0]

    # -- operations --------------------------------------------------------------------------------------
    def media_types(self, content: Any, pointer: str) -> dict[str, MediaType]:
        result: dict[str, MediaType] = {}
        if content is None:
            return result
        if not isinstance(content, dict):
            self.warn(pointer, "'content' is not an object; ignored")
            return result
        for name, raw_media in content.items():
            at = _join(pointer, name)
            if not isinstance(name, str) or not _MEDIA_TYPE.match(name):
                self.warn(at, f"invalid media type {name!r}; ignored")
                continue
            media = _mapping(raw_media)
            schema = (
                self.schema(media["schema"], self.path, _join(at, "schema")) if "schema" in media else None
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
                self.warn(_join(pointer, i), f"invalid media type {name!r}; ignored")
        return kept

    def parameters(self, raw: Any, pointer: str) -> list[tuple[dict[Any, Any], str]]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.warn(pointer, "'parameters' is not a list; ignored")
            return []
        found = []
        for i, item in enumerate(raw):
            node, _, _ = self.deref(item, self.path, _join(pointer, i))
            if not (
                isinstance(node, dict) and isinstance(node.get("name"), str) and node.get("in") in _LOCATIONS
            ):
                self.warn(_join(pointer, i), "parameter without a valid 'name' and 'in'; ignored")
                continue
            found.append((node, _join(pointer, i)))
        return found

    def swagger_schema(self, node: dict[Any, Any], pointer: str) -> JSONSchema:
        subset = {k: v for k, v in node.items() if k in _SWAGGER_SCHEMA_KEYS}
        return self.schema(subset, self.path, pointer)

    def operation(
        self, path: str, method: str, op: dict[Any, Any], shared: list[Any], pointer: str
    ) -> Operation:
        swagger = self.format == "swagger-2.0"
        merged: dict[tuple[str, str], tuple[dict[Any, Any], str]] = {}
        for node, at in [*shared, *self.parameters(op.get("parameters"), _join(pointer, "parameters"))]:
            merged[(node["name"], node["in"])] = (node, at)
        params: list[Parameter] = []
        body: RequestBody | None = None
        form_props: JSONSchema = {}
        form_required: list[str] = []
        consumes = self.valid_media_list(op.get("consumes"), _join(pointer, "consumes"))
        if consumes is None:
            consumes = self.valid_media_list(self.root.get("consumes"), "/consumes")
        for (name, location), (node, at) in merged.items():
            if location == "body":
                schema = self.schema(node.get("schema", {}), self.path, _join(at, "schema"))
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
                schema = self.schema(node["schema"], self.path, _join(at, "schema"))
            elif isinstance(node.get("content"), dict) and node["content"]:
                first = next(iter(node["content"].values()))
                raw_schema = first.get("schema", {}) if isinstance(first, dict) else {}
                schema = self.schema(raw_schema, self.path, _join(at, "content"))
            else:
                schema = {}
            loc = cast(ParameterLocation, location)
            params.append(
                Parameter(
                    name,
                    loc,
                    bool(node.get("required")) or location == "path",
                    schema,
                    bool(node.get("deprecated")),
                )
            )
        if form_props:
            form_schema: JSONSchema = {"type": "object", "properties": form_props}
            if form_required:
                form_schema["required"] = form_required
            names = [m for m in (consumes or []) if "form" in m] or ["application/x-www-form-urlencoded"]
            body = RequestBody(bool(form_required), {m: MediaType(m, form_schema) for m in names})
        if not swagger and "requestBody" in op:
            node, _, at = self.deref(op["requestBody"], self.path, _join(pointer, "requestBody"))
            if isinstance(node, dict):
                body = RequestBody(
                    bool(node.get("required")), self.media_types(node.get("content"), _join(at, "content"))
                )
        produces = self.valid_media_list(op.get("produces"), _join(pointer, "produces"))
        if produces is None:
            produces = self.valid_media_list(self.root.get("produces"), "/produces")
        security = op.get("security", self.root.get("security"))
        names_sec: list[str] = []
        if isinstance(security, list):
            for requirement in security:
                if isinstance(requirement, dict):
                    names_sec.extend(str(k) for k in requirement if str(k) not in names_sec)
        op_id = op.get("operationId")
        info = _mapping(self.root.get("info"))
        sunset = op.get("x-sunset") or info.get("x-sunset")
        family = op.get("x-kpn-family") or self.root.get("x-kpn-family") or info.get("x-kpn-family")
        return Operation(
            spec_path=self.name,
            spec_title=self.title(),
            method=method.upper(),
            path=path,
            operation_id=op_id if isinstance(op_id, str) and op_id else f"{method.upper()} {path}",
            parameters=tuple(params),
            request_body=body,
            responses=self.responses(op.get("responses"), _join(pointer, "responses"), produces),
            deprecated=op.get("deprecated") is True,
            sunset=str(sunset) if sunset else None,
            security=tuple(names_sec),
            family=str(family) if family else None,
        )

    def responses(self, raw: Any, pointer: str, produces: list[str] | None) -> dict[str, ResponseSpec]:
        result: dict[str, ResponseSpec] = {}
        if not isinstance(raw, dict):
            self.warn(pointer, "'responses' is missing or not an object; the operation declares no responses")
            return result
        for key, value in raw.items():
            at = _join(pointer, key)
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
                    schema = self.schema(node["schema"], self.path, _join(node_at, "schema"))
                    examples = _mapping(node.get("examples"))
                    for name in produces or ["*/*"]:
                        content[name] = MediaType(name, schema, examples.get(name))
            else:
                content = self.media_types(node.get("content"), _join(node_at, "content"))
            headers, required = self.headers(node.get("headers"), _join(node_at, "headers"))
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
            at = _join(pointer, name)
            node, _, node_at = self.deref(value, self.path, at)
            if not isinstance(name, str) or not isinstance(node, dict):
                self.warn(at, "invalid response header; ignored")
                continue
            if self.format == "swagger-2.0":
                schemas[name] = self.swagger_schema(node, node_at)
            else:
                schemas[name] = self.schema(node.get("schema", {}), self.path, _join(node_at, "schema"))
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
                self.warn(_join("/servers", i), "server without a 'url'; ignored")
                continue
            url = server["url"]
            variables = _mapping(server.get("variables"))
            for var, spec in variables.items():
                default = spec.get("default") if isinstance(spec, dict) else None
                url = url.replace("{" + str(var) + "}", str(default if default is not None else ""))
            urls.append(url)
        return tuple(urls) or ("/",)

    def security_schemes(self) -> dict[str, SecurityScheme]:
        if self.format == "swagger-2.0":
            raw, pointer = self.root.get("securityDefinitions"), "/securityDefinitions"
        else:
            components = self.root.get("components")
            raw = components.get("securitySchemes") if isinstance(components, dict) else None
            pointer = "/components/securitySchemes"
        result: dict[str, SecurityScheme] = {}
        if not isinstance(raw, dict):
            return result
        for name, value in raw.items():
            at = _join(pointer, name)
            node, _, _ = self.deref(value, self.path, at)
            if not isinstance(node, dict):
                self.warn(at, "security scheme is not an object; ignored")
                continue
            kind = str(node.get("type", ""))
            token_url: str | None = None
            flows: list[str] = []
            if kind == "oauth2" and self.format == "swagger-2.0":
                flows.append(str(node.get("flow", "")))
                token_url = node.get("tokenUrl")
                if "scopes" not in node:
                    self.warn(at, "oauth2 scheme has no 'scopes' (required by Swagger 2.0; read as none)")
            elif kind == "oauth2":
                raw_flows = node.get("flows")
                for flow_name, flow in (raw_flows if isinstance(raw_flows, dict) else {}).items():
                    flows.append(str(flow_name))
                    if not isinstance(flow, dict):
                        continue
                    if token_url is None and isinstance(flow.get("tokenUrl"), str):
                        token_url = flow["tokenUrl"]
                    if "scopes" not in flow:
                        self.warn(
                            _join(at, "flows", flow_name),
                            f"oauth2 flow {flow_name!r} has no 'scopes' (required by OpenAPI; read as none)",
                        )
            result[str(name)] = SecurityScheme(str(name), kind, token_url, tuple(flows))
        return result

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
            pointer = _join("/paths", raw_path)
            if not isinstance(raw_path, str):
                self.warn(pointer, f"path key {raw_path!r} is not a string; ignored")
                continue
            path = raw_path
            if not path.startswith("/"):
                self.warn(pointer, "path does not start with '/'; read as if it did")
                path = "/" + path
            item, _, _ = self.deref(raw_item, self.path, pointer)
            if not isinstance(item, dict):
                self.warn(pointer, "path item is not an object; ignored")
                continue
            shared = self.parameters(item.get("parameters"), _join(pointer, "parameters"))
            for method in HTTP_METHODS:
                if method not in item:
                    continue
                op = item[method]
                if not isinstance(op, dict):
                    self.warn(_join(pointer, method), "operation is not an object; ignored")
                    continue
                result.append(self.operation(path, method, op, shared, _join(pointer, method)))
        return result


_ANNOTATIONS = frozenset(
    {"description", "title", "summary", "deprecated", "readOnly", "writeOnly", "default"}
)


@functools.lru_cache(maxsize=4096)
def _valid_pattern(pattern: str) -> bool:
    """Whether the validator's regex engine accepts ``pattern`` (so every loaded schema compiles)."""
    try:
        jsonschema_rs.Draft202012Validator({"pattern": pattern})
    except (ValueError, jsonschema_rs.ValidationError):
        return False
    return True


def _nullable(schema: JSONSchema) -> JSONSchema:
    """The Draft 2020-12 form of an OpenAPI 3.0 ``nullable: true`` schema."""
    kind = schema.get("type")
    if isinstance(kind, str):
        schema["type"] = [kind, "null"]
    elif isinstance(kind, list):
        if "null" not in kind:
            schema["type"] = [*kind, "null"]
    else:
        return {"anyOf": [schema, {"type": "null"}]}
    if isinstance(schema.get("enum"), list) and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]
    return schema


def load_spec(path: str | Path) -> Spec:
    """Load one definition file (Swagger 2.0, OpenAPI 3.0 or 3.1; YAML or JSON) leniently.

    Raises :class:`~kpn_contract.errors.SpecError` only when the file cannot be read as a spec at
    all (missing, not YAML/JSON, not a mapping, unknown version); every other problem is a warning.
    """
    file = Path(path)
    name = str(file)
    root = _read_document(file)
    if not isinstance(root, dict):
        raise SpecError(
            f"top level is a {type(root).__name__}, not a mapping: not an API definition", path=name
        )
    fmt = _detect_format(root, name)
    loader = _Loader(file, root, fmt)
    try:
        operations = loader.operations()
        schemes = loader.security_schemes()
        servers = loader.servers()
    except RecursionError:
        raise SpecError("definition nested too deeply to read", path=name) from None
    info = root.get("info")
    if not isinstance(info, dict):
        loader.warn("/info", "no 'info' object; title taken from the file name")
        info = {}
    version = info.get("version")
    family = root.get("x-kpn-family") or info.get("x-kpn-family")
    return Spec(
        path=name,
        title=loader.title(),
        version=str(version) if version is not None else "",
        format=fmt,
        servers=servers,
        operations=operations,
        security_schemes=schemes,
        warnings=loader.warnings,
        family=str(family) if family else None,
        raw=root,
    )


def spec_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand directories, recursively, to their spec files (``*.yml``, ``*.yaml``, ``*.json``).

    Within a directory the files come sorted by their path below it. Skipped: ``rules.yaml`` (the
    response-code rule table), and folders named ``migrations`` (migration maps, not API definitions)
    or starting with ``_`` or ``.`` (tools, hidden folders). A file named explicitly is always taken.
    """
    files: list[Path] = []
    for entry in paths:
        path = Path(entry)
        if path.is_dir():
            files.extend(sorted(_specs_below(path), key=lambda p: p.relative_to(path).parts))
        else:
            files.append(path)
    return files


def _specs_below(folder: Path) -> Iterator[Path]:
    for child in folder.iterdir():
        if child.is_dir():
            if child.name not in SKIPPED_FOLDERS and not child.name.startswith(("_", ".")):
                yield from _specs_below(child)
        elif child.is_file() and child.suffix.lower() in SPEC_SUFFIXES and child.name != RULES_FILE_NAME:
            yield child


def load_specs(paths: Iterable[str | Path]) -> list[Spec]:
    """Load every file named in ``paths``; directories expand as in :func:`spec_files`."""
    return [load_spec(p) for p in spec_files(paths)]


def describe_specs(paths: Iterable[str | Path]) -> list[dict[str, Any]]:
    """One summary per spec file, for ``kpn-contract specs``; raises SpecError for an unreadable file.

    Each is ``{"path", "title", "version", "format", "operations", "warnings"}``, the warnings as
    ``"file#pointer: message"`` strings.
    """
    result = []
    for file in spec_files(paths):
        spec = load_spec(file)
        result.append(
            {
                "path": spec.path,
                "title": spec.title,
                "version": spec.version,
                "format": spec.format,
                "operations": len(spec.operations),
                "warnings": [str(w) for w in spec.warnings],
            }
        )
    return result


# -- the operation index ---------------------------------------------------------------------------------


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


_TEMPLATE = re.compile(r"\{([^{}/]+)\}")


@dataclass
class _Route:
    operation: Operation
    hosts: frozenset[str]  # hosts whose base path leads here (empty: the spec names no host)
    params: tuple[tuple[int, str], ...]  # (segment position, name) of whole-segment parameters
    # segments that mix text and parameters: (position, regex, parameter names in order)
    patterns: tuple[tuple[int, re.Pattern[str], tuple[str, ...]], ...]


@dataclass
class _Node:
    literal: dict[str, _Node] = field(default_factory=dict)
    pattern: _Node | None = None  # a segment like "{id}.json"
    param: _Node | None = None  # a whole-segment parameter
    routes: list[_Route] = field(default_factory=list)


def _split_server(url: str) -> tuple[str | None, list[str]]:
    parts = urlsplit(url)
    host = parts.hostname.lower() if parts.scheme and parts.hostname else None
    return host, _segments(parts.path)


class SpecIndex:
    """Finds the operation for ``(method, URL)`` across loaded specs. Build once, query often.

    A segment trie per method, walked literal-first, so a literal segment beats a templated one and a
    lookup costs the depth of the path, not the number of operations. Results are cached per
    ``(method, host, path)``.
    """

    _CACHE_LIMIT = 4096

    def __init__(self, specs: Sequence[Spec]) -> None:
        self._specs = list(specs)
        self._roots: dict[str, _Node] = {}
        self._known_hosts: set[str] = set()
        self._cache: dict[tuple[str, str | None, str], tuple[Operation, dict[str, str]] | None] = {}
        for spec in self._specs:
            bases: dict[tuple[str, ...], set[str]] = {}
            for server in spec.servers:
                host, segs = _split_server(server)
                hosts = bases.setdefault(tuple(segs), set())
                if host:
                    hosts.add(host)
                    self._known_hosts.add(host)
            if not bases:
                bases[()] = set()
            for operation in spec.operations:
                for base, hosts in bases.items():
                    self._insert(operation, [*base, *_segments(operation.path)], frozenset(hosts))

    def _insert(self, operation: Operation, segments: list[str], hosts: frozenset[str]) -> None:
        node = self._roots.setdefault(operation.method, _Node())
        params: list[tuple[int, str]] = []
        patterns: list[tuple[int, re.Pattern[str], tuple[str, ...]]] = []
        for position, segment in enumerate(segments):
            whole = _TEMPLATE.fullmatch(segment)
            if whole:
                params.append((position, whole.group(1)))
                node.param = node.param or _Node()
                node = node.param
            elif _TEMPLATE.search(segment):
                regex = "".join(
                    "([^/]+?)" if m.startswith("{") else re.escape(m)
                    for m in re.split(r"(\{[^{}/]+\})", segment)
                    if m
                )
                patterns.append((position, re.compile(regex + "$"), tuple(_TEMPLATE.findall(segment))))
                node.pattern = node.pattern or _Node()
                node = node.pattern
            else:
                node = node.literal.setdefault(segment, _Node())
        node.routes.append(_Route(operation, hosts, tuple(params), tuple(patterns)))

    @property
    def specs(self) -> list[Spec]:
        """The specs this index was built from, in load order."""
        return list(self._specs)

    @property
    def operations(self) -> list[Operation]:
        """Every indexed operation, in load order."""
        return [op for spec in self._specs for op in spec.operations]

    def find(self, method: str, url: str) -> Operation | None:
        """The operation for ``method`` and ``url`` (absolute, emulator or bare path), or None."""
        found = self.match(method, url)
        return found[0] if found else None

    def match(self, method: str, url: str) -> tuple[Operation, dict[str, str]] | None:
        """The operation and its path parameters (decoded) for ``method`` and ``url``, or None.

        When the URL's host is a server host of some spec, operations of that host win; otherwise
        (emulator URL, bare path, unknown host) the path alone decides.
        """
        parts = urlsplit(url)
        host = parts.hostname.lower() if parts.hostname else None
        key = (method.upper(), host, parts.path)
        if key in self._cache:
            return self._cache[key]
        result = self._lookup(key[0], host, parts.path)
        if len(self._cache) >= self._CACHE_LIMIT:
            self._cache.clear()
        self._cache[key] = result
        return result

    def _lookup(self, method: str, host: str | None, path: str) -> tuple[Operation, dict[str, str]] | None:
        root = self._roots.get(method)
        if root is None:
            return None
        segments = [unquote(s) for s in _segments(path)]
        prefer_host = host if host in self._known_hosts else None
        fallback: tuple[_Route, list[str]] | None = None
        for route in self._walk(root, segments, 0):
            if prefer_host is None or prefer_host in route.hosts:
                return route.operation, _params(route, segments)
            if fallback is None:
                fallback = (route, segments)
        if fallback is None:
            return None
        return fallback[0].operation, _params(fallback[0], segments)

    def _walk(self, node: _Node, segments: list[str], position: int) -> Iterator[_Route]:
        if position == len(segments):
            yield from node.routes
            return
        segment = segments[position]
        child = node.literal.get(segment)
        if child is not None:
            yield from self._walk(child, segments, position + 1)
        if node.pattern is not None:
            yield from (
                route
                for route in self._walk(node.pattern, segments, position + 1)
                if _patterns_match(route, position, segment)
            )
        if node.param is not None:
            yield from self._walk(node.param, segments, position + 1)


def _patterns_match(route: _Route, position: int, segment: str) -> bool:
    return all(rx.match(segment) for pos, rx, _ in route.patterns if pos == position)


def _params(route: _Route, segments: list[str]) -> dict[str, str]:
    values = {name: segments[position] for position, name in route.params}
    for position, rx, names in route.patterns:
        found = rx.match(segments[position])
        if found:
            values.update(zip(names, found.groups(), strict=True))
    return values


def bundled_spec_dir() -> Path:
    """The toolkit's own ``specs/``: the repository folder, or the copy packaged into the wheel."""
    import kpn_contract

    package = Path(kpn_contract.__file__).resolve().parent
    repo_specs = package.parent / "specs"
    if repo_specs.is_dir():
        return repo_specs
    return package / "_specs"


@functools.cache
def _cached_index(spec_dir: Path) -> SpecIndex:
    return SpecIndex(load_specs([spec_dir]))


def project_index(spec_dir: Path | None = None) -> SpecIndex:
    """The index of every spec in ``spec_dir`` (default: :func:`bundled_spec_dir`), built once per folder."""
    return _cached_index(Path(spec_dir or bundled_spec_dir()).resolve())

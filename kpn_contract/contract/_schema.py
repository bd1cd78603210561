"""Resolving ``$ref`` and converting schemas into plain JSON Schema Draft 2020-12 dictionaries.

Every ``$ref`` (local or cross-file, including one into a schema's own ``$defs`` written as a JSON
pointer) is resolved into plain dictionaries that one Draft 2020-12 validator understands:

* OpenAPI 3.0 ``nullable`` and Swagger ``x-nullable`` become ``"null"`` in the type; boolean
  ``exclusiveMaximum``/``exclusiveMinimum`` become numbers; a Draft 4 ``items`` list becomes
  ``prefixItems``.
* OpenAPI 3.1 schemas are 2020-12 already: ``type`` lists, ``const``, ``prefixItems`` and ``$defs``
  pass through, a ``$ref`` with siblings becomes an ``allOf``, and ``nullable`` is warned about and
  ignored.
* Annotations such as ``example``, ``xml`` and ``x-…`` are dropped; ``discriminator`` and
  ``x-extensible-enum`` stay (validators ignore them; the spec diff compares them). Recursive
  ``$ref`` cycles are cut with :data:`CUT_CYCLE` (any value, marked by a ``$comment`` so the instance
  generator leaves the cut branch out: a value there would have to match the real, recursive schema).

Resolved schemas are shared between operations (a ``$ref`` is resolved once): treat them as read-only.

A ``$ref`` may not leave the project: ``folder`` (the spec folder given, else the file's own folder).
URLs, absolute paths, ``../`` escapes, symlinks out of it and files the guarded reader refuses
(devices, FIFOs, over a limit) are a :class:`~kpn_contract.errors.SpecError`: one line naming the
``$ref``, never the referenced file's content. A missing or corrupt target inside it is a warning.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Any, Final
from urllib.parse import unquote

import jsonschema_rs

from kpn_contract.contract._document import RefusedFileError, join_pointer, read_document
from kpn_contract.contract.model import JSONSchema, SpecFormat, SpecWarning
from kpn_contract.errors import SpecError

__all__ = ["CUT_CYCLE", "SchemaLoader", "is_cut_cycle"]

# Where a recursive $ref cycle is cut: any value to a validator (``$comment`` is an annotation, and the
# loader drops every other one, so only a cut carries it).
CUT_CYCLE: Final[JSONSchema] = {"$comment": "recursive $ref cut here"}


def is_cut_cycle(schema: object) -> bool:
    """Whether ``schema`` is where the loader cut a recursive ``$ref`` cycle."""
    return schema == CUT_CYCLE


_JSON_TYPES = frozenset({"null", "boolean", "object", "array", "number", "string", "integer"})
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
        "nullable",
        "$schema",
        "$id",
        "$anchor",
        "$comment",
        "collectionFormat",
    }
)
# Extensions the spec diff compares (an open-ended enum); every other ``x-…`` key is dropped.
_KEPT_X = frozenset({"x-extensible-enum"})
_MAX_REF_HOPS = 32
# A scheme (RFC 3986: a letter, then letters, digits, "+", "-", "."): https:, file:, also C: on Windows.
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


class SchemaLoader:
    """The ``$ref`` and schema half of one load of one file (and the files its ``$ref`` reach).

    Not reused between loads: it remembers the documents it read and the schemas it resolved.
    """

    def __init__(
        self, path: Path, root: dict[Any, Any], fmt: SpecFormat, *, folder: Path | None = None
    ) -> None:
        self.path = path
        self.folder = folder if folder is not None else path.parent
        self.name = str(path)
        self.root = root
        self.format = fmt
        self.warnings: list[SpecWarning] = []
        self._seen_warnings: set[tuple[str, str, str]] = set()
        self._real: dict[Path, Path] = {}
        self._docs: dict[Path, Any] = {self._canonical(path): root}
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
    def _canonical(self, file: Path) -> Path:
        """``file`` with its links resolved, once per name: a definition holds thousands of ``$ref``."""
        real = self._real.get(file)
        if real is None:
            real = self._real[file] = Path(os.path.realpath(file))  # not Path.resolve: a link loop raises
        return real

    def _document(self, file: Path, at: Path, pointer: str, ref: str) -> Any:
        key = self._canonical(file)
        if key not in self._docs:
            try:
                self._docs[key] = read_document(file, root=self.folder)
            except RefusedFileError as exc:
                raise SpecError(f"$ref {_shown(ref)} {exc.problem}", path=str(at), pointer=pointer) from None
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
            target = unquote(file_part)
            if _URL.match(target) or Path(target).is_absolute() or target[:1] in "/\\":
                folder = os.path.abspath(self.folder)  # noqa: PTH100 - as the guarded reader names it
                raise SpecError(
                    f"$ref {_shown(ref)} is a URL or an absolute path; only files in {folder} are read",
                    path=str(base),
                    pointer=pointer,
                )
            target_file = base.parent / target
        doc = self._document(target_file, base, pointer, ref)
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
        key = (self._canonical(file), target_pointer)
        if key in self._memo:
            return self._memo[key]
        if key in self._in_progress:
            # A recursive schema: cut the cycle here, so the result stays a finite plain dict.
            return dict(CUT_CYCLE)
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
            if not isinstance(key, str) or key in _DROPPED or (key.startswith("x-") and key not in _KEPT_X):
                continue
            at = join_pointer(pointer, key)
            if key in _SCHEMA_MAP:
                if isinstance(value, dict):
                    out[key] = {str(k): self.schema(v, base, join_pointer(at, k)) for k, v in value.items()}
                else:
                    self.warn(at, f"'{key}' is not an object; ignored", base)
            elif key in _SCHEMA_LIST:
                if isinstance(value, list):
                    out[key] = [self.schema(v, base, join_pointer(at, i)) for i, v in enumerate(value)]
                else:
                    self.warn(at, f"'{key}' is not a list; ignored", base)
            elif key in _ONE_SCHEMA:
                out[key] = self.schema(value, base, at)
            elif key == "items":
                if isinstance(value, list):  # Draft 4 tuple form, spelled prefixItems in 2020-12
                    out["prefixItems"] = [
                        self.schema(v, base, join_pointer(at, i)) for i, v in enumerate(value)
                    ]
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
        if self.format == "openapi-3.1":
            if "nullable" in node:
                # 3.1 schemas are JSON Schema 2020-12, which has no 'nullable': honouring it would
                # accept nulls the spec's own validators reject.
                self.warn(
                    join_pointer(pointer, "nullable"),
                    "'nullable' is not a keyword in OpenAPI 3.1 (write type: [..., 'null']); ignored",
                    base,
                )
        elif node.get("nullable") is True or node.get("x-nullable") is True:
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


_ANNOTATIONS = frozenset(
    {"description", "title", "summary", "deprecated", "readOnly", "writeOnly", "default"}
)


@functools.lru_cache(maxsize=4096)
def _shown(ref: str) -> str:
    """A ``$ref`` as shown in a message: quoted, and cut short (it is the spec's text, never a value read)."""
    return repr(ref if len(ref) <= 80 else ref[:77] + "...")


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

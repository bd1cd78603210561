"""Reading definition files: YAML or JSON text into a document, and which format the document is.

Every failure to read becomes a :class:`~kpn_contract.errors.SpecError` naming the file (and the
line, for YAML and JSON syntax errors). Also the JSON-pointer helpers shared by the loader modules.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from kpn_contract.config.parsed_cache import CacheForm, cached_parse
from kpn_contract.contract.model import SpecFormat
from kpn_contract.errors import SpecError

__all__ = ["detect_format", "escape_token", "join_pointer", "mapping", "read_document"]

# The C loader parses the 1.8 MB SD-LAN definition about ten times faster than the pure-Python one.
_YAML_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def mapping(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def escape_token(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def join_pointer(pointer: str, *tokens: object) -> str:
    if len(tokens) == 1:  # the common case, called for every schema node a definition holds
        token = str(tokens[0])
        return f"{pointer}/{escape_token(token) if '~' in token or '/' in token else token}"
    return pointer + "".join("/" + escape_token(t) for t in tokens)


def read_document(path: Path) -> Any:
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
    # bytes → parsed through the project's parsed-file cache, keyed by the bytes' hash
    return cached_parse(path, raw, lambda: _parse_yaml(text, name), _YAML_FORM)


def _identity(value: Any) -> Any:
    return value


_YAML_FORM: CacheForm[Any] = CacheForm("spec", _identity, _identity, outside=True)


def _parse_yaml(text: str, name: str) -> Any:
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


def detect_format(root: dict[Any, Any], name: str) -> SpecFormat:
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

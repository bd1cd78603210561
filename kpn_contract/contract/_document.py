"""Reading definition files: YAML or JSON text into a document, and which format the document is.

Every failure to read becomes a :class:`~kpn_contract.errors.SpecError` naming the file (and the
line, for YAML and JSON syntax errors). Also the JSON-pointer helpers shared by the loader modules.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import yaml

from kpn_contract.config.parsed_cache import CacheForm, cached_parse
from kpn_contract.contract.model import SpecFormat
from kpn_contract.errors import SpecError
from kpn_contract.files import RefusedInputError, parse_json, parse_yaml, read_guarded

__all__ = [
    "RefusedFileError",
    "detect_format",
    "escape_token",
    "join_pointer",
    "mapping",
    "read_definition",
    "read_document",
]

T = TypeVar("T")


class RefusedFileError(SpecError):
    """The guarded reader refused the file (outside the folder, not a regular file, over a limit).

    A ``$ref`` to such a file is an error, not the warning a missing or corrupt target gives.
    ``problem`` is the refusal without the file name.
    """

    def __init__(self, problem: str, *, path: str) -> None:
        self.problem = problem
        super().__init__(problem, path=path)


def mapping(value: Any) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def escape_token(token: object) -> str:
    return str(token).replace("~", "~0").replace("/", "~1")


def join_pointer(pointer: str, *tokens: object) -> str:
    if len(tokens) == 1:  # the common case, called for every schema node a definition holds
        token = str(tokens[0])
        return f"{pointer}/{escape_token(token) if '~' in token or '/' in token else token}"
    return pointer + "".join("/" + escape_token(t) for t in tokens)


def read_document(path: Path, *, root: Path | None = None) -> Any:
    """Parse one YAML or JSON file; every failure becomes a SpecError naming the file (and line).

    The file is read by :func:`~kpn_contract.files.read_guarded` inside ``root`` (default: its own
    folder) and parsed within the depth limit and the alias budget: a refusal names the limit. A
    YAML file's parsed form comes from the project's parsed-file cache when its bytes are unchanged.
    """
    with _reading(path):
        raw = read_guarded(path, root=root)
        text = raw.decode("utf-8-sig")
        if path.suffix.lower() == ".json":
            return parse_json(text)
        # bytes → parsed through the project's parsed-file cache, keyed by the bytes' hash
        return cached_parse(path, raw, lambda: parse_yaml(text), _YAML_FORM)


def read_definition(path: Path, *, root: Path | None, prepare: Callable[[Any], T], form: CacheForm[T]) -> T:
    """A definition file (YAML or JSON) parsed, then ``prepare``d, the result kept in the parsed-file cache.

    Read, refused and parsed as :func:`read_document` does. ``prepare`` (the leniency pass) may raise
    SpecError, and then nothing is cached; ``form.code`` names the packages whose code it runs, so a
    changed repair misses the cache.
    """
    with _reading(path):
        raw = read_guarded(path, root=root)
        text = raw.decode("utf-8-sig")
    parser = parse_json if path.suffix.lower() == ".json" else parse_yaml

    def parsed() -> T:
        with _reading(path):
            document = parser(text)
        return prepare(document)  # outside _reading: its own errors are not the file's syntax

    return cached_parse(path, raw, parsed, form)


@contextlib.contextmanager
def _reading(path: Path) -> Iterator[None]:
    """Every failure to read or parse ``path`` as a SpecError naming the file (and the line)."""
    name = str(path)
    try:
        yield
    except RefusedInputError as exc:
        raise RefusedFileError(exc.problem, path=name) from None
    except FileNotFoundError:
        raise SpecError("file not found", path=name) from None
    except OSError as exc:
        raise SpecError(f"cannot read file: {exc.strerror or exc}", path=name) from None
    except UnicodeDecodeError as exc:
        raise SpecError(f"not UTF-8 text (byte {exc.start})", path=name) from None
    except json.JSONDecodeError as exc:
        raise SpecError(f"invalid JSON at line {exc.lineno}: {exc.msg}", path=name) from None
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


def _identity(value: Any) -> Any:
    return value


_YAML_FORM: CacheForm[Any] = CacheForm("spec", _identity, _identity, outside=True)


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

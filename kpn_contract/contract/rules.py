"""The response-code rules: what each status code means at KPN, per API family.

The table is data, kept in ``specs/rules.yaml`` (see the comments there). A family is the spec's
``x-kpn-family``, else the first ``family_rules`` entry matching a server host or the title, else
``default_family``. Lookups go: per-operation override → the family → the ``common`` family, each
first by the exact code and then by its class (``4XX``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml

from kpn_contract.contract.model import Operation, Spec
from kpn_contract.contract.specs import RULES_FILE_NAME, bundled_spec_dir
from kpn_contract.errors import SpecError
from kpn_contract.files import RefusedInputError, parse_yaml, read_guarded

__all__ = ["CodeRule", "RuleKind", "RuleTable", "default_rules", "load_rules"]

RuleKind = Literal["success", "redirect", "auth-failure", "client-error", "server-error", "unknown"]
_KINDS = frozenset({"success", "redirect", "auth-failure", "client-error", "server-error"})
COMMON_FAMILY = "common"


@dataclass(frozen=True)
class CodeRule:
    """What one status code means in one family (or for one operation)."""

    status: str
    kind: RuleKind
    meaning: str
    violation: bool = False  # the code breaks the contract even when the spec declares it
    required_headers: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Override:
    spec: re.Pattern[str]
    operation: str
    codes: dict[str, CodeRule]


def _codes(raw: Any, where: str, name: str) -> dict[str, CodeRule]:
    if not isinstance(raw, dict):
        raise SpecError("'codes' must be a mapping of status code to rule", path=name, pointer=where)
    result: dict[str, CodeRule] = {}
    for code, entry in raw.items():
        status = str(code).upper()
        at = f"{where}/{status}"
        if not isinstance(entry, dict) or entry.get("kind") not in _KINDS:
            raise SpecError(f"rule needs a 'kind' out of {sorted(_KINDS)}", path=name, pointer=at)
        headers = entry.get("required_headers", [])
        if not isinstance(headers, list):
            raise SpecError("'required_headers' must be a list", path=name, pointer=at)
        result[status] = CodeRule(
            status=status,
            kind=entry["kind"],
            meaning=str(entry.get("meaning", "")),
            violation=entry.get("violation") is True,
            required_headers=tuple(str(h) for h in headers),
        )
    return result


class RuleTable:
    """The response-code rule table. Build with :func:`load_rules` or :func:`default_rules`."""

    def __init__(
        self,
        families: dict[str, dict[str, CodeRule]],
        family_rules: list[tuple[str | None, re.Pattern[str] | None, str]],
        default_family: str,
        overrides: list[_Override],
        source: str = "",
    ) -> None:
        self.families = families
        self.family_rules = family_rules
        self.default_family = default_family
        self.overrides = overrides
        self.source = source
        self._spec_families: dict[str, str] = {}

    # -- which family ------------------------------------------------------------------------------------
    def family_for(self, spec: Spec) -> str:
        """The family of ``spec``: its ``x-kpn-family``, a matching family rule, or the default."""
        family = spec.family or self._family_by_rules(spec)
        self._spec_families[spec.path] = family
        return family

    def _family_by_rules(self, spec: Spec) -> str:
        hosts = {(urlsplit(s).hostname or "").lower() for s in spec.servers}
        for host, title, family in self.family_rules:
            if host is not None and host in hosts:
                return family
            if title is not None and title.search(spec.title):
                return family
        return self.default_family

    def family_of(self, operation: Operation) -> str:
        """The family of ``operation``: its own, its spec's (after :meth:`family_for`), or the default."""
        return operation.family or self._spec_families.get(operation.spec_path) or self.default_family

    # -- what a code means ----------------------------------------------------------------------------------
    def rule(self, operation: Operation | None, status: int | str, family: str | None = None) -> CodeRule:
        """The rule for ``status`` on ``operation``; a ``kind="unknown"`` rule when nothing matches."""
        code = str(status).upper()
        klass = f"{code[0]}XX" if code[:1].isdigit() else code
        tables: list[dict[str, CodeRule]] = []
        if operation is not None:
            tables.extend(
                o.codes
                for o in self.overrides
                if o.operation == operation.key
                and (o.spec.search(operation.spec_title) or o.spec.search(Path(operation.spec_path).name))
            )
            family = family or self.family_of(operation)
        tables.append(self.families.get(family or self.default_family, {}))
        tables.append(self.families.get(COMMON_FAMILY, {}))
        for table in tables:
            for key in (code, klass):
                if key in table:
                    return table[key]
        return CodeRule(code, "unknown", "")

    def meaning(self, operation: Operation | None, status: int | str, family: str | None = None) -> str:
        """What ``status`` means for ``operation`` at KPN ("" when the table says nothing)."""
        return self.rule(operation, status, family).meaning

    def classify(self, operation: Operation | None, status: int | str, family: str | None = None) -> RuleKind:
        """``success``, ``redirect``, ``auth-failure``, ``client-error``, ``server-error`` or ``unknown``."""
        return self.rule(operation, status, family).kind


def load_rules(path: str | Path) -> RuleTable:
    """Read a rule table (the format of ``specs/rules.yaml``); a malformed table raises SpecError."""
    name = str(path)
    try:
        raw = parse_yaml(read_guarded(path).decode("utf-8"))
    except RefusedInputError as exc:
        raise SpecError(exc.problem, path=name) from None
    except UnicodeDecodeError as exc:
        raise SpecError(f"not UTF-8 text (byte {exc.start})", path=name) from None
    except OSError as exc:
        raise SpecError(f"cannot read rule table: {exc.strerror or exc}", path=name) from None
    except yaml.YAMLError as exc:
        raise SpecError(f"invalid YAML in rule table: {exc}", path=name) from None
    if not isinstance(raw, dict) or not isinstance(raw.get("families"), dict):
        raise SpecError("a rule table needs a 'families' mapping", path=name)
    families = {
        str(fam): _codes((entry or {}).get("codes"), f"/families/{fam}/codes", name)
        for fam, entry in raw["families"].items()
    }
    family_rules: list[tuple[str | None, re.Pattern[str] | None, str]] = []
    for i, entry in enumerate(raw.get("family_rules") or []):
        if not isinstance(entry, dict) or "family" not in entry or not ({"host", "title"} & entry.keys()):
            raise SpecError(
                "a family rule needs 'family' and 'host' or 'title'", path=name, pointer=f"/family_rules/{i}"
            )
        host = str(entry["host"]).lower() if "host" in entry else None
        title = re.compile(str(entry["title"]), re.IGNORECASE) if "title" in entry else None
        family_rules.append((host, title, str(entry["family"])))
    overrides = []
    for i, entry in enumerate(raw.get("overrides") or []):
        if not isinstance(entry, dict) or "spec" not in entry or "operation" not in entry:
            raise SpecError("an override needs 'spec' and 'operation'", path=name, pointer=f"/overrides/{i}")
        overrides.append(
            _Override(
                re.compile(str(entry["spec"]), re.IGNORECASE),
                str(entry["operation"]),
                _codes(entry.get("codes"), f"/overrides/{i}/codes", name),
            )
        )
    default_family = str(raw.get("default_family", COMMON_FAMILY))
    return RuleTable(families, family_rules, default_family, overrides, source=name)


@functools.cache
def default_rules() -> RuleTable:
    """The bundled rule table (``specs/rules.yaml``), read once."""
    return load_rules(bundled_spec_dir() / RULES_FILE_NAME)

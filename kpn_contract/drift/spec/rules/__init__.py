"""The one registry of drift rules, assembled from one small module per rule family.

Each family module declares ``RULES: tuple[Rule, ...]`` (and holds the checks of its rules where
they are not part of the generic walk); its docstring's first line names the family in
``docs/drift-rules.md``, which is generated from this registry (``python -m
kpn_contract.drift.spec.rules --write docs/drift-rules.md``). Adding a family is one module plus one
line in :data:`FAMILY_NAMES`.

May import contract and the rest of ``drift/spec``; the findings re-export it.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from kpn_contract.drift.spec.rules.rule import SEVERITIES, SOURCES, Emitter, Rule, Severity, Source

__all__ = [
    "FAMILIES",
    "FAMILY_NAMES",
    "FAMILY_OF",
    "RULES",
    "SEVERITIES",
    "SOURCES",
    "Emitter",
    "Rule",
    "Severity",
    "Source",
]

# One family per line, in the order of the documentation.
FAMILY_NAMES: tuple[str, ...] = (
    "structure",
    "lifecycle",
    "parameters",
    "bodies",
    "responses",
    "headers",
    "properties",
    "enums",
    "constraints",
    "composition",
    "discriminators",
    "defaults",
    "json_schema",
    "json_schema_objects",
    "direction",
    "security",
    "webhooks",
    "migration",
)


def _load(names: tuple[str, ...]) -> tuple[dict[str, ModuleType], dict[str, Rule], dict[str, str]]:
    families: dict[str, ModuleType] = {}
    rules: dict[str, Rule] = {}
    family_of: dict[str, str] = {}
    for name in names:
        module = import_module(f"{__name__}.{name}")
        declared = getattr(module, "RULES", None)
        if not isinstance(declared, tuple) or not all(isinstance(r, Rule) for r in declared):
            raise TypeError(f"rule family {name!r} must declare RULES as a tuple of Rule")
        for rule in declared:
            if rule.id in rules:
                raise ValueError(f"rule {rule.id!r} is declared by both {family_of[rule.id]!r} and {name!r}")
            rules[rule.id] = rule
            family_of[rule.id] = name
        families[name] = module
    return families, rules, family_of


FAMILIES, RULES, FAMILY_OF = _load(FAMILY_NAMES)

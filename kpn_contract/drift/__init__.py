"""Breaking-change detection: spec against spec (``specdiff``), recordings against recordings
(``shapes``), old API against new through a map (``migration``), usage filtering (``usage``) and
reports (``report``). Rule ids: ``docs/drift-rules.md``."""

from kpn_contract.drift.findings import RULES, Finding, StabilityPolicy, parse_severities
from kpn_contract.drift.migration import migrate_specs
from kpn_contract.drift.migrationmap import MigrationMap, load_migration_map
from kpn_contract.drift.report import exit_code, render, run_diff, run_drift, run_migration
from kpn_contract.drift.shapes import drift_recordings, infer_shapes
from kpn_contract.drift.specdiff import diff_specs
from kpn_contract.drift.usage import Usage, apply_usage, usage_from_cassettes

__all__ = [
    "RULES",
    "Finding",
    "MigrationMap",
    "StabilityPolicy",
    "Usage",
    "apply_usage",
    "diff_specs",
    "drift_recordings",
    "exit_code",
    "infer_shapes",
    "load_migration_map",
    "migrate_specs",
    "parse_severities",
    "render",
    "run_diff",
    "run_drift",
    "run_migration",
    "usage_from_cassettes",
]

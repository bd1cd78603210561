"""Breaking-change detection, by concern: ``spec/`` (spec against spec, and ``spec/rules/``, the
one rule registry), ``recordings/`` (recordings against recordings), ``migration/`` (old API against
new through a map); here, what they share: findings and policy, usage filtering, reports.

May import contract, cassettes and the root. Rule ids: ``docs/drift-rules.md``.
"""

from kpn_contract.drift.findings import RULES, Finding, StabilityPolicy, parse_severities
from kpn_contract.drift.migration.maps import MigrationMap, load_migration_map
from kpn_contract.drift.migration.migrate import migrate_specs
from kpn_contract.drift.recordings.shapes import drift_recordings, infer_shapes
from kpn_contract.drift.report import exit_code, render, run_diff, run_drift, run_migration
from kpn_contract.drift.spec.specdiff import diff_specs
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

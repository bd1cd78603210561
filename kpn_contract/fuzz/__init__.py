"""Property-based contract testing with schemathesis, authenticated by credential profiles.

* :class:`KPNSchemathesisAuth`: a schemathesis auth provider on a profile and the token cache;
* :func:`kpn_schema`: a lazy schemathesis schema for pytest (``@schema.parametrize()``);
* :func:`run_fuzz`: the ``kpn-contract fuzz`` command.

schemathesis is imported only when a schema is loaded or a run starts.

May import auth, cassettes, contract, emulator, transport, config and the root; the pytest front
door and the CLI call it.
"""

from kpn_contract.fuzz._auth import KPNSchemathesisAuth
from kpn_contract.fuzz._pytest import FuzzSession, kpn_schema, open_fuzz_session
from kpn_contract.fuzz._run import DEFAULT_LIVE_RATE_LIMIT, FuzzSummary, run_fuzz
from kpn_contract.fuzz._schema import (
    API_SPECS,
    DEFAULT_PROFILES_BY_API,
    EXCLUDED_CHECKS,
    OPERATION_EXCLUSIONS,
    BoundSchema,
    OperationExclusion,
    bind_schema,
    excluded_checks,
    excluded_operation_checks,
    spec_for_api,
)

__all__ = [
    "API_SPECS",
    "DEFAULT_LIVE_RATE_LIMIT",
    "DEFAULT_PROFILES_BY_API",
    "EXCLUDED_CHECKS",
    "OPERATION_EXCLUSIONS",
    "BoundSchema",
    "FuzzSession",
    "FuzzSummary",
    "KPNSchemathesisAuth",
    "OperationExclusion",
    "bind_schema",
    "excluded_checks",
    "excluded_operation_checks",
    "kpn_schema",
    "open_fuzz_session",
    "run_fuzz",
    "spec_for_api",
]

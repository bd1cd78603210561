"""A user-style schemathesis test: KPN Things against the emulator, authenticated by the things profile.

Written the way a project using kpn_contract would write it. The target comes from
$KPN_FUZZ_TARGET (default: an emulator started for the session).
"""

from typing import Any

from hypothesis import settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from kpn_contract.fuzz import kpn_schema

schema = kpn_schema("things").include(method="GET")

# The response side of the contract. Undeclared methods are not asked about: what KPN Things answers
# to them is not documented (see the fuzz section of the README).
RESPONSE_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@schema.parametrize()
@settings(max_examples=10, deadline=None)
def test_listing_devices_keeps_its_contract(case: Case[Any]) -> None:
    case.call_and_validate(checks=RESPONSE_CHECKS)

"""API Store seed products: every operation of the four seed contracts in specs/ the emulator serves.

The other 30 derived products get one recorded example test each (tests/contract/test_catalogue.py);
these four, whose contracts carry hand-written summaries, are called operation by operation.

Positive: each operation, called with inputs built from its own spec, answers a documented success
that keeps its contract (the plugin validates it). Negative: an invalid gateway token answers the
documented gateway fault, and a missing required input answers a 400.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import jsonschema
import pytest

from kpn_contract.contract.model import Operation, Spec
from kpn_contract.contract.specs import project_index
from tests.spec_requests import request_args

GATEWAY_HOST = "api-prd.kpn.com"
SEED_SPECS = frozenset(
    {
        "parley-secure-messenger.yaml",
        "weseedo-personal.yaml",
        "vonage-number-insight.yaml",
        "kpn-number-verify.yaml",
        "elcies-health-data-aggregator.yaml",
    }
)


def _product_specs() -> list[Spec]:
    """Specs of gateway-protected products: served from api-prd.kpn.com, not token endpoints.

    ELCIES has a contract with no operations (only its authentication is known): nothing to call.
    """
    specs = []
    for spec in project_index().specs:
        server = spec.servers[0] if spec.servers else ""
        paths = "".join(op.path for op in spec.operations)
        seed = Path(spec.path).name in SEED_SPECS
        if seed and GATEWAY_HOST in server and spec.operations and "/oauth/" not in paths:
            specs.append(spec)
    return specs


PRODUCTS = _product_specs()
OPERATIONS = [(spec, op) for spec in PRODUCTS for op in spec.operations]


def _op_id(item: tuple[Spec, Operation]) -> str:
    spec, op = item
    return f"{spec.title.split(' ')[0].lower()}-{op.method}-{op.path}"


@pytest.mark.kpn(profile="sandbox")
@pytest.mark.parametrize("item", OPERATIONS, ids=[_op_id(i) for i in OPERATIONS])
def test_operation_answers_its_documented_success(
    item: tuple[Spec, Operation], kpn_client: Callable[..., httpx.Client]
) -> None:
    spec, op = item
    args = request_args(spec, op)
    response = kpn_client().request(op.method, args.pop("url"), **args)
    # The plugin has already validated the response against its contract; here, that it is a success.
    declared_success = {int(s) for s in op.responses if s.isdigit() and 200 <= int(s) < 400}
    assert response.status_code in declared_success, response.text[:200]


@pytest.mark.kpn(profile="sandbox", validate=False)
@pytest.mark.parametrize("spec", PRODUCTS, ids=[s.title.split(" ")[0].lower() for s in PRODUCTS])
def test_invalid_gateway_token_answers_the_documented_fault(
    spec: Spec, kpn_client: Callable[..., httpx.Client]
) -> None:
    op = spec.operations[0]
    args = request_args(spec, op)
    args["headers"]["Authorization"] = "Bearer not-a-valid-gateway-token"
    response = kpn_client(authenticated=False).request(op.method, args.pop("url"), **args)
    assert response.status_code == 401
    declared = op.responses.get("401")
    schema = next(iter(declared.content.values())).schema if declared and declared.content else None
    body = response.json()
    if "fault" in body or schema is None:  # the gateway's own fault (KPN-FACTS §1)
        assert body["fault"]["detail"]["errorcode"] == "oauth.v2.InvalidAccessToken"
    else:  # the emulator answers the shape the product declares for its 401 (Parley's envelope)
        assert jsonschema.Draft202012Validator(schema).is_valid(body), response.text[:200]


NEEDS_INPUT = [
    (spec, op)
    for spec, op in OPERATIONS
    if any(p.required and p.location == "query" for p in op.parameters)
    or (op.request_body is not None and op.request_body.required)
]


@pytest.mark.kpn(profile="sandbox", validate=False)
@pytest.mark.parametrize("item", NEEDS_INPUT, ids=[_op_id(i) for i in NEEDS_INPUT])
def test_missing_required_input_is_a_400(
    item: tuple[Spec, Operation], kpn_client: Callable[..., httpx.Client]
) -> None:
    spec, op = item
    args = request_args(spec, op, drop_required=True)
    response = kpn_client().request(op.method, args.pop("url"), **args)
    assert response.status_code == 400

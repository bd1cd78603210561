"""Every API Store product in specs/: its documented example request, validated both ways.

One test per product (the short name of ``API_SPECS``, so each product has a cassette of its own):
the plugin validates the request against the product's contract before it leaves and the answer
after it comes back. The operation is the simplest one the product declares (see
:func:`example_operation`), sent with the definition's documented examples where it gives them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from kpn_contract.config._demo import PRODUCT_API_KEY
from kpn_contract.contract.model import Operation, Spec
from kpn_contract.contract.specs import project_index
from kpn_contract.fuzz import API_SPECS
from tests.spec_requests import request_args

# Products whose example request cannot (yet) be answered as documented, each with its named reason.
KNOWN_DEFECTS: dict[str, str] = {}
# Products whose simplest operation is not the one to call, with why.
CHOSEN_OPERATIONS: dict[str, str] = {}


SPECS_BY_FILE = {Path(spec.path).name: spec for spec in project_index().specs}
PRODUCTS = {name: SPECS_BY_FILE[file] for name, file in API_SPECS.items() if name != "things"}


def example_operation(name: str, spec: Spec) -> Operation:
    """The product's example: a GET before a POST before the rest, then the fewest inputs to give."""
    if name in CHOSEN_OPERATIONS:
        return next(op for op in spec.operations if op.key == CHOSEN_OPERATIONS[name])

    def weight(op: Operation) -> tuple[int, int, int]:
        method = {"GET": 0, "POST": 1}.get(op.method, 2)
        inputs = sum(1 for p in op.parameters if p.required) + (
            1 if op.request_body is not None and op.request_body.required else 0
        )
        return method, inputs, op.path.count("{")

    return min(spec.operations, key=weight)


def _params() -> list[object]:
    params: list[object] = []
    for name in PRODUCTS:
        marks = [pytest.mark.xfail(reason=KNOWN_DEFECTS[name], strict=True)] if name in KNOWN_DEFECTS else []
        params.append(pytest.param(name, id=name, marks=marks))
    return params


def test_every_product_contract_has_a_short_name() -> None:
    """Each API Store contract with operations (tokens aside) is one of the 34 named products."""
    named = {Path(spec.path).name for spec in PRODUCTS.values()}
    products = {
        Path(spec.path).name
        for spec in SPECS_BY_FILE.values()
        if spec.family == "api-store" and spec.operations and "token" not in Path(spec.path).name
    }
    assert products == named
    assert len(PRODUCTS) == 34


@pytest.mark.kpn(profile="sandbox")
@pytest.mark.parametrize("name", _params())
def test_documented_example_request(name: str, kpn_client: Callable[..., httpx.Client]) -> None:
    spec = PRODUCTS[name]
    op = example_operation(name, spec)
    args = request_args(spec, op, examples=True)
    for scheme in spec.security_schemes.values():
        # FIAM Eneco (on its own host, not the gateway) is called with its API key: the emulator's demo key.
        if scheme.type == "apiKey" and scheme.api_key_in == "header" and scheme.api_key_name:
            args["headers"][scheme.api_key_name] = PRODUCT_API_KEY
    response = kpn_client().request(op.method, args.pop("url"), **args)
    # The plugin has validated the request before it left and the answer on its way back.
    declared_success = {int(s) for s in op.responses if s.isdigit() and 200 <= int(s) < 400}
    assert response.status_code in declared_success, f"{op.key}: {response.text[:200]}"

"""load_spec on arbitrary text raises nothing but SpecError."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpn_contract.contract.specs import load_spec
from kpn_contract.errors import SpecError

YAMLISH = st.text(alphabet=st.sampled_from(list("openapi: 3.0swagger2.\n -{}[]'\"#$ref/paths:200get\t&*!|>")))
HEADERS = st.sampled_from(
    ["", "openapi: 3.0.0\n", "openapi: 3.1.0\n", "swagger: '2.0'\n", "openapi: 3.0.0\npaths:\n"]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header=HEADERS, text=YAMLISH, suffix=st.sampled_from([".yaml", ".json"]))
def test_load_spec_raises_only_spec_error(header: str, text: str, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"spec{suffix}"
        path.write_text(header + text, encoding="utf-8")
        error: SpecError | None = None
        try:
            spec = load_spec(path)
        except SpecError as exc:  # any other exception fails the test
            error = exc
        if error is None:
            assert spec.path == str(path)
        else:
            assert error.path == str(path)

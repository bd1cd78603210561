"""The budgeted parse: anchors within the budget load, alias bombs and deep nesting are refused."""

from __future__ import annotations

import json

import pytest

from kpn_contract.files import MAX_ALIAS_NODES, RefusedInputError, check_aliases, parse_json, parse_yaml
from tests.hostile_inputs import spec_alias_bomb, spec_enum_bomb


def test_a_few_anchors_load_as_written() -> None:
    text = "base: &b {type: string, maxLength: 8}\nname: *b\nalso: *b\nlist: [*b, *b]\n"
    data = parse_yaml(text)
    assert data["name"] == data["also"] == {"type": "string", "maxLength": 8}


@pytest.mark.parametrize("text", [spec_alias_bomb(), spec_enum_bomb()], ids=["billion-laughs", "enum-bomb"])
def test_an_alias_bomb_is_refused_naming_the_budget(text: str) -> None:
    assert len(text) < 2_000
    with pytest.raises(
        RefusedInputError, match=r"aliases expand it by more than 100,000 nodes \(the alias budget\)"
    ):
        parse_yaml(text)


def test_the_budget_counts_what_aliases_add_not_what_is_written() -> None:
    written = "items: [" + ", ".join(str(i) for i in range(MAX_ALIAS_NODES + 10)) + "]\n"
    assert len(parse_yaml(written)["items"]) == MAX_ALIAS_NODES + 10  # big, but no alias
    just_over = "a: &a [" + ", ".join(["x"] * 1001) + "]\nb: [" + ", ".join(["*a"] * 100) + "]\n"
    with pytest.raises(RefusedInputError, match="alias budget"):
        parse_yaml(just_over)
    within = "a: &a [" + ", ".join(["x"] * 999) + "]\nb: [" + ", ".join(["*a"] * 100) + "]\n"
    assert len(parse_yaml(within)["b"]) == 100


def test_a_long_string_repeated_by_aliases_counts_by_its_length() -> None:
    text = "s: &s " + "x" * 1024 * 1024 + "\nl: [" + ", ".join(["*s"] * 200) + "]\n"
    with pytest.raises(RefusedInputError, match="alias budget"):
        parse_yaml(text)


def test_a_recursive_alias_is_refused() -> None:
    with pytest.raises(RefusedInputError, match="recursive"):
        parse_yaml("a: &a [1, *a]\n")


@pytest.mark.parametrize("star", ["", "x: &x 1\n"], ids=["no-anchor", "with-anchor"])
def test_nesting_deeper_than_the_limit_is_refused(star: str) -> None:
    assert parse_yaml(star + "n: " + "[" * 62 + "]" * 62 + "\n")  # the mapping is level 1
    with pytest.raises(RefusedInputError, match=r"^nested deeper than 64 levels \(the depth limit\)$"):
        parse_yaml(star + "n: " + "[" * 64 + "]" * 64 + "\n")


def test_json_deeper_than_the_limit_or_than_python_recursion_is_refused() -> None:
    assert parse_json(json.dumps({"a": [[1]]})) == {"a": [[1]]}
    for depth in (65, 100_000):
        with pytest.raises(RefusedInputError, match="the depth limit"):
            parse_json("[" * depth + "]" * depth)


def test_check_aliases_on_shared_python_objects() -> None:
    level: list[object] = list(range(10))
    for _ in range(4):
        level = [level] * 10  # the same list ten times: 10**5 leaves once expanded
    with pytest.raises(RefusedInputError, match="alias budget"):
        check_aliases({"x": level})
    check_aliases({"x": level}, budget=10**6)

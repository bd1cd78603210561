"""The shipped mapping from oasdiff's rule ids to ours (``kpn_contract/drift/spec/rules/peers.py``)."""

from __future__ import annotations

import re
from pathlib import Path

from kpn_contract.drift.spec.rules import RULES
from kpn_contract.drift.spec.rules.docs import render_tables
from kpn_contract.drift.spec.rules.peers import OASDIFF

# oasdiff's ids as its checker spells them; the file's header says where and at which commit.
OASDIFF_IDS = Path(__file__).resolve().parent / "oasdiff_rule_ids.txt"
_SPELLING = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def _known_ids() -> set[str]:
    lines = OASDIFF_IDS.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def test_the_reference_list_holds_rule_ids_only() -> None:
    known = _known_ids()
    assert len(known) > 200
    assert all(_SPELLING.match(name) for name in known), sorted(n for n in known if not _SPELLING.match(n))
    # Message keys that are not rule ids (descriptions, comments) must not creep in.
    assert not [name for name in known if name.endswith(("-description", "-comment"))]


def test_every_mapped_oasdiff_id_is_spelled_as_oasdiff_spells_it() -> None:
    unknown = sorted({name for names in OASDIFF.values() for name in names} - _known_ids())
    assert unknown == []


def test_every_mapped_rule_is_a_rule_of_ours_and_names_each_id_once() -> None:
    assert sorted(set(OASDIFF) - set(RULES)) == []
    assert all(names and len(set(names)) == len(names) for names in OASDIFF.values())


def test_most_spec_diff_rules_have_an_oasdiff_counterpart() -> None:
    diff_rules = [r.id for r in RULES.values() if r.source in ("diff", "both")]
    assert len([r for r in diff_rules if r in OASDIFF]) / len(diff_rules) > 0.8


def test_the_rule_tables_show_the_mapping_in_their_last_column() -> None:
    row = next(
        line for line in render_tables().splitlines() if line.startswith("| `request.property.removed`")
    )
    assert row.endswith("| `request-property-removed` |")
    unmapped = next(line for line in render_tables().splitlines() if line.startswith("| `server.changed`"))
    assert unmapped.endswith("| — |")

"""Cassette freshness: ``verify --max-age`` reports old cassettes, and stale spec versions are named."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from kpn_contract.cassettes.freshness import check_freshness, recorded_at, stale_specs
from kpn_contract.cassettes.store import iter_cassettes, load_cassette
from kpn_contract.contract.specs import project_index
from tests.cli_runner import run_cli

SHIPPED = Path(__file__).resolve().parents[3] / "cassettes"
BETA = SHIPPED / "contract" / "test_things" / "test_bad_query_parameter_is_a_400.yaml"
BETA_TITLE = "KPN Things API (beta)"


def today() -> dict[str, str]:
    return {spec.title: spec.version for spec in project_index().specs}


def copy_with_meta(tmp_path: Path, **changes: object) -> Path:
    """The beta cassette, copied into ``tmp_path`` with its metadata changed (a value None drops a key)."""
    data = yaml.safe_load(BETA.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            data["kpn_contract"].pop(key, None)
        else:
            data["kpn_contract"][key] = value
    target = tmp_path / "cassettes" / "beta.yaml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return target


def shipped_meta() -> list[tuple[Path, dict[str, object]]]:
    return [(path, load_cassette(path).meta) for path in iter_cassettes([SHIPPED])]


def test_the_shipped_cassettes_are_old_one_day_after_their_newest_recording() -> None:
    cassettes = shipped_meta()
    stamps = [recorded_at(meta) for _, meta in cassettes]
    assert all(stamp is not None for stamp in stamps)
    newest = max(stamp for stamp in stamps if stamp is not None)
    later = check_freshness(cassettes, today(), now=newest + timedelta(days=1, minutes=1), max_age_days=1)
    assert len(later.old) == len(cassettes)
    assert later.exit_code(strict=False) == 1
    at_once = check_freshness(cassettes, today(), now=newest, max_age_days=1)
    assert at_once.old == []
    assert at_once.stale == []


def test_a_cassette_recorded_against_another_version_is_stale_naming_both() -> None:
    meta = {"specs": {BETA_TITLE: "beta-2026-10", "Device API": today()["Device API"], "Retired API": "3"}}
    stale = stale_specs(meta, today())
    assert [s.describe() for s in stale] == [
        f"{BETA_TITLE!r} beta-2026-10; today's version is {today()[BETA_TITLE]}",
        "'Retired API' 3, which no loaded spec is titled today",
    ]


def test_undated_and_unreadable_recorded_at_count_as_old() -> None:
    now = datetime(2026, 12, 1, tzinfo=UTC)
    cassettes: list[tuple[Path, dict[str, object]]] = [
        (Path("none.yaml"), {}),
        (Path("garbage.yaml"), {"recorded_at": "yesterday"}),
        (Path("naive.yaml"), {"recorded_at": "2026-11-30T10:00:00"}),
        (Path("fresh.yaml"), {"recorded_at": "2026-11-30T10:00:00+00:00"}),
    ]
    report = check_freshness(cassettes, {}, now=now, max_age_days=2)
    assert [old.path.name for old in report.old] == ["none.yaml", "garbage.yaml", "naive.yaml"]
    assert "no recorded_at" in report.render_text(strict=False)


def test_plain_verify_of_the_shipped_cassettes_passes_without_freshness_lines(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run_cli(["verify", str(SHIPPED)], capsys)
    assert code == 0
    assert "stale" not in out
    assert "old:" not in out


def test_verify_max_age_flags_old_cassettes_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "cassettes"
    shutil.copytree(SHIPPED / "contract" / "test_things", dest)
    count = len(list(dest.glob("*.yaml")))
    code, out, _ = run_cli(["verify", str(dest), "--max-age", "0"], capsys)
    assert code == 1
    assert out.count("\nold: ") == count
    assert f"freshness: {count} cassette(s) older than the maximum age" in out
    code, out, _ = run_cli(["verify", str(dest), "--max-age", "36500"], capsys)
    assert code == 0
    assert "old:" not in out


def test_verify_warns_of_a_stale_cassette_and_fails_with_strict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cassette = copy_with_meta(tmp_path, specs={BETA_TITLE: "beta-2026-10"})
    code, out, _ = run_cli(["verify", str(cassette.parent)], capsys)
    assert code == 0
    assert (
        f"stale (warning): {cassette}: recorded against {BETA_TITLE!r} beta-2026-10; today's version is "
        in out
    )
    assert today()[BETA_TITLE] in out
    code, out, _ = run_cli(["verify", str(cassette.parent), "--strict"], capsys)
    assert code == 1
    assert "stale (error)" in out


def test_verify_max_age_reports_an_undated_cassette(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cassette = copy_with_meta(tmp_path, recorded_at=None)
    code, out, _ = run_cli(["verify", str(cassette.parent), "--max-age", "30"], capsys)
    assert code == 1
    assert f"old: {cassette}: no recorded_at in its metadata (--max-age 30)" in out


@pytest.mark.parametrize("value", ["-1", "abc", "nan", "inf", "", "1e999", "-0.5"])
def test_a_bad_max_age_is_one_line_and_exit_2(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["verify", str(SHIPPED), "--max-age", value], capsys)
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1
    assert "--max-age" in err
    assert "is not a number of days" in err

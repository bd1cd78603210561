"""A strict config: an unknown key is an error naming the file, the key and the nearest known key."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpn_contract.config.profiles import load_config
from kpn_contract.errors import ConfigError


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("kpn-contract.toml", 'casette_dir = "x"\n'),
        ("pyproject.toml", '[tool.black]\nline-length = 1\n[tool.kpn_contract]\ncasette_dir = "x"\n'),
    ],
    ids=["own-file", "shared-pyproject"],
)
def test_a_misspelt_key_names_the_file_the_key_and_the_nearest_known_key(
    tmp_path: Path, name: str, text: str
) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(start=tmp_path)
    message = str(info.value)
    assert str(tmp_path / name) in message
    assert "'casette_dir'" in message
    assert "did you mean 'cassette_dir'?" in message
    assert len(message.splitlines()) == 1


def test_a_misspelt_record_mode_and_an_unrelated_key(tmp_path: Path) -> None:
    (tmp_path / "kpn-contract.toml").write_text('record_mdoe = "once"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="did you mean 'record_mode'"):
        load_config(start=tmp_path)
    (tmp_path / "kpn-contract.toml").write_text("zzz = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown key; known keys: cassette_dir, "):
        load_config(start=tmp_path)


def test_a_misspelt_profile_field_gets_the_nearest_field(tmp_path: Path) -> None:
    (tmp_path / "kpn-contract.toml").write_text(
        '[profiles.a]\nkind = "grip"\nclient_id_evn = "X"\nclient_secret_env = "Y"\ntenant_id_env = "Z"\n',
        encoding="utf-8",
    )
    problem = load_config(start=tmp_path).problems["a"]
    assert "'client_id_evn'" in str(problem)
    assert "did you mean 'client_id_env'?" in str(problem)


def test_every_documented_key_is_known(tmp_path: Path) -> None:
    text = "\n".join(
        [
            'cassette_dir = "c"', 'spec_dir = "s"', 'notebook_dir = "n"', 'report_dir = "r"',
            'target = "replay"', 'record_mode = "none"', "secret_env = []", 'coverage_specs = ["things"]',
            "[drift]", "[profiles]",
        ]
    )  # fmt: skip
    (tmp_path / "kpn-contract.toml").write_text(text, encoding="utf-8")
    assert load_config(start=tmp_path).source == tmp_path / "kpn-contract.toml"


def test_profiles_reports_a_misspelt_key_instead_of_no_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.cli_runner import run_cli

    config = tmp_path / "kpn-contract.toml"
    config.write_text('casette_dir = "x"\n', encoding="utf-8")
    code, out, err = run_cli(["--config", str(config), "profiles"], capsys)
    assert code == 2
    assert "0 with a problem" not in out
    assert "did you mean 'cassette_dir'?" in err

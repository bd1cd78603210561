"""Credential profiles: config files, precedence, every ConfigError, and secrets only from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from kpn_contract.config import _demo
from kpn_contract.config.profiles import (
    DEFAULT_PROFILES,
    GATEWAY_TOKEN_URL,
    GRIP_TOKEN_URL,
    THINGS_BASE_URL,
    Credentials,
    Profile,
    load_config,
    resolve_credentials,
)
from kpn_contract.errors import ConfigError
from kpn_contract.redact import known_secrets

PLANTED = "planted-Secret-Value-7f3a9c"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# -- defaults ------------------------------------------------------------------------------------


def test_default_profiles_read_the_documented_variables() -> None:
    table = {name: (p.kind, p.env_vars()) for name, p in DEFAULT_PROFILES.items()}
    assert table == {
        "sandbox": ("api-store", ("KPN_SANDBOX_CLIENT_ID", "KPN_SANDBOX_CLIENT_SECRET")),
        "project": ("api-store", ("KPN_PROJECT_CLIENT_ID", "KPN_PROJECT_CLIENT_SECRET")),
        "things": ("grip", ("KPN_GRIP_CLIENT_ID", "KPN_GRIP_CLIENT_SECRET", "KPN_GRIP_TENANT_ID")),
        "things-subcustomer": (
            "grip",
            (
                "KPN_GRIP_CLIENT_ID",
                "KPN_GRIP_CLIENT_SECRET",
                "KPN_GRIP_TENANT_ID",
                "KPN_THINGS_SUBCUSTOMER_ID",
            ),
        ),
    }


def test_default_urls_follow_the_kind() -> None:
    assert DEFAULT_PROFILES["sandbox"].token_url == GATEWAY_TOKEN_URL
    assert DEFAULT_PROFILES["sandbox"].base_url == "https://api-prd.kpn.com"
    assert DEFAULT_PROFILES["things"].token_url == GRIP_TOKEN_URL
    assert DEFAULT_PROFILES["things"].base_url == THINGS_BASE_URL
    assert DEFAULT_PROFILES["things"].audience == _demo.KPN_THINGS_APPLICATION_ID


def test_grip_token_url_is_formatted_with_the_tenant() -> None:
    profile = DEFAULT_PROFILES["things"]
    creds = Credentials("things", "client-id-123", "client-secret-123", tenant_id="tenant/with space")
    assert profile.resolved_token_url(creds) == (
        "https://auth.grip-on-it.com/v2/tenant%2Fwith%20space/oidc/idp/c1/token"
    )


def test_no_config_file_gives_the_defaults(tmp_path: Path) -> None:
    config = load_config(start=tmp_path)
    assert config.source is None
    assert set(config.profiles) == set(DEFAULT_PROFILES)
    assert config.cassette_dir == tmp_path.resolve() / "cassettes"


# -- files and precedence --------------------------------------------------------------------------


def test_pyproject_profiles_merge_over_the_defaults(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        """
[project]
name = "x"
[tool.kpn_contract]
cassette_dir = "recordings"
spec_dir = "contracts"
[tool.kpn_contract.profiles.sandbox]
timeout = 3
expiry_margin = 5
[tool.kpn_contract.profiles.msm]
kind = "api-store"
token_url = "https://api-prd.kpn.com/oauth/grip/msm/accesstoken"
client_id_env = "MSM_ID"
client_secret_env = "MSM_SECRET"
""",
    )
    config = load_config(start=tmp_path)
    assert config.source == (tmp_path / "pyproject.toml").resolve()
    sandbox = config.profile("sandbox")
    assert (sandbox.timeout, sandbox.expiry_margin) == (3.0, 5.0)
    assert sandbox.client_id_env == "KPN_SANDBOX_CLIENT_ID"  # inherited from the default
    msm = config.profile("msm")
    assert msm.token_url.endswith("/oauth/grip/msm/accesstoken")
    assert msm.base_url == "https://api-prd.kpn.com"
    assert config.cassette_dir == tmp_path.resolve() / "recordings"
    assert config.spec_dir == tmp_path.resolve() / "contracts"


def test_kpn_contract_toml_wins_over_pyproject(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", "[tool.kpn_contract.profiles.sandbox]\ntimeout = 1\n")
    write(tmp_path, "kpn-contract.toml", "[profiles.sandbox]\ntimeout = 2\n")
    config = load_config(start=tmp_path)
    assert config.source is not None
    assert config.source.name == "kpn-contract.toml"
    assert config.profile("sandbox").timeout == 2.0


def test_search_goes_upward_and_skips_an_unrelated_pyproject(tmp_path: Path) -> None:
    write(tmp_path, "kpn-contract.toml", "[profiles.things]\ntimeout = 7\n")
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    write(tmp_path / "a", "pyproject.toml", "[project]\nname = 'unrelated'\n")
    config = load_config(start=nested)
    assert config.root == tmp_path.resolve()
    assert config.profile("things").timeout == 7.0


def test_explicit_path_and_tool_table_inside_kpn_contract_toml(tmp_path: Path) -> None:
    path = write(
        tmp_path, "custom.toml", "[tool.kpn_contract.profiles.project]\nbase_url = 'http://127.0.0.1:9'\n"
    )
    config = load_config(path)
    assert config.profile("project").base_url == "http://127.0.0.1:9"


def test_verify_bundle_path_is_relative_to_the_config(tmp_path: Path) -> None:
    write(tmp_path, "pki-overheid.pem", "not read here")
    write(tmp_path, "kpn-contract.toml", "[profiles.things]\nverify = 'pki-overheid.pem'\n")
    profile = load_config(start=tmp_path).profile("things")
    assert profile.verify == str(tmp_path.resolve() / "pki-overheid.pem")


def test_bundle_that_is_not_a_certificate_is_a_config_error(tmp_path: Path) -> None:
    write(tmp_path, "broken.pem", "not a certificate")
    write(tmp_path, "kpn-contract.toml", "[profiles.things]\nverify = 'broken.pem'\n")
    profile = load_config(start=tmp_path).profile("things")
    with pytest.raises(ConfigError, match="cannot be loaded") as info:
        profile.tls_verify()
    assert info.value.field == "verify"
    insecure = Profile(name="x", kind="api-store", client_id_env="A", client_secret_env="B", verify=False)
    assert insecure.tls_verify() is False


# -- every ConfigError -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "needle"),
    [
        (
            '[profiles.p]\nkind = "soap"\nclient_id_env = "A"\nclient_secret_env = "B"\n',
            "kind",
            "unknown kind",
        ),
        ('[profiles.sandbox]\ncolour = "blue"\n', "colour", "unknown field"),
        (f'[profiles.sandbox]\nclient_secret = "{PLANTED}"\n', "client_secret", "secret value is written"),
        (f'[profiles.sandbox]\nclient_id = "{PLANTED}"\n', "client_id", "secret value is written"),
        (f'[profiles.things]\ntenant_id = "{PLANTED}"\n', "tenant_id", "secret value is written"),
        (f'[profiles.things]\nsecret = "{PLANTED}"\n', "secret", "secret value is written"),
        (
            f'[profiles.sandbox]\nclient_secret_env = "{PLANTED}"\n',
            "client_secret_env",
            "environment-variable name",
        ),
        ('[profiles.sandbox]\ntimeout = "ten"\n', "timeout", "number of seconds"),
        ("[profiles.sandbox]\ntimeout = 0\n", "timeout", "positive"),
        ("[profiles.sandbox]\ntimeout = true\n", "timeout", "number of seconds"),
        ("[profiles.sandbox]\nexpiry_margin = -1\n", "expiry_margin", "zero or a positive"),
        ("[profiles.sandbox]\nbase_url = 42\n", "base_url", "must be a string"),
        ("[profiles.sandbox]\nbase_url = 'ftp://x'\n", "base_url", "absolute http"),
        ("[profiles.sandbox]\nverify = 3\n", "verify", "CA bundle"),
        ("[profiles.sandbox]\nverify = 'missing-bundle.pem'\n", "verify", "does not exist"),
        ("[profiles.sandbox]\nscrub = 'x'\n", "scrub", "list of strings"),
        (
            '[profiles.g]\nkind = "grip"\nclient_id_env = "A"\nclient_secret_env = "B"\n',
            "tenant_id_env",
            "grip",
        ),
        ('[profiles.new]\nclient_id_env = "A"\nclient_secret_env = "B"\n', "kind", "required"),
        ('[profiles.new]\nkind = "api-store"\nclient_id_env = "A"\n', "client_secret_env", "required"),
    ],
)
def test_bad_profile_fields_name_file_profile_and_field_never_the_value(
    tmp_path: Path, body: str, field: str, needle: str
) -> None:
    path = write(tmp_path, "kpn-contract.toml", body)
    config = load_config(start=tmp_path)  # one bad profile is an error only when it is used
    (bad,) = config.problems
    assert bad not in config.profiles
    with pytest.raises(ConfigError) as info:
        config.profile(bad)
    message = str(info.value)
    assert needle in message
    assert info.value.field == field
    assert f"field {field!r}" in message
    assert str(path.resolve()) in message
    assert info.value.profile is not None
    assert f"profile {info.value.profile!r}" in message
    assert PLANTED not in message
    assert PLANTED not in repr(info.value)


def test_broken_toml_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(
        tmp_path, "kpn-contract.toml", f'[profiles.sandbox]\ntimeout = 1\nclient_secret_env = "{PLANTED}\n'
    )
    with pytest.raises(ConfigError, match=r"broken TOML: .*line 3") as info:
        load_config(start=tmp_path)
    assert str(path.resolve()) in str(info.value)
    assert PLANTED not in str(info.value)


@pytest.mark.parametrize(
    ("body", "field"),
    [("profiles = 3\n", "profiles"), ("cassette_dir = 3\n", "cassette_dir")],
)
def test_wrong_top_level_types(tmp_path: Path, body: str, field: str | None) -> None:
    write(tmp_path, "kpn-contract.toml", body)
    with pytest.raises(ConfigError) as info:
        load_config(start=tmp_path)
    assert info.value.field == field
    assert "kpn-contract.toml" in str(info.value)


def test_missing_explicit_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml")


def test_unknown_profile_lists_the_known_names(tmp_path: Path) -> None:
    config = load_config(start=tmp_path)
    with pytest.raises(
        ConfigError, match="unknown profile; known profiles: project, sandbox, things, things-subcustomer"
    ):
        config.profile("prod")


def test_profile_built_in_code_is_checked_too(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="tenant_id_env"):
        Profile(name="g", kind="grip", client_id_env="A", client_secret_env="B")
    with pytest.raises(ConfigError, match="unknown kind"):
        Profile(name="g", kind="soap", client_id_env="A", client_secret_env="B")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="does not exist"):
        Profile(
            name="g",
            kind="api-store",
            client_id_env="A",
            client_secret_env="B",
            verify=str(tmp_path / "x.pem"),
        )


# -- resolving credentials -----------------------------------------------------------------------


@pytest.mark.usefixtures("clean_secret_registry")
def test_resolve_reads_only_the_named_variables_and_registers_them() -> None:
    env = {
        "KPN_GRIP_TENANT_ID": "tenant-planted-1",
        "KPN_GRIP_CLIENT_ID": "keyid-planted-2",
        "KPN_GRIP_CLIENT_SECRET": "secret-planted-3",
        "KPN_THINGS_SUBCUSTOMER_ID": "subcust-planted-4",
        "client_secret": "ignored-not-named",
    }
    creds = resolve_credentials(DEFAULT_PROFILES["things-subcustomer"], env)
    assert (creds.tenant_id, creds.client_id, creds.client_secret, creds.subcustomer_id) == (
        "tenant-planted-1",
        "keyid-planted-2",
        "secret-planted-3",
        "subcust-planted-4",
    )
    assert set(creds.secret_values()) == {
        "tenant-planted-1",
        "keyid-planted-2",
        "secret-planted-3",
        "subcust-planted-4",
    }
    assert set(creds.secret_values()) <= known_secrets()
    for text in (repr(creds), str(creds)):
        assert "planted" not in text
        assert "things-subcustomer" in text


@pytest.mark.usefixtures("clean_secret_registry")
def test_missing_variable_names_profile_field_and_variable() -> None:
    env = {"KPN_SANDBOX_CLIENT_ID": PLANTED}
    with pytest.raises(ConfigError) as info:
        resolve_credentials(DEFAULT_PROFILES["sandbox"], env)
    message = str(info.value)
    assert "profile 'sandbox'" in message
    assert "field 'client_secret_env'" in message
    assert "KPN_SANDBOX_CLIENT_SECRET" in message
    assert PLANTED not in message


@pytest.mark.usefixtures("clean_secret_registry")
def test_empty_variable_counts_as_missing() -> None:
    env = {"KPN_SANDBOX_CLIENT_ID": "   ", "KPN_SANDBOX_CLIENT_SECRET": PLANTED}
    with pytest.raises(ConfigError, match="KPN_SANDBOX_CLIENT_ID"):
        resolve_credentials(DEFAULT_PROFILES["sandbox"], env)


@pytest.mark.usefixtures("clean_secret_registry")
def test_too_short_value_is_refused_without_echo() -> None:
    env = {"KPN_SANDBOX_CLIENT_ID": "abc", "KPN_SANDBOX_CLIENT_SECRET": PLANTED}
    with pytest.raises(ConfigError, match="shorter than 8") as info:
        resolve_credentials(DEFAULT_PROFILES["sandbox"], env)
    assert "abc" not in str(info.value).replace("characters", "")


@pytest.mark.usefixtures("clean_secret_registry")
def test_demo_fallback_fills_only_unset_variables() -> None:
    env = {"KPN_PROJECT_CLIENT_ID": "real-project-id"}
    creds = resolve_credentials(DEFAULT_PROFILES["project"], env, demo_fallback=True)
    assert creds.client_id == "real-project-id"
    assert creds.client_secret == _demo.PROJECT_CLIENT_SECRET
    custom = Profile(
        name="c", kind="api-store", client_id_env="NOT_DEMO_ID", client_secret_env="NOT_DEMO_SECRET"
    )
    # Without the fallback (the live target) a custom profile's unset variable is an error ...
    with pytest.raises(ConfigError, match="NOT_DEMO_ID"):
        resolve_credentials(custom, {}, demo_fallback=False)


@pytest.mark.usefixtures("clean_secret_registry")
def test_demo_fallback_covers_custom_profiles_by_kind() -> None:
    # ... offline, any profile falls back to the demo credentials of its kind: replay needs no secrets.
    gateway = Profile(name="acme", kind="api-store", client_id_env="ACME_ID", client_secret_env="ACME_KEY")
    creds = resolve_credentials(gateway, {}, demo_fallback=True)
    assert (creds.client_id, creds.client_secret) == (_demo.SANDBOX_CLIENT_ID, _demo.SANDBOX_CLIENT_SECRET)
    grip = Profile(
        name="acme-things",
        kind="grip",
        tenant_id_env="ACME_TENANT",
        client_id_env="ACME_KEY_ID",
        client_secret_env="ACME_KEY_SECRET",
        subcustomer_id_env="ACME_CUSTOMER",
    )
    creds = resolve_credentials(grip, {"ACME_KEY_SECRET": "set-by-the-team"}, demo_fallback=True)
    assert creds.tenant_id == _demo.GRIP_TENANT_ID
    assert creds.client_id == _demo.GRIP_CLIENT_ID
    assert creds.client_secret == "set-by-the-team"  # a variable that is set always wins
    assert creds.subcustomer_id == _demo.THINGS_SUBCUSTOMER_ID


def test_one_bad_profile_leaves_the_others_usable(tmp_path: Path) -> None:
    # The README's example once named a CA bundle that does not exist: every profile broke.
    write(
        tmp_path,
        "kpn-contract.toml",
        '[profiles.broken]\nkind = "grip"\ntenant_id_env = "T"\nclient_id_env = "I"\n'
        'client_secret_env = "S"\nverify = "/no/such/bundle.pem"\n'
        "[profiles.notatable]\n"
        "[profiles]\nalso = 3\n"
        '[profiles.fine]\nkind = "api-store"\nclient_id_env = "I"\nclient_secret_env = "S"\n',
    )
    config = load_config(start=tmp_path)
    assert config.profile("fine").kind == "api-store"
    assert config.profile("sandbox").kind == "api-store"
    assert sorted(config.problems) == ["also", "broken", "notatable"]
    with pytest.raises(ConfigError, match=r"CA bundle /no/such/bundle\.pem does not exist"):
        config.profile("broken")
    with pytest.raises(ConfigError, match="a profile must be a table"):
        config.profile("also")


@pytest.mark.usefixtures("clean_secret_registry")
def test_resolve_defaults_to_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KPN_SANDBOX_CLIENT_ID", "from-os-environ-id")
    monkeypatch.setenv("KPN_SANDBOX_CLIENT_SECRET", "from-os-environ-secret")
    assert resolve_credentials(DEFAULT_PROFILES["sandbox"]).client_id == "from-os-environ-id"

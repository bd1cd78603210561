"""Opening a notebook session: ``kpn_notebook`` resolves the run settings as pytest does, finds the
notebook's cassette folder, starts an emulator when the target asks for one, and hands the result to
:class:`~kpn_contract.notebook._session.NotebookSession`."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Final

from kpn_contract.errors import UsageError
from kpn_contract.notebook._session import NotebookSession

if TYPE_CHECKING:
    from kpn_contract.config.profiles import Profile

__all__ = ["kpn_notebook", "session"]

NOTEBOOK_CASSETTES: Final = "notebooks"  # under the project's cassette_dir
CALLS_CASSETTE: Final = "calls.yaml"
_TRUE: Final = frozenset({"1", "true", "yes", "on"})


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in _TRUE


_NOTEBOOK_VARIABLES: Final = ("KPN_TARGET", "KPN_RECORD", "KPN_EMULATOR_URL", "JPY_SESSION_NAME")


def _notebook_name(env: Mapping[str, str]) -> str:
    # JupyterLab and Notebook 7 tell the kernel its notebook's path in JPY_SESSION_NAME.
    session_name = env.get("JPY_SESSION_NAME")
    if session_name:
        return Path(session_name).stem
    raise UsageError("name the notebook's cassette: kpn_notebook(..., cassette='01-get-a-token')")


def _cassette_folder(root: Path, name: str) -> Path:
    folder = (root / name).resolve()
    if (
        not name
        or Path(name).is_absolute()
        or ".." in Path(name).parts
        or not folder.is_relative_to(root.resolve())
    ):
        raise UsageError(f"cassette name {name!r} must be a plain name such as '01-get-a-token'")
    return folder


def _miss_hint(profile: str, name: str, record_mode: str | None) -> str:
    """How a notebook records what its cassette lacks: the notebook's own way, not pytest's options."""
    call = f"kpn_notebook({profile!r}, cassette={name!r}, target='emulator', record_mode=%r)"
    if record_mode in (None, "none"):
        return f"record it from the notebook with {call % 'once'} (or KPN_TARGET=emulator KPN_RECORD=1)"
    return f"add it with {call % 'new_episodes'}"


def kpn_notebook(
    profile: str = "sandbox",
    *,
    target: str | None = None,
    cassette: str | None = None,
    validate: bool = True,
    record: bool | None = None,
    record_mode: str | None = None,
    variant: str = "current",
    emulator_url: str | None = None,
    start: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> NotebookSession:
    """A notebook session for ``profile``; use it as ``with kpn_notebook(...) as nb:`` (or call
    ``nb.close()``): closing writes the cassettes.

    ``target`` defaults to ``KPN_TARGET`` (``replay`` when unset). ``cassette`` names the folder
    ``cassettes/notebooks/<cassette>/`` holding ``calls.yaml`` and the token cassettes ``tokens/``;
    it defaults to the notebook's name where Jupyter tells it. ``record`` defaults to ``KPN_RECORD``
    and rewrites the cassettes; ``record_mode`` picks another of the record modes (``once``,
    ``new_episodes``, ``all``, ``rewrite``). Recording needs the emulator or live target. In the
    emulator target an emulator is started (and stopped with the session) unless ``emulator_url`` or
    ``KPN_EMULATOR_URL`` names one; ``variant="next"`` always starts its own emulator of the next beta.
    The project (config, profiles, specs) is found from ``start`` (default: the current folder) upward.
    """
    from kpn_contract.config.profiles import load_config, named_environment
    from kpn_contract.config.run_settings import options_from_sources
    from kpn_contract.session.kpn_session import KPNSession

    config = load_config(start=(start or Path.cwd()))
    # Only the variables this function and the profiles read, never the whole environment.
    environ = named_environment(config, env, extra=_NOTEBOOK_VARIABLES)
    config.profile(profile)  # an unknown profile fails here, naming the known ones
    if record_mode is None and (_flag(environ.get("KPN_RECORD")) if record is None else record):
        record_mode = "rewrite"
    # The arguments are this front door's command line: the same precedence as pytest's options
    # (arguments > [tool.kpn_contract] > KPN_TARGET, KPN_EMULATOR_URL > default), and the same checks.
    options = options_from_sources(
        cli={"target": target, "record_mode": record_mode, "emulator_url": emulator_url},
        ini={},
        config=config,
        env=environ,
    )
    recording = options.record_mode not in (None, "none")
    if variant not in ("current", "next"):
        raise UsageError(f"unknown emulator variant {variant!r}: choose current or next")
    if variant != "current" and options.target == "live":
        raise UsageError("the next variant exists only in the emulator: use KPN_TARGET=emulator or replay")
    name = cassette or _notebook_name(environ)
    folder = _cassette_folder(options.cassette_dir / NOTEBOOK_CASSETTES, name)

    stack = contextlib.ExitStack()
    try:
        url = options.emulator_url
        if variant != "current" and not emulator_url:
            url = None  # a running emulator (KPN_EMULATOR_URL) serves the current API, not the next beta
        if options.target == "emulator" and not url:
            url = stack.enter_context(_emulator(environ, variant, config.profiles.values()))
        options = dataclasses.replace(
            options,
            emulator_url=url,
            cassette_dir=folder,
            cassette_root=options.cassette_dir,  # one lock folder for the project, not one per notebook
            validate=validate,
            on_violation="collect",
            miss_hint=_miss_hint(profile, name, options.record_mode),
        )
        kpn = KPNSession(config, options, env=environ)
        stack.callback(kpn.close)
        # A notebook collects violations to show them (a 302, the next beta's drift), so `verify`
        # treats what it recorded as expected rather than as a broken contract.
        handle = kpn.open_cassette(folder / CALLS_CASSETTE, [profile], validated=False)
        stack.callback(handle.close)
    except BaseException:
        stack.close()
        raise
    return NotebookSession(
        kpn,
        handle,
        profile=profile,
        name=name,
        recording=recording,
        stack=stack,
        record_mode=options.record_mode if recording else None,
    )


# The first name of kpn_notebook, kept for notebooks that call ``notebook.session(...)``.
session = kpn_notebook


@contextlib.contextmanager
def _emulator(env: Mapping[str, str], variant: str, profiles: Iterable[Profile] = ()) -> Iterator[str]:
    """A loopback emulator that accepts the credentials the profiles resolve to; yields its URL."""
    from kpn_contract.emulator import EmulatorServer, EmulatorSettings

    settings = EmulatorSettings.from_environment(env, variant=variant, profiles=profiles)
    server = EmulatorServer(settings).start()
    try:
        yield str(server.base_url)
    finally:
        server.stop()

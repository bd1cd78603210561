"""The notebooks: committed clean, executed offline from their cassettes, and free of secrets.

Each notebook runs in a real Jupyter kernel (nbclient), so what is tested is what a person sees:
a cell error fails the test (nbclient raises CellExecutionError) and every cell has a timeout.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path
from urllib.parse import quote

import nbformat
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO_ROOT / "notebooks"
NAMES = (
    "01-get-a-token",
    "02-explore-kpn-things",
    "03-contract-checks",
    "04-breaking-changes",
    "05-migrate-to-the-new-things-api",
)
CELL_TIMEOUT = 120  # seconds per cell; replay needs about one
KERNEL = "kpn-contract"  # installed into .venv by `make venv` (ipykernel install --prefix .venv)


def _kernel_name() -> str:
    """The project's kernel, or the running interpreter's own ``python3`` kernel.

    ``kpn-contract`` lives in ``sys.prefix/share/jupyter/kernels`` (``make venv`` installs it), which
    jupyter_client searches whenever pytest runs from the same venv. Where the kernel was never
    installed (pytest run outside ``make``), the ``python3`` kernel jupyter_client provides natively
    runs ``sys.executable``, i.e. the same interpreter and packages, so the notebooks test the same thing.
    """
    from jupyter_client.kernelspec import KernelSpecManager

    manager = KernelSpecManager()
    manager.kernel_dirs = [*manager.kernel_dirs, str(Path(sys.prefix) / "share" / "jupyter" / "kernels")]
    return KERNEL if KERNEL in manager.find_kernel_specs() else "python3"


def _environment(**extra: str) -> dict[str, str]:
    """The kernel's environment: this process's, without KPN_* settings, plus ``extra``."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("KPN_")}
    env.update(MPLBACKEND="Agg", **extra)
    return env


def _execute(name: str, env: dict[str, str]) -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    notebook: nbformat.NotebookNode = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    client = NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name=_kernel_name())
    client.execute(env=env, cwd=str(NOTEBOOKS))
    return notebook


def _outputs(notebook: nbformat.NotebookNode) -> list[dict[str, object]]:
    return [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]


# -- committed notebooks -------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_committed_notebook_has_no_outputs(name: str) -> None:
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(notebook)
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code_cells, f"{name} has no code"
    dirty = [
        index
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, f"{name}.ipynb: cells {dirty} carry outputs or execution counts; clear them first"
    assert notebook.metadata["kernelspec"]["name"] == KERNEL


def test_every_notebook_is_tested() -> None:
    assert sorted(path.stem for path in NOTEBOOKS.glob("*.ipynb")) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_notebook_cassettes_are_committed_and_labelled(name: str) -> None:
    import yaml

    folders = [f"{name}"] if not name.startswith("04") else ["04-drift-current", "04-drift-next"]
    for folder in folders:
        calls = REPO_ROOT / "cassettes" / "notebooks" / folder / "calls.yaml"
        assert calls.is_file(), f"{calls} is missing: record with notebooks/_run.py --record"
        meta = yaml.safe_load(calls.read_text(encoding="utf-8"))["kpn_contract"]
        assert meta["target"] == "emulator", f"{calls}: shipped cassettes are recorded against the emulator"


# -- execution -------------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_offline_from_its_cassettes(name: str, tmp_path: Path) -> None:
    notebook = _execute(name, _environment(KPN_TARGET="replay"))

    outputs = _outputs(notebook)
    assert not [o for o in outputs if o["output_type"] == "error"]
    kinds = {kind for o in outputs for kind in o.get("data", {})}  # type: ignore[attr-defined]
    assert "text/html" in kinds or "text/markdown" in kinds, f"{name} shows no rich output"
    if name == "04-breaking-changes":
        assert "image/png" in kinds, "the findings chart is missing"

    from kpn_contract.cassettes.audit import audit

    executed = tmp_path / f"{name}.ipynb"
    nbformat.write(notebook, executed)
    assert audit([executed]) == []


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "min_tokens"),
    [("01-get-a-token", 2), ("05-migrate-to-the-new-things-api", 1)],  # 01: gateway and GRIP tokens
)
def test_planted_secrets_never_reach_the_outputs(
    name: str, min_tokens: int, tmp_path: Path, clean_secret_registry: None
) -> None:
    from kpn_contract.cassettes.audit import audit
    from kpn_contract.config._demo import DEMO_ENVIRONMENT
    from kpn_contract.emulator import EmulatorServer, EmulatorSettings

    planted = {variable: f"planted-{secrets.token_hex(12)}" for variable in DEMO_ENVIRONMENT}
    with EmulatorServer(EmulatorSettings.from_environment(planted)) as server:
        env = _environment(KPN_TARGET="emulator", KPN_EMULATOR_URL=server.base_url, **planted)
        notebook = _execute(name, env)
        tokens = list(server._state._tokens)  # every token the emulator issued during the run
    assert len(tokens) >= min_tokens, f"{name} should have obtained {min_tokens} token(s) or more"

    text = json.dumps(notebook)
    for value in [*planted.values(), *tokens]:
        for form in {value, quote(value, safe=""), json.dumps(value)[1:-1]}:
            assert form not in text, "a planted credential or an issued token reached the notebook output"
    assert "planted-" not in text

    executed = tmp_path / f"{name}.ipynb"
    nbformat.write(notebook, executed)
    assert audit([executed], secrets=[*planted.values(), *tokens]) == []

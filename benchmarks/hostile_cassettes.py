"""Hostile inputs before every command that reads them: time and peak memory of each.

``specs``: each class of hostile spec, migration map, cassette and audit target of issue 21
(``tests/hostile_inputs.make_hostile_project``: alias and ``enum`` bombs, deep nesting, ``$ref`` to
absolute, ``../``, device and URL targets, symlink loops, links to ``/dev/zero``, FIFOs, a symlinked
cassette) through each command that reads it (``specs``, ``diff``, ``verify --specs``,
``coverage --specs``, ``drift --specs``, ``audit`` ...), one fresh interpreter per command.
Target: each refused (exit 1 or 2) in under 10 s and under 300 MB.

The cassette part: a 125 KB YAML alias bomb before ``verify``, replay (pytest) and ``drift``.

Before the safe loader refused aliases, this cassette took 1 GB in ``verify`` and in replay (and a
1.1 MB one was killed by the OOM killer at 24 GB). Each command runs in a fresh interpreter, so
``peak_rss_mb`` is that command's own high-water mark (``VmHWM``, else ``ru_maxrss``), interpreter
and imports included. ``seconds`` is the wall time of the whole child process; ``command_seconds`` the time of
the command itself (for pytest, loading its plugins too: schemathesis and hypothesis among them).

``audit`` is measured too (for information: it reads YAML as nodes, so an alias stays one node).
``pytest_startup`` is the same pytest run on a test that needs no cassette: on a busy machine pytest's
own start (its plugins: schemathesis, hypothesis, anyio) is most of the replay time, so the replay
target is on ``replay_extra_s``, the replay minus that startup.

``loader``: what the checks cost on an ordinary 3,000-interaction cassette: (load + checks) / load,
for a plain ``yaml.load`` with the same C safe loader and ``safe_yaml``'s checks timed on their own.
``quick`` has no ``&``/``*`` where a node starts (one regex scan decides); ``exact`` has text such
as ``" *"`` in its bodies, so libyaml's event stream is scanned too.

Targets: each refused (CLI exit 2; pytest: the test errors, exit 1) in under 5 s and under 200 MB;
the loader within 10% of the plain load on the quick path.
The last line printed is one JSON object.

    .venv/bin/python benchmarks/hostile_cassettes.py [--size 125000] [--specs-only]
"""

from __future__ import annotations

import argparse
import functools
import json
import secrets
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# The benchmark runs from the repository (its editable install puts it on sys.path).
from tests.hostile_inputs import alias_bomb, make_hostile_project

# The child runs one command in-process, then prints its own peak RSS as the last line.
CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    kind, args = sys.argv[1], sys.argv[2:]
    start = time.perf_counter()
    if kind == "pytest":
        import pytest
        code = int(pytest.main(args))
    else:
        from kpn_contract.cli.main import main
        code = main(args)
    # VmHWM is this process's own high-water mark. ru_maxrss would do elsewhere, but on Linux it
    # keeps the parent's peak across fork and exec: a big pytest worker would show as the child's.
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    seconds = time.perf_counter() - start
    print(json.dumps({"exit": code, "peak_rss_kb": peak, "command_seconds": seconds}), flush=True)
    """
)

# The child runs several commands in-process, under a 3 GiB address-space cap, and prints one JSON
# line: each command's exit code and output, and the process's peak RSS (tests/security uses it).
CHILD_COMMANDS = textwrap.dedent(
    """
    import contextlib, io, json, resource, sys, time
    cap = 3 << 30
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    from kpn_contract.cli.main import main
    runs = {}
    for name, args in json.loads(sys.argv[1]).items():
        out, err = io.StringIO(), io.StringIO()
        start = time.perf_counter()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(args)
            except SystemExit as exit_:
                code = exit_.code
        seconds = time.perf_counter() - start
        runs[name] = {"exit": code, "stdout": out.getvalue(), "stderr": err.getvalue(), "seconds": seconds}
    with open("/proc/self/status", encoding="ascii") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    print(json.dumps({"runs": runs, "peak_rss_kb": peak}), flush=True)
    """
)

REPLAYED_TEST = textwrap.dedent(
    """
    import pytest

    @pytest.mark.kpn(profile="things")
    def test_bomb(kpn_client):
        kpn_client().get("/api/devices")
    """
)


def make_project(root: Path, size: int) -> dict[str, list[str]]:
    """A project whose one test replays the bomb, and the argument lists of the three commands."""
    bomb = alias_bomb(size)
    (root / "pyproject.toml").write_text(
        "[tool.kpn_contract]\ncassette_dir = 'cassettes'\n", encoding="utf-8"
    )
    (root / "tests").mkdir()
    (root / "tests" / "test_bomb.py").write_text(REPLAYED_TEST, encoding="utf-8")
    replayed = root / "cassettes" / "test_bomb" / "test_bomb.yaml"
    replayed.parent.mkdir(parents=True)
    replayed.write_text(bomb, encoding="utf-8")
    (root / "plain").mkdir()
    (root / "plain" / "test_plain.py").write_text("def test_plain():\n    pass\n", encoding="utf-8")
    baseline = root / "baseline"
    baseline.mkdir()
    (baseline / "empty.yaml").write_text("version: 1\ninteractions: []\n", encoding="utf-8")
    return {
        "verify": ["cli", "verify", str(replayed.parent)],
        "replay": ["pytest", "-p", "no:cacheprovider", "-q", "--rootdir", str(root), str(root / "tests")],
        "drift": ["cli", "drift", str(baseline), str(replayed.parent)],
        "audit": ["cli", "audit", str(replayed.parent)],
        "pytest_startup": [
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "--rootdir",
            str(root),
            str(root / "plain"),
        ],
    }


def run_child(argv: list[str], cwd: Path) -> dict[str, Any]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    seconds = time.perf_counter() - start
    lines = done.stdout.strip().splitlines()
    measured = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {"exit": done.returncode}
    return {
        "seconds": round(seconds, 3),
        "command_seconds": round(measured.get("command_seconds", seconds), 3),
        "peak_rss_mb": round(measured.get("peak_rss_kb", 0) / 1024, 1),
        "exit": measured["exit"],
        "stderr": done.stderr,
        "stdout": "\n".join(lines[:-1]),
    }


def run_commands(commands: dict[str, list[str]], cwd: Path, timeout: float = 120) -> dict[str, Any]:
    """Run ``kpn-contract`` commands in one fresh interpreter: ``{"runs": {name: …}, "peak_rss_mb"}``.

    A hang fails (``subprocess.TimeoutExpired``) instead of blocking; the child's address space is
    capped, so a regression cannot take the machine's memory either.
    """
    done = subprocess.run(
        [sys.executable, "-c", CHILD_COMMANDS, json.dumps(commands)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if not lines or not lines[-1].startswith("{"):
        raise RuntimeError(f"the child failed (exit {done.returncode}): {done.stderr[-2000:]}")
    measured = json.loads(lines[-1])
    return {"runs": measured["runs"], "peak_rss_mb": round(measured["peak_rss_kb"] / 1024, 1)}


def measure_specs() -> dict[str, dict[str, dict[str, Any]]]:
    """Each hostile class through each command that reads it, one fresh interpreter per command."""
    result: dict[str, dict[str, dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for case in make_hostile_project(root, f"CANARY{secrets.token_hex(8)}"):
            for command, argv in case.commands.items():
                run = run_child(["cli", *argv], root)
                result.setdefault(case.name, {})[command] = {
                    key: run[key] for key in ("seconds", "command_seconds", "peak_rss_mb", "exit")
                }
    return result


def _cassette_text(n: int, note: str) -> str:
    from kpn_contract.cassettes.store import Cassette, Interaction, dump_cassette

    interactions = [
        Interaction(
            "GET",
            f"https://api.kpnthings.com/api/devices?currentPage={i}&pageSize=2&search=s{i % 7}",
            (
                ("accept", "application/vnd.kpnthings.device.v1.response+json"),
                ("authorization", "Bearer REDACTED"),
            ),
            b"",
            200,
            "OK",
            (("content-type", "application/vnd.kpnthings.device.v1.response+json"),),
            json.dumps(
                {"content": [{"uuid": f"d-{i}-{k}", "name": f"Door {note}{k}"} for k in range(2)]}
            ).encode(),
        )
        for i in range(n)
    ]
    return dump_cassette(Cassette(Path("bench.yaml"), interactions, {"target": "emulator"}))


def loader_ratio(n: int = 3000) -> dict[str, float]:
    """What the checks add to a plain ``yaml.load`` with the same loader, on the quick and the exact path.

    The checks are timed on their own (best of 7) against the load (best of 5): on a busy machine the
    load alone varies by more than the checks cost, so a difference of two loads would measure noise.
    """
    import yaml

    from kpn_contract.cassettes.safe_yaml import check_depth, check_text

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    def best(times: int, run: Callable[[], object]) -> float:
        samples = []
        for _ in range(times):
            start = time.perf_counter()
            run()
            samples.append(time.perf_counter() - start)
        return min(samples)

    ratios: dict[str, float] = {}
    for path, note in (("quick", "Amsterdam "), ("exact", "* & ")):
        text = _cassette_text(n, note)
        data = yaml.load(text, Loader=loader)
        plain = best(5, functools.partial(yaml.load, text, Loader=loader))

        def checks_once(text: str = text, data: object = data) -> None:
            check_text(text)
            check_depth(data)

        checks = best(7, checks_once)
        ratios[f"{path}_load_s"] = round(plain, 4)
        ratios[f"{path}_checks_s"] = round(checks, 4)
        ratios[f"{path}_ratio"] = round((plain + checks) / plain, 3)
    return ratios


def measure(size: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        commands = make_project(root, size)
        result: dict[str, Any] = {"bomb_bytes": len(alias_bomb(size).encode())}
        for name, argv in commands.items():
            result[name] = run_child(argv, root)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=125_000, help="bomb size in bytes (default 125000)")
    parser.add_argument("--specs-only", action="store_true", help="only the hostile spec inputs")
    args = parser.parse_args()
    specs = measure_specs()
    runs = [run for commands in specs.values() for run in commands.values()]
    specs_summary = {
        "runs": len(runs),
        "max_seconds": max(run["seconds"] for run in runs),
        "max_peak_rss_mb": max(run["peak_rss_mb"] for run in runs),
        "all_refused": all(run["exit"] in (1, 2) for run in runs),
    }
    specs_met = specs_summary["all_refused"] and specs_summary["max_seconds"] < 10
    specs_met = specs_met and specs_summary["max_peak_rss_mb"] < 300
    if args.specs_only:
        print(
            json.dumps({"specs": specs, "specs_summary": specs_summary, "targets_met": specs_met}), flush=True
        )
        sys.exit(0 if specs_met else 1)
    result = measure(args.size)
    summary: dict[str, Any] = {"bomb_bytes": result["bomb_bytes"]}
    for name in ("verify", "replay", "drift", "audit", "pytest_startup"):
        run = result[name]
        summary[name] = {key: run[key] for key in ("seconds", "command_seconds", "peak_rss_mb", "exit")}
    summary["replay_extra_s"] = round(summary["replay"]["seconds"] - summary["pytest_startup"]["seconds"], 3)
    summary["loader"] = loader_ratio()
    summary["targets_met"] = (
        summary["verify"]["seconds"] < 5
        and summary["drift"]["seconds"] < 5
        and summary["replay_extra_s"] < 5
        and all(summary[name]["peak_rss_mb"] < 200 for name in ("verify", "replay", "drift"))
        and (summary["verify"]["exit"], summary["replay"]["exit"], summary["drift"]["exit"]) == (2, 1, 2)
        and summary["loader"]["quick_ratio"] <= 1.1
        and specs_met
    )
    summary["specs"] = specs
    summary["specs_summary"] = specs_summary
    print(json.dumps(summary), flush=True)
    sys.exit(0 if summary["targets_met"] else 1)


if __name__ == "__main__":
    main()

"""Execute the notebooks headless: re-record their cassettes, or check them and render executed copies.

From the repository root:

    .venv/bin/python notebooks/_run.py --record             # KPN_TARGET=emulator KPN_RECORD=1: rewrite cassettes
    .venv/bin/python notebooks/_run.py --out reports/nb     # replay; executed copies + HTML in reports/nb

Prints each notebook's run time. The HTML is a plain rendering (markdown, code, rich outputs) for a
quick look when nbconvert is not installed; `jupyter nbconvert --to html` gives the full one.
"""

from __future__ import annotations

import argparse
import html
import os
import time
from pathlib import Path

import nbformat
from markdown_it import MarkdownIt
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent


def execute(path: Path, env: dict[str, str], timeout: int = 180) -> nbformat.NotebookNode:
    notebook: nbformat.NotebookNode = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="kpn-contract")
    client.execute(env=env, cwd=str(path.parent))
    return notebook


def to_html(notebook: nbformat.NotebookNode, title: str) -> str:
    markdown = MarkdownIt("commonmark").enable("table")
    parts = [
        f"<!doctype html><meta charset='utf-8'><title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}pre{background:#f6f6f6;padding:6px;"
        "overflow:auto}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:2px 6px}"
        ".out{border-left:3px solid #9bc;padding-left:8px;margin-bottom:1em}</style>",
    ]
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            parts.append(markdown.render(cell.source))
            continue
        parts.append(f"<pre>{html.escape(cell.source)}</pre><div class='out'>")
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                parts.append(f"<pre>{html.escape(output.text)}</pre>")
            elif output.output_type in ("display_data", "execute_result"):
                data = output.data
                if "image/png" in data:
                    parts.append(f"<img src='data:image/png;base64,{data['image/png']}'>")
                elif "text/html" in data:
                    parts.append(data["text/html"])
                elif "text/markdown" in data:
                    parts.append(markdown.render(data["text/markdown"]))
                elif "text/plain" in data:
                    parts.append(f"<pre>{html.escape(data['text/plain'])}</pre>")
            elif output.output_type == "error":
                parts.append(f"<pre style='color:#a00'>{html.escape(output.ename)}: {html.escape(output.evalue)}</pre>")
        parts.append("</div>")
    return "\n".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true", help="record against the emulator (rewrite)")
    parser.add_argument("--out", type=Path, help="write executed copies and HTML renderings here")
    parser.add_argument("names", nargs="*", help="notebook names (default: all)")
    args = parser.parse_args()
    env = dict(os.environ, KPN_TARGET="replay", MPLBACKEND="Agg")
    if args.record:
        env.update(KPN_TARGET="emulator", KPN_RECORD="1")
    paths = sorted(HERE.glob("[0-9]*.ipynb"))
    if args.names:
        paths = [p for p in paths if any(p.stem.startswith(n) for n in args.names)]
    for path in paths:
        started = time.perf_counter()
        notebook = execute(path, env)
        seconds = time.perf_counter() - started
        print(f"{path.name}: {seconds:.1f} s ({env['KPN_TARGET']})")
        if args.out:
            args.out.mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, args.out / path.name)
            (args.out / f"{path.stem}.html").write_text(to_html(notebook, path.stem), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The report notebooks, executed and published as HTML.

:func:`execute_notebook` runs one notebook top to bottom in a fresh
``python3`` kernel whose working folder is a temporary folder (what a
notebook writes with a relative path lands there, never in the repository);
:func:`publish` writes each executed notebook as one HTML page (images
embedded) plus an ``index.html`` and a ``README.md`` with every notebook's findings. ``livesim notebooks --out DIR`` calls it;
``docs/notebooks/`` holds the published pages, and the notebook test checks
that their findings match a fresh execution.

A notebook's findings are the text output of its cells tagged ``findings``
(:func:`findings_text`).
"""

from __future__ import annotations

import argparse
import html
import os
import sys
import tempfile
import time
from pathlib import Path

from sim.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"
PUBLISHED_DIR = ROOT / "docs" / "notebooks"


def notebook_paths(names: list[str] | None = None) -> list[Path]:
    paths = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
    if names:
        chosen = [p for p in paths if any(p.name.startswith(n) or p.stem == n for n in names)]
        unknown = [n for n in names if not any(p.name.startswith(n) or p.stem == n for p in paths)]
        if unknown:
            raise InputError(f"--only: no notebook named {', '.join(unknown)} (known: "
                             f"{', '.join(p.stem for p in paths)})")
        return chosen
    return paths


def execute_notebook(path: Path, workdir: Path | None = None, timeout: int = 900):
    """The notebook at ``path`` executed (an ``nbformat`` node); raises
    ``nbclient.exceptions.CellExecutionError`` on the first failing cell."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    with tempfile.TemporaryDirectory(prefix="livesim_nb_") as tmp:
        where = str(workdir or tmp)
        # the kernel's temporary folders (a notebook's scratch sweeps) go under this one, removed
        # with it: a kernel is not always given the time to remove its own when it is shut down
        scratch = Path(tmp) / "tmp"
        scratch.mkdir()
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": where}}).execute(env={**os.environ, "TMPDIR": str(scratch)})
    return nb


def findings_text(nb) -> str:
    """The text output (stdout) of the cells tagged ``findings``."""
    out = []
    for cell in nb.cells:
        if cell.cell_type == "code" and "findings" in cell.get("metadata", {}).get("tags", []):
            out += [o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream"
                    and o.get("name") == "stdout"]
    return "".join(out).strip()


def to_html(nb) -> str:
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_notebook_node(nb)
    return body


def publish(out: Path, names: list[str] | None = None, progress: bool = True) -> list[Path]:
    """Execute each notebook and write ``<name>.html`` and ``index.html`` to ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    written, rows = [], []
    for path in notebook_paths(names):
        t0 = time.perf_counter()
        if progress:
            print(f"livesim notebooks: executing {path.name} ...", file=sys.stderr, flush=True)
        nb = execute_notebook(path)
        target = out / f"{path.stem}.html"
        tmp = target.with_suffix(".html.tmp")
        tmp.write_text(to_html(nb), encoding="utf-8")
        tmp.replace(target)
        written.append(target)
        first = next((c.source.splitlines()[0].lstrip("# ") for c in nb.cells if c.cell_type == "markdown"), path.stem)
        rows.append((target.name, first, findings_text(nb)))
        if progress:
            print(f"livesim notebooks: {target} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)
    if names is None:
        items = "".join(f'<li><a href="{html.escape(n)}">{html.escape(t)}</a><pre>{html.escape(f)}</pre></li>'
                        for n, t, f in rows)
        (out / "index.html").write_text(
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>livesim notebooks</title></head><body>'
            "<h1>livesim report notebooks, executed</h1><p>Regenerate with <code>livesim notebooks --out "
            f"docs/notebooks</code>.</p><ul>{items}</ul></body></html>", encoding="utf-8")
        # the same as Markdown, which a repository browser renders: each notebook's findings
        md = ["# The report notebooks, executed", "",
              "Each page is a notebook of `notebooks/` executed top to bottom, with its outputs (open the HTML file "
              "in a browser). Regenerate with `.venv/bin/livesim notebooks --out docs/notebooks`; the notebook test "
              "checks that these pages are current. Below, each notebook's findings as its last cell printed them.", ""]
        for n, t, f in rows:
            md += [f"## [{t}]({n})", "", "```text", f, "```", ""]
        (out / "README.md").write_text("\n".join(md), encoding="utf-8")
    return written


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", metavar="DIR", default=str(PUBLISHED_DIR.relative_to(ROOT)),
                   help="where to write the HTML pages (default docs/notebooks)")
    p.add_argument("--only", nargs="+", metavar="NAME", help="only these notebooks (e.g. 02 or 02_shapley_case)")


def main(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError(f"--out: {out} exists and is not a folder")
    names = args.only
    notebook_paths(names)  # unknown names end here, before any work
    written = publish(out, names)
    print(f"livesim notebooks: {len(written)} notebooks written to {out}/")
    return 0

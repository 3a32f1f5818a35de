"""Every report notebook runs from top to bottom, is stored without outputs,
ends with computed findings that it asserts, and its published page
(docs/notebooks/<name>.html, written by ``livesim notebooks``) is current.

Each notebook is executed with nbclient in a fresh ``python3`` kernel whose
working folder is a temporary folder, so whatever a notebook writes with a
relative path lands there and not in the repository; the executed notebook is
written as HTML next to it (the test's temporary folder).
"""

import html
import re
from pathlib import Path

import nbformat
import pytest

from sim.report.notebooks import PUBLISHED_DIR, execute_notebook, findings_text, to_html

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
IDS = [p.name for p in NOTEBOOKS]
REGENERATE = "regenerate the published pages with: .venv/bin/livesim notebooks --out docs/notebooks"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_executes_and_its_published_page_is_current(path, tmp_path):
    nb = execute_notebook(path, workdir=tmp_path)  # raises CellExecutionError, with the failing cell, on any error
    (tmp_path / f"{path.stem}.html").write_text(to_html(nb), encoding="utf-8")
    found = findings_text(nb)
    assert found, f"{path.name}: the findings cell printed nothing"
    page = PUBLISHED_DIR / f"{path.stem}.html"
    assert page.exists(), f"{page} is missing; {REGENERATE}"
    published = html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))  # the page's text
    stale = [line for line in found.splitlines() if line not in published]
    assert not stale, f"{page.name} is out of date (its findings differ from a fresh run: {stale[:2]}); {REGENERATE}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_ends_with_asserted_findings(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and "findings" in code[-1].get("metadata", {}).get("tags", []), (
        f"{path.name}: the last code cell must be the findings cell (tagged 'findings')")
    assert "print(" in code[-1].source and "assert " in code[-1].source, (
        f"{path.name}: the findings cell must print its findings and assert what they state")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_reads_no_results_folder_silently(path):
    """What a notebook shows must not depend on what a user ran before."""
    nb = nbformat.read(path, as_version=4)
    lines = [line for c in nb.cells if c.cell_type == "code" for line in c.source.splitlines()
             if not line.lstrip().startswith("#")]
    reads = [line for line in lines if '/ "results"' in line or '"results/' in line or "'results/" in line]
    assert not reads, f"{path.name} reads a results folder a user may have made: {reads}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    dirty = [i for i, cell in enumerate(nb.cells)
             if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert not dirty, (f"{path.name}: code cells {dirty} hold outputs or execution counts; clear all "
                       "outputs before committing (Jupyter: Edit > Clear Outputs of All Cells)")


def test_notebooks_are_found():
    assert NOTEBOOKS, f"no notebooks in {NOTEBOOK_DIR}"


def test_every_notebook_has_a_published_page():
    missing = [p.stem for p in NOTEBOOKS if not (PUBLISHED_DIR / f"{p.stem}.html").exists()]
    assert not missing, f"no published page for {missing}; {REGENERATE}"


def test_a_notebooks_temporary_folders_are_removed_after_it_runs(tmp_path):
    """What a notebook makes with ``tempfile`` (its scratch sweeps) is gone once it has run."""
    from sim.report.notebooks import execute_notebook

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import tempfile, pathlib\n"
                                          "d = pathlib.Path(tempfile.mkdtemp(prefix='scratch_'))\n"
                                          "(d / 'f.txt').write_text('x')\nprint(d)")]
    path = tmp_path / "scratch.ipynb"
    nbformat.write(nb, path)
    ran = execute_notebook(path, workdir=tmp_path)
    made = Path(ran.cells[0].outputs[0]["text"].strip())
    assert made.name.startswith("scratch_") and not made.exists()

"""The generated reference pages (docs/measures.md, docs/scenario.md) match the code."""

import importlib.util
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"


def _generator():
    spec = importlib.util.spec_from_file_location("docs_generate", DOCS / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _generator()


@pytest.mark.parametrize("page", sorted(GEN.PAGES))
def test_generated_page_is_up_to_date(page):
    path = DOCS / page
    assert path.is_file(), f"docs/{page} is missing: run .venv/bin/python docs/generate.py"
    assert path.read_text(encoding="utf-8") == GEN.PAGES[page](), (
        f"docs/{page} is out of date with the code: run .venv/bin/python docs/generate.py")


def test_every_measure_is_listed():
    from sim.measures import DAILY_MEASURES, SUMMARY_MEASURES

    text = (DOCS / "measures.md").read_text(encoding="utf-8")
    for name in [*DAILY_MEASURES, *SUMMARY_MEASURES]:
        assert f"| `{name}` |" in text, name


def test_model_page_names_every_step_of_the_schedule():
    """docs/model.md describes LiveCommerceModel.step: each method it calls is named there."""
    import inspect
    import re

    from sim.model import LiveCommerceModel

    calls = set(re.findall(r"self\.(_[a-z_]+)\(", inspect.getsource(LiveCommerceModel.step)))
    text = (DOCS / "model.md").read_text(encoding="utf-8")
    missing = sorted(c for c in calls if not re.search(rf"`{c}[`(]", text))
    assert not missing, f"docs/model.md does not mention {missing}"


def test_model_page_numbers_the_steps_as_the_code_does():
    """Each call of LiveCommerceModel.step carries the number of its step in
    docs/model.md section 3 (a comment ``# N.``), and item N of the doc's list names it."""
    import inspect
    import re

    from sim.model import LiveCommerceModel

    pairs = []
    for line in inspect.getsource(LiveCommerceModel.step).splitlines():
        m = re.search(r"#\s*(\d+)\.", line)
        call = re.search(r"(?:self\.)?([a-z_]+(?:\.[a-z_]+)?)\(", line.split("#")[0])
        if m and call:
            pairs.append((int(m.group(1)), call.group(1)))
    assert len(pairs) >= 15
    text = (DOCS / "model.md").read_text(encoding="utf-8")
    section = text[text.index("## 3. Process overview"):text.index("# Design concepts")]
    items = dict(re.findall(r"^(\d+)\. (.*?)(?=^\d+\. |^Against|\Z)", section, flags=re.S | re.M))
    assert sorted(int(k) for k in items) == list(range(len(items)))
    assert {n for n, _ in pairs} <= {int(k) for k in items}
    wrong = [(n, c) for n, c in pairs if not re.search(rf"`{re.escape(c)}[`(]", items[str(n)])]
    assert not wrong, f"steps whose call docs/model.md section 3 does not name under their number: {wrong}"

"""The default study's report.html in a real browser, and its findings
recomputed from the Parquet files behind it (a tiny study: a few seconds)."""

import re

import numpy as np
import pandas as pd
import pytest

from sim.studies.default_study import FRAME_NAMES, TINY_SIZE, run_default_study


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    out = tmp_path_factory.mktemp("default_study")
    res = run_default_study(out, TINY_SIZE, workers=2, progress=False)
    return res


def test_every_table_is_written(study):
    for name in FRAME_NAMES:
        assert (study.folder / f"{name}.parquet").exists(), name
    assert (study.folder / "report.md").read_text().count("## ") == 5


def test_policy_finding_recomputed_from_the_runs(study):
    """The first policy finding (top-50 share, paired by seed) from policy_runs.parquet alone."""
    runs = pd.read_parquet(study.folder / "policy_runs.parquet")
    findings = pd.read_parquet(study.folder / "findings.parquet")
    arms = list(dict.fromkeys(runs["arm"]))
    base = runs[runs["arm"] == arms[0]].set_index("seed")["top50_gmv_share"]
    other = runs[runs["arm"] == arms[1]].set_index("seed")["top50_gmv_share"].loc[base.index]
    d = (other - base).to_numpy()
    mean = d.mean()
    from scipy import stats

    half = stats.t.ppf(0.975, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size)
    row = findings[(findings["section"] == "policy") & (findings["key"] == arms[1])].iloc[0]
    assert row["value"] == pytest.approx(mean, abs=1e-12)
    assert row["ci_low"] == pytest.approx(mean - half, abs=1e-12)
    assert f"{100 * mean:+.2f} points" in row["text"]
    html = (study.folder / "report.html").read_text()
    assert f"{100 * mean:+.2f} points" in html


def test_theta_finding_recomputed_from_the_worths(study):
    """theta_emergent = v(N) / sum of standalone worths - 1, from the per-replication worths."""
    units = pd.read_parquet(study.folder / "game_units.parquet")
    findings = pd.read_parquet(study.folder / "findings.parquet")
    grand = units["anchor,platform,supplier"].mean()
    alone = units[["platform", "supplier", "anchor"]].mean().sum()
    theta = grand / alone - 1
    row = findings[(findings["section"] == "game") & (findings["key"] == "theta")].iloc[0]
    assert row["value"] == pytest.approx(theta, rel=1e-9)
    assert f"{theta:.3f}" in row["text"]


def test_validation_finding_counts_the_table(study):
    v = pd.read_parquet(study.folder / "validation.parquet")
    text = pd.read_parquet(study.folder / "findings.parquet").query("section == 'validation'")["text"].iloc[0]
    assert text.startswith(f"{int((v['result'] == 'pass').sum())} of {len(v)} stylized facts pass")


def test_report_in_the_browser(study, page, tmp_path):
    path = study.folder / "report.html"
    html = path.read_text()
    assert not re.search(r"""(src|href)=["']https?://""", html), "the report must not load anything from the network"
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    # no broken image: every image decoded with a size
    sizes = page.eval_on_selector_all("img", "els => els.map(e => [e.complete, e.naturalWidth])")
    assert len(sizes) >= 4 and all(done and w > 0 for done, w in sizes), sizes
    assert not page.errors, page.errors
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
    # the findings of every section are on the page, as computed
    findings = pd.read_parquet(study.folder / "findings.parquet")
    shown = page.locator("ul.findings li").all_inner_texts()
    assert shown == findings["text"].tolist()
    for section in ("year", "policy", "game", "stability", "validation"):
        assert page.locator(f"section#{section} ul.findings li").count() >= 1
        assert "livesim" in page.locator(f"section#{section} pre").inner_text()


def test_same_results_with_one_worker(study, tmp_path):
    """Seeds are fixed by the study plan, not by the schedule: one worker gives the same tables."""
    other = run_default_study(tmp_path / "serial", TINY_SIZE, workers=1, progress=False)
    for name in ("policy_runs", "game_units", "stability_runs", "findings", "validation"):
        pd.testing.assert_frame_equal(study.frames[name], other.frames[name])

"""The default study's report: one self-contained HTML file (images embedded
as PNG data, tables, no script and no network) and a Markdown twin for
terminals. Both are rendered from the study's tables only
(:func:`sim.studies.default_study.load_frames`), so every number they show
is in a Parquet file next to them.
"""

from __future__ import annotations

import base64
import html
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

SECTIONS = {
    "year": "1. The default year",
    "policy": "2. Traffic policy: what if?",
    "game": "3. The emergent coalition game",
    "stability": "4. Which splits stay stable under shocks",
    "validation": "5. Validation against the stylized facts",
}

INTRO = {
    "year": "The default scenario (as <code>livesim scenario show</code> prints it) over its horizon, on several "
            "seeds. Lines are means over seeds (7-day means), bands the range over seeds.",
    "policy": "A per-anchor cap on public traffic and a long-tail reserve, in a reduced world, each policy run on "
              "the same seeds as the status quo (common random numbers): the difference within a seed is the "
              "policy's effect, not luck. Differences are means over seeds with Student-t 95% intervals; shares "
              "in percentage points, GMV and conversion in percent of the status quo.",
    "game": "Platform, suppliers and anchors as three players. Every coalition's worth is its members' accrual "
            "profit over a window in that coalition's mode (non-members sell through their standalone "
            "channels), forked from one warmed-up model per replication; standard errors over replications. "
            "Each split rule divides v(N); a coalition blocks a split when it earns more on its own than the "
            "split gives its members (excess in yuan).",
    "stability": "Each run plays the ecosystem settlement period by settlement period: each period's game is "
                 "estimated from forks, the split rule divides it, side payments realise it, and members of a "
                 "blocking coalition defect with a probability rising with its excess. A small version of "
                 "<code>experiments/split_stability.toml</code> (fewer rules, shocks, replications and periods).",
    "validation": "The default year's runs (section 1) against the stylized facts of FACTS.md: the simulated mean "
                  "over seeds, its 95% interval, and pass when the mean lies in the band. The paired facts "
                  "(the effect of a lever) are checked by the full command below.",
}


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=90)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _img(fig, alt: str) -> str:
    return f'<figure><img alt="{html.escape(alt)}" src="data:image/png;base64,{_png(fig)}"></figure>'


def _smooth(s: pd.Series) -> pd.Series:
    return s.rolling(7, min_periods=1).mean()


# =============================================================== plots
def plot_year(daily: pd.DataFrame):
    panels = [
        ("GMV per day (10,000 yuan)", [("gmv", "GMV", 1e-4), ("net_gmv", "net GMV", 1e-4)]),
        ("Concentration (share)", [("top50_gmv_share", "top-50 share of live GMV", 1),
                                   ("top50_traffic_share", "top-50 share of public traffic", 1),
                                   ("sme_gmv_share", "SME share of GMV", 1)]),
        ("Trust", [("mean_institutional_trust", "institutional", 1), ("mean_personal_trust", "personal", 1)]),
        ("Returns (share)", [("return_rate", "return rate", 1),
                             ("reverse_logistics_share", "reverse logistics / GMV", 1)]),
        ("Defaults (cumulative)", [("defaults", "defaults", 1)]),
        ("Active consumers", [("active_consumers", "active consumers", 1)]),
    ]
    fig, axes = plt.subplots(2, 3, figsize=(14, 7))
    for ax, (title, series) in zip(axes.flat, panels):
        for col, label, scale in series:
            if col not in daily:
                continue
            wide = daily.pivot(index="day", columns="seed", values=col) * scale
            if col == "defaults":
                wide = wide.cumsum()
            else:
                wide = wide.apply(_smooth)
            line, = ax.plot(wide.index, wide.mean(axis=1), label=label)
            ax.fill_between(wide.index, wide.min(axis=1), wide.max(axis=1), color=line.get_color(), alpha=0.2)
        ax.set_title(title)
        ax.set_xlabel("day")
        ax.legend(fontsize=8)
    return fig


def plot_policy(diff: pd.DataFrame):
    measures = [("top50_gmv_share", 100, "top-50 share of live GMV (points)"),
                ("sme_gmv_share", 100, "SME share of GMV (points)"), ("gmv", 100, "GMV (%)"),
                ("mean_institutional_trust", 100, "institutional trust (points)")]
    fig, axes = plt.subplots(1, len(measures), figsize=(15, 3.8), sharey=True)
    arms = list(dict.fromkeys(diff["arm"]))
    y = np.arange(len(arms))[::-1]
    for ax, (m, scale, title) in zip(axes, measures):
        g = diff[diff["measure"] == m].set_index("arm").loc[arms]
        d = scale * g["difference"].to_numpy()
        lo = scale * g["ci_low"].to_numpy()
        hi = scale * g["ci_high"].to_numpy()
        ax.errorbar(d, y, xerr=[d - lo, hi - d], fmt="o", capsize=3)
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_title(title, fontsize=10)
    axes[0].set_yticks(y, arms)
    fig.suptitle("difference from the status quo, paired by seed (95% intervals)", fontsize=10)
    return fig


def plot_game(worths: pd.DataFrame, alloc: pd.DataFrame):
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(14, 4.2), gridspec_kw={"width_ratios": [1, 1.4]})
    a1.barh(worths["coalition"], worths["mean"], xerr=1.96 * worths["se"].fillna(0), color="tab:blue", capsize=3)
    a1.invert_yaxis()
    a1.set_xlabel("worth over the window (yuan), bars: +-1.96 se")
    a1.set_title("coalition worths")
    ok = alloc[alloc["defined"]]
    rules = list(dict.fromkeys(ok["rule"]))
    players = list(dict.fromkeys(ok["player"]))
    width = 0.8 / max(len(players), 1)
    x = np.arange(len(rules))
    for i, p in enumerate(players):
        g = ok[ok["player"] == p].set_index("rule").loc[rules]
        a2.bar(x + i * width, g["value"], width, yerr=1.96 * g["se"].fillna(0), label=p, capsize=2)
    core = ok.drop_duplicates("rule").set_index("rule").loc[rules, "in_core"]
    a2.set_xticks(x + width * (len(players) - 1) / 2,
                  [f"{r}\n{'in core' if c else 'blocked'}" for r, c in core.items()], fontsize=8)
    a2.axhline(0, color="grey", lw=0.8)
    a2.set_ylabel("allocation (yuan)")
    a2.set_title("every rule's split (+-1.96 se)")
    a2.legend(fontsize=8)
    return fig


def plot_stability(table: pd.DataFrame):
    fig, ax = plt.subplots(figsize=(10, 3.8))
    rules = list(dict.fromkeys(table["split_rule"]))
    shocks = list(dict.fromkeys(table["shock"]))
    width = 0.8 / len(shocks)
    x = np.arange(len(rules))
    for i, s in enumerate(shocks):
        g = table[table["shock"] == s].set_index("split_rule").loc[rules]
        m = g["share_in_core"].to_numpy()
        lo = np.nan_to_num(m - g["share_in_core_low"].to_numpy())
        hi = np.nan_to_num(g["share_in_core_high"].to_numpy() - m)
        ax.bar(x + i * width, m, width, yerr=[lo, hi], capsize=2, label=s)
    ax.set_xticks(x + width * (len(shocks) - 1) / 2, rules)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("share of periods in the core")
    ax.legend(title="shock", fontsize=8)
    return fig


# =============================================================== tables
def _fmt_table(df: pd.DataFrame, formats: dict[str, str] | None = None) -> pd.DataFrame:
    df = df.copy()
    for col, fmt in (formats or {}).items():
        if col in df:
            df[col] = [("" if pd.isna(v) else format(v, fmt)) for v in df[col]]
    return df


def _table_html(df: pd.DataFrame, formats: dict[str, str] | None = None) -> str:
    table = _fmt_table(df, formats).to_html(index=False, border=0, classes="data", escape=True)
    return f'<div class="scroll">{table}</div>'   # wide tables scroll inside the page


def section_tables(frames: dict[str, pd.DataFrame]) -> dict[str, list[tuple[str, pd.DataFrame, dict]]]:
    """Per section, the tables shown (title, frame, column formats)."""
    s = frames["year_summary"]
    keys = ["gmv", "net_gmv", "orders", "live_conversion", "shelf_conversion", "top50_gmv_share", "sme_gmv_share",
            "hhi_anchor_gmv", "mean_institutional_trust", "return_rate", "defaults_suppliers", "loan_losses"]
    from sim.sweep.analyze import interval

    year = pd.DataFrame([{"measure": k, **{c: interval(s[k].to_numpy())[c] for c in ("mean", "ci_low", "ci_high")}}
                         for k in keys if k in s])
    d = frames["policy_differences"]
    cell = [f"{100 * r.difference:+.2f} [{100 * r.ci_low:+.2f}, {100 * r.ci_high:+.2f}]" for r in d.itertuples()]
    long = d.assign(cell=cell, column=[f"{lab} ({'points' if u == 'points' else '%'})"
                                       for lab, u in zip(d["label"], d["unit"])])
    pol = long.pivot(index="arm", columns="column", values="cell")
    pol = pol.loc[list(dict.fromkeys(d["arm"])), list(dict.fromkeys(long["column"]))].reset_index()
    pol.columns.name = None
    w = frames["game_worths"]
    a = frames["game_allocations"]
    alloc = a.pivot(index="rule", columns="player", values="value")
    alloc = alloc.loc[list(dict.fromkeys(a["rule"]))].reset_index()
    alloc.columns.name = None
    meta = a.drop_duplicates("rule").set_index("rule")
    alloc["in core"] = [("yes" if meta.at[r, "in_core"] else "no") if meta.at[r, "defined"] else "undefined"
                        for r in alloc["rule"]]
    alloc["blocking coalitions (excess, yuan)"] = [meta.at[r, "blocking"] or meta.at[r, "undefined_reason"]
                                                   for r in alloc["rule"]]
    st = frames["stability_table"]
    v = frames["validation"][["id", "measure", "reported", "band", "mean", "ci_low", "ci_high", "result"]]
    return {
        "year": [("run summary over seeds (shares and rates as fractions, money in yuan)", year, {
            "mean": ",.4g", "ci_low": ",.4g", "ci_high": ",.4g"})],
        "policy": [("paired differences from the status quo: mean [95% interval]", pol, {})],
        "game": [("coalition worths (yuan)", w, {"mean": ",.0f", "se": ",.0f"}),
                 ("splits (yuan) and core verdicts", alloc, {p: ",.0f" for p in alloc.columns[1:-2]})],
        "stability": [("stability table (mean and 95% interval over replications)", st,
                       {c: ".3f" for c in st.columns if c not in ("split_rule", "shock", "n")})],
        "validation": [("validation table", v, {"mean": ".4f", "ci_low": ".4f", "ci_high": ".4f"})],
    }


def section_plots(frames: dict[str, pd.DataFrame]) -> dict[str, list[tuple[str, object]]]:
    return {
        "year": [("the default year over time", plot_year(frames["year_daily"]))],
        "policy": [("policy differences from the status quo", plot_policy(frames["policy_differences"]))],
        "game": [("coalition worths and splits", plot_game(frames["game_worths"], frames["game_allocations"]))],
        "stability": [("share of periods in the core", plot_stability(frames["stability_table"]))],
        "validation": [],
    }


CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1150px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.7em}h2{margin-top:2.2em;border-bottom:1px solid #ccc;padding-bottom:.2em}
ul.findings{background:#f3f7fb;border-left:4px solid #2a6fb0;padding:.7em 1.2em .7em 2em}
ul.findings li{margin:.3em 0}
table.data{border-collapse:collapse;font-size:.85em;margin:.6em 0 1.2em}
table.data th,table.data td{padding:.25em .6em;border-bottom:1px solid #e3e3e3;text-align:right}
table.data th{background:#f5f5f5}
figure{margin:1em 0}figure img{max-width:100%}
pre{background:#f6f6f6;padding:.7em;overflow-x:auto}
.meta{color:#555;font-size:.9em}
.scroll{overflow-x:auto;max-width:100%}
"""


def _provenance_line(frames: dict, prov: dict) -> str:
    n_runs = prov.get("runs", "?")
    return (f"livesim {prov.get('livesim', '?')} (commit {prov.get('git_commit', '?')}), master seed "
            f"{prov.get('seed', '?')}, {n_runs} runs on {prov.get('workers', '?')} worker processes in "
            f"{prov.get('wall_time_s', '?')} s ({prov.get('cpu_s', '?')} CPU seconds in the runs).")


def _world(key: str, prov: dict) -> str:
    """The size a section ran at, from the provenance record."""
    size = prov.get("study_size") or {}
    pick = {"year": ("year_replications", "year_overrides"), "policy": ("policy_replications", "policy_world"),
            "game": ("game_replications", "game_world"), "stability": ("stability_replications", "stability_overrides")}
    if key not in pick or pick[key][0] not in size:
        return ""
    reps, world = size[pick[key][0]], size.get(pick[key][1]) or {}
    text = ", ".join(f"{k.split('.')[-1]} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in world.items())
    extra = ""
    if key == "game":
        extra = f"; warm-up {size.get('game_warmup')} days, window {size.get('game_window')} days"
    if key == "stability":
        extra = (f"; rules {', '.join(size.get('stability_rules', []))}; shocks {', '.join(size.get('stability_shocks', []))}"
                 "; the rest as experiments/split_stability.toml")
    return f"Size: {reps} replications; " + (text or "the default scenario") + extra + "."


def study_html(frames: dict[str, pd.DataFrame], prov: dict | None = None, *,
               commands: dict[str, str]) -> str:
    """The report as one HTML page (no external resource).
    ``commands``: the command that reproduces each section at full size (by section key)."""

    prov = prov or {}
    findings = frames["findings"]
    tables = section_tables(frames)
    plots = section_plots(frames)
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           "<title>livesim: the default study</title>", f"<style>{CSS}</style></head><body>",
           "<h1>livesim: the default study</h1>",
           f'<p class="meta">{html.escape(_provenance_line(frames, prov))} Every number on this page is in the '
           "Parquet files next to it (<code>findings.parquet</code> holds the sentences below with their "
           "numbers); <code>livesim study --out DIR</code> reruns it.</p>",
           "<nav><ul>" + "".join(f'<li><a href="#{k}">{html.escape(v)}</a></li>' for k, v in SECTIONS.items())
           + "</ul></nav>"]
    for key, title in SECTIONS.items():
        out.append(f'<section id="{key}"><h2>{html.escape(title)}</h2>')
        rows = findings[findings["section"] == key]
        out.append('<ul class="findings">' + "".join(
            f'<li data-key="{html.escape(str(r.key))}">{html.escape(r.text)}</li>' for r in rows.itertuples())
            + "</ul>")
        out.append(f"<p>{INTRO[key]}</p>")
        world = _world(key, prov)
        if world:
            out.append(f'<p class="meta">{html.escape(world)}</p>')
        for alt, fig in plots[key]:
            out.append(_img(fig, alt))
        for caption, df, fmt in tables[key]:
            out.append(f"<h3>{html.escape(caption)}</h3>" + _table_html(df, fmt))
        out.append("<p>Reproduce at full size:</p><pre>" + html.escape(commands.get(key, "")) + "</pre></section>")
    out.append("</body></html>")
    return "\n".join(out)


def study_markdown(frames: dict[str, pd.DataFrame], prov: dict | None = None, *,
                   commands: dict[str, str]) -> str:
    """The report for terminals: findings, tables, the full-size commands.
    ``commands``: the command that reproduces each section at full size (by section key)."""

    prov = prov or {}
    findings = frames["findings"]
    tables = section_tables(frames)
    lines = ["# livesim: the default study", "", _provenance_line(frames, prov),
             "The HTML version with plots is `report.html`; the numbers are in the Parquet files here.", ""]
    for key, title in SECTIONS.items():
        lines += [f"## {title}", ""]
        lines += [f"- {t}" for t in findings[findings["section"] == key]["text"]]
        lines.append("")
        for caption, df, fmt in tables[key]:
            lines += [f"**{caption}**", "", _fmt_table(df, fmt).to_markdown(index=False)
                      if _has_tabulate() else _fmt_table(df, fmt).to_string(index=False), ""]
        lines += ["Reproduce at full size:", "", "```", commands.get(key, ""), "```", ""]
    return "\n".join(lines)


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True

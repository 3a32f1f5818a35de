"""Report pages (Markdown) written next to results."""

from __future__ import annotations

from pathlib import Path

from sim.measures import SUMMARY_MEASURES


def _fmt(v: float) -> str:
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.4g}"


def run_report(scenario, summary: dict, prov: dict, plots: list[Path]) -> str:
    lines = [f"# livesim run: {scenario.name}", "",
             f"Seed {prov.get('seed')}, {scenario.time.days} days, {scenario.population.consumers:,} consumers, "
             f"{scenario.population.anchors:,} anchors, {scenario.population.suppliers:,} suppliers; "
             f"livesim {prov.get('livesim')} (commit {prov.get('git_commit')}), wall time {prov.get('wall_time_s')} s. "
             f"One simulated consumer stands for {scenario.population.users_per_consumer:,.0f} users, so the "
             f"population represents {scenario.population.consumers * scenario.population.users_per_consumer / 1e6:,.0f} "
             "million users (money and orders are reported as simulated, unscaled).",
             "", "## Run summary", "", "| measure | value | meaning |", "|---|---|---|"]
    for k, v in summary.items():
        key = "return_rate_<category>" if k.startswith("return_rate_") else k
        lines.append(f"| `{k}` | {_fmt(v)} | {SUMMARY_MEASURES.get(key, '')} |")
    if plots:
        lines += ["", "## Plots", ""]
        lines += [f"![{p.stem}]({p.name})" for p in plots]
    lines += ["", "Files: `daily.parquet` (one row per day), `summary.parquet` (this table), "
              "`scenario.toml` (the scenario used; `livesim run --scenario` accepts it), `provenance.json`.", ""]
    return "\n".join(lines)

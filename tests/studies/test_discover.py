"""Scenario discovery: PRIM recovers a planted box; CART and the CLI on a sweep folder."""

import numpy as np
import pandas as pd
import pytest

from sim.errors import InputError
from sim.studies.discover import Box, cart, condition, prim

PLANTED = {"x1": (0.2, 0.6), "x2": (0.5, 0.9)}


def planted_table(n=3000, seed=0, noise=0.0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"x1": rng.random(n), "x2": rng.random(n), "x3": rng.random(n) * 10.0,
                      "x4": rng.random(n) * 2.0 - 1.0})
    y = Box(PLANTED).contains(X).astype(int)
    flip = rng.random(n) < noise
    return X, np.where(flip, 1 - y, y)


@pytest.mark.parametrize("seed,noise", [(0, 0.0), (1, 0.0), (2, 0.03)])
def test_prim_recovers_the_planted_box_within_ten_percent_of_each_range(seed, noise):
    X, y = planted_table(seed=seed, noise=noise)
    res = prim(X, y)
    lim = res.limits.set_index("input")
    for name in X.columns:
        lo, hi = PLANTED.get(name, (X[name].min(), X[name].max()))
        span = X[name].max() - X[name].min()
        got = lim.loc[name]
        assert abs(got["low"] - lo) <= 0.1 * span, (name, got["low"], lo)
        assert abs(got["high"] - hi) <= 0.1 * span, (name, got["high"], hi)
    # the planted inputs are restricted and significant; the others not restricted or not significant
    assert lim.loc["x1", "restricted"] and lim.loc["x2", "restricted"]
    assert lim.loc["x1", "qp_value"] < 1e-6 and lim.loc["x2", "qp_value"] < 1e-6
    s = res.stats
    assert s["density"] >= 0.9 - 2 * noise and s["coverage"] >= 0.8


def test_prim_trajectory_is_monotone_in_mass_and_starts_from_everything():
    X, y = planted_table(n=1500, seed=3, noise=0.05)
    t = prim(X, y, paste=False).trajectory
    assert t.iloc[0]["mass"] == 1.0 and t.iloc[0]["coverage"] == 1.0
    assert (np.diff(t["mass"]) < 0).all()
    assert t["density"].iloc[-1] > t["density"].iloc[0]
    assert (t["mass"] >= 0.05).all()


def test_prim_on_a_categorical_input_keeps_the_planted_values():
    rng = np.random.default_rng(4)
    n = 2000
    X = pd.DataFrame({"rule": rng.choice(["a", "b", "c", "d"], n), "x": rng.random(n)})
    y = (X["rule"].isin(["b", "d"]) & (X["x"] > 0.5)).astype(int).to_numpy()
    res = prim(X, y)
    lim = res.limits.set_index("input")
    assert set(lim.loc["rule", "values"].split(",")) == {"b", "d"}
    assert abs(lim.loc["x", "low"] - 0.5) < 0.1


def test_cart_finds_the_planted_split():
    X, y = planted_table(n=2000, seed=5)
    tree, names, leaves = cart(X, y, max_depth=4)  # two limits on each of two inputs
    top = leaves.iloc[0]
    assert top["share_of_interest"] > 0.9 and "x1" in top["rule"] and "x2" in top["rule"]
    assert leaves["n"].sum() == 2000


def test_condition_accepts_dotted_names_and_refuses_non_conditions():
    f = pd.DataFrame({"traffic.anchor_cap": [0.1, 0.5], "gmv": [1.0, 3.0]})
    assert condition(f, "traffic.anchor_cap < 0.2 and gmv > 0").tolist() == [1, 0]
    assert condition(f, "traffic_anchor_cap >= 0.2").tolist() == [0, 1]
    with pytest.raises(InputError, match="--where"):
        condition(f, "gmv + 1")
    with pytest.raises(InputError, match="cannot evaluate"):
        condition(f, "nosuch > 1")
    with pytest.raises(InputError, match="no case"):
        prim(f[["gmv"]], [0, 0])


def fake_sweep(root, n=800, seed=6):
    """A folder with what load_runs reads: a manifest naming the parameters, and runs.parquet."""
    import json

    X, y = planted_table(n=n, seed=seed)
    runs = X.rename(columns={"x1": "traffic.anchor_cap", "x2": "purchase.skill"})
    runs.insert(0, "point", range(n))
    runs["status"] = "ok"
    runs["error"] = None
    runs["gmv"] = 1.0 + y  # the condition "gmv > 1.5" is the planted box
    root.mkdir()
    runs.to_parquet(root / "runs.parquet")
    (root / "manifest.json").write_text(json.dumps({"parameters": ["traffic.anchor_cap", "purchase.skill", "x3", "x4"]}))
    return root


def test_discover_cli_writes_tables_and_plots_and_refuses_bad_conditions(tmp_path, capsys):
    from sim.cli import main

    root = fake_sweep(tmp_path / "sweep")
    assert main(["discover", str(root), "--where", "gmv > 1.5"]) == 0
    out = root / "discovery"
    for f in ("prim_trajectory.csv", "prim_box.csv", "cart_leaves.csv", "discovery.md", "prim_peeling.png",
              "prim_box.png", "cart_tree.png"):
        assert (out / f).is_file(), f
    box = pd.read_csv(out / "prim_box.csv").set_index("input")
    assert abs(box.loc["traffic.anchor_cap", "low"] - 0.2) < 0.1 and abs(box.loc["purchase.skill", "high"] - 0.9) < 0.1
    assert "traffic.anchor_cap" in (out / "discovery.md").read_text()
    capsys.readouterr()
    for bad in ("gmv +", "nosuch > 1", "gmv * 2"):
        assert main(["discover", str(root), "--where", bad]) == 2
        assert "--where" in capsys.readouterr().err
    assert main(["discover", str(tmp_path / "nowhere"), "--where", "gmv > 1"]) == 2
    assert "no such folder" in capsys.readouterr().err

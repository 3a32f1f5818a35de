"""Bad input to ``livesim study``, ``dashboard`` and ``notebooks`` ends with exit
code 2 before any work; the dashboard's library calls act as documented."""

import numpy as np
import pytest

from sim.cli import main
from sim.dashboard.model import SHOCKS, game_of_state, latest, schedule_shock, set_traffic_policy, traffic_policy
from sim.model import LiveCommerceModel
from sim.scenario import Scenario

TINY = {"population.consumers": 500, "population.anchors": 40, "population.suppliers": 12, "time.days": 30}


def test_bad_input_exits_2(tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("x")
    assert main(["study", "--out", str(f)]) == 2
    assert main(["study", "--workers", "0", "--out", str(tmp_path / "s")]) == 2
    assert not (tmp_path / "s").exists()
    bad = tmp_path / "bad.toml"
    bad.write_text("[population]\nconsumers = -5\n")
    assert main(["dashboard", "--scenario", str(bad)]) == 2
    assert main(["dashboard", "--port", "70000"]) == 2
    assert main(["notebooks", "--only", "99_nothing", "--out", str(tmp_path / "nb")]) == 2
    err = capsys.readouterr().err
    assert "--workers" in err and "population.consumers" in err and "--port" in err and "99_nothing" in err


def test_report_only_needs_a_study_folder(tmp_path, capsys):
    assert main(["study", "--report-only", "--out", str(tmp_path)]) == 2
    assert "not a default-study folder" in capsys.readouterr().err


def test_traffic_lever_acts_from_the_next_day():
    m = LiveCommerceModel(Scenario().with_overrides(TINY), 3)
    m.run(2)
    assert traffic_policy(m)["anchor_cap"] == 1.0
    set_traffic_policy(m, anchor_cap=0.05)
    assert traffic_policy(m)["anchor_cap"] == 0.05 and m.platform.policy["anchor_cap"] == 1.0
    m.step()
    assert m.platform.policy["anchor_cap"] == 0.05
    with pytest.raises(ValueError, match="unknown traffic levers"):
        set_traffic_policy(m, preferential=2.0)


def test_a_scheduled_shock_changes_the_run_from_the_next_day_only():
    sc = Scenario().with_overrides(TINY)
    a, b = LiveCommerceModel(sc, 4), LiveCommerceModel(sc, 4)
    a.run(5)
    b.run(5)
    schedule_shock(b, "persona collapse")
    assert latest(a) == latest(b)  # nothing changed yet
    a.run(5)
    b.run(5)
    assert latest(a)["mean_institutional_trust"] > latest(b)["mean_institutional_trust"]
    with pytest.raises(ValueError, match="unknown shock"):
        schedule_shock(b, "meteor")
    assert set(SHOCKS) == {"persona collapse", "credit squeeze"}


def test_game_of_state_leaves_the_model_where_it_was():
    m = LiveCommerceModel(Scenario().with_overrides(TINY), 5)
    m.run(5)
    before = (m.day, latest(m))
    seen = []
    d = game_of_state(m, window=4, progress=lambda k, n: seen.append((k, n)))
    assert (m.day, latest(m)) == before
    assert seen[-1] == (7, 7)
    alloc = d["allocations"]["shapley"]
    assert np.isclose(sum(alloc.values()), d["worths"]["anchor,platform,supplier"]["mean"])
    assert set(d["core"]["rules"]) <= set(d["allocations"])

"""The scenario: defaults, TOML round trip, and every kind of bad input."""

import math
import tomllib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main as cli
from sim.errors import ScenarioError
from sim.scenario import Scenario, field_docs, load_scenario, scenario_to_toml


def test_default_round_trips_through_toml(tmp_path):
    sc = Scenario()
    path = tmp_path / "s.toml"
    path.write_text(scenario_to_toml(sc))
    assert load_scenario(path) == sc


def test_scenario_show_is_accepted_back_unchanged(tmp_path, capsys):
    assert cli(["scenario", "show"]) == 0
    text = capsys.readouterr().out
    path = tmp_path / "shown.toml"
    path.write_text(text)
    assert load_scenario(path) == Scenario()
    assert cli(["scenario", "show", "--scenario", str(path)]) == 0
    assert capsys.readouterr().out == text


def test_every_field_is_documented_with_unit_and_range():
    docs = field_docs()
    assert len(docs) > 80
    for path, d in docs.items():
        assert d["description"], path
    numeric = [p for p, d in docs.items() if d["range"]]
    assert len(numeric) > 70


def test_overrides_apply_and_validate():
    sc = Scenario().with_overrides({"traffic.anchor_cap": 0.05, "categories.apparel.base_return_rate": 0.3})
    assert sc.traffic.anchor_cap == 0.05 and sc.categories["apparel"].base_return_rate == 0.3
    with pytest.raises(ScenarioError) as e:
        Scenario().with_overrides({"traffic.nope": 1, "traffic.anchor_cap": 3})
    assert any("traffic.nope" in p for p in e.value.problems)
    assert any("traffic.anchor_cap" in p and "<= 1" in p for p in e.value.problems)


BAD = [
    ("unknown key", "[traffic]\nwarp_speed = 3\n", "traffic.warp_speed", "unknown field"),
    ("wrong type", "[population]\nconsumers = \"many\"\n", "population.consumers", "integer"),
    ("out of range", "[traffic]\npreferential_exponent = 9.0\n", "traffic.preferential_exponent", "<= 5"),
    ("negative count", "[population]\nanchors = -3\n", "population.anchors", ">= 1"),
    ("rate above 1", "[returns]\ntry_on_reduction = 1.5\n", "returns.try_on_reduction", "<= 1"),
    ("rate below 0", "[consumers]\nactivity = -0.1\n", "consumers.activity", ">= 0"),
    ("NaN", "[consumers]\nbudget_mean = nan\n", "consumers.budget_mean", "finite"),
    ("infinity", "[categories.apparel]\nmean_price = inf\n", "categories.apparel.mean_price", "finite"),
    ("broken TOML", "[traffic\nanchor_cap = 0.1\n", "not valid TOML", ""),
    ("event beyond horizon", "[time]\ndays = 30\n[[events]]\nkind = \"demand_spike\"\nday = 40\n", "events.0.day", "horizon"),
    ("unknown event kind", "[[events]]\nkind = \"meteor\"\nday = 3\n", "events.0", "kind"),
]


@pytest.mark.parametrize("label,text,field,what", BAD, ids=[b[0] for b in BAD])
def test_bad_input_exits_2_naming_the_field_and_writes_nothing(tmp_path, capsys, label, text, field, what):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    out = tmp_path / "out"
    code = cli(["run", "--scenario", str(path), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    assert field in err and what in err
    assert not out.exists()


def test_several_problems_are_reported_one_per_line(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text("[traffic]\nanchor_cap = 2.0\nfoo = 1\n[population]\nconsumers = -1\n")
    assert cli(["scenario", "check", "--scenario", str(path)]) == 2
    lines = [l for l in capsys.readouterr().err.splitlines() if l.strip()]
    assert len(lines) == 3
    assert {"traffic.anchor_cap", "traffic.foo", "population.consumers"} <= {l.split(": ")[2] for l in lines}


def test_missing_file_is_a_clear_error(tmp_path, capsys):
    assert cli(["scenario", "check", "--scenario", str(tmp_path / "nope.toml")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_bad_input_keeps_earlier_results(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "daily.parquet").write_bytes(b"earlier result")
    assert cli(["run", "--out", str(out), "--set", "traffic.anchor_cap=7", "--quiet"]) == 2
    assert (out / "daily.parquet").read_bytes() == b"earlier result"


# --- random junk never ends in a traceback -----------------------------------------

SECTIONS = ["population", "time", "platform", "traffic", "anchors", "suppliers", "consumers",
            "purchase", "returns", "trust", "adaptation", "categories", "events", "junk"]
KEYS = sorted({p.split(".")[-1] for p in field_docs()}) + ["zzz", "kind", "day"]
values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=3),
    max_leaves=6)
junk = st.dictionaries(st.sampled_from(SECTIONS), st.dictionaries(st.sampled_from(KEYS), values, max_size=4)
                       | values, max_size=4)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(junk)
def test_random_junk_is_accepted_or_refused_cleanly(data):
    from sim.scenario import scenario_from_dict

    try:
        sc = scenario_from_dict(data)
    except ScenarioError as exc:
        assert exc.problems and all(isinstance(p, str) and p for p in exc.problems)
    else:
        assert isinstance(sc, Scenario)


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=60))
def test_random_text_files_never_traceback(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("junk") / "s.toml"
    path.write_text(text, encoding="utf-8")
    try:
        load_scenario(path)
    except ScenarioError:
        pass


def test_toml_nan_literal_parses_but_is_refused():
    data = tomllib.loads("x = nan")
    assert math.isnan(data["x"])

"""``livesim game FILE``: tables, JSON, and clean failures on bad files."""

from __future__ import annotations

import json

import pytest

from sim.cli import main
from sim.games import ThreePartyGame, read_game_file

MANGO_JSON = {
    "players": ["platform", "supplier", "anchor"],
    "worths": {"platform": 0, "supplier": 540, "anchor": 120, "platform,supplier": 577.8,
               "platform,anchor": 170.4, "supplier,anchor": 699.6, "platform,supplier,anchor": 726},
    "risk": {"platform": 4, "supplier": 2, "anchor": 4},
    "risk_weight": 0.3,
}

MANGO_CSV = """coalition,worth
platform,0
supplier,540
anchor,120
"platform,supplier",577.8
platform;anchor,170.4
"{supplier, anchor}",699.6
"platform,supplier,anchor",726
"""


def run(capsys, *argv):
    code = main(["game", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def mango_json(tmp_path):
    path = tmp_path / "mango.json"
    path.write_text(json.dumps(MANGO_JSON))
    return path


def test_table_output(capsys, mango_json):
    code, out, err = run(capsys, mango_json)
    assert code == 0 and err == ""
    assert "allocations (rows: players, columns: rules)" in out
    shapley_row = next(line for line in out.splitlines() if line.startswith("shapley "))
    assert shapley_row.split()[:5] == ["shapley", "yes", "yes", "no", "2.5"]
    assert "{platform, anchor} +2.5" in shapley_row
    assert "risk_adjusted_shapley" in out and "{supplier} +105.77" in out
    assert "core empty: no" in out and "least-core epsilon: -1.4" in out


def test_json_output_matches_the_library(capsys, mango_json):
    code, out, _ = run(capsys, mango_json, "--json")
    data = json.loads(out)
    assert code == 0 and data["players"] == ["platform", "supplier", "anchor"]
    game = ThreePartyGame(0, 540, 120, 0.07, 0.42, 0.06).game(0.1)
    assert data["allocations"]["shapley"] == pytest.approx(game.shapley().to_dict())
    assert data["allocations"]["nucleolus"] == pytest.approx(game.nucleolus().to_dict())
    assert data["verdicts"]["shapley"]["in_core"] is False
    assert data["verdicts"]["shapley"]["blocking_coalitions"] == [
        {"coalition": "{platform, anchor}", "excess": pytest.approx(2.5)}]
    assert data["verdicts"]["nucleolus"]["in_core"] is True
    assert data["game"] == {"n_players": 3, "grand_worth": 726.0, "standalone_sum": 660.0, "essential": True,
                            "superadditive": True, "convex": False, "core_empty": False,
                            "least_core_epsilon": pytest.approx(-1.4)}


def test_csv_reads_the_same_game_and_risk_comes_from_flags(capsys, tmp_path, mango_json):
    path = tmp_path / "mango.csv"
    path.write_text(MANGO_CSV)
    assert (read_game_file(path).game.values == read_game_file(mango_json).game.values).all()
    code, out, _ = run(capsys, path, "--json", "--risk", "platform=4,supplier=2,anchor=4", "--risk-weight", "0.3")
    assert code == 0
    assert json.loads(out)["allocations"]["risk_adjusted_shapley"]["supplier"] == pytest.approx(434.23)


def test_list_form_of_worths(capsys, tmp_path):
    path = tmp_path / "list.json"
    path.write_text(json.dumps({"players": ["a", "b"], "worths": [
        {"coalition": ["a"], "worth": 1}, {"coalition": "b", "worth": 1}, {"coalition": "a;b", "worth": 4}]}))
    code, out, _ = run(capsys, path, "--json")
    assert code == 0 and json.loads(out)["allocations"]["shapley"] == {"a": 2.0, "b": 2.0}


def test_undefined_rules_are_left_out_with_a_note(capsys, tmp_path):
    path = tmp_path / "majority.csv"
    path.write_text('coalition,worth\na,0\nb,0\nc,0\n"a,b",1\n"a,c",1\n"b,c",1\n"a,b,c",1\n')
    code, out, _ = run(capsys, path)
    assert code == 0
    assert "proportional left out: the proportional rule is undefined" in out
    assert "core empty: yes" in out and "least-core epsilon: 0.3333" in out


@pytest.mark.parametrize(("name", "content", "message"), [
    ("g.json", '{"players": ["a", "b"], "worths": {"a": 1, "b": 2}}', "1 coalition(s) have no worth: {a, b}"),
    ("g.json", '{"players": ["a", "b"], "worths": {"a": 1, "b": 2, "a,c": 3}}', "unknown player(s): 'c'"),
    ("g.json", '{"players": ["a"], "worths": {"a": NaN}}', "worths must be finite"),
    ("g.json", '{"players": [], "worths": {}}', "got no players"),
    ("g.json", '{"players": ["a"], "worths": {"a": 1, "a": 2}}', "key 'a' appears twice"),
    ("g.json", '{"players": ["a"], "worths": {"a": "1"}}', "must be a number"),
    ("g.json", '{"players": ["a"], "worth": {"a": 1}}', "unknown key 'worth'"),
    ("g.json", '{"players": ["a"], "worths": {"a": 1}, "risk": {"a": -1}, "risk_weight": 0.3}', "negative"),
    ("g.json", '{"players": ["a"], "worths": {"a": 1}, "risk": {"a": 1}}', '"risk" and "risk_weight" go together'),
    ("g.json", '{"players": ["a"], "worths": {"a": 1}', "not valid JSON"),
    ("g.csv", "coalition,value\na,1\n", "header must be exactly coalition,worth"),
    ("g.csv", "coalition,worth\na,1\nb,x\n", "line 3: worth 'x' is not a number"),
    ("g.csv", "coalition,worth\na,1\nb,inf\n", "line 3: worth inf is not finite"),
    ("g.csv", "coalition,worth\na,1\na,2\n", "line 3: coalition 'a' is given twice"),
    ("g.csv", "coalition,worth\na,b,1\n", "expected 2 fields"),
    ("g.csv", "", "the CSV file is empty"),
    ("g.txt", "anything", "unknown file type '.txt'"),
])
def test_bad_files_exit_2_with_one_line_per_problem(capsys, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content)
    code, out, err = run(capsys, path)
    assert code == 2 and out == ""
    assert message in err and "Traceback" not in err
    assert all(line.startswith(f"livesim game: {path}: ") for line in err.splitlines())


def test_missing_file_and_bad_flags(capsys, tmp_path, mango_json):
    code, _, err = run(capsys, tmp_path / "nope.json")
    assert code == 2 and "no such file" in err
    code, _, err = run(capsys, mango_json, "--risk", "platform:4")
    assert code == 2 and "expected NAME=AMOUNT" in err
    code, _, err = run(capsys, mango_json, "--risk-weight", "1.5")
    assert code == 2 and "r must be a number in [0, 1]" in err and "Traceback" not in err
    code, _, err = run(capsys, mango_json, "--top", "-1")
    assert code == 2 and "--top must be >= 0" in err


def test_too_many_players_for_a_file(capsys, tmp_path):
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"players": [f"p{i}" for i in range(21)], "worths": {}}))
    code, _, err = run(capsys, path)
    assert code == 2 and "limited to 20 players" in err

"""Fuzzing every command's arguments and files with generated bad input (issue 17).

Each generated case goes through the CLI's entry function in-process and must
end with exit code 2, a message naming the offending option, field or path,
no traceback, and no change to the results already on disk (a run, a sweep
and an analysis written once for the module). The functions that do the work
(a run, a sweep, the coalition runs, the validation runs) are replaced by one
that fails the test: a bad input must be refused before any of them starts.
More than 1,000 cases per CI run in total (checked by the last test).
"""

from __future__ import annotations

import json
import math
import string
from pathlib import Path
from typing import Any, get_args, get_origin

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.cli import main as cli
from sim.scenario import Category, Scenario, Section

CASES = {"n": 0}
def fuzz(n: int):
    return settings(max_examples=n, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
TINY = ["--set", "population.consumers=300", "--set", "population.anchors=30", "--set", "population.suppliers=10"]


class WorkStarted(BaseException):
    """Raised by the stand-ins of the functions that do work."""


# ------------------------------------------------------------- scenario fields


def _bounds(info) -> tuple[float | None, bool, float | None, bool]:
    lo = hi = None
    lo_strict = hi_strict = False
    for meta in info.metadata:
        for attr in ("ge", "gt"):
            v = getattr(meta, attr, None)
            if v is not None:
                lo, lo_strict = v, attr == "gt"
        for attr in ("le", "lt"):
            v = getattr(meta, attr, None)
            if v is not None:
                hi, hi_strict = v, attr == "lt"
    return lo, lo_strict, hi, hi_strict


def _kind(annotation) -> str | tuple:
    args = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) is not None and str(get_origin(annotation)).endswith("Literal"):
        return tuple(get_args(annotation))
    base = args[0] if args and get_origin(annotation) is not None else annotation
    if str(get_origin(base)).endswith("Literal"):
        return tuple(get_args(base))
    return {bool: "bool", int: "int", float: "float", str: "str"}.get(base, "other")


def scalar_fields() -> list[tuple[str, Any, tuple]]:
    """(path, kind, bounds) of every plain field of the scenario's sections and of one category."""
    out = []
    for name, info in Scenario.model_fields.items():
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, Section):
            for f, finfo in ann.model_fields.items():
                out.append((f"{name}.{f}", _kind(finfo.annotation), _bounds(finfo)))
    for f, finfo in Category.model_fields.items():
        out.append((f"categories.apparel.{f}", _kind(finfo.annotation), _bounds(finfo)))
    return [o for o in out if o[1] != "other"]


FIELDS = scalar_fields()
WORDS = st.text(alphabet=string.ascii_letters, min_size=1, max_size=8)


@st.composite
def bad_value(draw, kind, bounds):
    """A value the field must refuse: the wrong type, or out of its range."""
    lo, lo_strict, hi, hi_strict = bounds
    options = []
    if kind == "bool":
        options += [st.integers(-5, 5), st.floats(allow_nan=False), WORDS]
    elif kind == "int":
        options += [st.booleans(), st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: x == x),
                    st.integers(0, 99).map(str)]
    elif kind == "float":
        options += [st.booleans(), st.integers(0, 99).map(str)]
    elif kind == "str":
        options += [st.booleans(), st.integers(), st.floats(allow_nan=False)]
    elif isinstance(kind, tuple):  # a Literal: any other text
        options += [WORDS.filter(lambda w: w not in kind), st.integers()]
    if kind in ("int", "float"):
        step = 1 if kind == "int" else 1e-6
        if lo is not None:
            top = lo if lo_strict else lo - step
            options.append(st.integers(-10**6, math.floor(top)) if kind == "int"
                           else st.floats(-1e12, top, allow_nan=False))
        if hi is not None:
            bottom = hi if hi_strict else hi + step
            options.append(st.integers(math.ceil(bottom), math.ceil(bottom) + 10**9) if kind == "int"
                           else st.floats(bottom, 1e300, allow_nan=False))
        if kind == "float":
            options.append(st.sampled_from([math.inf, -math.inf, math.nan]))
    return draw(st.one_of(options))


def toml_text(value: Any) -> str:
    """``value`` as a --set VALUE (TOML syntax; floats written so TOML reads them back)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        text = repr(value)
        return text if any(c in text for c in ".en") else text + ".0"
    if isinstance(value, str):
        return json.dumps(value)
    return str(value)


@st.composite
def bad_set(draw):
    """A --set option and the token its refusal must name."""
    how = draw(st.sampled_from(["value", "value", "value", "unknown", "malformed"]))
    if how == "value":
        path, kind, bounds = draw(st.sampled_from(FIELDS))
        return f"{path}={toml_text(draw(bad_value(kind, bounds)))}", path
    if how == "unknown":
        section = draw(st.sampled_from(["population", "traffic", "finance", "nosuch"]))
        field = draw(WORDS.map(lambda w: "zz" + w))
        return f"{section}.{field}=1", f"{section}.{field}"
    item = draw(st.sampled_from(["novalue", "=3", "a..b=1", "population.consumers=", " =x"]))
    return item, "--set"


# ---------------------------------------------------------------- the world


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Results on disk that no refused command may change, and paths to misuse."""
    root = tmp_path_factory.mktemp("world")
    run = root / "run"
    assert cli(["run", *TINY, "--days", "3", "--out", str(run), "--quiet", "--no-plots"]) == 0
    spec = root / "spec.toml"
    spec.write_text('[experiment]\nname = "w"\nmodel = "tests.sweep.toy:toy_run"\n[scenario]\n'
                    'population.consumers = 300\npopulation.anchors = 30\ntime.days = 4\n'
                    '[parameters]\n"traffic.anchor_cap" = { values = [1.0, 0.05] }\n[keep]\nsummary = ["gmv"]\n')
    sweep = root / "sweep"
    assert cli(["sweep", str(spec), "--out", str(sweep), "--serial"]) == 0
    assert cli(["analyze", str(sweep), "--no-plots"]) == 0
    (root / "afile.txt").write_text("a file")
    foreign = root / "foreign"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("mine")
    before = {name: snapshot(root / name) for name in ("run", "sweep", "foreign")}
    yield {"root": root, "run": run, "sweep": sweep, "spec": spec, "afile": root / "afile.txt",
           "foreign": foreign, "scratch": root / "scratch"}
    for name, snap in before.items():
        assert snapshot(root / name) == snap, f"{name} changed"


@pytest.fixture(autouse=True)
def no_work(monkeypatch):
    def started(*a, **k):
        raise WorkStarted("work started on a bad input")

    import sim.coalition.game
    import sim.runner
    import sim.sweep.engine
    import sim.studies.validate

    monkeypatch.setattr(sim.runner, "run_scenario", started)
    monkeypatch.setattr(sim.coalition.game, "estimate_game", started)
    monkeypatch.setattr(sim.sweep.engine, "run_sweep", started)
    monkeypatch.setattr(sim.studies.validate, "run_replications", started)


def bad_out_paths(w, kind: str):
    """(path, token): output folders every command must refuse."""
    own = {"run": w["run"], "sweep": w["sweep"], "analysis": w["sweep"] / "analysis"}[kind]
    return st.sampled_from([
        ("", "--out"), (str(w["afile"]), "afile.txt"), (str(w["afile"] / "sub"), "afile.txt"),
        (str(w["foreign"]), "foreign"), (str(own), str(own.name)), ("/proc/x/y", "/proc/x"),
        (str(w["run"] if kind != "run" else w["sweep"]), "livesim"),
    ])


def check_refused(capsys, argv: list[str], token: str, w) -> None:
    CASES["n"] += 1
    try:
        code = cli(argv)
    except SystemExit as exc:  # argparse's own exit (help, version): not a refusal
        code = exc.code
    except WorkStarted:
        pytest.fail(f"work started for {argv!r}")
    captured = capsys.readouterr()
    err = captured.err
    assert code == 2, f"{argv!r}: exit {code}\n{err}"
    assert "Traceback" not in err and "Traceback" not in captured.out, argv
    assert token in err, f"{argv!r}: {token!r} not named in\n{err}"
    assert len(err.strip().splitlines()) <= 12, err
    scratch = w["scratch"]
    assert not scratch.exists() or not any(scratch.iterdir()), "a refused command wrote files"


# ------------------------------------------------------------------ the fuzzers


@fuzz(260)
@given(data=st.data())
def test_run_refuses_bad_arguments(world, capsys, data):
    w = world
    which = data.draw(st.sampled_from(["set", "set", "seed", "days", "out", "scenario", "memory"]))
    out = str(w["scratch"] / "r")
    if which == "set":
        item, token = data.draw(bad_set())
        argv, token = ["run", "--set", item, "--out", out], token
    elif which == "seed":
        seed = data.draw(st.one_of(st.integers(max_value=-1), st.integers(min_value=2**63, max_value=2**70)))
        argv, token = ["run", "--seed", str(seed), "--out", out], "--seed"
    elif which == "days":
        days = data.draw(st.one_of(st.integers(max_value=0), st.integers(min_value=3651, max_value=10**7),
                                   WORDS))
        argv, token = ["run", "--days", str(days), "--out", out], "--days" if isinstance(days, str) else "time.days"
    elif which == "out":
        path, token = data.draw(bad_out_paths(w, "run"))
        argv = ["run", *TINY, "--days", "2", "--out", path]
        if data.draw(st.booleans()) and token not in (str(w["run"].name),):
            argv.append("--overwrite")
    elif which == "scenario":
        path, token = data.draw(st.sampled_from([(str(w["root"] / "nosuch.toml"), "nosuch.toml"),
                                                 (str(w["root"]), "--scenario"), ("", "--scenario"),
                                                 (str(w["afile"]), "afile.txt")]))
        argv = ["run", "--scenario", path, "--out", out]
    else:
        size = data.draw(st.one_of(WORDS.map(lambda t: t + "Q"), st.sampled_from(["0", "-5G", "nan", "1e400"])))
        argv, token = ["run", "--max-memory", size, "--out", out], "--max-memory"
    check_refused(capsys, argv, token, w)


@fuzz(170)
@given(data=st.data())
def test_scenario_files_with_bad_fields(world, capsys, data):
    w = world
    f = w["root"] / "fuzz_scenario.toml"
    how = data.draw(st.sampled_from(["field", "field", "field", "unknown", "garbage"]))
    if how == "garbage":
        raw = data.draw(st.binary(min_size=1, max_size=40).filter(lambda b: b"=" not in b or b"[" in b))
        f.write_bytes(b"[[[" + raw)
        token = "fuzz_scenario.toml"
    else:
        if how == "field":
            path, kind, bounds = data.draw(st.sampled_from(FIELDS))
            value = data.draw(bad_value(kind, bounds))
            if isinstance(value, float) and math.isnan(value):
                value = math.inf
        else:
            path, value = f"traffic.zz{data.draw(WORDS)}", 1
        parts = path.split(".")
        table: dict = {}
        node = table
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
        f.write_text(tomli_w.dumps(table))
        token = path
    command = data.draw(st.sampled_from([["scenario", "check"], ["run", "--out", str(w["scratch"] / "r")],
                                         ["coalition"], ["validate", "--csv", str(w["scratch"] / "v.csv")]]))
    check_refused(capsys, [*command, "--scenario", str(f)], token, w)


@fuzz(130)
@given(data=st.data())
def test_coalition_refuses_bad_arguments(world, capsys, data):
    w = world
    which = data.draw(st.sampled_from(["seed", "window", "warmup", "replications", "players", "set", "out"]))
    if which == "seed":
        argv, token = ["coalition", "--seed", str(data.draw(st.integers(max_value=-1)))], "--seed"
    elif which == "window":
        v = data.draw(st.one_of(st.integers(max_value=0), st.integers(min_value=31, max_value=10**6)))
        argv, token = ["coalition", "--set", "time.days=30", "--window", str(v)], "--window"
    elif which == "warmup":
        v = data.draw(st.one_of(st.integers(max_value=-1), st.integers(min_value=30, max_value=10**6)))
        argv, token = ["coalition", "--set", "time.days=30", "--warmup", str(v)], "--warmup"
    elif which == "replications":
        v = data.draw(st.one_of(st.integers(max_value=0), st.integers(min_value=1001, max_value=10**6)))
        argv, token = ["coalition", "--replications", str(v)], "--replications"
    elif which == "players":
        spec = data.draw(st.one_of(
            st.sampled_from(["", ";", "supplier=suppliers:all", "platform;platform", "platform;x=banks:all",
                             "platform;1a=suppliers:all", "platform;a=suppliers", "platform;a=suppliers:all;a=anchors:all"]),
            WORDS.map(lambda t: f"platform;{t}=suppliers:{t}zz"),
            st.integers(21, 40).map(lambda n: "platform;" + ";".join(f"s{i}=suppliers:{i}" for i in range(n)))))
        argv, token = ["coalition", *TINY, "--players", spec], "--players"
    elif which == "set":
        item, token = data.draw(bad_set())
        argv = ["coalition", "--set", item]
    else:
        path, token = data.draw(bad_out_paths(w, "run"))
        argv = ["coalition", *TINY, "--window", "2", "--out", path]
    check_refused(capsys, argv, token, w)


@fuzz(100)
@given(data=st.data())
def test_validate_refuses_bad_arguments(world, capsys, data):
    w = world
    which = data.draw(st.sampled_from(["replications", "workers", "seed", "csv", "set"]))
    csv = str(w["scratch"] / "v.csv")
    if which == "replications":
        argv, token = ["validate", "--replications", str(data.draw(st.integers(max_value=1))), "--csv", csv], \
            "--replications"
    elif which == "workers":
        argv, token = ["validate", "--workers", str(data.draw(st.integers(max_value=0))), "--csv", csv], "--workers"
    elif which == "seed":
        argv, token = ["validate", "--seed", str(data.draw(st.integers(max_value=-1))), "--csv", csv], "--seed"
    elif which == "csv":
        path = data.draw(st.sampled_from([str(w["root"]), str(w["afile"] / "v.csv"), str(w["afile"]), "",
                                          str(w["root"] / "nosuchdir" / "v.csv"), str(w["run"] / "summary.parquet")]))
        argv, token = ["validate", "--csv", path], "--csv"
    else:
        item, token = data.draw(bad_set())
        argv = ["validate", "--set", item, "--csv", csv]
    check_refused(capsys, argv, token, w)


SPEC_FIELDS = [
    ("experiment.replications", st.one_of(st.integers(max_value=0), st.booleans(), st.integers(0, 9).map(str),
                                           st.just(2.0))),
    ("experiment.master_seed", st.one_of(st.integers(max_value=-1), st.integers(min_value=2**63, max_value=2**64 - 1))),
    ("experiment.model", st.one_of(st.sampled_from(["os:system", "builtins:eval", "subprocess:run", "x", ""]),
                                   WORDS.map(lambda t: f"{t}:{t}"))),
    ("experiment.common_random_numbers", st.one_of(st.integers(), WORDS)),
    ("design.sampler", WORDS.filter(lambda t: t not in ("grid", "lhs", "sobol", "morris"))),
    ("design.samples", st.one_of(st.integers(max_value=0), st.integers(min_value=1_000_001, max_value=10**9))),
    ("keep.summary", st.lists(WORDS.map(lambda t: "zz_" + t), min_size=1, max_size=3, unique=True)),
    ("keep.daily", st.one_of(st.integers(), st.just([]))),
    ("parameters.traffic.anchor_cap.values", st.lists(st.one_of(st.floats(1.01, 1e9), st.floats(-1e9, 0.0)),
                                                       min_size=1, max_size=3)),
    ("parameters.nosuch.field.values", st.just([1.0])),
]


@fuzz(200)
@given(data=st.data())
def test_sweep_refuses_bad_specs_and_arguments(world, capsys, data):
    w = world
    which = data.draw(st.sampled_from(["spec", "spec", "spec", "set", "out", "workers", "file"]))
    spec = str(w["spec"])
    out = str(w["scratch"] / "s")
    if which == "spec":
        path, strategy = data.draw(st.sampled_from(SPEC_FIELDS))
        value = data.draw(strategy)
        item = f"{path}={toml_text(value) if not isinstance(value, list) else json.dumps(value)}"
        token = path if not path.startswith("parameters.") else path.rsplit(".", 1)[0]
        argv = ["sweep", spec, "--set", item, "--out", out, "--dry-run"]
        if path == "keep.summary":  # the core model declares its measures (the toy does not)
            argv[2:2] = ["--set", 'experiment.model="sim.runner:run_scenario"']
    elif which == "set":
        item, token = data.draw(bad_set())
        argv = ["sweep", spec, "--set", item, "--out", out, "--dry-run"]
    elif which == "out":
        path, token = data.draw(bad_out_paths(w, "sweep"))
        argv = ["sweep", spec, "--out", path, "--serial"]
        if token == "sweep":
            token = "--out"
    elif which == "workers":
        flag = data.draw(st.sampled_from(["--workers", "--dask-local"]))
        argv, token = ["sweep", spec, flag, str(data.draw(st.integers(max_value=0))), "--out", out], flag
    else:
        path, token = data.draw(st.sampled_from([(str(w["root"] / "nosuch.toml"), "nosuch.toml"),
                                                 (str(w["afile"]), "afile.txt"), (str(w["foreign"]), "foreign"),
                                                 ("", "SPEC")]))
        argv = ["sweep", path, "--out", out]
    check_refused(capsys, argv, token, w)


@fuzz(100)
@given(data=st.data())
def test_analyze_refuses_bad_arguments(world, capsys, data):
    w = world
    which = data.draw(st.sampled_from(["dir", "conf", "measures", "out"]))
    sweep = str(w["sweep"])
    if which == "dir":
        path, token = data.draw(st.sampled_from([(str(w["root"] / "nosuch"), "nosuch"), (str(w["afile"]), "afile.txt"),
                                                 (str(w["foreign"]), "foreign"), (str(w["run"]), "run"), ("", "DIR")]))
        argv = ["analyze", path, "--out", str(w["scratch"] / "a")]
    elif which == "conf":
        conf = data.draw(st.one_of(st.floats(max_value=0.0), st.floats(min_value=1.0), st.just(math.nan)))
        argv, token = ["analyze", sweep, "--conf", repr(conf), "--out", str(w["scratch"] / "a")], "--conf"
    elif which == "measures":
        names = ",".join(data.draw(st.lists(WORDS.map(lambda t: "zz" + t), min_size=1, max_size=3)))
        argv, token = ["analyze", sweep, "--measures", names, "--out", str(w["scratch"] / "a")], "--measures"
    else:
        path, token = data.draw(bad_out_paths(w, "analysis"))
        argv = ["analyze", sweep, "--out", path, "--no-plots"]
    check_refused(capsys, argv, token, w)


@fuzz(80)
@given(data=st.data())
def test_game_refuses_bad_files_and_arguments(world, capsys, data):
    w = world
    f = w["root"] / data.draw(st.sampled_from(["g.json", "g.csv"]))
    if f.suffix == ".json":
        body = data.draw(st.one_of(
            st.binary(max_size=30).map(lambda b: b"{" + b),
            st.just(b'{"players": ["a"], "worths": {"a": "x"}}'),
            st.just(b'{"players": "a", "worths": {}}'),
            st.just(b'[1, 2]')))
    else:
        body = data.draw(st.one_of(st.just(b""), st.just(b"x,y\n"), st.binary(max_size=30).map(lambda b: b"coalition,worth\n" + b + b",zz\n")))
    f.write_bytes(body)
    which = data.draw(st.sampled_from(["file", "file", "top"]))
    if which == "file":
        argv, token = ["game", str(f)], f.name
    else:
        (w["root"] / "ok.json").write_text('{"players": ["a", "b"], "worths": {"a": 1, "b": 1, "a,b": 3}}')
        argv, token = ["game", str(w["root"] / "ok.json"), "--top", str(data.draw(st.integers(max_value=-1)))], "--top"
    check_refused(capsys, argv, token, w)


def test_zz_at_least_a_thousand_bad_inputs():
    """Runs last in this file (pytest keeps the file's order; xdist --dist loadfile keeps the file together)."""
    assert CASES["n"] >= 1000, CASES

"""The benchmarks' table stays whole: every benchmark script is listed in
benchmarks/README.md with its command and run by benchmarks/run_all.py, and the
benchmarks refuse bad arguments before any run (exit 2, naming the option)."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"


def _run_all():
    spec = importlib.util.spec_from_file_location("run_all", BENCH / "run_all.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_every_benchmark_is_in_the_readme_and_in_run_all():
    scripts = sorted(p.stem for p in BENCH.glob("bench_*.py"))
    readme = (BENCH / "README.md").read_text()
    ran = {name.split(":")[0] for name, _, _ in _run_all().BENCHMARKS}
    needs_two_trees = {"bench_compare"}      # before/after of two source trees: run by hand
    for name in scripts:
        assert f"`{name}.py`" in readme, f"{name}.py is not in benchmarks/README.md"
        assert f"benchmarks/{name}.py" in readme, f"benchmarks/README.md gives no command for {name}.py"
        assert name in ran or name in needs_two_trees, f"run_all.py does not run {name}.py"
    assert ran <= set(scripts)


@pytest.mark.parametrize("script, args, option", [
    ("bench_scale", ["--sizes", "100000,x"], "--sizes"),
    ("bench_scale", ["--sizes", "100000"], "--sizes"),
    ("bench_run", ["--days", "0"], "--days"),
    ("bench_run", ["--against", "/nonexistent"], "--against"),
    ("bench_run", ["--whole", "--against", "/nonexistent"], "--against"),
])
def test_bad_benchmark_arguments_exit_2_naming_the_option(script, args, option):
    out = subprocess.run([sys.executable, str(BENCH / f"{script}.py"), *args], capture_output=True, text=True,
                         cwd=ROOT, timeout=60)
    assert out.returncode == 2
    assert option in out.stderr and "Traceback" not in out.stderr

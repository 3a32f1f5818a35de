"""The shape of the package: no import cycle among the modules of ``sim/``
(imports inside functions included) and no import of another module's private
names. Read from the source (AST), so it costs nothing to run."""

from __future__ import annotations

import ast
from pathlib import Path

SIM = Path(__file__).resolve().parent.parent / "sim"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SIM.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(SIM.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> list[tuple[str, str | None, int]]:
    """(imported module, imported name or None, line) for every import in the file,
    at any depth (module level, in functions, in methods), except those under ``if TYPE_CHECKING``."""
    is_pkg = path.name == "__init__.py"
    package = name if is_pkg else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    # imports only a type checker runs (``if TYPE_CHECKING:``) do not execute, so they make no cycle
    typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                   and "TYPE_CHECKING" in ast.unparse(block.test) for stmt in block.body for n in ast.walk(stmt)}
    out = []
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            out += [(a.name, None, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            for a in node.names:
                sub = f"{base}.{a.name}"
                # ``from pkg import module`` imports the module, not a name
                out.append((sub, None, node.lineno) if sub in known else (base, a.name, node.lineno))
    return [(m, n, line) for m, n, line in out if m == "sim" or m.startswith("sim.")]


def graph() -> dict[str, set[str]]:
    """Module -> the modules importing it runs. Importing ``a.b.c`` from outside the
    package ``a.b`` also runs ``a/b/__init__`` and whatever it imports, so those count
    too (inside the package they do not: its ``__init__`` has run already). The root
    package ``sim`` is the public facade (lazy by design) and is left out."""
    mods = modules()
    known = set(mods)
    direct: dict[str, set[str]] = {}
    for name, path in mods.items():
        deps = set()
        for mod, _, _ in imports_of(name, path, known):
            while mod not in known and "." in mod:
                mod = mod.rpartition(".")[0]
            if mod in known and mod != name:
                deps.add(mod)
        direct[name] = deps
    g: dict[str, set[str]] = {}
    for name, deps in direct.items():
        full = set(deps)
        for mod in deps:
            parts = mod.split(".")
            for k in range(2, len(parts)):
                pkg = ".".join(parts[:k])
                if pkg in known and not (name == pkg or name.startswith(pkg + ".")):
                    full |= {m for m in direct[pkg] if m != name}
        g[name] = full - {name}
    return g


def find_cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(g.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def test_the_finder_sees_a_cycle_and_a_clean_graph():
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert find_cycles({"a": {"b"}, "b": set()}) == []


#: cycles known and owned elsewhere, each with the reason it is still there (remove when fixed)
KNOWN_CYCLES: set[tuple[str, ...]] = set()   # none: a cycle found is a failure


def test_no_import_cycle_among_the_modules_of_sim():
    g = graph()
    assert len(g) > 50 and "sim.model" in g
    cycles = [c for c in find_cycles(g) if tuple(c) not in KNOWN_CYCLES]
    assert not cycles, "import cycles (imports inside functions included): " + "; ".join(
        " <-> ".join(c) for c in cycles)


def test_the_model_imports_its_sub_models_and_none_imports_the_model():
    g = graph()
    assert {"sim.market.orders", "sim.finance.credit", "sim.trust"} <= g["sim.model"]
    importers = sorted(m for m, deps in g.items() if "sim.model" in deps)
    allowed = {"sim", "sim.runner"} | {m for m in g if m.startswith(("sim.coalition.", "sim.studies.", "sim.sweep.",
                                                                       "sim.commands.", "sim.dashboard."))}
    assert set(importers) <= allowed, importers


def test_no_module_imports_a_private_name_of_another():
    mods = modules()
    known = set(mods)
    bad = []
    for name, path in mods.items():
        for mod, imported, line in imports_of(name, path, known):
            private_name = imported is not None and imported.startswith("_") and not imported.startswith("__")
            # a private module (``_bits``) is its package's own: only its package may import it
            private_mod = [p for p in mod.split(".") if p.startswith("_") and not p.startswith("__")]
            outside = private_mod and not name.startswith(mod.rpartition(".")[0] + ".")
            if private_name or outside:
                bad.append(f"{path.relative_to(SIM.parent)}:{line} imports {mod}{'.' + imported if imported else ''}")
    assert not bad, "\n".join(bad)

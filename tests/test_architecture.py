"""The package's shape, read with ``ast``: imports run one way (core, then
engine / families / formats, then front ends), there is no import cycle, a
rule is one module named after its code, and no function is over 80 lines."""

from __future__ import annotations

import ast
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PKG = os.path.join(ROOT, "upgradelint")
MAX_FUNCTION_LINES = 80

# layer of a module prefix; a module may import only its own layer or lower ones
LAYERS = [
    ("upgradelint.core", 0),
    ("upgradelint.engine", 1),
    ("upgradelint.families", 1),
    ("upgradelint.formats", 1),
    ("upgradelint.docs", 1),
    ("upgradelint.frontends", 2),
    ("upgradelint.testing", 2),
    ("upgradelint.__main__", 2),
    ("upgradelint", 0),  # the package itself: __version__
]
# peers on one layer that must not know each other
SEPARATE = ("upgradelint.engine", "upgradelint.families", "upgradelint.formats")


def modules() -> dict[str, str]:
    out = {}
    for dirpath, dirnames, filenames in os.walk(PKG):
        dirnames[:] = [d for d in dirnames if d != "demo_project" and not d.startswith((".", "__"))]
        for name in filenames:
            if name.endswith(".py"):
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, ROOT)[:-3].replace(os.sep, ".")
                out[rel[:-len(".__init__")] if rel.endswith(".__init__") else rel] = path
    return out


MODULES = modules()


def _resolve(mod: str, is_pkg: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    parts = mod.split(".")
    base = parts if is_pkg else parts[:-1]
    base = base[:len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def imports(mod: str) -> set[str]:
    """Every upgradelint module ``mod`` imports, at any depth (function-level too)."""
    path = MODULES[mod]
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(mod, path.endswith("__init__.py"), node)
            # ``from pkg import submodule`` depends on the submodule; ``from pkg import name``, on pkg
            names = [f"{target}.{a.name}" if f"{target}.{a.name}" in MODULES else target for a in node.names]
        else:
            continue
        for n in names:
            while n and n not in MODULES:
                n = n.rpartition(".")[0]
            if n and n.startswith("upgradelint") and n != mod:
                out.add(n)
    return out


GRAPH = {m: imports(m) for m in MODULES}


def layer(mod: str) -> tuple[int, str]:
    for prefix, n in LAYERS:
        if mod == prefix or mod.startswith(prefix + "."):
            return n, prefix
    raise AssertionError(f"{mod} belongs to no layer")


def _family(mod: str) -> str | None:
    m = re.match(r"upgradelint\.families\.(\w+)", mod)
    return m.group(1) if m else None


def test_every_module_has_a_layer():
    for mod in MODULES:
        layer(mod)


def test_imports_run_one_way():
    bad = []
    for mod, deps in GRAPH.items():
        n, prefix = layer(mod)
        for dep in deps:
            if dep == "upgradelint":
                continue
            m, dprefix = layer(dep)
            if m > n or (m == n and prefix != dprefix and (prefix in SEPARATE or dprefix in SEPARATE)):
                bad.append(f"{mod} -> {dep}")
            elif _family(mod) and _family(dep) and _family(mod) != _family(dep):
                bad.append(f"{mod} -> {dep} (another family)")
    assert not bad, "imports against the layers:\n" + "\n".join(sorted(bad))


def test_no_import_cycles():
    # Tarjan's strongly connected components over the module graph
    index, low, stack, on, cycles = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in GRAPH[v]:
            if w not in GRAPH:
                continue
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
            # a package importing its own submodules (re-exports) is not a cycle
            comp = [c for c in comp if not any(o != c and o.startswith(c + ".") for o in comp)] if len(comp) > 1 else comp
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert not cycles, f"import cycles: {cycles}"


def test_the_layer_check_sees_a_violation(tmp_path):
    """The checker itself: a core module importing a front end is reported."""
    node = ast.parse("from upgradelint.frontends import cli").body[0]
    assert _resolve("upgradelint.core.rule", False, node) == "upgradelint.frontends"
    assert layer("upgradelint.frontends.cli")[0] > layer("upgradelint.core.rule")[0]


def _functions(path):
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node.name, node.lineno, node.end_lineno - node.lineno + 1


@pytest.mark.parametrize("mod", sorted(MODULES))
def test_no_function_over_80_lines(mod):
    long = [f"{name} (line {line}: {n} lines)" for name, line, n in _functions(MODULES[mod]) if n > MAX_FUNCTION_LINES]
    assert not long, f"{mod}: split " + ", ".join(long)


def test_one_rule_one_module_named_after_its_code():
    from upgradelint.core.registry import registry

    seen = {}
    for code, rule in registry().items():
        fam = rule.family()
        module = f"upgradelint.families.{fam}.rules.upg{code[3:]}_{rule.name.replace('-', '_')}"
        assert rule.__module__ == module, f"{code} lives in {rule.__module__}, not {module}"
        assert rule.__name__ == "".join(w.capitalize() for w in rule.name.split("-")), rule.__name__
        seen.setdefault(rule.__module__, []).append(code)
    assert all(len(v) == 1 for v in seen.values()), seen
    rule_files = [m for m in MODULES if re.match(r"upgradelint\.families\.\w+\.rules\.[^.]+$", m)]
    assert sorted(rule_files) == sorted(seen), "every module under families/*/rules/ holds one rule"

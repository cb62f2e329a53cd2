"""The fast walk must find what a CSTVisitor finds, in the same order, for the
predicates the extractors use."""

import glob
import os

import libcst as cst
import pytest

from upgradelint.core.cst.walk import preorder

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILES = sorted(glob.glob(os.path.join(ROOT, "tests", "fixtures", "rpc", "**", "*.py"), recursive=True))[:60]
PREDICATES = {
    "return": lambda n: isinstance(n, cst.Return) and n.value is not None,
    "assign": lambda n: isinstance(n, cst.Assign),
    "call": lambda n: isinstance(n, cst.Call),
    "raise": lambda n: isinstance(n, cst.Raise),
}


def visitor_find(node, pred):
    found = []

    class V(cst.CSTVisitor):
        def on_visit(self, n):
            if pred(n):
                found.append(n)
            return not isinstance(n, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) or n is node

    node.visit(V())
    return found


def visitor_contains(node, pred):
    found = []

    class V(cst.CSTVisitor):
        def on_visit(self, n):
            if found:
                return False
            if pred(n):
                found.append(n)
                return False
            return True

    node.visit(V())
    return bool(found)


@pytest.mark.parametrize("path", FILES, ids=lambda p: os.path.relpath(p, ROOT))
def test_find_matches_a_visitor(path):
    from upgradelint.families.rpc.syntax import contains as _contains, find as _find

    with open(path, encoding="utf-8") as fh:
        module = cst.parse_module(fh.read())
    for fn in (n for n in preorder(module) if isinstance(n, cst.FunctionDef)):
        for name, pred in PREDICATES.items():
            assert _find(fn.body, pred) == visitor_find(fn.body, pred), (fn.name.value, name)
            assert _contains(fn.body, pred) == visitor_contains(fn.body, pred), (fn.name.value, name)


def test_preorder_visits_every_node_once():
    module = cst.parse_module("class A:\n    @d\n    def f(self, x=1):\n        return [y for y in x]\n")
    nodes = list(preorder(module))
    seen = []

    class V(cst.CSTVisitor):
        def on_visit(self, n):
            seen.append(n)
            return True

    module.visit(V())
    assert len(nodes) == len(seen) and set(map(id, nodes)) == set(map(id, seen))

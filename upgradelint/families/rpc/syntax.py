"""Small LibCST helpers the RPC extractors share, and the oslo.messaging names
they look for."""

from __future__ import annotations

import re

from upgradelint.core.cst.static import dotted, simple_assigns
from upgradelint.core.cst.walk import preorder
from upgradelint.core.lazy import cst

SEND_ATTRS = ("call", "cast")
WRAPPERS = ("_get_cctxt", "_prepare_call", "prepare_for_alt_rpcserver")
CHOOSERS = ("_ver", "_compat_ver")
_HISTORY_RE = re.compile(r"^\s*(?:[*|]\s*)?(?:#\s*)?(\d+)\.(\d+)\s*[-:]?\s+(.*)$")


def class_attrs(cls: cst.ClassDef) -> dict:
    return {name: small.value for name, small in simple_assigns(cls.body.body)}


def attr_nodes(cls: cst.ClassDef) -> dict:
    """Class attribute name -> the Assign statement's target node (for spans)."""
    return dict(simple_assigns(cls.body.body))


def classes(module: cst.Module):
    for stmt in module.body:
        if isinstance(stmt, cst.ClassDef):
            yield stmt


def docstring(body) -> str | None:
    stmts = body.body if hasattr(body, "body") else body
    if stmts and isinstance(stmts[0], cst.SimpleStatementLine) and stmts[0].body and \
            isinstance(stmts[0].body[0], cst.Expr) and isinstance(stmts[0].body[0].value,
                                                                  (cst.SimpleString, cst.ConcatenatedString)):
        try:
            v = stmts[0].body[0].value.evaluated_value
        except Exception:  # noqa: BLE001
            return None
        return v if isinstance(v, str) else None
    return None


def history_versions(doc: str | None) -> tuple[str, ...]:
    if not doc:
        return ()
    out = []
    for line in doc.splitlines():
        if line.strip().startswith("..."):
            continue
        m = _HISTORY_RE.match(line)
        if m:
            out.append(f"{int(m.group(1))}.{int(m.group(2))}")
    return tuple(out)


def contains(node, pred) -> bool:
    """Does a statement or expression under ``node`` (itself included) match?"""
    return any(pred(n) for n in preorder(node, trivia=False))


_SKIP: frozenset = frozenset()


def _scope(node):
    """The ``find`` walk of ``node``: every statement and expression under it
    in source order, not entering nested defs, classes or lambdas (LibCST has
    no subclasses of those three, so a type lookup stands for the slower
    isinstance)."""
    global _SKIP
    if not _SKIP:
        _SKIP = frozenset((cst.FunctionDef, cst.ClassDef, cst.Lambda))
    skip = _SKIP
    return preorder(node, lambda n: type(n) not in skip or n is node, trivia=False)


def find(node, pred) -> list:
    """Matching statements and expressions under ``node`` in source order,
    not entering nested defs, classes or lambdas (nor whitespace and
    punctuation: predicates here never ask for those)."""
    return [n for n in _scope(node) if pred(n)]


class Found:
    """One ``find`` walk of a subtree (a method body), its nodes grouped by
    type in the order ``find`` yields them, so that several searches of the
    same body cost one walk: ``Found(body).of(cst.Return)`` is
    ``find(body, lambda n: isinstance(n, cst.Return))`` for a node type
    nothing subclasses."""

    __slots__ = ("_by_type",)

    def __init__(self, node):
        by: dict = {}
        for n in _scope(node):
            t = type(n)
            if t in by:
                by[t].append(n)
            else:
                by[t] = [n]
        self._by_type = by

    def of(self, node_type) -> list:
        return self._by_type.get(node_type, [])


def tail(func) -> str | None:
    """Last name of a callee, also for ``f(x).prepare``."""
    if isinstance(func, cst.Attribute):
        return func.attr.value
    if isinstance(func, cst.Name):
        return func.value
    return None


def is_csv(node) -> bool:
    return isinstance(node, cst.Call) and tail(node.func) == "can_send_version"


def str_key(node) -> str | None:
    if isinstance(node, cst.SimpleString):
        try:
            v = node.evaluated_value
        except Exception:  # noqa: BLE001
            return None
        return v if isinstance(v, str) else None
    return None


def imports(module) -> dict[str, str]:
    """Module-level import alias -> dotted module."""
    out = {}
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.ImportFrom) and small.module is not None and not small.relative and \
                    not isinstance(small.names, cst.ImportStar):
                base = dotted(small.module)
                for alias in small.names:
                    name = dotted(alias.name)
                    asname = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) \
                        else name
                    if base and name:
                        out[asname] = f"{base}.{name}"
            elif isinstance(small, cst.Import):
                for alias in small.names:
                    name = dotted(alias.name)
                    if name:
                        asname = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) \
                            else name
                        out[asname] = name
    return out


_MARK_RE = re.compile(r"^\s*\.\.\.\s+([A-Z]\w+(?:(?:\s*,\s*|\s+and\s+|\s*,\s*and\s+)[A-Z]\w+)*)\s+supports?\s+"
                      r"(?:messaging|message|RPC)\s+version\s+(\d+\.\d+)")


def release_marks(doc: str | None) -> tuple:
    """(release, version) of each "... Newton supports messaging version 2.6"
    line of a version-history docstring (also "Newton and Ocata support ...")."""
    out = []
    for line in (doc or "").splitlines():
        m = _MARK_RE.match(line)
        if m:
            for name in re.split(r"\s*,\s*and\s+|\s*,\s*|\s+and\s+", m.group(1)):
                out.append((name.lower(), m.group(2)))
    return tuple(out)


def base_refs(cls, module, relpath: str) -> tuple:
    """(module path, class name) of each base of ``cls``, through the module's imports."""
    out = []
    imported = None
    for arg in cls.bases:
        d = dotted(arg.value)
        if not d or d == "object":
            continue
        head, _, rest = d.partition(".")
        if imported is None:
            imported = imports(module)
        if head in imported:
            full = imported[head] + (f".{rest}" if rest else "")
        elif not rest:
            out.append((relpath, d))
            continue
        else:
            full = d
        mod, _, name = full.rpartition(".")
        if mod:
            out.append((mod.replace(".", "/") + ".py", name))
    return tuple(out)

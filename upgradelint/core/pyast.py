"""Stdlib ``ast`` twins of the LibCST helpers, for files read only to judge
others (context files, base versions), where a family can give the very facts
its LibCST extractor gives at a tenth of the parse cost.

LibCST stays the parser of the files being checked. Where the two parsers
could disagree (a parenthesised expression's code, an f-string's value, a
one-line class body), these helpers raise ``Unsure`` and the caller falls back
to LibCST; a family's own test compares both routes on the release trees.

Positions follow LibCST's: 1-based lines, 0-based columns counted in
characters (``ast`` counts UTF-8 bytes), end exclusive, an expression's
position not including its parentheses."""

from __future__ import annotations

import ast
import re
import unicodedata

from upgradelint.core.cst.static import UNKNOWN
from upgradelint.core.model import Span


_WORD_RE = re.compile(r"[^\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]*[^\x00-\x7f][^\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]*")
_CLASS = re.compile(r"class[ \t\f]+(\w+)")
_DEF = re.compile(r"(?:async[ \t\f]+)?def[ \t\f]+(\w+)")


class Unsure(Exception):
    """The ``ast`` route cannot vouch for LibCST's answer: use LibCST."""


def parse(text: str) -> ast.Module:
    """The module, or ``Unsure`` when ``ast`` cannot read it (LibCST then
    decides, and reports its own error). Lone carriage returns count as line
    ends for LibCST, and ``ast`` normalises names (NFKC) where LibCST keeps
    them as written: such files go to LibCST too."""
    if "\r" in text:
        raise Unsure("carriage returns")
    if not text.isascii() and any(unicodedata.normalize("NFKC", w) != w for w in _WORD_RE.findall(text)):
        raise Unsure("a word NFKC changes: ast names are normalised, LibCST's are as written")
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise Unsure(type(exc).__name__) from exc


class Source:
    """The text of a parsed module: character columns, spans and code."""

    def __init__(self, text: str):
        self.text = text
        self.lines = text.split("\n")

    def column(self, line: int, byte_col: int) -> int:
        s = self.lines[line - 1]
        if s.isascii():
            return byte_col
        return len(s.encode("utf-8")[:byte_col].decode("utf-8"))

    def span(self, node) -> Span:
        """LibCST's span of an expression that ``ast`` positions the same way:
        no tuples or generator expressions, whose ``ast`` position takes in
        their parentheses."""
        if isinstance(node, (ast.Tuple, ast.GeneratorExp)):
            raise Unsure("parenthesised position")
        return Span(node.lineno, self.column(node.lineno, node.col_offset),
                    node.end_lineno, self.column(node.end_lineno, node.end_col_offset))

    def name_span(self, node) -> Span:
        """The span of the name of a ``class``/``def``/``async def`` statement."""
        line = self.lines[node.lineno - 1]
        col = self.column(node.lineno, node.col_offset)
        m = (_CLASS if isinstance(node, ast.ClassDef) else _DEF).match(line, col)
        if m is None or m.group(1) != node.name:
            raise Unsure("a name that does not follow its keyword on the same line")
        return Span(node.lineno, m.start(1), node.lineno, m.end(1))

    def code(self, node) -> str:
        """LibCST's ``code_for_node``: the node's source, when nothing but
        whitespace stands between it and the ``=`` before it (so it carries
        no parentheses of its own)."""
        line, col = node.lineno, self.column(node.lineno, node.col_offset)
        before = self.lines[line - 1][:col]
        while not before.strip() and line > 1:
            line -= 1
            before = self.lines[line - 1]
        if not before.rstrip().endswith("=") or isinstance(node, (ast.Tuple, ast.GeneratorExp)):
            raise Unsure("the code of an expression that may be parenthesised")
        seg = ast.get_source_segment(self.text, node)
        if seg is None:
            raise Unsure("no source segment")
        return seg


def dotted(node) -> str | None:
    """``a.b.c`` for Name/Attribute chains, else None (``static.dotted``)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def tail(func) -> str | None:
    """Last name of a callee (the rpc family's ``syntax.tail``)."""
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def kwarg(call: ast.Call, name: str):
    for k in call.keywords:
        if k.arg == name:
            return k.value
    return None


def simple_assigns(statements, annotated: bool = False):
    """``(name, value)`` for each ``NAME = expr`` (and, if asked, ``NAME: T =
    expr``) directly in a body, in order (``static.simple_assigns``)."""
    for stmt in statements:
        if isinstance(stmt, ast.Assign):
            for t in stmt.targets:
                if isinstance(t, ast.Name):
                    yield t.id, stmt.value
        elif annotated and isinstance(stmt, ast.AnnAssign) and stmt.value is not None and \
                isinstance(stmt.target, ast.Name):
            yield stmt.target.id, stmt.value


def module_constants(module: ast.Module) -> dict:
    return dict(simple_assigns(module.body, annotated=True))


def evaluate(node, names: dict | None = None, depth: int = 0):
    """``static.evaluate`` over ``ast`` nodes: the same value, or UNKNOWN;
    ``Unsure`` for an f-string, which the two parsers do not tell apart from
    a concatenation the same way."""
    names = names or {}
    if depth > 20 or node is None:
        return UNKNOWN
    if isinstance(node, ast.Constant):
        v = node.value
        if isinstance(v, bytes):
            return v.decode("latin-1")
        if v is None or isinstance(v, (str, bool, int, float)):
            return v
        return UNKNOWN  # complex, Ellipsis
    if isinstance(node, ast.Name):
        return evaluate(names[node.id], names, depth + 1) if node.id in names else UNKNOWN
    if isinstance(node, ast.Attribute):
        d = dotted(node)
        return evaluate(names[d], names, depth + 1) if d and d in names else UNKNOWN
    if isinstance(node, (ast.Tuple, ast.List)):
        vals = []
        for el in node.elts:
            if isinstance(el, ast.Starred):
                return UNKNOWN
            v = evaluate(el, names, depth + 1)
            if v is UNKNOWN:
                return UNKNOWN
            vals.append(v)
        return tuple(vals) if isinstance(node, ast.Tuple) else vals
    if isinstance(node, ast.BinOp):
        return _binop(node, names, depth)
    if isinstance(node, ast.JoinedStr):
        raise Unsure("f-string")
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return _format(node, names, depth)
    return UNKNOWN


def _binop(node: ast.BinOp, names, depth):
    left = evaluate(node.left, names, depth + 1)
    right = evaluate(node.right, names, depth + 1)
    if left is UNKNOWN or right is UNKNOWN:
        return UNKNOWN
    try:
        if isinstance(node.op, ast.Mod) and isinstance(left, str):
            return left % (tuple(right) if isinstance(right, list) else right)
        if isinstance(node.op, ast.Add):
            return left + right
    except Exception:  # noqa: BLE001 - bad template
        return UNKNOWN
    return UNKNOWN


def _format(node: ast.Call, names, depth):
    """``"...".format(...)``"""
    tmpl = evaluate(node.func.value, names, depth + 1)
    if not isinstance(tmpl, str):
        return UNKNOWN
    args = [evaluate(a, names, depth + 1) for a in node.args if not isinstance(a, ast.Starred)]
    kws = {k.arg: evaluate(k.value, names, depth + 1) for k in node.keywords if k.arg is not None}
    if UNKNOWN in args or UNKNOWN in kws.values():
        return UNKNOWN
    try:
        return tmpl.format(*args, **kws)
    except Exception:  # noqa: BLE001
        return UNKNOWN

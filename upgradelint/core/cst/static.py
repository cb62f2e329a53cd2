"""Small static evaluation over LibCST nodes: dotted names, string constants
(with module constants, ``%``, ``+``, ``.format`` and f-strings), numbers, tuples."""

from __future__ import annotations

from upgradelint.core.lazy import cst

UNKNOWN = object()


def dotted(node) -> str | None:
    """``a.b.c`` for Name/Attribute chains, else None."""
    parts = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


def call_name(call: cst.Call) -> str | None:
    return dotted(call.func)


def last_name(node) -> str | None:
    d = dotted(node)
    return d.rsplit(".", 1)[-1] if d else None


def kwarg(call: cst.Call, name: str):
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    return None


def has_star_kwargs(call: cst.Call) -> bool:
    return any(arg.star == "**" for arg in call.args)


def positional(call: cst.Call) -> list:
    return [a.value for a in call.args if a.keyword is None and not a.star]


def simple_assigns(statements, annotated: bool = False):
    """``(name, statement)`` for each ``NAME = expr`` (and, if asked, ``NAME: T =
    expr``) directly in a body, in order."""
    for stmt in statements:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign):
                    for t in small.targets:
                        if isinstance(t.target, cst.Name):
                            yield t.target.value, small
                elif annotated and isinstance(small, cst.AnnAssign) and small.value is not None and \
                        isinstance(small.target, cst.Name):
                    yield small.target.value, small


def module_constants(module: cst.Module) -> dict[str, cst.BaseExpression]:
    """Top-level ``NAME = expr`` assignments (last one wins)."""
    out: dict[str, cst.BaseExpression] = {}
    for name, small in simple_assigns(module.body, annotated=True):
        out[name] = small.value
    return out


def evaluate(node, names: dict | None = None, depth: int = 0):
    """Best-effort constant value of an expression, or UNKNOWN."""
    names = names or {}
    if depth > 20 or node is None:
        return UNKNOWN
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        try:
            v = node.evaluated_value
        except Exception:  # noqa: BLE001 - odd prefixes
            return UNKNOWN
        return v.decode("latin-1") if isinstance(v, bytes) else (v if v is not None else UNKNOWN)
    if isinstance(node, cst.Integer):
        return node.evaluated_value
    if isinstance(node, cst.Float):
        return node.evaluated_value
    if isinstance(node, cst.Name):
        if node.value in ("None", "True", "False"):
            return {"None": None, "True": True, "False": False}[node.value]
        if node.value in names:
            return evaluate(names[node.value], names, depth + 1)
        return UNKNOWN
    if isinstance(node, cst.Attribute):
        d = dotted(node)
        if d and d in names:
            return evaluate(names[d], names, depth + 1)
        return UNKNOWN
    if isinstance(node, (cst.Tuple, cst.List)):
        vals = []
        for el in node.elements:
            if isinstance(el, (cst.StarredElement,)):
                return UNKNOWN
            v = evaluate(el.value, names, depth + 1)
            if v is UNKNOWN:
                return UNKNOWN
            vals.append(v)
        return tuple(vals) if isinstance(node, cst.Tuple) else vals
    if isinstance(node, cst.BinaryOperation):
        left = evaluate(node.left, names, depth + 1)
        right = evaluate(node.right, names, depth + 1)
        if left is UNKNOWN or right is UNKNOWN:
            return UNKNOWN
        try:
            if isinstance(node.operator, cst.Modulo) and isinstance(left, str):
                return left % (tuple(right) if isinstance(right, list) else right)
            if isinstance(node.operator, cst.Add):
                return left + right
        except Exception:  # noqa: BLE001 - bad template
            return UNKNOWN
        return UNKNOWN
    if isinstance(node, cst.FormattedString):
        out = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                out.append(part.value)
            else:
                v = evaluate(part.expression, names, depth + 1)
                if v is UNKNOWN or part.format_spec or part.conversion:
                    return UNKNOWN
                out.append(str(v))
        return "".join(out)
    if isinstance(node, cst.Call):
        # "...".format(...)
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "format":
            tmpl = evaluate(node.func.value, names, depth + 1)
            if isinstance(tmpl, str):
                args = [evaluate(a, names, depth + 1) for a in positional(node)]
                kws = {a.keyword.value: evaluate(a.value, names, depth + 1) for a in node.args if a.keyword}
                if UNKNOWN in args or UNKNOWN in kws.values():
                    return UNKNOWN
                try:
                    return tmpl.format(*args, **kws)
                except Exception:  # noqa: BLE001
                    return UNKNOWN
        return UNKNOWN
    return UNKNOWN


def normalized_code(module: cst.Module, node) -> str:
    """Code of a node with insignificant whitespace and comments removed."""
    import io
    import tokenize

    code = module.code_for_node(node)
    try:
        toks = [t.string for t in tokenize.generate_tokens(io.StringIO(code).readline)
                if t.type not in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                                  tokenize.DEDENT, tokenize.ENDMARKER)]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return " ".join(code.split())
    return " ".join(toks)

"""Static values of LibCST expressions, as the migration extractors read them:
strings and names, column types, SQL text passed to ``execute``, call chains."""

from __future__ import annotations

import ast
import io
import re
import tokenize

from upgradelint.core.lazy import cst

from upgradelint.core.cst.static import UNKNOWN, dotted, evaluate, kwarg, positional

SA_MODULES = {"sa", "sqlalchemy", "sql", "expression", "sa.sql", "sqlalchemy.sql", "sa.sql.expression"}
_TEXT_FUNCS = {"text", "sa.text", "sqlalchemy.text", "sql.text", "sqlalchemy.sql.text", "expression.text"}
_PLACEHOLDER = "upgradelint_unknown"
_SQL_START = re.compile(r"^\s*(ALTER|UPDATE|INSERT|DELETE|DROP|CREATE|RENAME|OPTIMIZE|TRUNCATE)\s", re.I)


def looks_like_sql(text: str) -> bool:
    """Text that starts like a DDL or DML statement."""
    return bool(_SQL_START.match(text))


def strings(value, names) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (cst.Tuple, cst.List)):
        out = []
        for el in value.elements:
            out.extend(strings(el.value, names))
        return tuple(out)
    v = evaluate(value, names)
    if isinstance(v, str):
        return (v,)
    if isinstance(v, (tuple, list)):
        return tuple(x for x in v if isinstance(x, str))
    if v is None:
        return ()
    d = dotted(value)
    return (d,) if d else ()


def last_name(node) -> str | None:
    d = dotted(node)
    return d.rsplit(".", 1)[-1] if d else None


_FIXED_POINT = {"numeric", "decimal"}


def type_value(node, names, depth: int = 0):
    """A column type as ('String', (255,)), from ``sa.String(255)``, ``String``,
    ``mysql.VARCHAR(length=60)``, or a module-level name bound to one
    (``new_auth = sa.Enum(...)`` then ``type_=new_auth``); None when unknown."""
    if node is None or depth > 5:
        return None
    if isinstance(node, cst.Name) and names and isinstance(names.get(node.value), (cst.Call, cst.Attribute)):
        return type_value(names[node.value], names, depth + 1)
    if isinstance(node, cst.Call):
        base = last_name(node.func)
        if not base or not base[:1].isupper():
            if base == "with_variant":  # sa.String(255).with_variant(...): the generic type
                return type_value(node.func.value, names) if isinstance(node.func, cst.Attribute) else None
            return None
        params = []
        for a in positional(node):
            v = evaluate(a, names)
            params.append(v if isinstance(v, (int, str)) else None)
        length = kwarg(node, "length")
        if length is not None and not params:
            v = evaluate(length, names)
            params.append(v if isinstance(v, int) else None)
        if base.lower() in _FIXED_POINT and not params and kwarg(node, "precision") is not None:
            # Numeric(precision=30, scale=28) is Numeric(30, 28)
            for key in ("precision", "scale"):
                v = evaluate(kwarg(node, key), names) if kwarg(node, key) is not None else UNKNOWN
                if isinstance(v, int):
                    params.append(v)
            return (base, tuple(params))
        for key in ("fsp", "precision", "timezone", "display_width"):
            v = evaluate(kwarg(node, key), names) if kwarg(node, key) is not None else UNKNOWN
            if isinstance(v, (int, bool)):
                params.append(f"{key}={v}")
        return (base, tuple(params))
    base = last_name(node)
    if base and base[:1].isupper():
        return (base, ())
    return None


def sql_text(node, names, depth=0):
    """SQL text of an ``execute`` argument with unknown parts as a placeholder;
    None when it is not text at all."""
    if depth > 10 or node is None:
        return None
    if isinstance(node, cst.Call):
        d = dotted(node.func)
        if d in _TEXT_FUNCS or last_name(node.func) == "text":
            args = positional(node)
            return sql_text(args[0], names, depth + 1) if args else None
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "format":
            tmpl = sql_text(node.func.value, names, depth + 1)
            if tmpl is None:
                return None
            v = evaluate(node, names)
            return v if isinstance(v, str) else re.sub(r"\{[^{}]*\}", _PLACEHOLDER, tmpl)
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "join":
            return _PLACEHOLDER
        return None
    v = evaluate(node, names)
    if isinstance(v, str):
        return v
    if isinstance(node, cst.ConcatenatedString):  # f"..." "..."
        left, right = sql_text(node.left, names, depth + 1), sql_text(node.right, names, depth + 1)
        return None if left is None or right is None else left + right
    if isinstance(node, cst.SimpleString):
        return None
    if isinstance(node, cst.FormattedString):
        out = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                out.append(part.value)
            else:
                pv = evaluate(part.expression, names)
                out.append(str(pv) if isinstance(pv, (str, int)) and not part.format_spec else _PLACEHOLDER)
        return "".join(out)
    if isinstance(node, cst.BinaryOperation):
        if isinstance(node.operator, cst.Modulo):
            left = sql_text(node.left, names, depth + 1)
            return re.sub(r"%(\([^)]*\))?[sd]", _PLACEHOLDER, left) if left is not None else None
        if isinstance(node.operator, cst.Add):
            left = sql_text(node.left, names, depth + 1)
            right = sql_text(node.right, names, depth + 1)
            if left is None and right is None:
                return None
            return (left if left is not None else _PLACEHOLDER) + (right if right is not None else _PLACEHOLDER)
    if isinstance(node, cst.Name) and node.value in names:
        return sql_text(names[node.value], names, depth + 1)
    return None


def chain_root_call(node):
    """The innermost call of ``a.b().c().d()``."""
    last = None
    while True:
        if isinstance(node, cst.Call):
            last = node
            node = node.func
        elif isinstance(node, cst.Attribute):
            node = node.value
        else:
            return last


def chain_has(node, attr: str) -> bool:
    while True:
        if isinstance(node, cst.Call):
            node = node.func
        elif isinstance(node, cst.Attribute):
            if node.attr.value == attr:
                return True
            node = node.value
        else:
            return False


def canonical_code(text: str) -> str:
    """Code as its tokens, so that a reformat compares equal: no whitespace or
    line breaks, no trailing comma before a closing bracket, one spelling for
    a string literal (``u'a',\n)`` and ``"a")`` are the same; f-strings stay as written)."""
    try:
        toks = [t for t in tokenize.generate_tokens(io.StringIO(text).readline)
                if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                                  tokenize.COMMENT, tokenize.ENDMARKER)]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return " ".join(text.split())
    out = []
    for i, t in enumerate(toks):
        s = t.string
        if s == "," and i + 1 < len(toks) and toks[i + 1].string in (")", "]", "}"):
            continue
        if t.type == tokenize.STRING and "f" not in s[:s.find(s[-1])].lower():  # u'x', r'x', 'x': one literal
            try:
                s = repr(ast.literal_eval(s))
            except (ValueError, SyntaxError):
                pass
        out.append(s)
    return " ".join(out)

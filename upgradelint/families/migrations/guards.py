"""Conditions a migration's operations run under, read from the ``if`` around
them: the database dialect (``if bind.engine.name == 'mysql':``), and the
inspector checks that make an operation run only where the database has the
object (``if 'uq_x' in [uc['name'] for uc in insp.get_unique_constraints(t)]:``)."""

from __future__ import annotations

from upgradelint.core.lazy import cst

from upgradelint.core.cst.static import evaluate
from upgradelint.core.cst.walk import preorder

DIALECTS = frozenset({"mysql", "postgresql", "sqlite"})
_ALIASES = {"mariadb": "mysql", "postgres": "postgresql", "pymysql": "mysql", "psycopg2": "postgresql"}
# names along a chain that lead to the dialect: bind.engine.name, op.get_context().dialect.name, ...
_DIALECT_HINTS = {"dialect", "engine", "migrate_engine", "bind", "get_bind", "connection", "conn", "get_context"}
_INSPECTIONS = {"get_unique_constraints", "get_foreign_keys", "get_indexes", "get_check_constraints",
                "get_pk_constraint"}


def _chain(node) -> list[str]:
    """The names along ``a.b().c.d``: ['a', 'b', 'c', 'd']."""
    out = []
    while True:
        if isinstance(node, cst.Call):
            node = node.func
        elif isinstance(node, cst.Attribute):
            out.append(node.attr.value)
            node = node.value
        elif isinstance(node, cst.Name):
            out.append(node.value)
            return out[::-1]
        else:
            return out[::-1]


def is_dialect_expr(node, dialect_vars=frozenset()) -> bool:
    """``bind.engine.name``, ``op.get_context().dialect.name``, or a local bound to one."""
    if isinstance(node, cst.Name):
        return node.value in dialect_vars
    chain = _chain(node)
    return len(chain) >= 2 and chain[-1] == "name" and any(c in _DIALECT_HINTS for c in chain[:-1])


def _dialect_values(node, names) -> frozenset | None:
    v = evaluate(node, names)
    vals = (v,) if isinstance(v, str) else tuple(v) if isinstance(v, (tuple, list)) else None
    if not vals or not all(isinstance(x, str) for x in vals):
        return None
    out = frozenset(_ALIASES.get(x.lower(), x.lower()) for x in vals) & DIALECTS
    return out if out else None


def dialects_of(test, names, dialect_vars) -> frozenset | None:
    """The dialects a condition holds on (``== 'mysql'``, ``!= 'sqlite'``,
    ``in ('mysql', 'postgresql')``, ``not ...``); None when it is not a dialect test."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        inner = dialects_of(test.expression, names, dialect_vars)
        return DIALECTS - inner if inner is not None else None
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return None
    comp = test.comparisons[0]
    left, right = test.left, comp.comparator
    if not is_dialect_expr(left, dialect_vars):
        left, right = right, left
        if not is_dialect_expr(left, dialect_vars):
            return None
    vals = _dialect_values(right, names)
    if vals is None:
        return None
    op = comp.operator
    if isinstance(op, (cst.Equal, cst.In)):
        return vals
    if isinstance(op, (cst.NotEqual, cst.NotIn)):
        return DIALECTS - vals
    return None


def inspects(node) -> bool:
    """Does the expression read what the database has (an inspector call)?"""
    return any(isinstance(n, cst.Call) and _chain(n.func)[-1:] and _chain(n.func)[-1] in _INSPECTIONS
               for n in preorder(node))


def reflects_columns(node) -> bool:
    """Does the expression read the columns the database has (``inspector.get_columns(t)``)?"""
    return any(isinstance(n, cst.Call) and _chain(n.func)[-1:] == ["get_columns"] for n in preorder(node))


def reads_any(node, names) -> bool:
    """Does the expression read one of the locals ``names``?"""
    return bool(names) and any(isinstance(n, cst.Name) and n.value in names for n in preorder(node))


def is_inspector_guard(test, inspected) -> bool:
    """``if 'name' in <what the inspector found>:`` (directly or through a local)."""
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    comp = test.comparisons[0]
    if not isinstance(comp.operator, cst.In):
        return False
    right = comp.comparator
    return (isinstance(right, cst.Name) and right.value in inspected) or inspects(right)


def early_return(node) -> bool:
    """An ``if`` whose body only returns (``if engine.name != 'mysql': return``)."""
    if node.orelse is not None:
        return False
    body = node.body.body
    if isinstance(node.body, cst.IndentedBlock):
        if len(body) != 1 or not isinstance(body[0], cst.SimpleStatementLine):
            return False
        body = body[0].body
    return len(body) == 1 and isinstance(body[0], cst.Return)

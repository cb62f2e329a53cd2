"""Facts of SQLAlchemy model modules (``FileFacts.extra['models']``): which
tables and columns the code maps, their primary keys and declared MySQL
charset, the constraint names the models declare, nova-style
``REMOVED_COLUMNS`` / ``REMOVED_TABLES``."""

from __future__ import annotations

from upgradelint.core.lazy import cst

from upgradelint.core.cst.static import UNKNOWN, evaluate, kwarg, module_constants, positional
from upgradelint.core.cst.walk import fast_visit, preorder
from upgradelint.families.migrations.expressions import last_name

_CONSTRAINTS = ("UniqueConstraint", "Index", "ForeignKeyConstraint", "PrimaryKeyConstraint", "CheckConstraint")


def returns(fn: cst.FunctionDef) -> list:
    """The values a function returns."""
    out = []

    class V(cst.CSTVisitor):
        def visit_Return(self, node: cst.Return) -> None:
            if node.value is not None:
                out.append(node.value)

    fast_visit(fn.body, V())
    return out


def _column_name(call: cst.Call, attr: str | None, names) -> str | None:
    if last_name(call.func) not in ("Column", "mapped_column"):
        return None
    args = positional(call)
    if args:
        v = evaluate(args[0], names)
        if isinstance(v, str):
            return v
    v = evaluate(kwarg(call, "name"), names) if kwarg(call, "name") is not None else UNKNOWN
    if isinstance(v, str):
        return v
    return attr


def _is_pk(call: cst.Call, names) -> bool:
    pk = kwarg(call, "primary_key")
    return pk is not None and evaluate(pk, names) is True


def _charset(node, names, funcs, depth: int = 0) -> str | None:
    """``mysql_charset`` in ``__table_args__``: a dict, the dict ending a tuple,
    or a module function returning one (zun's ``table_args()``)."""
    if node is None or depth > 3:
        return None
    if isinstance(node, cst.Dict):
        for el in node.elements:
            if isinstance(el, cst.DictElement) and evaluate(el.key, names) in ("mysql_charset",
                                                                               "mysql_default_charset"):
                v = evaluate(el.value, names)
                return v.lower() if isinstance(v, str) else None
        return None
    if isinstance(node, cst.Tuple):
        for el in node.elements:
            found = _charset(el.value, names, funcs, depth + 1)
            if found:
                return found
        return None
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value in funcs:
        for ret in returns(funcs[node.func.value]):
            found = _charset(ret, names, funcs, depth + 1)
            if found:
                return found
    return None


def _class_body(stmt: cst.ClassDef, names, funcs) -> tuple:
    """(table, columns, primary key columns, charset) a model class declares."""
    table, cols, pk, charset = None, [], [], None
    for item in stmt.body.body:
        if isinstance(item, cst.SimpleStatementLine):
            for small in item.body:
                target, value = None, None
                if isinstance(small, cst.Assign) and len(small.targets) == 1 and \
                        isinstance(small.targets[0].target, cst.Name):
                    target, value = small.targets[0].target.value, small.value
                elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                    target, value = small.target.value, small.value
                if target is None or value is None:
                    continue
                if target == "__tablename__":
                    v = evaluate(value, names)
                    table = v if isinstance(v, str) else None
                elif target == "__table_args__":
                    charset = _charset(value, names, funcs)
                elif isinstance(value, cst.Call):
                    c = _column_name(value, target, names)
                    if c:
                        cols.append(c)
                        if _is_pk(value, names):
                            pk.append(c)
        elif isinstance(item, cst.FunctionDef) and any(
                last_name(d.decorator if not isinstance(d.decorator, cst.Call) else d.decorator.func)
                == "declared_attr" for d in item.decorators):
            for ret in returns(item):
                if isinstance(ret, cst.Call) and _column_name(ret, item.name.value, names):
                    cols.append(_column_name(ret, item.name.value, names))
    return table, cols, pk, charset


def _module_level(stmt, names, classes: dict, tables: dict) -> None:
    """``BASE = declarative_base(cls=...)`` and ``t = Table('name', meta, Column(...))``."""
    for small in stmt.body:
        if not (isinstance(small, cst.Assign) and isinstance(small.value, cst.Call)):
            continue
        if last_name(small.value.func) == "declarative_base" and len(small.targets) == 1 and \
                isinstance(small.targets[0].target, cst.Name):
            # BASE = declarative_base(cls=_NovaAPIBase): BASE stands for its cls
            cls_arg = kwarg(small.value, "cls")
            bases_of = (last_name(cls_arg),) if cls_arg is not None and last_name(cls_arg) else ()
            classes[small.targets[0].target.value] = (None, (), bases_of or ("<declarative>",))
        elif last_name(small.value.func) == "Table":
            args = positional(small.value)
            t = evaluate(args[0], names) if args else UNKNOWN
            if isinstance(t, str):
                tables[t] = tuple(c for c in (_column_name(a, None, names) for a in args[1:]
                                              if isinstance(a, cst.Call)) if c)


def _constraint_names(module, names) -> tuple:
    out = []
    for n in preorder(module):
        if isinstance(n, cst.Call) and last_name(n.func) in _CONSTRAINTS and kwarg(n, "name") is not None:
            v = evaluate(kwarg(n, "name"), names)
            if isinstance(v, str):
                out.append(v)
    return tuple(dict.fromkeys(out))


def extract_models(parsed, facts) -> None:
    """Mapped tables and columns: ``{"classes": {cls: (table|None, columns, bases)},
    "tables": {table: columns}, "primary_keys": {cls: columns}, "charsets": {cls: charset},
    "constraint_names": (...), "removed_tables": (...), "removed_columns": ((t, c), ...)}``."""
    module = parsed.module
    names = module_constants(module)
    funcs = {s.name.value: s for s in module.body if isinstance(s, cst.FunctionDef)}
    classes, tables, pks, charsets = {}, {}, {}, {}
    for stmt in module.body:
        if isinstance(stmt, cst.ClassDef):
            table, cols, pk, charset = _class_body(stmt, names, funcs)
            bases = tuple(b for b in (last_name(a.value) for a in stmt.bases) if b)
            classes[stmt.name.value] = (table, tuple(cols), bases)
            if pk:
                pks[stmt.name.value] = tuple(pk)
            if charset:
                charsets[stmt.name.value] = charset
        elif isinstance(stmt, cst.SimpleStatementLine):
            _module_level(stmt, names, classes, tables)
    out = {
        "classes": classes,
        "tables": tables,
        "primary_keys": pks,
        "charsets": charsets,
        "constraint_names": _constraint_names(module, names),
        "removed_tables": tuple(x for x in (_removed(names, "REMOVED_TABLES") or ()) if isinstance(x, str)),
        "removed_columns": tuple(tuple(x) for x in (_removed(names, "REMOVED_COLUMNS") or ())
                                 if isinstance(x, (tuple, list)) and len(x) == 2),
    }
    if classes or tables or out["removed_tables"] or out["removed_columns"]:
        facts.extra["models"] = out


def _removed(names, key):
    if key not in names:
        return ()
    v = evaluate(names.get(key), names)
    if v is UNKNOWN:
        return _set_literal(names[key], names)
    return v


def _set_literal(node, names):
    if isinstance(node, cst.Set):
        vals = [evaluate(el.value, names) for el in node.elements]
        return tuple(v for v in vals if v is not UNKNOWN)
    return ()

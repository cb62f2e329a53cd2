"""The operations a migration's ``upgrade()`` runs, collected by one walk over
its body and the module-level helpers it calls (``OpCollector``)."""

from __future__ import annotations

import functools

from upgradelint.core.lazy import cst

from upgradelint.core.cst.static import UNKNOWN, dotted, evaluate, kwarg, positional
from upgradelint.core.cst.walk import fast_visit
from upgradelint.families.migrations.expressions import (SA_MODULES, chain_has, chain_root_call, last_name,
                                                         sql_text, type_value)
from upgradelint.families.migrations.facts import MigrationOp

_TABLE_FACTORIES = {"Table", "table", "load_table", "get_table", "_get_table", "get_table_ref"}
_CONSTRAINTS = {"ForeignKeyConstraint": "foreignkey", "UniqueConstraint": "unique",
                "PrimaryKeyConstraint": "primary", "CheckConstraint": "check", "Index": "index"}
# alembic parameter names, so keyword calls land in the same positions
_SIGNATURES = {
    "drop_column": ("table_name", "column_name"),
    "alter_column": ("table_name", "column_name"),
    "add_column": ("table_name", "column"),
    "drop_table": ("table_name",),
    "create_table": ("table_name",),
    "rename_table": ("old_table_name", "new_table_name"),
    "drop_constraint": ("constraint_name", "table_name", "type_"),
    "drop_index": ("index_name", "table_name"),
    "create_index": ("index_name", "table_name", "columns"),
    "create_unique_constraint": ("constraint_name", "table_name", "columns"),
    "create_check_constraint": ("constraint_name", "table_name", "condition"),
    "create_foreign_key": ("constraint_name", "source_table", "referent_table", "local_cols", "remote_cols"),
    "create_primary_key": ("constraint_name", "table_name", "columns"),
    "bulk_insert": ("table", "rows"),
    "remove_foreign_keys": ("table_name", "foreign_keys"),
    "remove_fks_from_table": ("table_name",),
}
# neutron.db.migration helpers: the same operations under another name
_PROJECT_HELPERS = {"drop_table_if_exists": "drop_table", "rename_table_if_exists": "rename_table",
                    "alter_column_if_exists": "alter_column", "add_column_if_not_exists": "add_column",
                    "create_table_if_not_exists": "create_table", "remove_foreign_keys": "remove_foreign_keys",
                    "remove_fks_from_table": "remove_fks_from_table", "alter_enum_add_value": "alter_enum_add_value",
                    "alter_enum": "alter_enum"}


@functools.lru_cache(maxsize=None)
def op_collector():
    """The collector class, a ``CSTVisitor``: built on first use so that importing
    this module does not import libcst."""
    return type("OpCollector", (OpCollector, cst.CSTVisitor), {})


class OpCollector:
    """The visitor's hooks; ``op_collector()`` mixes them into a ``CSTVisitor``."""

    def __init__(self, parsed, funcs, names, op_names):
        self.parsed = parsed
        self.funcs = funcs
        self.names = names
        self.op_names = op_names
        self.batch: dict[str, str | None] = {}
        self.tables: dict[str, str | None] = {}  # local name -> table (sa.Table / sql.table / load_table)
        self.columns: dict[str, tuple] = {}  # local name -> (table, column) for migrate columns
        self.constraints: dict[str, tuple] = {}  # local name -> (kind, table, name)
        self.ops: list[MigrationOp] = []
        self.stack: list[str] = []
        self.helper: str | None = None
        self.seen: set = set()
        self.iteration: list[int] = []  # positions in unrolled constant loops
        self.code: list[str] = []

    def run(self, fn: cst.FunctionDef, helper: str | None) -> None:
        self.stack.append(fn.name.value)
        saved = self.helper
        saved_names = dict(self.names)  # local constants do not leak out of the function
        self.helper = helper
        self.code.append(self.parsed.code(fn.body))
        fast_visit(fn.body, self)
        self.helper = saved
        self.names = saved_names
        self.stack.pop()

    def visit_FunctionDef(self, node) -> bool:
        return False  # nested defs are not run by upgrade() itself

    def visit_For(self, node: cst.For) -> bool:
        """``for name in ('a', 'b'):`` runs its body once per constant, so the
        operations inside name their tables."""
        if not isinstance(node.target, cst.Name):
            return True
        values = evaluate(node.iter, self.names)
        if not isinstance(values, (tuple, list)) or not values or len(values) > 8 or \
                not all(isinstance(v, str) for v in values):
            return True
        var = node.target.value
        saved = self.names.get(var, UNKNOWN)
        for i, v in enumerate(values):
            self.names[var] = cst.SimpleString(repr(v))
            self.iteration.append(i)
            fast_visit(node.body, self)
            self.iteration.pop()
        if saved is UNKNOWN:
            self.names.pop(var, None)
        else:
            self.names[var] = saved
        if node.orelse is not None:
            fast_visit(node.orelse, self)
        return False

    def visit_Lambda(self, node) -> bool:
        return False

    # -- bindings -------------------------------------------------------
    def visit_Assign(self, node: cst.Assign) -> None:
        targets = [t.target for t in node.targets]
        if len(targets) != 1 or not isinstance(targets[0], cst.Name):
            return
        name = targets[0].value
        value = node.value
        const = evaluate(value, self.names)
        if isinstance(const, str):  # table_name = prefix + 'block_device_mapping'
            self.names[name] = cst.SimpleString(repr(const))
        elif name in self.names:
            self.names.pop(name)  # a local shadows the module constant with an unknown value
        table = self._table_of_expr(value)
        if table is not UNKNOWN:
            self.tables[name] = table
            return
        col = self._column_of(value)
        if col is not None:
            self.columns[name] = col
            return
        if isinstance(value, cst.Call) and last_name(value.func) in _CONSTRAINTS:
            self.constraints[name] = self._constraint(value)

    def visit_With(self, node: cst.With) -> None:
        for item in node.items:
            call = item.item
            if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and \
                    call.func.attr.value == "batch_alter_table" and item.asname is not None and \
                    isinstance(item.asname.name, cst.Name):
                args = positional(call)
                table = evaluate(args[0] if args else kwarg(call, "table_name"), self.names)
                self.batch[item.asname.name.value] = table if isinstance(table, str) else None

    def _table_of_expr(self, node):
        """Table name bound by an expression, None if a table of unknown name,
        UNKNOWN if not a table."""
        if isinstance(node, cst.Name) and node.value in self.tables:
            return self.tables[node.value]
        if isinstance(node, cst.Name) and node.value in self.names and isinstance(self.names[node.value], cst.Call):
            bound = self.names[node.value]  # a module-level table
            if last_name(bound.func) in _TABLE_FACTORIES:
                return self._table_of_expr(bound)
        if isinstance(node, cst.Call) and last_name(node.func) in ("create_table", "create_table_if_not_exists"):
            args = positional(node)
            v = self._val(args[0]) if args else None
            return v if isinstance(v, str) else None
        if isinstance(node, cst.Call) and last_name(node.func) in _TABLE_FACTORIES:
            args = positional(node)
            if last_name(node.func) in ("get_table", "load_table", "_get_table", "get_table_ref") and len(args) >= 2:
                v = self._val(args[1])  # oslo.db get_table(engine, name)
                if isinstance(v, str):
                    return v
            v = self._val(args[0]) if args else self._val(kwarg(node, "name"))
            return v if isinstance(v, str) else None
        return UNKNOWN

    def _column_of(self, node):
        """(table, column) for ``t.c.x``, ``t.c['x']``, ``Column('x', ...)``."""
        if isinstance(node, cst.Name) and node.value in self.columns:
            return self.columns[node.value]
        if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Attribute) and node.value.attr.value == "c":
            t = self._table_of_expr(node.value.value)
            return (t if isinstance(t, str) else None, node.attr.value)
        if isinstance(node, cst.Subscript) and isinstance(node.value, cst.Attribute) and node.value.attr.value == "c" \
                and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            t = self._table_of_expr(node.value.value)
            v = self._val(node.slice[0].slice.value)
            return (t if isinstance(t, str) else None, v if isinstance(v, str) else None)
        if isinstance(node, cst.Call) and last_name(node.func) == "Column":
            args = positional(node)
            v = self._val(args[0]) if args else self._val(kwarg(node, "name"))
            return (None, v if isinstance(v, str) else None)
        return None

    def _constraint(self, call: cst.Call) -> tuple:
        kind = _CONSTRAINTS.get(last_name(call.func) or "", "?")
        name = self._val(kwarg(call, "name"))
        table = self._table_of_expr(kwarg(call, "table")) if kwarg(call, "table") is not None else UNKNOWN
        args = positional(call)
        if kind == "index" and args:
            name = self._val(args[0])
        if table is UNKNOWN:
            for a in args + [kwarg(call, "columns")]:
                els = a.elements if isinstance(a, (cst.List, cst.Tuple)) else [a] if a is not None else []
                for el in els:
                    node = getattr(el, "value", el)
                    col = self._column_of(node)
                    if col is not None and col[0]:
                        table = col[0]
                        break
                if table is not UNKNOWN:
                    break
        return (kind, table if isinstance(table, str) else None, name if isinstance(name, str) else None)

    # -- calls ----------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if last_name(func) == "Table" and positional(node):
            self._table_def(node)
        if isinstance(func, cst.Name) and func.value in self.funcs and func.value not in self.stack:
            fn = self.funcs[func.value]
            params = [p.name.value for p in fn.params.params]
            bound = {}
            for pname, arg in zip(params, positional(node)):
                bound[pname] = arg
            for a in node.args:
                if a.keyword is not None and a.keyword.value in params:
                    bound[a.keyword.value] = a.value
            saved = dict(self.tables)
            for pname, arg in bound.items():  # tables passed to the helper keep their names
                t = self._table_of_expr(arg)
                if t is not UNKNOWN:
                    self.tables[pname] = t
                else:
                    self.tables.pop(pname, None)
            self.run(fn, func.value)
            self.tables = saved
            return
        if isinstance(func, cst.Name) and func.value in ("update", "insert", "delete"):
            # sqlalchemy update(t) / insert(t) / delete(t)
            args = positional(node)
            if args:
                t = self._table_of_expr(args[0])
                if t is not UNKNOWN:
                    self._dml(func.value, t, node)
            return
        helper_name = func.value if isinstance(func, cst.Name) else (
            func.attr.value if isinstance(func, cst.Attribute) else None)
        if helper_name in _PROJECT_HELPERS and not (isinstance(func, cst.Attribute) and
                                                    dotted(func.value) in self.op_names):
            self._op_call(_PROJECT_HELPERS[helper_name], node)
            return
        if not isinstance(func, cst.Attribute):
            return
        recv = dotted(func.value)
        name = func.attr.value
        if recv in self.op_names:
            self._op_call(name, node)
        elif recv in self.batch:
            self._op_call(name, node, self.batch[recv])
        elif name == "execute":
            self._execute(node)
        elif recv in SA_MODULES and name in ("update", "insert", "delete"):
            args = positional(node)
            t = self._table_of_expr(args[0]) if args else UNKNOWN
            self._dml(name, t if t is not UNKNOWN else None, node)
        else:
            self._migrate_call(name, node)

    def _op_call(self, name, node, batch_table=UNKNOWN):
        """op.X(...) (or batch_op.X(...) when batch_table is given), with keyword
        arguments moved to their positional place."""
        sig = _SIGNATURES.get(name, ("table_name",))
        if batch_table is not UNKNOWN:
            sig = tuple(p for p in sig if p not in ("table_name", "source_table"))
        args = positional(node)
        nodes = list(args)
        for pname in sig[len(args):]:
            nodes.append(kwarg(node, pname))
        vals = tuple(self._val(a) if a is not None else None for a in nodes)
        while vals and vals[-1] is None and len(vals) > len(args):
            vals = vals[:-1]
        tpos = next((sig.index(t) for t in ("table_name", "source_table", "old_table_name") if t in sig), None)
        if batch_table is not UNKNOWN:
            table = batch_table
        else:
            table = vals[tpos] if tpos is not None and tpos < len(vals) and isinstance(vals[tpos], str) else None
        if name == "bulk_insert" and nodes:
            t = self._table_of_expr(nodes[0])
            table = t if isinstance(t, str) else None
            vals = (table,) + vals[1:]
        if name == "execute":
            self._execute(node)
            return
        cpos = 1 if batch_table is UNKNOWN else 0
        rest = args[cpos:] if name in ("add_column", "create_column") else args[1:]
        if name in ("add_column", "create_column") and not rest and kwarg(node, "column") is not None:
            rest = [kwarg(node, "column")]
        self._add(name, "op" if batch_table is UNKNOWN else "batch", table, vals, node,
                  self._details(name, node, rest))

    def _details(self, name, node, rest):
        """Operation details from keyword arguments and Column(...) arguments."""
        out = []
        for key in ("nullable", "new_column_name", "server_default", "existing_nullable", "type_",
                    "existing_type", "existing_server_default", "type", "name"):
            v = kwarg(node, key)
            if v is None:
                continue
            if key in ("type_", "existing_type", "type"):
                out.append(("type_" if key == "type" else key, type_value(v, self.names)))
            elif key in ("server_default", "existing_server_default"):
                out.append((key, not (isinstance(v, cst.Name) and v.value == "None")))
            else:
                ev = self._val(v)
                out.append((key, ev))
        if name in ("add_column", "create_column") and rest:
            col = rest[0]
            if isinstance(col, cst.Call) and last_name(col.func) == "Column":
                out.extend(self._column_spec(col))
        if name == "create_table":
            cols = []
            types = []
            for a in positional(node)[1:]:
                if isinstance(a, cst.Call) and last_name(a.func) == "Column":
                    spec = dict(self._column_spec(a))
                    if spec.get("column"):
                        cols.append(spec["column"])
                        types.append((spec["column"], spec.get("type_")))
            out.append(("columns", tuple(cols)))
            out.append(("coltypes", tuple(types)))
        return tuple(out)

    def _table_def(self, node: cst.Call) -> None:
        """A ``Table('name', meta, Column(...), ...)`` definition: the column
        types it declares (what the schema looked like when it was written)."""
        args = positional(node)
        name = self._val(args[0])
        types = []
        for a in args[1:]:
            if isinstance(a, cst.Call) and last_name(a.func) == "Column":
                spec = dict(self._column_spec(a))
                if spec.get("column") and spec.get("type_"):
                    types.append((spec["column"], spec["type_"]))
        if isinstance(name, str) and types:
            self._add("table_def", "migrate", name, (name,), node, (("coltypes", tuple(types)),))

    def _column_spec(self, col: cst.Call):
        args = positional(col)
        name = self._val(args[0]) if args else self._val(kwarg(col, "name"))
        nullable = kwarg(col, "nullable")
        pk = kwarg(col, "primary_key")
        sd = kwarg(col, "server_default")
        nv = evaluate(nullable, self.names) if nullable is not None else UNKNOWN
        pkv = evaluate(pk, self.names) if pk is not None else UNKNOWN
        if nv is UNKNOWN:
            nv = False if pkv is True else (None if nullable is not None else True)
        typ = type_value(args[1], self.names) if len(args) > 1 else None
        return (("column", name if isinstance(name, str) else None), ("nullable", nv),
                ("server_default", sd is not None and not (isinstance(sd, cst.Name) and sd.value == "None")),
                ("default", kwarg(col, "default") is not None), ("type_", typ))

    def _execute(self, node):
        args = positional(node)
        if not args:
            return
        text = sql_text(args[0], self.names)
        if text is None:
            inner = chain_root_call(args[0])  # t.update().where(...).values(...)
            verb = last_name(inner.func) if inner is not None else None
            if verb in ("update", "insert", "delete"):
                if isinstance(inner.func, cst.Attribute) and dotted(inner.func.value) not in SA_MODULES:
                    t = self._table_of_expr(inner.func.value)
                else:  # sa.update(t) / update(t)
                    t = self._table_of_expr(positional(inner)[0]) if positional(inner) else None
                self._dml(verb, t if isinstance(t, str) else None, inner)
            return  # otherwise a SQLAlchemy construct: DML found by its own visit
        from upgradelint.families.migrations.sql import analyse

        for name, table, vals, detail in analyse(text):
            self._add(name, "sql", table, vals, node, detail, allow_repeat=True)

    def _dml(self, verb, table, node):
        self._add("dml", "dml", table if isinstance(table, str) else None, (table,), node, (("verb", verb.upper()),))

    def _migrate_call(self, name, node):
        """sqlalchemy-migrate spellings, SQLAlchemy DML and ORM bulk updates."""
        func = node.func
        target = func.value
        if name in ("update", "insert", "delete"):
            t = self._table_of_expr(target)
            if t is not UNKNOWN and not positional(node)[:1]:
                self._dml(name, t, node)
            elif t is not UNKNOWN and name == "insert":
                self._dml(name, t, node)
            elif name in ("update", "delete") and chain_has(target, "query"):
                self._dml(name, None, node)  # session.query(...).update()/.delete()
            return
        if name in ("drop", "create", "alter", "rename", "drop_column", "create_column", "drop_index"):
            t = self._table_of_expr(target)
            if t is not UNKNOWN:  # a Table
                if name == "drop":
                    self._add("drop_table", "migrate", t, (t,), node)
                elif name == "create":
                    self._add("create_table", "migrate", t, (t,), node, (("columns", ()),))
                elif name == "rename":
                    args = positional(node)
                    self._add("rename_table", "migrate", t, (t, self._val(args[0]) if args else None), node)
                elif name == "drop_column":
                    args = positional(node)
                    col = self._column_of(args[0]) if args else None
                    cname = col[1] if col else (self._val(args[0]) if args else None)
                    self._add("drop_column", "migrate", t, (t, cname if isinstance(cname, str) else None), node)
                elif name == "create_column":
                    args = positional(node)
                    detail = self._column_spec(args[0]) if args and isinstance(args[0], cst.Call) else ()
                    col = dict(detail).get("column")
                    self._add("add_column", "migrate", t, (t, col), node, detail)
                return
            col = self._column_of(target)
            if col is not None:
                table, cname = col
                unbound = isinstance(target, cst.Name) and target.value in self.columns and \
                    self.columns[target.value][0] is None
                if isinstance(target, cst.Call) or unbound:
                    tv = kwarg(node, "table") or (positional(node)[0] if positional(node) else None)
                    if tv is not None:
                        t2 = self._table_of_expr(tv)
                        table = t2 if isinstance(t2, str) else table
                if name == "drop":
                    self._add("drop_column", "migrate", table, (table, cname), node)
                elif name == "create":
                    spec = self._column_spec(target) if isinstance(target, cst.Call) else (("column", cname),)
                    self._add("add_column", "migrate", table, (table, cname), node, spec)
                elif name == "alter":
                    detail = tuple(("new_column_name", v) if k == "name" else (k, v)
                                   for k, v in self._details("alter_column", node, ()))
                    self._add("alter_column", "migrate", table, (table, cname), node, detail)
                return
            if name == "drop":
                if isinstance(target, cst.Call) and last_name(target.func) in _CONSTRAINTS:
                    kind, table, cname = self._constraint(target)
                elif isinstance(target, cst.Name) and target.value in self.constraints:
                    kind, table, cname = self.constraints[target.value]
                else:
                    return
                if kind == "index":
                    self._add("drop_index", "migrate", table, (cname, table), node)
                else:
                    self._add("drop_constraint", "migrate", table, (cname, table), node, (("type_", kind),))

    def _val(self, node):
        if isinstance(node, cst.Call) and (dotted(node.func) or "").rsplit(".", 1)[-1] == "Column":
            args = positional(node)  # a Column(...) argument stands for its name
            node = args[0] if args else kwarg(node, "name")
        v = evaluate(node, self.names)
        return None if v is UNKNOWN else v

    def _add(self, name, receiver, table, vals, node, detail=(), allow_repeat=False):
        if not allow_repeat:
            key = (id(node), tuple(self.iteration))
            if key in self.seen:
                return
            self.seen.add(key)
        keywords = tuple(a.keyword.value for a in node.args if a.keyword is not None)
        self.ops.append(MigrationOp(name, receiver, table, tuple(vals), keywords, self.helper,
                                    self.parsed.span(node), tuple(detail)))

"""The operations a migration's ``upgrade()`` runs, collected by one walk over
its body and the module-level helpers it calls (``OpCollector``)."""

from __future__ import annotations

import functools

from upgradelint.core.lazy import cst

from upgradelint.core.cst.static import UNKNOWN, dotted, evaluate, kwarg, positional
from upgradelint.core.cst.walk import fast_visit
from upgradelint.families.migrations import guards
from upgradelint.families.migrations.expressions import (SA_MODULES, canonical_code, chain_has, chain_root_call, last_name,
                                                         looks_like_sql, sql_text, type_value)
from upgradelint.families.migrations.facts import MigrationOp

_TABLE_FACTORIES = {"Table", "table", "load_table", "get_table", "_get_table", "get_table_ref"}
_MAX_UNROLL = 8  # constant loops longer than this run their body once, with the loop variable unknown
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
# op.* calls that change nothing in the database: a connection, a context, a name
_NOT_OPERATIONS = frozenset({"get_bind", "get_context", "f", "inline_literal", "batch_alter_table",
                             "implementation_for", "register_operation", "invoke"})
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
        self.dialects: frozenset | None = None  # the dialects the current statement runs on (None: any)
        self.dialect_vars: set[str] = set()  # locals bound to the dialect name
        self.inspected: set[str] = set()  # locals bound to what an inspector found
        self.reflected: set[str] = set()  # locals bound to the columns the database has (get_columns)
        self.column_defs: dict = {}  # local name -> the sa.Column(...) call bound to it
        self.if_exists = 0  # depth of ifs that test what the inspector found
        self.top: set[int] = set()  # ids of the current function's top-level statements
        self.row_lists: set[str] = set()  # locals bound to literal rows (``rows = [{'name': 'x'}]``)

    def run(self, fn: cst.FunctionDef, helper: str | None) -> None:
        self.stack.append(fn.name.value)
        saved = (self.helper, self.dialects, self.top, set(self.dialect_vars), set(self.inspected),
                 set(self.reflected))
        saved_names = dict(self.names)  # local constants do not leak out of the function
        self.helper = helper
        self.top = {id(st) for st in fn.body.body} if isinstance(fn.body, cst.IndentedBlock) else set()
        self.code.append(canonical_code(self.parsed.code(fn.body)))
        fast_visit(fn.body, self)
        self.helper, self.dialects, self.top, self.dialect_vars, self.inspected, self.reflected = saved
        self.names = saved_names
        self.stack.pop()

    def visit_If(self, node: cst.If) -> bool:
        """An ``if`` on the dialect runs its body on those dialects only (its
        ``else`` on the others; ``if name != 'mysql': return`` the rest of the
        function on mysql); an ``if`` on what the inspector found marks the
        operations in its body as conditional on the object existing."""
        on = guards.dialects_of(node.test, self.names, self.dialect_vars)
        if on is None and guards.is_inspector_guard(node.test, self.inspected):
            self.if_exists += 1
            fast_visit(node.body, self)
            self.if_exists -= 1
            if node.orelse is not None:
                fast_visit(node.orelse, self)
            return False
        if on is None:
            return True
        current = self.dialects if self.dialects is not None else guards.DIALECTS
        if guards.early_return(node) and id(node) in self.top:
            self.dialects = current - on
            return False
        saved = self.dialects
        self.dialects = current & on
        fast_visit(node.body, self)
        if node.orelse is not None:
            self.dialects = current - on
            fast_visit(node.orelse, self)
        self.dialects = saved
        return False

    def visit_FunctionDef(self, node) -> bool:
        return False  # nested defs are not run by upgrade() itself

    def visit_For(self, node: cst.For) -> bool:
        """``for name in ('a', 'b'):`` (a literal, a constant or a local tuple;
        ``for a, b in zip(x, y):`` too) runs its body once per value, so the
        operations inside name their tables."""
        rows = self._loop_rows(node)
        if rows is None:
            return True
        targets = [node.target.value] if isinstance(node.target, cst.Name) else \
            [el.value.value for el in node.target.elements]
        saved = {t: self.names.get(t, UNKNOWN) for t in targets}
        for i, row in enumerate(rows):
            for t, v in zip(targets, row):
                self.names[t] = cst.SimpleString(repr(v))
            self.iteration.append(i)
            fast_visit(node.body, self)
            self.iteration.pop()
        for t, v in saved.items():
            if v is UNKNOWN:
                self.names.pop(t, None)
            else:
                self.names[t] = v
        if node.orelse is not None:
            fast_visit(node.orelse, self)
        return False

    def _loop_rows(self, node: cst.For):
        """The values a constant loop binds, one tuple per iteration; None when not constant."""
        it = node.iter
        if isinstance(node.target, cst.Name):
            values = evaluate(it, self.names)
            if isinstance(values, (tuple, list)) and values and len(values) <= _MAX_UNROLL and \
                    all(isinstance(v, str) for v in values):
                return [(v,) for v in values]
            return None
        if not isinstance(node.target, cst.Tuple) or not all(
                isinstance(el.value, cst.Name) for el in node.target.elements):
            return None
        if not (isinstance(it, cst.Call) and last_name(it.func) == "zip" and len(positional(it)) ==
                len(node.target.elements)):
            return None
        cols = [evaluate(a, self.names) for a in positional(it)]
        if not all(isinstance(c, (tuple, list)) and all(isinstance(v, str) for v in c) for c in cols):
            return None
        rows = list(zip(*cols))
        return rows if rows and len(rows) <= _MAX_UNROLL else None

    def visit_Lambda(self, node) -> bool:
        return False

    # -- bindings -------------------------------------------------------
    def visit_Assign(self, node: cst.Assign) -> None:
        targets = [t.target for t in node.targets]
        if len(targets) != 1 or not isinstance(targets[0], cst.Name):
            return
        name = targets[0].value
        value = node.value
        self._bind_constant(name, value)
        if self._literal_rows(value):
            self.row_lists.add(name)
        else:
            self.row_lists.discard(name)
        if guards.is_dialect_expr(value, self.dialect_vars):
            self.dialect_vars.add(name)
        if guards.inspects(value):
            self.inspected.add(name)
        if guards.reflects_columns(value) or guards.reads_any(value, self.reflected):
            self.reflected.add(name)  # also what is computed from it: {m['type'] for m in columns}.pop()
        if isinstance(value, cst.Call) and last_name(value.func) == "Column":
            self.column_defs[name] = value
        else:
            self.column_defs.pop(name, None)
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

    def _bind_constant(self, name: str, value) -> None:
        """Locals the rest of the function reads as constants: strings
        (``table_name = prefix + 'bdm'``), tuples of strings (``tables = ('a', 'b')``)
        and SQL text with its unknown parts as placeholders
        (``sql = 'ALTER TABLE %s ENGINE=InnoDB' % table``)."""
        const = evaluate(value, self.names)
        if isinstance(const, str):
            self.names[name] = cst.SimpleString(repr(const))
            return
        if isinstance(const, (tuple, list)) and const and all(isinstance(v, str) for v in const):
            self.names[name] = cst.Tuple([cst.Element(cst.SimpleString(repr(v))) for v in const])
            return
        text = sql_text(value, self.names) if const is UNKNOWN else None
        if text is not None and looks_like_sql(text):
            self.names[name] = cst.SimpleString(repr(text))
        elif name in self.names:
            self.names.pop(name)  # a local shadows the module constant with an unknown value

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
        if isinstance(node, cst.Subscript) and isinstance(node.value, cst.Attribute) and \
                node.value.attr.value == "tables" and len(node.slice) == 1 and \
                isinstance(node.slice[0].slice, cst.Index):  # meta.tables['name']
            v = self._val(node.slice[0].slice.value)
            return v if isinstance(v, str) else None
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
        if name in _NOT_OPERATIONS:
            return
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
        detail = self._details(name, node, rest)
        # what the linter cannot evaluate, as written: an edit of it is an edit of the operation
        unknown = tuple((i, canonical_code(self.parsed.code(n))) for i, (n, v) in enumerate(zip(nodes, vals))
                        if n is not None and v is None)
        self._add(name, "op" if batch_table is UNKNOWN else "batch", table, vals, node,
                  detail + ((("unknown", unknown),) if unknown else ()))

    def _details(self, name, node, rest):
        """Operation details from keyword arguments and Column(...) arguments."""
        out = []
        for key in ("nullable", "new_column_name", "server_default", "existing_nullable", "type_",
                    "existing_type", "existing_server_default", "type", "name"):
            v = kwarg(node, key)
            if v is None:
                continue
            if key == "type_" and name == "drop_constraint":  # the constraint's kind, not a column type
                out.append((key, self._val(v)))
            elif key in ("type_", "existing_type", "type"):
                out.append(("type_" if key == "type" else key, type_value(v, self.names)))
                if key in ("type_", "type") and isinstance(v, cst.Name) and v.value in self.reflected:
                    out.append(("type_reflected", True))  # the type the database has: restated, not changed
            elif key in ("server_default", "existing_server_default"):
                out.append((key, not (isinstance(v, cst.Name) and v.value == "None")))
            else:
                ev = self._val(v)
                out.append((key, ev))
        if name in ("add_column", "create_column") and rest:
            col = rest[0]
            if isinstance(col, cst.Name):
                col = self.column_defs.get(col.value, col)  # temp = sa.Column(...); op.add_column('t', temp)
            if isinstance(col, cst.Call) and last_name(col.func) == "Column":
                out.extend(self._column_spec(col))
        if name == "create_table":
            out.extend(self._table_spec(node, positional(node)[1:]))
        if name == "bulk_insert":
            rows = kwarg(node, "rows") or (positional(node)[1] if len(positional(node)) > 1 else None)
            out.append(("literal_rows", self._literal_rows(rows)))
        return tuple(out)

    def _literal_rows(self, rows) -> bool:
        """``[{'name': 'PROXYV2'}, ...]`` or ``[{'name': f} for f in NEW_FIELDS]``
        over a constant list (directly or through a local): rows written out in
        the code, every value a constant."""
        if isinstance(rows, cst.Name):
            return rows.value in self.row_lists
        if isinstance(rows, cst.ListComp):
            comp = rows.for_in
            values = evaluate(comp.iter, self.names)
            if comp.inner_for_in is not None or not isinstance(comp.target, cst.Name) or \
                    not isinstance(values, (list, tuple)) or not values or not isinstance(rows.elt, cst.Dict):
                return False
            loop = {comp.target.value: cst.SimpleString(repr(values[0]))}
            return all(isinstance(e, cst.DictElement) and evaluate(e.value, {**self.names, **loop}) is not UNKNOWN
                       for e in rows.elt.elements)
        if not isinstance(rows, (cst.List, cst.Tuple)) or not rows.elements:
            return False
        for el in rows.elements:
            d = el.value
            if not isinstance(d, cst.Dict) or not all(
                    isinstance(e, cst.DictElement) and evaluate(e.value, self.names) is not UNKNOWN
                    for e in d.elements):
                return False
        return True

    def _table_spec(self, call: cst.Call, items) -> tuple:
        """What a table definition declares: its columns, their types and
        nullability (primary keys are NOT NULL), generated columns, and the
        MySQL charset (``mysql_charset=``)."""
        cols, types, nulls, generated, refs = [], [], [], [], []
        pk = set()
        for a in items:
            if not isinstance(a, cst.Call):
                continue
            if last_name(a.func) == "Column":
                spec = dict(self._column_spec(a))
                refs.extend(spec.get("references", ()))
                if spec.get("column"):
                    cols.append(spec["column"])
                    types.append((spec["column"], spec.get("type_")))
                    nulls.append((spec["column"], spec.get("nullable")))
                    if spec.get("generated"):
                        generated.append(spec["column"])
            elif last_name(a.func) == "PrimaryKeyConstraint":
                pk.update(v for v in (self._val(x) for x in positional(a)) if isinstance(v, str))
            elif last_name(a.func) == "ForeignKeyConstraint" and len(positional(a)) > 1:
                target = self._val(positional(a)[1])
                refs.extend(t.split(".")[0] for t in (target if isinstance(target, (list, tuple)) else ())
                            if isinstance(t, str) and "." in t)
        nulls = [(c, False if c in pk else n) for c, n in nulls]
        out = [("columns", tuple(cols)), ("coltypes", tuple(types)), ("colnulls", tuple(nulls))]
        if generated:
            out.append(("generated", tuple(generated)))
        if refs:
            out.append(("references", tuple(dict.fromkeys(refs))))
        for key in ("mysql_charset", "mysql_default_charset"):
            v = self._val(kwarg(call, key)) if kwarg(call, key) is not None else None
            if isinstance(v, str):
                out.append(("charset", v.lower()))
        return tuple(out)

    def _table_def(self, node: cst.Call) -> None:
        """A ``Table('name', meta, Column(...), ...)`` definition: the column
        types it declares (what the schema looked like when it was written)."""
        args = positional(node)
        name = self._val(args[0])
        spec = dict(self._table_spec(node, args[1:]))
        if isinstance(name, str) and any(t for _, t in spec["coltypes"]):
            self._add("table_def", "migrate", name, (name,), node,
                      tuple((k, v) for k, v in spec.items() if k != "columns"))

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
        if typ is None and kwarg(col, "type_") is not None:
            typ = type_value(kwarg(col, "type_"), self.names)
        generated = any(isinstance(a, cst.Call) and last_name(a.func) == "Computed" for a in args[1:]) or \
            kwarg(col, "sqlite_computed") is not None
        refs = tuple(r for r in (self._referenced(a) for a in args[1:]
                                 if isinstance(a, cst.Call) and last_name(a.func) == "ForeignKey") if r)
        spec = (("column", name if isinstance(name, str) else None), ("nullable", nv),
                ("server_default", sd is not None and not (isinstance(sd, cst.Name) and sd.value == "None")),
                ("default", kwarg(col, "default") is not None), ("type_", typ))
        return spec + ((("generated", True),) if generated else ()) + ((("references", refs),) if refs else ())

    def _referenced(self, call: cst.Call) -> str | None:
        """The table a ``ForeignKey('table.column')`` points at."""
        args = positional(call)
        v = self._val(args[0]) if args else None
        return v.split(".")[0] if isinstance(v, str) and "." in v else None

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

        statement = " ".join(text.split())
        for name, table, vals, detail in analyse(text):
            self._add(name, "sql", table, vals, node, detail + (("statement", statement),), allow_repeat=True)

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
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "f" \
                and dotted(node.func.value) in self.op_names and positional(node):
            node = positional(node)[0]  # op.f('ix_name'): the name as given, not run through the convention
        v = evaluate(node, self.names)
        return None if v is UNKNOWN else v

    def _add(self, name, receiver, table, vals, node, detail=(), allow_repeat=False):
        if not allow_repeat:
            key = (id(node), tuple(self.iteration))
            if key in self.seen:
                return
            self.seen.add(key)
        keywords = tuple(a.keyword.value for a in node.args if a.keyword is not None)
        detail = tuple(detail)
        if self.dialects is not None:
            detail += (("dialects", tuple(sorted(self.dialects))),)
        if self.if_exists:
            detail += (("if_exists", True),)
        self.ops.append(MigrationOp(name, receiver, table, tuple(vals), keywords, self.helper,
                                    self.parsed.span(node), detail))

"""Migration facts.

Three kinds of file feed the UPG3xx rules:

- migration scripts (alembic or sqlalchemy-migrate): the operations their
  ``upgrade()`` runs, through module-level helpers too, in every spelling
  (``op.*``, ``batch_alter_table`` blocks, sqlalchemy-migrate ``Table``/``Column``
  methods, SQL text passed to any ``.execute(...)``, SQLAlchemy DML), plus their
  branch labels, dependencies and declared exceptions;
- SQLAlchemy model modules: which tables and columns the code maps, and
  nova-style ``REMOVED_COLUMNS``/``REMOVED_TABLES`` (``FileFacts.extra['models']``);
- the project's own migration tests: the exception lists it keeps there
  (cinder ``DROP_ALTER_EXCEPTIONS``, keystone ``BANNED_OP_EXCEPTIONS``, nova/heat
  ``exceptions``) (``FileFacts.extra['migration_exceptions']``)."""

from __future__ import annotations

import functools

import re
from dataclasses import dataclass

from upgradelint.core.lazy import cst

from upgradelint.core.model import Span
from upgradelint.core.paths import is_test_path
from upgradelint.core.cst.walk import fast_visit
from upgradelint.core.cst.static import UNKNOWN, dotted, evaluate, kwarg, module_constants, positional

_PATH_RE = re.compile(r"(^|/)(alembic_migrations|alembic|migrations|migrate_repo|legacy_migrations|"
                      r"expand_repo|contract_repo|data_migration_repo)/versions/")
_TEST_FILES = ("test_migrations.py", "test_sql_banned_operations.py", "test_migration.py")
_EXCEPTION_NAMES = ("DROP_ALTER_EXCEPTIONS", "BANNED_OP_EXCEPTIONS", "exceptions")
_MODEL_PATH = re.compile(r"(/db/|model|/sql)")


@dataclass(frozen=True)
class MigrationOp:
    name: str  # drop_column, add_column, create_table, dml, rebuild_table, ...
    receiver: str  # op | batch | migrate | sql | dml
    table: str | None
    args: tuple  # evaluated positional args (None where unknown); for batch ops, without the table
    keywords: tuple[str, ...]
    helper: str | None  # the module-level function it sits in, when not upgrade() itself
    span: Span
    detail: tuple = ()  # (key, value) pairs: nullable, type_, new_column_name, column, server_default, ...

    def get(self, key, default=None):
        for k, v in self.detail:
            if k == key:
                return v
        return default

    def has(self, key) -> bool:
        return any(k == key for k, _ in self.detail)


@dataclass(frozen=True)
class Migration:
    revision: str | None
    down_revisions: tuple[str, ...]
    branch_labels: tuple[str, ...]  # literal labels, or dotted names such as migration.CONTRACT_BRANCH
    depends_on: tuple[str, ...]
    has_upgrade: bool
    ops: tuple[MigrationOp, ...]
    exceptions: dict  # function name -> {"docstring": bool, "entries": {kind: tuple|None}, "span": Span}
    upgrade_span: Span | None = None
    upgrade_code: str = ""  # normalised code of upgrade() and its helpers: diff mode compares it
    model_imports: tuple = ()  # (module, Span): application models imported by the script


def is_migration_path(relpath: str) -> bool:
    return bool(_PATH_RE.search(relpath))


def _is_exception_test(relpath: str, text: str) -> bool:
    return relpath.rsplit("/", 1)[-1] in _TEST_FILES and any(n in text for n in _EXCEPTION_NAMES)


def _is_model(relpath: str, text: str) -> bool:
    # BASEV2: neutron-lib's declarative base names tables after the class, without __tablename__
    return ("__tablename__" in text or "BASEV2" in text or "REMOVED_TABLES" in text
            or "REMOVED_COLUMNS" in text) and \
        bool(_MODEL_PATH.search("/" + relpath))


def prefilter(relpath: str, text: str) -> bool:
    if not relpath.endswith(".py") or relpath.endswith("__init__.py"):
        return False
    if is_test_path(relpath):
        return _is_exception_test(relpath, text)
    if "def upgrade" in text and (is_migration_path(relpath) or ("down_revision" in text and "revision" in text)):
        return True
    return _is_model(relpath, text) and not is_migration_path(relpath)


def _strings(value, names) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (cst.Tuple, cst.List)):
        out = []
        for el in value.elements:
            out.extend(_strings(el.value, names))
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


def _last(node) -> str | None:
    d = dotted(node)
    return d.rsplit(".", 1)[-1] if d else None


_TABLE_FACTORIES = {"Table", "table", "load_table", "get_table", "_get_table", "get_table_ref"}
_CONSTRAINTS = {"ForeignKeyConstraint": "foreignkey", "UniqueConstraint": "unique",
                "PrimaryKeyConstraint": "primary", "CheckConstraint": "check", "Index": "index"}
_SA_MODULES = {"sa", "sqlalchemy", "sql", "expression", "sa.sql", "sqlalchemy.sql", "sa.sql.expression"}
_TEXT_FUNCS = {"text", "sa.text", "sqlalchemy.text", "sql.text", "sqlalchemy.sql.text", "expression.text"}
_PLACEHOLDER = "upgradelint_unknown"
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


def type_value(node, names):
    """A column type as ('String', (255,)), from ``sa.String(255)``, ``String``,
    ``mysql.VARCHAR(length=60)``; None when unknown."""
    if node is None:
        return None
    if isinstance(node, cst.Call):
        base = _last(node.func)
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
        for key in ("fsp", "precision", "timezone", "display_width"):
            v = evaluate(kwarg(node, key), names) if kwarg(node, key) is not None else UNKNOWN
            if isinstance(v, (int, bool)):
                params.append(f"{key}={v}")
        return (base, tuple(params))
    base = _last(node)
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
        if d in _TEXT_FUNCS or _last(node.func) == "text":
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


@functools.lru_cache(maxsize=None)
def _op_collector():
    """_OpCollector, built on first use so that importing this module does not import libcst."""

    class _OpCollector(cst.CSTVisitor):
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
            if isinstance(value, cst.Call) and _last(value.func) in _CONSTRAINTS:
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
                if _last(bound.func) in _TABLE_FACTORIES:
                    return self._table_of_expr(bound)
            if isinstance(node, cst.Call) and _last(node.func) in ("create_table", "create_table_if_not_exists"):
                args = positional(node)
                v = self._val(args[0]) if args else None
                return v if isinstance(v, str) else None
            if isinstance(node, cst.Call) and _last(node.func) in _TABLE_FACTORIES:
                args = positional(node)
                if _last(node.func) in ("get_table", "load_table", "_get_table", "get_table_ref") and len(args) >= 2:
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
            if isinstance(node, cst.Call) and _last(node.func) == "Column":
                args = positional(node)
                v = self._val(args[0]) if args else self._val(kwarg(node, "name"))
                return (None, v if isinstance(v, str) else None)
            return None

        def _constraint(self, call: cst.Call) -> tuple:
            kind = _CONSTRAINTS.get(_last(call.func) or "", "?")
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
            if _last(func) == "Table" and positional(node):
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
            elif recv in _SA_MODULES and name in ("update", "insert", "delete"):
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
                if isinstance(col, cst.Call) and _last(col.func) == "Column":
                    out.extend(self._column_spec(col))
            if name == "create_table":
                cols = []
                types = []
                for a in positional(node)[1:]:
                    if isinstance(a, cst.Call) and _last(a.func) == "Column":
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
                if isinstance(a, cst.Call) and _last(a.func) == "Column":
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
                inner = _chain_root_call(args[0])  # t.update().where(...).values(...)
                verb = _last(inner.func) if inner is not None else None
                if verb in ("update", "insert", "delete"):
                    if isinstance(inner.func, cst.Attribute) and dotted(inner.func.value) not in _SA_MODULES:
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
                elif name in ("update", "delete") and _chain_has(target, "query"):
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
                    if isinstance(target, cst.Call) and _last(target.func) in _CONSTRAINTS:
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

    return _OpCollector


def _chain_root_call(node):
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


def _chain_has(node, attr: str) -> bool:
    while True:
        if isinstance(node, cst.Call):
            node = node.func
        elif isinstance(node, cst.Attribute):
            if node.attr.value == attr:
                return True
            node = node.value
        else:
            return False


def _op_names(module: cst.Module) -> set[str]:
    names = {"op", "alembic.op"}
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.ImportFrom) and dotted(small.module) == "alembic" and \
                        not isinstance(small.names, cst.ImportStar):
                    for alias in small.names:
                        if alias.name.value == "op" and alias.asname is not None:
                            names.add(alias.asname.name.value)
    return names


_MODEL_IMPORT = re.compile(r"^[a-z_]+(\.[a-z_]+)*\.(db(\.[a-z_]+)*\.models|objects)(\.|$)")


def _model_imports(parsed) -> tuple:
    out = []
    for stmt in parsed.module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.ImportFrom) and small.module is not None and small.relative == ():
                mod = dotted(small.module) or ""
                names = [] if isinstance(small.names, cst.ImportStar) else [
                    a.name.value for a in small.names if isinstance(a.name, cst.Name)]
                full = [mod] + [f"{mod}.{n}" for n in names]
                hit = next((m for m in full if _MODEL_IMPORT.match(m) and not m.startswith(("sqlalchemy", "alembic"))),
                           None)
                if hit:
                    out.append((hit, parsed.span(small)))
    return tuple(out)


def extract(parsed, facts) -> None:
    relpath = parsed.relpath
    if is_test_path(relpath):
        _extract_test_exceptions(parsed, facts)
        return
    module = parsed.module
    funcs = {s.name.value: s for s in module.body if isinstance(s, cst.FunctionDef)}
    if "upgrade" not in funcs:
        if _is_model(relpath, parsed.text):
            _extract_models(parsed, facts)
        return
    names = module_constants(module)
    revision = evaluate(names.get("revision"), names)
    collector = _op_collector()(parsed, funcs, names, _op_names(module))
    collector.run(funcs["upgrade"], None)
    exceptions = {}
    for fname in ("expand_drop_exceptions", "contract_creation_exceptions"):
        fn = funcs.get(fname)
        if fn is None:
            continue
        entries: dict = {}
        for ret in _returns(fn):
            if isinstance(ret, cst.Dict):
                for el in ret.elements:
                    if not isinstance(el, cst.DictElement):
                        continue
                    kind = (dotted(el.key) or "?").rsplit(".", 1)[-1]
                    val = evaluate(el.value, names)
                    if isinstance(val, (list, tuple)) and all(isinstance(x, str) for x in val):
                        entries[kind] = tuple(val)
                    else:
                        entries[kind] = None  # present, but not statically known
            else:
                entries["?"] = None
        exceptions[fname] = {"docstring": fn.get_docstring() is not None, "entries": entries,
                             "span": parsed.span(fn.name)}
    code = " ".join(_body_code(module, funcs[f]) for f in collector_order(collector, funcs))
    facts.migration = Migration(
        revision=revision if isinstance(revision, str) else None,
        down_revisions=_strings(names.get("down_revision"), names),
        branch_labels=_strings(names.get("branch_labels"), names),
        depends_on=_strings(names.get("depends_on"), names),
        has_upgrade=True,
        ops=tuple(collector.ops),
        exceptions=exceptions,
        upgrade_span=parsed.span(funcs["upgrade"].name),
        upgrade_code=code,
        model_imports=_model_imports(parsed),
    )
    # '# noqa: UPG3nn  reason' on the def upgrade line covers the whole upgrade()
    facts.suppression_anchors = ((facts.migration.upgrade_span.line, "UPG3"),)


def _body_code(module, fn: cst.FunctionDef) -> str:
    """Normalised code of a function without its docstring and comments."""
    from upgradelint.core.cst.static import normalized_code

    body = list(fn.body.body) if isinstance(fn.body, cst.IndentedBlock) else [fn.body]
    if body and fn.get_docstring() is not None:
        body = body[1:]
    return fn.name.value + ": " + " ; ".join(normalized_code(module, s) for s in body)


def collector_order(collector, funcs) -> list[str]:
    """upgrade() and the helpers it reaches, in a stable order."""
    seen = ["upgrade"]
    calls = {}
    for name, fn in funcs.items():
        found = set()

        class V(cst.CSTVisitor):
            def visit_Call(self, node):
                if isinstance(node.func, cst.Name) and node.func.value in funcs:
                    found.add(node.func.value)

        fast_visit(fn.body, V())
        calls[name] = found
    i = 0
    while i < len(seen):
        for c in sorted(calls.get(seen[i], ())):
            if c not in seen:
                seen.append(c)
        i += 1
    return seen


def _returns(fn: cst.FunctionDef):
    out = []

    class V(cst.CSTVisitor):
        def visit_Return(self, node: cst.Return) -> None:
            if node.value is not None:
                out.append(node.value)

    fast_visit(fn.body, V())
    return out


# -- models -------------------------------------------------------------------

_COLUMN_FUNCS = {"Column", "mapped_column", "column_property"}


def _column_name(call: cst.Call, attr: str | None, names) -> str | None:
    if _last(call.func) not in ("Column", "mapped_column"):
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


def _extract_models(parsed, facts) -> None:
    """Mapped tables and columns: ``{"classes": {cls: (table|None, columns, bases)},
    "tables": {table: columns}, "removed_tables": (...), "removed_columns": ((t, c), ...)}``."""
    module = parsed.module
    names = module_constants(module)
    classes = {}
    tables = {}
    for stmt in module.body:
        if isinstance(stmt, cst.ClassDef):
            table = None
            cols = []
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
                        elif isinstance(value, cst.Call):
                            c = _column_name(value, target, names)
                            if c:
                                cols.append(c)
                elif isinstance(item, cst.FunctionDef) and any(
                        _last(d.decorator if not isinstance(d.decorator, cst.Call) else d.decorator.func)
                        == "declared_attr" for d in item.decorators):
                    for ret in _returns(item):
                        if isinstance(ret, cst.Call) and _column_name(ret, item.name.value, names):
                            cols.append(_column_name(ret, item.name.value, names))
            bases = tuple(b for b in (_last(a.value) for a in stmt.bases) if b)
            classes[stmt.name.value] = (table, tuple(cols), bases)
        elif isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign) and isinstance(small.value, cst.Call) and \
                        _last(small.value.func) == "declarative_base" and len(small.targets) == 1 and \
                        isinstance(small.targets[0].target, cst.Name):
                    # BASE = declarative_base(cls=_NovaAPIBase): BASE stands for its cls
                    cls_arg = kwarg(small.value, "cls")
                    bases_of = (_last(cls_arg),) if cls_arg is not None and _last(cls_arg) else ()
                    classes[small.targets[0].target.value] = (None, (), bases_of or ("<declarative>",))
                elif isinstance(small, cst.Assign) and isinstance(small.value, cst.Call) and \
                        _last(small.value.func) == "Table":
                    args = positional(small.value)
                    t = evaluate(args[0], names) if args else UNKNOWN
                    if isinstance(t, str):
                        tables[t] = tuple(c for c in (_column_name(a, None, names) for a in args[1:]
                                                      if isinstance(a, cst.Call)) if c)
    removed_tables = evaluate(names.get("REMOVED_TABLES"), names) if "REMOVED_TABLES" in names else ()
    removed_columns = evaluate(names.get("REMOVED_COLUMNS"), names) if "REMOVED_COLUMNS" in names else ()
    if "REMOVED_TABLES" in names and removed_tables is UNKNOWN:
        removed_tables = _set_literal(names["REMOVED_TABLES"], names)
    if "REMOVED_COLUMNS" in names and removed_columns is UNKNOWN:
        removed_columns = _set_literal(names["REMOVED_COLUMNS"], names)
    out = {
        "classes": classes,
        "tables": tables,
        "removed_tables": tuple(x for x in (removed_tables or ()) if isinstance(x, str)),
        "removed_columns": tuple(tuple(x) for x in (removed_columns or ())
                                 if isinstance(x, (tuple, list)) and len(x) == 2),
    }
    if classes or tables or out["removed_tables"] or out["removed_columns"]:
        facts.extra["models"] = out


def _set_literal(node, names):
    if isinstance(node, cst.Set):
        vals = [evaluate(el.value, names) for el in node.elements]
        return tuple(v for v in vals if v is not UNKNOWN)
    return ()


# -- the project's own exception lists ---------------------------------------

def _extract_test_exceptions(parsed, facts) -> None:
    found: list = []

    class V(cst.CSTVisitor):
        def visit_Assign(self, node: cst.Assign) -> None:
            for t in node.targets:
                name = t.target.value if isinstance(t.target, cst.Name) else None
                if name in _EXCEPTION_NAMES:
                    _literals(node.value, found)

        def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
            if isinstance(node.target, cst.Name) and node.target.value in _EXCEPTION_NAMES and node.value is not None:
                _literals(node.value, found)

    fast_visit(parsed.module, V())
    if found:
        facts.extra["migration_exceptions"] = tuple(dict.fromkeys(found))


def _literals(node, out: list) -> None:
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        for el in node.elements:
            v = evaluate(el.value)
            if isinstance(v, (str, int)) and not isinstance(v, bool):
                out.append(v)
            elif isinstance(el.value, cst.BinaryOperation):  # INIT_VERSION + 1 and the like
                continue


def context(root: str, head: dict, lister) -> list[str]:
    """A changed migration is judged with the rest of its versions tree
    (branch labels are inherited along down_revision), the project's models
    (does the code still map what it drops?) and its migration tests (exception
    lists)."""
    from upgradelint.families.migrations.rules.legacy import versions_root

    roots = {versions_root(p) + "/" for p, f in head.items() if f.migration is not None}
    if not roots:
        return []
    out = []
    for p in lister():
        if any(p.startswith(r) for r in roots):
            out.append(p)
        elif p.rsplit("/", 1)[-1] in _TEST_FILES:
            out.append(p)
        elif not is_test_path(p) and _MODEL_PATH.search("/" + p) and not is_migration_path(p):
            out.append(p)
    return out

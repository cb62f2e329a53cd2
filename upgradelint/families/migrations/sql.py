"""Raw SQL in migrations, read with sqlglot (MySQL dialect, which OpenStack
deploys on): each statement becomes the same small operation tuples the
alembic and sqlalchemy-migrate spellings produce.

Parts of a statement that are not known statically (an f-string field, a
``%s`` filled at run time) arrive as the placeholder ``UNKNOWN_NAME`` and come
out as ``None``. Anything sqlglot cannot read yields no operation: never an
exception."""

from __future__ import annotations

import logging
import re

UNKNOWN_NAME = "upgradelint_unknown"

# (name, table, args, detail): the shape extract.migrations turns into MigrationOps
SqlOp = tuple


def _name(node) -> str | None:
    if node is None:
        return None
    name = getattr(node, "name", None) or getattr(node, "this", None)
    if not isinstance(name, str):
        name = getattr(name, "name", None) or getattr(name, "this", None)
    if not isinstance(name, str) or UNKNOWN_NAME in name.lower():
        return None
    return name


def _type(dtype):
    """('VARCHAR', (255,)) for a sqlglot DataType."""
    if dtype is None:
        return None
    try:
        base = dtype.this.name if hasattr(dtype.this, "name") else str(dtype.this)
        params = []
        for p in dtype.expressions:
            v = getattr(p, "this", None)
            v = getattr(v, "this", v)
            try:
                params.append(int(str(v)))
            except ValueError:
                params.append(str(v))
        return (base.upper(), tuple(params))
    except Exception:  # noqa: BLE001 - odd type node
        return None


def _column_def(cdef):
    """(name, type, nullable or None, has_default, generated)."""
    from sqlglot import exp

    nullable = None
    has_default = generated = False
    for c in cdef.args.get("constraints") or ():
        kind = c.args.get("kind")
        if isinstance(kind, exp.NotNullColumnConstraint):
            nullable = bool(kind.args.get("allow_null"))
        elif isinstance(kind, exp.DefaultColumnConstraint):
            has_default = True
        elif isinstance(kind, exp.PrimaryKeyColumnConstraint):
            nullable = False if nullable is None else nullable
        elif isinstance(kind, exp.ComputedColumnConstraint):
            generated = True
    return _name(cdef.this), _type(cdef.args.get("kind")), nullable, has_default, generated


def _create_table(stmt) -> SqlOp:
    """``CREATE TABLE [IF NOT EXISTS] t (...)`` or ``CREATE TABLE t AS SELECT ...``."""
    from sqlglot import exp

    target = stmt.this
    cols, types, nulls, pk = [], [], [], set()
    if isinstance(target, exp.Schema):
        for e in target.expressions:
            if isinstance(e, exp.ColumnDef):
                name, typ, nullable, _, _ = _column_def(e)
                cols.append(name)
                types.append((name, typ))
                nulls.append((name, True if nullable is None else nullable))
            elif isinstance(e, exp.PrimaryKey):
                pk.update(_name(x) for x in e.expressions)
        target = target.this
    table = _name(target)
    detail = [("columns", tuple(cols)), ("coltypes", tuple(types)),
              ("colnulls", tuple((c, False if c in pk else n) for c, n in nulls))]
    for prop in (stmt.args.get("properties").expressions if stmt.args.get("properties") else ()):
        if isinstance(prop, exp.CharacterSetProperty):
            detail.append(("charset", str(prop.this.name if hasattr(prop.this, "name") else prop.this).lower()))
    if stmt.args.get("expression") is not None:
        detail.append(("as_select", True))
    return ("create_table", table, (table,), tuple(detail))


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*|`[^`]*`")


def _words(text: str) -> list[str]:
    return [w.strip("`") for w in _WORD.findall(text)]


def _convert_charset(upper: list[str], words: list[str]) -> str | None:
    """The charset of ``CONVERT TO CHARACTER SET utf8mb4`` / ``CONVERT TO CHARSET utf8``."""
    for i, w in enumerate(upper):
        if w == "CONVERT" and upper[i + 1:i + 2] == ["TO"]:
            j = i + 4 if upper[i + 2:i + 4] == ["CHARACTER", "SET"] else i + 3
            if j < len(words) and UNKNOWN_NAME not in words[j].lower():
                return words[j].lower()
    return None


def _command(cmd) -> list[SqlOp]:
    """Statements sqlglot keeps as an opaque Command: read their words."""
    head = str(cmd.this).upper()
    expr = cmd.args.get("expression")
    rest = str(getattr(expr, "this", expr) or "")
    words = _words(rest)
    upper = [w.upper() for w in words]
    out: list[SqlOp] = []

    def nm(i):
        return words[i] if i < len(words) and UNKNOWN_NAME not in words[i].lower() else None

    if head == "RENAME" and upper[:1] == ["TABLE"]:
        # RENAME TABLE a TO b, c TO d
        i = 1
        while i + 2 < len(words) + 1 and i < len(words):
            if i + 2 <= len(words) - 1 and upper[i + 1] == "TO":
                out.append(("rename_table", nm(i), (nm(i), nm(i + 2)), ()))
                i += 3
            else:
                break
        return out
    if head == "OPTIMIZE" and upper[:1] == ["TABLE"]:
        return [("rebuild_table", nm(1), (nm(1),), (("how", "OPTIMIZE TABLE"),))]
    if head == "ALTER" and upper[:1] == ["TABLE"]:
        table = nm(1)
        text = " ".join(upper[2:])
        if "CONVERT TO CHARACTER SET" in text or "CONVERT TO CHARSET" in text:
            detail = (("how", "CONVERT TO CHARACTER SET"),)
            charset = _convert_charset(upper, words)
            if charset:
                detail += (("charset", charset),)
            out.append(("rebuild_table", table, (table,), detail))
        for kw in ("ENGINE", "ROW_FORMAT"):
            if kw in upper[2:]:
                out.append(("rebuild_table", table, (table,), (("how", kw),)))
        if "DROP COLUMN" in text:
            for i, w in enumerate(upper):
                if w == "COLUMN" and i and upper[i - 1] == "DROP":
                    out.append(("drop_column", table, (table, nm(i + 1)), ()))
        if "RENAME TO" in text or "RENAME AS" in text:
            out.append(("rename_table", table, (table, None), ()))
        if "RENAME COLUMN" in text:
            out.append(("rename_column", table, (table, None, None), ()))
        if " MODIFY " in f" {text} " or " CHANGE " in f" {text} ":
            out.append(("alter_column", table, (table, None), (("sql", "MODIFY"),)))
        if "DROP PRIMARY KEY" in text:
            out.append(("drop_constraint", table, (None, table), (("type_", "primary"),)))
        if "ADD PRIMARY KEY" in text:
            out.append(("create_primary_key", table, (None, table), ()))
        return out
    if head == "ALTER" and upper[:1] == ["TYPE"] and "ADD VALUE" in " ".join(upper):
        return [("alter_enum_add_value", None, (), ())]
    if head == "CREATE" and "TRIGGER" in upper[:3]:
        on = upper.index("ON") if "ON" in upper else -1
        table = nm(on + 1) if on >= 0 else None
        return [("create_trigger", table, (table,), ())]
    return out


def _alter(stmt) -> list[SqlOp]:
    from sqlglot import exp

    table = _name(stmt.this)
    out: list[SqlOp] = []
    for opt in stmt.args.get("options") or ():
        if isinstance(opt, exp.EngineProperty):
            out.append(("rebuild_table", table, (table,), (("how", "ENGINE"),)))
        elif isinstance(opt, exp.RowFormatProperty):
            out.append(("rebuild_table", table, (table,), (("how", "ROW_FORMAT"),)))
    for act in stmt.args.get("actions") or ():
        if isinstance(act, exp.Drop):
            kind = (act.args.get("kind") or "").upper()
            names = [_name(t) for t in act.args.get("tables") or ()] or [None]
            for n in names:
                if kind == "COLUMN":
                    out.append(("drop_column", table, (table, n), ()))
                elif kind == "INDEX":
                    out.append(("drop_index", table, (n, table), ()))
                elif kind in ("FOREIGN KEY", "CONSTRAINT", "CHECK"):
                    out.append(("drop_constraint", table, (n, table),
                                (("type_", "foreignkey" if kind == "FOREIGN KEY" else None),)))
        elif isinstance(act, exp.DropPrimaryKey):
            out.append(("drop_constraint", table, (None, table), (("type_", "primary"),)))
        elif isinstance(act, exp.AlterRename):
            out.append(("rename_table", table, (table, _name(act.this)), ()))
        elif isinstance(act, exp.RenameColumn):
            out.append(("rename_column", table, (table, _name(act.this), _name(act.args.get("to"))), ()))
        elif isinstance(act, exp.ModifyColumn):
            cdef = act.this
            name, typ, nullable, has_default, _ = _column_def(cdef)
            old = _name(act.args.get("rename_from"))
            if old and name and old != name:
                out.append(("rename_column", table, (table, old, name), ()))
            out.append(("alter_column", table, (table, old or name),
                        (("sql", "MODIFY"), ("type_", typ), ("nullable", nullable))))
        elif isinstance(act, exp.AlterColumn):
            col = _name(act.this)
            detail = []
            if act.args.get("dtype") is not None:
                detail.append(("type_", _type(act.args["dtype"])))
            if act.args.get("allow_null") is not None:
                detail.append(("nullable", bool(act.args["allow_null"])))
            if detail:
                out.append(("alter_column", table, (table, col), tuple(detail)))
        elif isinstance(act, exp.ColumnDef):
            name, typ, nullable, has_default, generated = _column_def(act)
            detail = (("column", name), ("nullable", nullable), ("server_default", has_default), ("type_", typ))
            out.append(("add_column", table, (table, name), detail + ((("generated", True),) if generated else ())))
        elif isinstance(act, exp.AddConstraint):
            for e in act.expressions:
                if isinstance(e, exp.PrimaryKey):
                    out.append(("create_primary_key", table, (None, table), ()))
                elif isinstance(e, exp.ForeignKey):
                    out.append(("create_foreign_key", table, (None, table), ()))
                elif isinstance(e, (exp.UniqueColumnConstraint,)):
                    out.append(("create_unique_constraint", table, (None, table), ()))
    return out


def analyse(text: str) -> list[SqlOp]:
    """Operations in one SQL text (several ``;``-separated statements allowed)."""
    try:
        import sqlglot
        from sqlglot import exp
    except ImportError:  # pragma: no cover - a declared dependency
        return []
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    try:
        statements = sqlglot.parse(text, read="mysql")
    except Exception:  # noqa: BLE001 - sqlglot raises several error types
        return []
    out: list[SqlOp] = []
    for stmt in statements:
        if stmt is None:
            continue
        try:
            if isinstance(stmt, exp.Command):
                out.extend(_command(stmt))
            elif isinstance(stmt, exp.Alter):
                out.extend(_alter(stmt))
            elif isinstance(stmt, exp.Create) and (stmt.args.get("kind") or "").upper() == "TABLE":
                out.append(_create_table(stmt))
            elif isinstance(stmt, exp.Drop):
                kind = (stmt.args.get("kind") or "").upper()
                for t in stmt.args.get("tables") or ():
                    if kind == "TABLE":
                        out.append(("drop_table", _name(t), (_name(t),), ()))
                    elif kind == "INDEX":
                        on = stmt.args.get("cluster")
                        table = _name(on.this) if on is not None and hasattr(on, "this") else None
                        out.append(("drop_index", table, (_name(t), table), ()))
            elif isinstance(stmt, (exp.Update, exp.Delete)):
                out.append(("dml", _name(stmt.this), (_name(stmt.this),), (("verb", type(stmt).__name__.upper()),)))
            elif isinstance(stmt, exp.Insert):
                target = stmt.this.this if isinstance(stmt.this, exp.Schema) else stmt.this
                out.append(("dml", _name(target), (_name(target),), (("verb", "INSERT"),)))
        except Exception:  # noqa: BLE001 - never crash on an odd tree
            continue
    return out

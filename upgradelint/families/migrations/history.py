"""What the schema looked like before an operation, read from the operations
that ran earlier: in the same ``upgrade()``, then in each ancestor migration,
nearest first, following table renames back. A column's type and
nullability, a table's MySQL charset, the operation that created a table."""

from __future__ import annotations

from upgradelint.families.migrations import classify
from upgradelint.families.migrations.graph import RevisionGraph

_CONVERT = "CONVERT TO CHARACTER SET"


def _sqlite_only(op) -> bool:
    d = op.get("dialects")
    return d is not None and set(d) <= {"sqlite"}


def _apart(op, dialects) -> bool:
    """An operation that never runs on the same database as the one asking
    (the other branch of ``if bind.engine.name == 'postgresql':``)."""
    d = op.get("dialects")
    return dialects is not None and d is not None and not set(d) & set(dialects)


GAP = object()  # the table was created without the column: its history is not all read


class SchemaHistory:
    """Column and table history along the revision graph."""

    def __init__(self, graph: RevisionGraph):
        self.graph = graph

    def before(self, path: str, index: int, table: str):
        """``(path, op, table)`` for every operation that ran before operation
        ``index`` of ``path`` on the same database, nearest first; ``table`` is the
        name the table had then (a later ``rename_table`` is followed back)."""
        mig = self.graph.migration(path)
        dialects = mig.ops[index].get("dialects") if index < len(mig.ops) else None
        for op in reversed(mig.ops[:index]):
            if _sqlite_only(op) or _apart(op, dialects):
                continue
            yield path, op, table
            table = self._renamed_from(op, table)
        for p in self.graph.ancestors(path):
            for op in reversed(self.graph.migration(p).ops):
                if _sqlite_only(op) or _apart(op, dialects):
                    continue
                yield p, op, table
                table = self._renamed_from(op, table)

    @staticmethod
    def _renamed_from(op, table: str) -> str:
        if op.name in classify.RENAME_TABLE and len(op.args) > 1 and op.args[1] == table and \
                isinstance(op.args[0], str):
            return op.args[0]
        return table

    @staticmethod
    def _column_renamed_from(op, column: str) -> str:
        """The name a column had before ``op`` renamed it to ``column``."""
        old = None
        if op.name in classify.ALTER_COLUMN and op.get("new_column_name") == column:
            old = classify.op_column(op)[1]
        elif op.name == "rename_column" and len(op.args) > 2 and op.args[2] == column:
            old = op.args[1]
        return old if isinstance(old, str) else column

    def column_type(self, path: str, index: int, table, column):
        """The column's type before the operation; None if unknown."""
        if not table or not column:
            return None
        for _, op, t in self.before(path, index, table):
            if op.table != t:
                continue
            renamed = self._column_renamed_from(op, column)
            if renamed != column:
                if op.get("type_"):
                    return op.get("type_")
                column = renamed
                continue
            if op.name in classify.ALTER_COLUMN and classify.op_column(op)[1] == column and op.get("type_"):
                return op.get("type_")
            if op.name in classify.ADD_COLUMN and classify.op_column(op)[1] == column:
                return op.get("type_")
            if op.name in classify.CREATE_TABLE or op.name == "table_def":
                found = dict(op.get("coltypes") or ()).get(column)
                if found is not None or op.name != "table_def":
                    return found
        return None

    def column_nullable(self, path: str, index: int, table, column):
        """Was the column nullable before the operation? None if unknown; GAP when
        the migrations read created the table without the column and never added
        or renamed it in: it came in some way they do not show (a project helper,
        raw SQL)."""
        if not table or not column:
            return None
        for _, op, t in self.before(path, index, table):
            if op.table != t:
                continue
            renamed = self._column_renamed_from(op, column)
            if renamed != column:
                if isinstance(op.get("nullable"), bool):
                    return op.get("nullable")
                column = renamed
                continue
            if op.name == "create_primary_key" and isinstance(classify.constrained_columns(op), (list, tuple)) \
                    and column in classify.constrained_columns(op):
                return False  # primary key columns are NOT NULL
            if op.name in classify.ALTER_COLUMN and classify.op_column(op)[1] == column:
                for key in ("nullable", "existing_nullable"):
                    if isinstance(op.get(key), bool):
                        return op.get(key)
                continue
            if op.name in classify.ADD_COLUMN and classify.op_column(op)[1] == column:
                return op.get("nullable") if isinstance(op.get("nullable"), bool) else None
            if op.name in classify.CREATE_TABLE or op.name == "table_def":
                nulls = dict(op.get("colnulls") or ())
                if column in nulls:
                    return nulls[column] if isinstance(nulls[column], bool) else None
                if op.name != "table_def":
                    return GAP if op.get("colnulls") is not None else None
        return None

    def table_charset(self, path: str, index: int, table) -> str | None:
        """The MySQL charset the table was last declared or converted to; None if unknown."""
        if not table:
            return None
        for _, op, t in self.before(path, index, table):
            if op.name == "rebuild_table" and op.get("how") == _CONVERT and op.get("charset") and \
                    op.table in (t, None):
                return op.get("charset")  # a conversion of tables named at run time counts for every table
            if op.table != t:
                continue
            if op.name in classify.CREATE_TABLE or op.name == "table_def":
                if op.get("charset"):
                    return op.get("charset")
                if op.name != "table_def":
                    return None
        return None

    def creation(self, path: str, index: int, table):
        """``(path, index)`` of the operation that created the table, or None."""
        if not table:
            return None
        for p, op, t in self.before(path, index, table):
            if op.table == t and op.name in classify.CREATE_TABLE:
                mig = self.graph.migration(p)
                return p, next(i for i, o in enumerate(mig.ops) if o is op)
        return None

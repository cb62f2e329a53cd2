"""What the project's SQLAlchemy models map (``FileFacts.extra['models']``,
read by ``extract.py``), indexed: does the code still map a table or column?"""

from __future__ import annotations

# Columns that declarative mixins from libraries (not in the checked tree) add.
EXTERNAL_MIXINS = {
    # oslo.db
    "ModelBase": (), "TimestampMixin": ("created_at", "updated_at"),
    "SoftDeleteMixin": ("deleted_at", "deleted"),
    # neutron-lib
    "BASEV2": (), "NeutronBaseV2": (), "HasId": ("id",), "HasProject": ("project_id",),
    "HasProjectNoIndex": ("project_id",), "HasProjectPrimaryKey": ("project_id",),
    "HasProjectPrimaryKeyIndex": ("project_id",), "HasStatusDescription": ("status", "status_description"),
    "HasStandardAttributes": ("standard_attr_id",),
}
_HARMLESS_BASES = {"object", "<declarative>", "DeclarativeBase", "Base", "BASE", "AsyncAttrs", "MappedAsDataclass"}


class ModelIndex:
    """Tables and columns the project's SQLAlchemy models map, resolved over
    in-project mixins; nova-style REMOVED_TABLES / REMOVED_COLUMNS."""

    def __init__(self, models: list[dict]):
        self.known = bool(models)
        classes: dict = {}
        pks: dict = {}
        charsets: dict = {}
        self.tables: dict[str, set] = {}
        self.removed_tables: set = set()
        self.removed_columns: set = set()
        self.primary_keys: dict[str, set] = {}  # table -> primary key columns
        self.charsets: dict[str, str] = {}  # table -> declared MySQL charset
        self.bases: dict[str, set] = {}  # table -> names of every base class of its model
        self.constraint_names: set = set()  # names of constraints and indexes the models declare
        for m in models:
            classes.update(m.get("classes", {}))
            pks.update(m.get("primary_keys", {}))
            charsets.update(m.get("charsets", {}))
            self.constraint_names.update(m.get("constraint_names", ()))
            for t, cols in m.get("tables", {}).items():
                self.tables.setdefault(t, set()).update(cols)
            self.removed_tables.update(m.get("removed_tables", ()))
            self.removed_columns.update(tuple(x) for x in m.get("removed_columns", ()))

        self.partial: set = set()  # tables mapped through a mixin we cannot see

        def resolve(name, seen):
            """(table, columns, complete?) of a class and its bases."""
            if name in seen:
                return None, set(), True
            if name not in classes:
                if name in EXTERNAL_MIXINS:
                    return None, set(EXTERNAL_MIXINS[name]), True
                return None, set(), name in _HARMLESS_BASES
            seen.add(name)
            table, cols, bases = classes[name]
            out = set(cols)
            complete = True
            for b in bases:
                bt, bc, bcomplete = resolve(b, seen)
                out |= bc
                table = table or bt
                complete = complete and bcomplete
            return table, out, complete

        def lineage(name, seen):
            if name in seen or name not in classes:
                return [name]
            seen.add(name)
            return [name] + [b for base in classes[name][2] for b in lineage(base, seen)]

        for name in classes:
            table, cols, complete = resolve(name, set())
            if table:
                family = lineage(name, set())
                self.bases.setdefault(table, set()).update(family[1:])
                self.primary_keys.setdefault(table, set()).update(c for n in family for c in pks.get(n, ()))
                cs = next((charsets[n] for n in family if n in charsets), None)
                if cs:
                    self.charsets.setdefault(table, cs)
            if not table and "BASEV2" in classes[name][2]:
                # neutron-lib's BASEV2 names the table after the class: Network -> networks
                table = name.lower() + "s"
            if table:
                self.tables.setdefault(table, set()).update(cols)
                if not complete:
                    self.partial.add(table)

    def table(self, table: str | None) -> str:
        """yes / no / unknown."""
        if not self.known or not table:
            return "unknown"
        if table in self.removed_tables:
            return "no"
        return "yes" if table in self.tables else "no"

    def column(self, table: str | None, column: str | None) -> str:
        if not self.known or not table or not column:
            return "unknown"
        if (table, column) in self.removed_columns or table in self.removed_tables:
            return "no"
        cols = self.tables.get(table)
        if cols is None:
            return "no"
        if column in cols:
            return "yes"
        return "unknown" if table in self.partial else "no"

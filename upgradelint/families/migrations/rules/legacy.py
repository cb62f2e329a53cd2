"""UPG3xx: database migration rules.

One analysis walks every migration's ``upgrade()`` operations once (see
``analyse``) and yields candidate findings per code; each rule class reports its
own code. Whether a file may contract is decided by where it lives and what the
project declared (``contract_context``), never by what the file does."""

from __future__ import annotations

import dataclasses
import fnmatch
import posixpath
import re

from upgradelint.core.rule import Context, Invalid, Rule, Valid
from upgradelint.families.migrations.facts import versions_root

_GLANCE_CONTRACT = re.compile(r"(^|_)contract\d*(_|$)")
_GLANCE_EXPAND = re.compile(r"(^|_)expand\d*(_|$)")
_INITIAL_REVISIONS = {"8f2f1571d55b", "d67eeaabee36", "921e1a36b076", "27e647c0fad4", "liberty_initial",
                      "INIT_VERSION"}
_DATA_DIRS = ("data_migrations", "data_migration_repo")
_NEUTRON_OFFLINE_OK = ("liberty", "mitaka", "newton")


def _labels_contract(labels) -> bool:
    return any(lbl == "contract" or lbl.endswith("CONTRACT_BRANCH") for lbl in labels)


def _labels_expand(labels) -> bool:
    return any(lbl == "expand" or lbl.endswith("EXPAND_BRANCH") for lbl in labels)


def _stem(path: str) -> str:
    return posixpath.splitext(path.rsplit("/", 1)[-1])[0]


def _inherited_labels(ctx: Context, path: str, test) -> bool:
    mig = ctx.head[path].migration
    by_rev = migrations_by_revision(ctx, versions_root(path))
    seen = set()
    todo = [mig]
    while todo:
        m = todo.pop()
        if test(m.branch_labels):
            return True
        for rev in m.down_revisions:
            if rev not in seen and rev in by_rev:
                seen.add(rev)
                todo.append(by_rev[rev])
    return False


def project_exceptions(ctx: Context) -> frozenset:
    """Exception lists the project keeps in its own migration tests."""
    cache = ctx.__dict__.setdefault("_migration_exceptions", {})
    if "all" not in cache:
        found = set()
        for facts in ctx.head.values():
            found.update(facts.extra.get("migration_exceptions", ()))
        cache["all"] = frozenset(found)
    return cache["all"]


def _listed(ctx: Context, path: str) -> bool:
    mig = ctx.head[path].migration
    stem = _stem(path)
    for entry in project_exceptions(ctx):
        if isinstance(entry, int):
            m = re.match(r"^(\d+)_", stem)
            if m and int(m.group(1)) == entry:
                return True
        elif entry and (entry == mig.revision or stem.startswith(entry + "_") or entry == stem):
            return True
    return False


def contract_context(ctx: Context, path: str) -> bool:
    """Is this migration allowed to contract? Decided by where it lives, its
    branch and what the project declared, never by what it does."""
    parts = path.split("/")
    if "contract" in parts or "contract_repo" in parts:
        return True
    stem = _stem(path)
    if _GLANCE_CONTRACT.search(stem):
        return True
    cfg = ctx.config
    if any(fnmatch.fnmatch(path, g) for g in cfg.contract_paths):
        return True
    mig = ctx.head[path].migration
    if mig.revision and "contract" in mig.revision:
        return True
    if any(a in (path, mig.revision, stem) for a in cfg.allowed_migrations):
        return True
    if _listed(ctx, path):
        return True
    # branch labels, inherited along down_revision within the same versions tree
    return _inherited_labels(ctx, path, _labels_contract)


def expand_context(ctx: Context, path: str) -> bool:
    parts = path.split("/")
    if "expand" in parts or "expand_repo" in parts or _GLANCE_EXPAND.search(_stem(path)):
        return True
    return _inherited_labels(ctx, path, _labels_expand)


def migrations_by_revision(ctx: Context, root: str) -> dict:
    cache = ctx.__dict__.setdefault("_migrations_by_root", {})
    if root not in cache:
        out = {}
        prefix = root + "/"
        for p, facts in ctx.head.items():
            if facts.migration is not None and p.startswith(prefix) and facts.migration.revision:
                out[facts.migration.revision] = facts.migration
        cache[root] = out
    return cache[root]


def _exception_allows(mig, kind: str, name: str | None) -> bool:
    info = mig.exceptions.get("expand_drop_exceptions")
    if not info:
        return False
    entries = info["entries"]
    if "?" in entries:
        return True  # not a literal dict: trust the project's own test
    kinds = {"Column": ("Column",), "Table": ("Table",), "Index": ("Index",),
             "Constraint": ("Constraint", "ForeignKeyConstraint", "UniqueConstraint", "PrimaryKeyConstraint",
                            "CheckConstraint")}[kind]
    for key, values in entries.items():
        if key in kinds:
            if values is None or name is None or name in values:
                return True
    return False


def is_initial(path: str, mig) -> bool:
    stem = _stem(path)
    return (not mig.down_revisions or mig.revision in _INITIAL_REVISIONS or stem in _INITIAL_REVISIONS
            or stem.endswith("_initial") or stem == "initial" or "_initial_" in stem)


# -- models: does the code map a table / column? -------------------------------

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
        self.tables: dict[str, set] = {}
        self.removed_tables: set = set()
        self.removed_columns: set = set()
        for m in models:
            classes.update(m.get("classes", {}))
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

        for name in classes:
            table, cols, complete = resolve(name, set())
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


def _models(facts_by_path: dict) -> list:
    return [f.extra["models"] for f in facts_by_path.values() if "models" in f.extra]


def model_indexes(ctx: Context) -> tuple[ModelIndex, ModelIndex | None]:
    """(head models, base models or None in full-tree mode)."""
    cache = ctx.__dict__.setdefault("_model_indexes", {})
    if "v" not in cache:
        head = ModelIndex(_models(ctx.head))
        base = None
        if ctx.diff is not None:
            merged = {}
            for p, f in ctx.head.items():
                if "models" not in f.extra:
                    continue
                ch = ctx.diff.changes.get(p)
                if ch is None:
                    merged[p] = f
                elif ch.status != "A" and ctx.base and p in ctx.base:
                    merged[p] = ctx.base[p]
            base = ModelIndex(_models(merged))
        cache["v"] = (head, base)
    return cache["v"]


def _mapping_severity(ctx: Context, kind: str, table, column=None) -> tuple[str | None, str]:
    """(severity override or None, why) for a drop of a table or column, from
    whether the models map it."""
    head, base = model_indexes(ctx)

    def state(idx):
        return idx.table(table) if kind == "table" else idx.column(table, column)

    h = state(head)
    if base is not None:
        b = state(base)
        if b == "yes":
            return None, " (the previous code maps it)"
        if h == "yes":
            return None, " (the models still map it)"
        if b == "no" and h == "no":
            return "info", "the models no longer map it: verify the previous release did not either"
        return None, ""
    if h == "yes":
        return None, " (the models still map it)"
    if h == "no":
        return "info", "the current models no longer map it: verify the previous release did not either"
    return None, ""


# -- the analysis ----------------------------------------------------------------

@dataclasses.dataclass
class Candidate:
    code: str
    path: str
    span: object
    symbol: str
    variant: str | None
    fmt: dict
    severity: str | None = None


_STRING_TYPES = {"string", "varchar", "unicode", "char", "nvarchar", "nchar", "text", "unicodetext", "mediumtext",
                 "longtext", "tinytext"}
_UNBOUNDED = {"text", "unicodetext", "mediumtext", "longtext"}
_INT_TYPES = {"smallinteger": 2, "smallint": 2, "tinyint": 1, "integer": 4, "int": 4, "biginteger": 8, "bigint": 8}
_TIME_TYPES = {"datetime", "timestamp", "date", "time"}


def _family(t) -> str | None:
    if not t:
        return None
    n = t[0].lower()
    if n in _STRING_TYPES:
        return "string"
    if n in _INT_TYPES:
        return "int"
    if n in _TIME_TYPES:
        return "time"
    if n in ("boolean", "bool"):
        return "bool"
    if n in ("enum",):
        return "enum"
    if n in ("float", "numeric", "decimal", "double"):
        return "number"
    return n


def _length(t):
    if not t:
        return None
    n = t[0].lower()
    if n in _UNBOUNDED:
        return float("inf")
    if n in _INT_TYPES:
        return _INT_TYPES[n]
    if t[1] and isinstance(t[1][0], int):
        return t[1][0]
    return None


def _fmt_type(t) -> str:
    if not t:
        return "?"
    return f"{t[0]}({', '.join(repr(p) if isinstance(p, str) else str(p) for p in t[1])})" if t[1] else t[0]


def retype_verdict(old, new) -> tuple[str | None, str]:
    """(severity or None for no finding, variant) for a column type change."""
    if new is None:
        return "warning", "retype_unknown"
    if old is None:
        return "warning", "retype_unknown"
    fo, fn = _family(old), _family(new)
    if fo != fn:
        return "error", "retype_family"
    if fo == "enum":
        o, n = [p for p in old[1] if isinstance(p, str)], [p for p in new[1] if isinstance(p, str)]
        if o and n and n[: len(o)] == o:
            return None, ""  # values appended at the end
        if o and n and set(o) <= set(n):
            return "warning", "retype_enum"
        return "error", "retype_narrow" if o and n else "retype_unknown"
    lo, ln = _length(old), _length(new)
    if lo is not None and ln is not None:
        if ln < lo:
            return "error", "retype_narrow"
        if ln == lo and old[0].lower() == new[0].lower():
            return None, ""
        return "warning", "retype_widen"
    if old == new:
        return None, ""
    return "warning", "retype_same_family"


def prior_type(ctx: Context, path: str, table, column):
    """The column's type before this migration: the nearest ancestor (along
    down_revision) that created, added or retyped it; None if unknown."""
    if not table or not column:
        return None
    by_rev = migrations_by_revision(ctx, versions_root(path))
    todo = list(ctx.head[path].migration.down_revisions)
    seen = set()
    while todo and len(seen) < 2000:
        rev = todo.pop(0)
        if rev in seen or rev not in by_rev:
            continue
        seen.add(rev)
        m = by_rev[rev]
        for op in reversed(m.ops):
            if op.table != table:
                continue
            if op.name in ("alter_column", "alter_column_if_exists") and _col(op)[1] == column and op.get("type_"):
                return op.get("type_")
            if op.name in ("add_column", "add_column_if_not_exists") and _col(op)[1] == column:
                return op.get("type_")
            if op.name in ("create_table", "create_table_if_not_exists", "table_def"):
                t = dict(op.get("coltypes") or ()).get(column)
                if t is not None or op.name != "table_def":
                    return t
        todo.extend(m.down_revisions)
    return None


def analyse(ctx: Context) -> list[Candidate]:
    cache = ctx.__dict__.setdefault("_migration_candidates", {})
    if "v" not in cache:
        out: list[Candidate] = []
        for path, facts in sorted(ctx.head.items()):
            mig = facts.migration
            if mig is None or not mig.has_upgrade:
                continue
            out.extend(_analyse_file(ctx, path, mig))
        cache["v"] = out
    return cache["v"]


def _col(op):
    """(table, column) an op names; batch ops carry the column first."""
    if op.receiver == "batch":
        c = op.args[0] if op.args else None
    else:
        c = op.args[1] if len(op.args) > 1 else None
    if op.name == "add_column" and op.get("column"):
        c = op.get("column")
    return op.table, c if isinstance(c, str) else None


def _analyse_file(ctx: Context, path: str, mig) -> list[Candidate]:
    out: list[Candidate] = []
    parts = path.split("/")
    if is_initial(path, mig):
        return _branch_checks(ctx, path, mig)
    data_dir = any(d in parts for d in _DATA_DIRS)
    allowed = contract_context(ctx, path)
    expand = not allowed and expand_context(ctx, path)

    def add(code, op, symbol, variant=None, severity=None, **fmt):
        out.append(Candidate(code, path, op.span if op is not None else mig.upgrade_span, symbol, variant, fmt,
                             severity))

    created: set = set()
    added: set = set()
    dropped_columns = {(op.table, _col(op)[1]) for op in mig.ops if op.name == "drop_column"}
    dropped_tables = {op.table for op in mig.ops if op.name in ("drop_table", "drop_table_if_exists")}
    ops = list(mig.ops)
    head_models, _ = model_indexes(ctx)
    for i, op in enumerate(ops):
        name = op.name
        table, column = _col(op)
        if table and table.startswith("shadow_") and head_models.known and head_models.table(table) == "no":
            continue  # nova-style shadow tables: only the archive command uses them, through reflection
        if name in ("create_table", "create_table_if_not_exists"):
            created.add(op.table)
            continue
        if name in ("add_column", "add_column_if_not_exists") and op.receiver != "sql":
            added.add((table, column))
            if table not in created and op.get("nullable") is False and not op.get("server_default") and \
                    not allowed and not data_dir:
                add("UPG308", op, f"{table or '?'}.{column or '?'}", table=table or "?", column=column or "?",
                    python_default=" (default= is Python-side only)" if op.get("default") else "")
            continue
        if name == "add_column":  # raw SQL ADD COLUMN
            added.add((table, column))
            if table not in created and op.get("nullable") is False and not op.get("server_default") and \
                    not allowed and not data_dir:
                add("UPG308", op, f"{table or '?'}.{column or '?'}", table=table or "?", column=column or "?",
                    python_default="")
            continue
        if data_dir:
            continue
        fresh = table is not None and table in created
        if name == "drop_column":
            if allowed or fresh or (table, column) in added:
                continue
            if table and table.startswith("shadow_") and (table[len("shadow_"):], column) in dropped_columns:
                continue  # the shadow twin: reported with its main table
            if _exception_allows(mig, "Column", f"{table}.{column}" if table and column else None):
                continue
            sev, why = _mapping_severity(ctx, "column", table, column)
            add("UPG301", op, f"{table or '?'}.{column or '?'}", "model" if sev == "info" else None, sev,
                table=table or "?", column=column or "?", why=why)
        elif name in ("drop_table", "drop_table_if_exists"):
            if allowed or fresh or table == "migrate_version":
                continue
            if table and table.startswith("shadow_") and table[len("shadow_"):] in dropped_tables:
                continue
            if _exception_allows(mig, "Table", table):
                continue
            if table and any(o.name in ("create_table", "create_table_if_not_exists") and o.table == table
                             for o in ops[i + 1:]):
                add("UPG302", op, table, "recreate", "info", table=table)
                continue
            sev, why = _mapping_severity(ctx, "table", table)
            add("UPG302", op, table or "?", "model" if sev == "info" else None, sev, table=table or "?", why=why)
        elif name in ("rename_table", "rename_table_if_exists"):
            if allowed or fresh:
                continue
            new = op.args[1] if len(op.args) > 1 and isinstance(op.args[1], str) else "?"
            add("UPG303", op, table or "?", "table", table=table or "?", new=new)
        elif name == "rename_column":
            if allowed or fresh or (table, column) in added:
                continue
            new = op.args[2] if len(op.args) > 2 and isinstance(op.args[2], str) else "?"
            add("UPG303", op, f"{table or '?'}.{column or '?'}", "column", table=table or "?",
                column=column or "?", new=new)
        elif name in ("alter_column", "alter_column_if_exists"):
            if op.get("new_column_name"):
                if not (allowed or fresh or (table, column) in added):
                    add("UPG303", op, f"{table or '?'}.{column or '?'}", "column", table=table or "?",
                        column=column or "?", new=op.get("new_column_name"))
            if allowed or fresh or (table, column) in added:
                continue
            sym = f"{table or '?'}.{column or '?'}"
            if op.has("type_") and op.get("type_") != op.get("existing_type", -1):
                old = op.get("existing_type") or prior_type(ctx, path, table, column)
                sev, variant = retype_verdict(old, op.get("type_"))
                if sev is not None:
                    new = op.get("type_")
                    note = ""
                    lo, ln = _length(old), _length(new)
                    if variant == "retype_widen" and _family(old) == "string" and lo is not None and \
                            ln is not None and lo <= 63 < ln:
                        note = "; crosses 255 bytes in utf8mb4: MySQL copies the table and blocks writes"
                    add("UPG304", op, sym, variant, sev, table=table or "?", column=column or "?",
                        old=_fmt_type(old), new=_fmt_type(new), note=note)
            elif op.get("sql") == "MODIFY" and not op.has("type_"):
                add("UPG304", op, sym, "retype_unknown", "warning", table=table or "?", column=column or "?",
                    old="?", new="?", note="")
            nullable = op.get("nullable", "unset")
            if nullable is False and op.get("existing_nullable") is not False:
                add("UPG304", op, sym, "not_null", "error", table=table or "?", column=column or "?")
            elif nullable is True and op.get("existing_nullable") is not True:
                add("UPG304", op, sym, "nullable", "info", table=table or "?", column=column or "?")
        elif name in ("drop_constraint", "drop_index", "remove_foreign_keys", "remove_fks_from_table"):
            if allowed or fresh or table in dropped_tables:
                continue
            cname = op.args[0] if op.args and isinstance(op.args[0], str) and op.receiver != "batch" else None
            if op.receiver == "batch":
                cname = op.args[0] if op.args and isinstance(op.args[0], str) else None
            if name.startswith("remove_f"):
                cname = None
            if any(t == table and c and (cname is None or c in cname) for t, c in dropped_columns):
                continue  # goes with a column drop, which UPG301 reports
            kind = "Index" if name == "drop_index" else "Constraint"
            if _exception_allows(mig, kind, table if kind == "Index" else cname):
                continue
            ckind = _constraint_kind(op, cname)
            recreated = any(o.name in _CREATES.get(ckind, ()) and (o.table == table or (
                cname and o.args and o.args[0] == cname)) for o in ops[i + 1:])
            what = {"index": "index", "foreignkey": "foreign key", "unique": "unique constraint",
                    "primary": "primary key", "check": "check constraint"}.get(ckind, "constraint")
            if name.startswith("remove_f"):
                what = "foreign keys"
            if expand:
                sev = "error"
            elif recreated or ckind in ("index", "foreignkey", "check"):
                sev = "info"
            else:
                sev = None
            add("UPG305", op, f"{table or '?'}.{cname or '?'}", "swap" if recreated and not expand else None, sev,
                what=what, name=cname or "?", table=table or "?",
                where=" in the expand branch" if expand else "")
            if ckind == "primary" and not allowed and not recreated:
                add("UPG307", op, table or "?", "primary_key", table=table or "?", how="DROP PRIMARY KEY")
        elif name == "rebuild_table":
            if allowed or fresh:
                continue
            add("UPG307", op, table or "?", None, table=table or "?", how=op.get("how") or "?")
        elif name == "create_primary_key":
            if allowed or fresh:
                continue
            if any(o.name == "drop_constraint" and o.table == table and _constraint_kind(o, o.args[0] if o.args
                   and isinstance(o.args[0], str) else None) == "primary" for o in ops[:i]):
                continue  # a primary key swap: MySQL rebuilds in place and keeps DML running
            add("UPG307", op, table or "?", "primary_key", table=table or "?", how="ADD PRIMARY KEY")
        elif name in ("create_foreign_key", "create_unique_constraint"):
            if allowed or fresh or table is None:
                continue
            cols = {c for t, c in added if t == table}
            shift = 1 if op.receiver == "batch" else 0  # batch ops carry no table argument
            pos = (3 if name == "create_foreign_key" else 2) - shift
            src = op.args[pos] if len(op.args) > pos else None
            if isinstance(src, (list, tuple)) and src and all(c in cols for c in src):
                continue  # on columns added in this upgrade: nothing to scan, no N-1 writer
            add("UPG307", op, f"{table}.{op.args[0] if op.args and isinstance(op.args[0], str) else '?'}",
                "foreign_key" if name == "create_foreign_key" else "unique", "info", table=table)
        elif name in ("dml", "bulk_insert"):
            if allowed or fresh:
                continue
            verb = op.get("verb") or ("INSERT" if name == "bulk_insert" else "?")
            add("UPG306", op, f"{table or '?'}:{verb}", None, table=table or "?", verb=verb)
    if not allowed and not data_dir:
        for mod, span in mig.model_imports:
            out.append(Candidate("UPG306", path, span, f"import:{mod}", "model_import", {"module": mod}))
    out.extend(_branch_checks(ctx, path, mig))
    return out


_CREATES = {
    "index": ("create_index",),
    "unique": ("create_unique_constraint", "create_index"),
    "foreignkey": ("create_foreign_key",),
    "primary": ("create_primary_key",),
    "check": ("create_check_constraint",),
    None: ("create_index", "create_unique_constraint", "create_foreign_key", "create_primary_key",
           "create_check_constraint"),
}


def _constraint_kind(op, cname) -> str | None:
    if op.name == "drop_index":
        return "index"
    if op.name.startswith("remove_f"):
        return "foreignkey"
    t = op.get("type_")
    if t is None and op.receiver != "batch" and len(op.args) > 2 and isinstance(op.args[2], str):
        t = op.args[2]
    t = {"foreignkey": "foreignkey", "unique": "unique", "primary": "primary", "check": "check",
         "index": "index"}.get(t if isinstance(t, str) else "", None)
    if t is None and cname:
        low = cname.lower()
        if "fk" in low or "ibfk" in low or low.endswith("_fkey"):
            return "foreignkey"
        if low == "primary" or low.endswith("_pkey"):
            return "primary"
        if low.startswith(("uniq", "uc_", "uq_")) or low.endswith(("_uc", "_key")):
            return "unique"
        if low.startswith(("ix_", "idx_")) or low.endswith(("_idx", "_index")):
            return "index"
    return t


def _branch_checks(ctx: Context, path: str, mig) -> list[Candidate]:
    out: list[Candidate] = []
    parts = path.split("/")
    stem = _stem(path)
    for fname, info in mig.exceptions.items():
        if not info["docstring"]:
            out.append(Candidate("UPG309", path, info["span"], fname, "docstring", {"function": fname}))
    # a directory that names a branch, and labels that name another
    if mig.branch_labels:
        in_contract = "contract" in parts
        in_expand = "expand" in parts
        if (in_contract and _labels_expand(mig.branch_labels)) or (in_expand and _labels_contract(mig.branch_labels)):
            out.append(Candidate("UPG309", path, mig.upgrade_span, "branch_labels", "label_mismatch",
                                 {"labels": ", ".join(mig.branch_labels)}))
    # neutron: no new offline contract script after newton
    if "contract" in parts and "alembic_migrations" in parts and not is_initial(path, mig):
        i = parts.index("contract")
        release = parts[i - 1] if i else ""
        if release and release not in _NEUTRON_OFFLINE_OK and not stem.endswith("_empty"):
            out.append(Candidate("UPG309", path, mig.upgrade_span, "contract", "offline_contract",
                                 {"release": release}))
    # glance: a contract script depends on its expand
    if _GLANCE_CONTRACT.search(stem) and "alembic_migrations" in parts and not mig.depends_on and \
            not stem.endswith("_empty") and not stem.startswith(("liberty", "mitaka")):
        out.append(Candidate("UPG309", path, mig.upgrade_span, "depends_on", "depends_on", {}))
    return out


def _upgrade_unchanged(ctx: Context, path: str) -> bool:
    """In diff mode, is this an existing migration whose upgrade() (and the
    helpers it calls) did not change?"""
    if ctx.diff is None:
        return False
    ch = ctx.diff.changes.get(path)
    if ch is None or ch.status == "A" or not ctx.base or path not in ctx.base:
        return False
    old = ctx.base[path].migration
    return old is not None and old.upgrade_code == ctx.head[path].migration.upgrade_code


class _MigrationRule:
    """Shared check(): report this rule's candidates."""

    def check(self, ctx: Context):
        for c in analyse(ctx):
            if c.code != self.code:
                continue
            if _upgrade_unchanged(ctx, c.path):
                continue  # diff mode: an edit outside upgrade() (or to its comments) is not judged
            before = len(ctx.findings)
            ctx.report(self, c.path, c.span, c.symbol, variant=c.variant, **c.fmt)
            if c.severity and self.code not in ctx.config.severity:
                ctx.findings[before] = dataclasses.replace(ctx.findings[before], severity=c.severity)


_HOW_TO_ALLOW = """
    Move it to the contract phase, where the project has one: a `contract/`
    directory or `contract` branch (neutron, keystone), a `<release>_contract01`
    script (glance), `contract_repo/`. Elsewhere, list the revision where the
    project already keeps its exceptions (cinder `DROP_ALTER_EXCEPTIONS`, keystone
    `BANNED_OP_EXCEPTIONS`, nova/heat `exceptions` in the migration tests; read
    statically), in `[tool.upgradelint] allowed-migrations` or
    `contract-paths`, or add `# noqa: {code}  <reason>` on the line."""


class DropColumn(_MigrationRule, Rule):
    """
    ## What it does
    Checks for column drops in the `upgrade()` of a migration, outside a
    contract phase, in every spelling: `op.drop_column`, `batch_op.drop_column`,
    sqlalchemy-migrate `table.drop_column(...)` / `table.c.col.drop()` /
    `Column(...).drop()`, and `ALTER TABLE ... DROP COLUMN` passed to any
    `.execute(...)`.

    Columns added earlier in the same `upgrade()` (or whose table it creates)
    are not contracting. Whether the code still maps the column is read from the
    project's SQLAlchemy models (declarative classes with `__tablename__`,
    in-project mixins, nova-style `REMOVED_COLUMNS`): in a full-tree run, a drop
    of a column the models no longer map is only info (verify the previous
    release no longer mapped it either); with `--base`, a drop is an error when
    the base (or head) models still map the column.

    ## Why is this bad?
    During a rolling upgrade, services of release N-1 keep running against the
    upgraded schema. Their ORM models still map the column, so every query they
    make on the table selects it and fails with "Unknown column". A drop belongs
    in the contract phase, once no running code reads the column: remove it from
    the models one release, drop it the next.

    ## Example
    See below.

    ## Use instead
    See below.

    ## How to allow
    Move the drop to the contract phase: a `contract/` directory or branch
    (neutron, keystone), a `<release>_contract01` script (glance), or a later
    release once the model stopped using the column. neutron-style
    `expand_drop_exceptions()` listing `'table.column'` under `sa.Column` is
    honoured, and so are the project's own exception lists (cinder
    `DROP_ALTER_EXCEPTIONS`, keystone `BANNED_OP_EXCEPTIONS`, nova/heat
    `exceptions`, read statically from its migration tests),
    `[tool.upgradelint] allowed-migrations` / `contract-paths`, and
    `# noqa: UPG301` with a reason.
    `# upgradelint: allow-contract[UPG301] <reason>` on the statement (or on a
    comment line just above it) works as well.

    ## Fix safety
    No automatic fix.

    ## References
    - nova, database migrations: https://docs.openstack.org/nova/latest/reference/database-migrations.html
    - neutron, expand and contract: https://docs.openstack.org/neutron/latest/contributor/alembic_migrations.html
    - cinder, rolling upgrades: https://docs.openstack.org/cinder/latest/contributor/rolling.upgrades.html
    """

    code = "UPG301"
    name = "drop-column"
    message = ("drop_column('{table}', '{column}') in upgrade() breaks N-1 services that still map the column{why}; "
               "move it to the contract phase")
    messages = {"model": "drop_column('{table}', '{column}') in upgrade(): {why}"}
    severity = "error"
    INVALID = [
        Invalid(
            """
            from alembic import op

            revision = '3c5a2b1f0d9e'
            down_revision = '8f2f1571d55b'


            def upgrade():
                op.drop_column('instances', 'locked_by')  # expect: UPG301
            """,
            path="nova/db/main/migrations/versions/3c5a2b1f0d9e_drop_locked_by.py",
        ),
        Invalid(
            """
            from alembic import op

            revision = '1c2d3e4f5a6b'
            down_revision = '9ab1b092a404'


            def upgrade():
                with op.batch_alter_table('volumes') as batch_op:
                    batch_op.drop_column('provider_geometry')  # expect: UPG301
            """,
            path="cinder/db/migrations/versions/1c2d3e4f5a6b_drop_geometry.py",
        ),
        Invalid(
            """
            import sqlalchemy as sa

            revision = '7a1b2c3d4e5f'
            down_revision = '1c2d3e4f5a6b'


            def upgrade():
                meta = sa.MetaData()
                volumes = sa.Table('volumes', meta, autoload_with=None)
                volumes.c.provider_geometry.drop()  # expect: UPG301
            """,
            path="cinder/db/migrations/versions/7a1b2c3d4e5f_drop_geometry.py",
        ),
        Invalid(
            """
            from alembic import op

            revision = '5e6f7a8b9c0d'
            down_revision = '7a1b2c3d4e5f'


            def upgrade():
                op.execute('ALTER TABLE volumes DROP COLUMN provider_geometry')  # expect: UPG301
            """,
            path="cinder/db/migrations/versions/5e6f7a8b9c0d_drop_geometry.py",
        ),
        Invalid(
            {
                "nova/db/main/models.py": """
                    from sqlalchemy import Column, String
                    from sqlalchemy.orm import declarative_base

                    BASE = declarative_base()


                    class Instance(BASE):
                        __tablename__ = 'instances'
                        locked_by = Column(String(255))
                    """,
                "nova/db/main/migrations/versions/3c5a2b1f0d9e_drop_locked_by.py": """
                    from alembic import op

                    revision = '3c5a2b1f0d9e'
                    down_revision = '8f2f1571d55b'


                    def upgrade():
                        op.drop_column('instances', 'locked_by')  # expect: UPG301
                    """,
            },
        ),
    ]
    VALID = [
        Valid(
            """
            from alembic import op
            import sqlalchemy as sa

            revision = '3c5a2b1f0d9e'
            down_revision = '8f2f1571d55b'


            def upgrade():
                op.add_column('instances', sa.Column('locked_reason', sa.Text, nullable=True))


            def downgrade():
                op.drop_column('instances', 'locked_reason')
            """,
            path="nova/db/main/migrations/versions/3c5a2b1f0d9e_add_locked_reason.py",
        ),
        Valid(
            """
            from alembic import op

            revision = 'b1c2d3e4f5a6'
            down_revision = '5c85685d616d'


            def upgrade():
                op.drop_column('ports', 'legacy_flag')
            """,
            path="neutron/db/migration/alembic_migrations/versions/2026.1/contract/b1c2d3e4f5a6_drop_flag.py",
        ),
        Valid(
            """
            from alembic import op
            import sqlalchemy as sa

            revision = 'c2d3e4f5a6b7'
            down_revision = 'b1c2d3e4f5a6'

            TABLE = 'subnets'


            def upgrade():
                op.drop_column(TABLE, 'in_use')


            def expand_drop_exceptions():
                \"\"\"Drop the in_use column: nothing has read it since 2023.1.\"\"\"
                return {sa.Column: ['%s.in_use' % TABLE]}
            """,
            path="neutron/db/migration/alembic_migrations/versions/2026.1/expand/c2d3e4f5a6b7_drop_in_use.py",
        ),
        Valid(
            {
                "cinder/tests/unit/db/test_migrations.py": """
                    class MigrationsWalk:
                        DROP_ALTER_EXCEPTIONS = [
                            # the models stopped using these columns a release ago
                            'afd7494d43b7',
                        ]
                    """,
                "cinder/db/migrations/versions/afd7494d43b7_drop_allocated.py": """
                    from alembic import op

                    revision = 'afd7494d43b7'
                    down_revision = '9ab1b092a404'


                    def upgrade():
                        with op.batch_alter_table('quotas') as batch_op:
                            batch_op.drop_column('allocated')
                    """,
            },
        ),
    ]


class DropTable(_MigrationRule, Rule):
    """
    ## What it does
    Checks for table drops in `upgrade()` outside a contract phase:
    `op.drop_table`, neutron `drop_table_if_exists`, sqlalchemy-migrate
    `Table(...).drop()` / `table.drop()`, and raw `DROP TABLE`. Tables created
    earlier in the same `upgrade()` and the legacy `migrate_version` table are
    not reported. As for UPG301, a table the models no longer map (or list in
    nova-style `REMOVED_TABLES`) is only info in a full-tree run; with `--base`
    it is an error when the base models still map it.

    ## Why is this bad?
    Services of release N-1 still query the table: every such query fails with
    "Table doesn't exist" until the last old service is gone.

    ## Example
    See below.

    ## Use instead
    See below.

    ## How to allow
    Remove the model first and drop the table a release later, in the contract
    phase where the project has one. The project's exception lists, neutron
    `expand_drop_exceptions()` with `sa.Table: ['name']`, config
    `allowed-migrations` / `contract-paths` and `# noqa: UPG302  <reason>` are
    honoured.
    `# upgradelint: allow-contract[UPG302] <reason>` on the statement (or on a
    comment line just above it) works as well.

    ## Fix safety
    No automatic fix.

    ## References
    - nova, database migrations: https://docs.openstack.org/nova/latest/reference/database-migrations.html
    - neutron, expand and contract: https://docs.openstack.org/neutron/latest/contributor/alembic_migrations.html
    """

    code = "UPG302"
    name = "drop-table"
    message = ("drop_table('{table}') in upgrade() breaks N-1 services that still query it{why}; "
               "move it to the contract phase")
    messages = {"model": "drop_table('{table}') in upgrade(): {why}",
                "recreate": "drop_table('{table}') then create_table('{table}') in upgrade(): its rows are lost"}
    severity = "error"
    INVALID = [
        Invalid(
            """
            from alembic import op

            revision = '2b3c4d5e6f70'
            down_revision = 'b30f573d3377'


            def upgrade():
                op.drop_table('instance_groups')  # expect: UPG302
            """,
            path="nova/db/api/migrations/versions/2b3c4d5e6f70_drop_groups.py",
        ),
        Invalid(
            """
            import sqlalchemy as sa

            revision = '3c4d5e6f7081'
            down_revision = '2b3c4d5e6f70'


            def upgrade():
                meta = sa.MetaData()
                sa.Table('instance_groups', meta, autoload_with=None).drop()  # expect: UPG302
            """,
            path="nova/db/api/migrations/versions/3c4d5e6f7081_drop_groups.py",
        ),
        Invalid(
            """
            from alembic import op

            revision = '4d5e6f708192'
            down_revision = '3c4d5e6f7081'


            def upgrade():
                conn = op.get_bind()
                conn.execute('DROP TABLE IF EXISTS instance_groups')  # expect: UPG302
            """,
            path="nova/db/api/migrations/versions/4d5e6f708192_drop_groups.py",
        ),
    ]
    VALID = [
        Valid(
            """
            from alembic import op
            import sqlalchemy as sa

            revision = '88be64598c0f'
            down_revision = 'c6214ca60943'


            def upgrade():
                op.create_table('resource_snapshots', sa.Column('id', sa.Integer, primary_key=True))


            def downgrade():
                op.drop_table('resource_snapshots')
            """,
            path="heat/db/migrations/versions/88be64598c0f_add_resource_snapshot_table.py",
        ),
        Valid(
            """
            from alembic import op

            revision = '89aa6f9639f9'
            down_revision = 'daa98075b90d'


            def upgrade():
                op.drop_table('migrate_version')
            """,
            path="cinder/db/migrations/versions/89aa6f9639f9_drop_legacy_migrate_version_table.py",
        ),
    ]


class Rename(_MigrationRule, Rule):
    """
    ## What it does
    Checks for table and column renames in `upgrade()` outside a contract
    phase: `op.rename_table`, neutron `rename_table_if_exists`,
    `alter_column(..., new_column_name=...)`, sqlalchemy-migrate
    `table.rename(...)` / `col.alter(name=...)`, and raw `RENAME TABLE`,
    `ALTER TABLE ... RENAME TO`, `RENAME COLUMN`, MySQL `CHANGE old new`.

    ## Why is this bad?
    A rename is a drop and an add at once: N-1 services keep using the old name
    and fail on every query until they are upgraded.

    ## Example
    See below.

    ## Use instead
    See below.

    ## How to allow
    Add the new table or column in the expand phase, copy the data with an
    online data migration (or triggers), switch the code, and drop the old one in
    a later contract. The contract phase, the project's exception lists, config
    and `# noqa: UPG303  <reason>` allow it.
    `# upgradelint: allow-contract[UPG303] <reason>` on the statement (or on a
    comment line just above it) works as well.

    ## Fix safety
    No automatic fix.

    ## References
    - ironic, rolling upgrades ("Policy for changes to the DB model"):
      https://docs.openstack.org/ironic/latest/contributor/rolling-upgrades.html
    - keystone, database migrations: https://docs.openstack.org/keystone/latest/contributor/database-migrations.html
    """

    code = "UPG303"
    name = "rename"
    message = "rename in upgrade() breaks N-1 services that use the old name"
    messages = {
        "table": "rename_table('{table}', '{new}') in upgrade() breaks N-1 services that query '{table}'; "
                 "add the new table, migrate data online, drop the old one in a later contract",
        "column": "column '{table}.{column}' renamed to '{new}' in upgrade() breaks N-1 services that use the old "
                  "name; add '{new}', migrate data online, drop '{column}' in a later contract",
    }
    severity = "error"
    INVALID = [
        Invalid(
            """
            from alembic import op

            revision = '38e632621e5a'
            down_revision = '162a3e673105'


            def upgrade():
                op.rename_table('volume_types', 'share_types')  # expect: UPG303
            """,
            path="manila/db/migrations/alembic/versions/38e632621e5a_rename.py",
        ),
        Invalid(
            """
            from alembic import op

            revision = '9a8b7c6d5e4f'
            down_revision = '38e632621e5a'


            def upgrade():
                with op.batch_alter_table('shares') as batch_op:
                    batch_op.alter_column('volume_type_id', new_column_name='share_type_id')  # expect: UPG303
            """,
            path="manila/db/migrations/alembic/versions/9a8b7c6d5e4f_rename.py",
        ),
        Invalid(
            """
            import sqlalchemy as sa

            revision = '8b7c6d5e4f3a'
            down_revision = '9a8b7c6d5e4f'


            def upgrade():
                shares = sa.Table('shares', sa.MetaData(), autoload_with=None)
                shares.c.volume_type_id.alter(name='share_type_id')  # expect: UPG303
            """,
            path="manila/db/migrations/alembic/versions/8b7c6d5e4f3a_rename.py",
        ),
        Invalid(
            """
            from alembic import op

            revision = '7c6d5e4f3a2b'
            down_revision = '8b7c6d5e4f3a'


            def upgrade():
                op.execute('RENAME TABLE volume_types TO share_types')  # expect: UPG303
            """,
            path="manila/db/migrations/alembic/versions/7c6d5e4f3a2b_rename.py",
        ),
    ]
    VALID = [
        Valid(
            """
            from alembic import op

            revision = '1ffef8d6f371'
            down_revision = '8160f7a9cebb'
            depends_on = ('cab12b72ed90',)


            def upgrade():
                op.alter_column('networkrbacs', 'target_tenant', new_column_name='target_project',
                                existing_type=None)
            """,
            path="neutron/db/migration/alembic_migrations/versions/newton/contract/1ffef8d6f371_rbac_target_project.py",
        ),
        Valid(
            """
            from alembic import op
            import sqlalchemy as sa

            revision = '6b5a4c3d2e1f'
            down_revision = '38e632621e5a'


            def upgrade():
                op.create_table('tmp_share_types', sa.Column('id', sa.Integer, primary_key=True))
                op.rename_table('tmp_share_types', 'share_type_access')
            """,
            path="manila/db/migrations/alembic/versions/6b5a4c3d2e1f_new_table.py",
        ),
    ]


class RetypeOrNotNull(_MigrationRule, Rule):
    """
    ## What it does
    Checks `alter_column` (alembic, batch, neutron `alter_column_if_exists`),
    sqlalchemy-migrate `col.alter(...)` and raw `MODIFY` / `ALTER COLUMN ... TYPE`
    / `SET NOT NULL` in `upgrade()` outside a contract phase:

    - a change of type family (String to Integer, Boolean to Integer) or a
      narrowing (String(255) to String(64)): error;
    - a widening of a string (String(60) to String(255)): warning, noting the
      MySQL table copy when the change crosses 255 bytes (utf8mb4: 63
      characters);
    - a new type without `existing_type` (nothing to compare): warning;
    - `nullable=False`: error; `nullable=True`: info.

    Changes of `existing_*`, `server_default` or `comment` only, Enum values
    appended at the end and alters of columns added in the same file are not
    reported.

    ## Why is this bad?
    N-1 services bind values of the old type and length: a narrowed column
    truncates or rejects them, a new type family breaks their binds and reads.
    `NOT NULL` makes every N-1 INSERT that omits the column (or writes NULL)
    fail. Most type changes also make MySQL copy the table with writes blocked.

    ## Example
    See below.

    ## Use instead
    See below.

    ## How to allow
    Make the change in steps: add a new column of the new type, backfill it with
    an online data migration, switch the code, drop the old one later. For
    `NOT NULL`, first ship a release that always writes the column (and a
    server default). The project's exception lists (cinder
    `DROP_ALTER_EXCEPTIONS` has exactly such entries), the contract phase,
    config and `# noqa: UPG304  <reason>` allow it.
    `# upgradelint: allow-contract[UPG304] <reason>` on the statement (or on a
    comment line just above it) works as well.

    ## Fix safety
    No automatic fix.

    ## References
    - MySQL online DDL operations: https://dev.mysql.com/doc/refman/8.0/en/innodb-online-ddl-operations.html
    - cinder, rolling upgrades: https://docs.openstack.org/cinder/latest/contributor/rolling.upgrades.html
    """

    code = "UPG304"
    name = "retype-narrow-or-not-null"
    message = "alter of '{table}.{column}' in upgrade() breaks N-1 services"
    messages = {
        "retype_family": "'{table}.{column}' changes type {old} -> {new} in upgrade(): N-1 services bind the old "
                         "type and MySQL copies the table; add a new column and migrate data online",
        "retype_narrow": "'{table}.{column}' narrows {old} -> {new} in upgrade(): N-1 writes are truncated or "
                         "rejected; add a new column and migrate data online",
        "retype_enum": "'{table}.{column}' reorders Enum values {old} -> {new}: MySQL copies the table; "
                       "append new values at the end",
        "retype_widen": "'{table}.{column}' widens {old} -> {new} in upgrade(){note}; check the lock in the "
                        "release note or add '# noqa: UPG304  reason'",
        "retype_unknown": "'{table}.{column}' changes type to {new} in upgrade() and the old type is unknown: a "
                          "narrowing breaks N-1 writes and most type changes copy the table; give existing_type",
        "retype_same_family": "'{table}.{column}' changes type {old} -> {new} in upgrade(): MySQL copies the table "
                              "and blocks writes; release-note the lock or add '# noqa: UPG304  reason'",
        "not_null": "'{table}.{column}' made NOT NULL in upgrade(): N-1 services that omit it or write NULL fail; "
                    "backfill online and add a server_default first",
        "nullable": "'{table}.{column}' made nullable in upgrade(): N-1 readers may not expect NULL",
    }
    severity = "error"
    INVALID = [
        Invalid(
            """
            from alembic import op
            import sqlalchemy as sa

            revision = '4a5b6c7d8e9f'
            down_revision = 'b8660621f1b9'


            def upgrade():
                op.alter_column('volumes', 'use_quota', existing_type=sa.Boolean,  # expect: UPG304
                                nullable=False)
            """,
            path="cinder/db/migrations/versions/4a5b6c7d8e9f_use_quota_not_null.py",
        ),
        Invalid(
            """
            from alembic import op
            import sqlalchemy as sa

            revision = '5b6c7d8e9f0a'
            down_revision = '4a5b6c7d8e9f'


            def upgrade():
                with op.batch_alter_table('tags') as batch_op:
                    batch_op.alter_column('tag', type_=sa.String(32),  # expect: UPG304
                                          existing_type=sa.String(60))
            """,
            path="cinder/db/migrations/versions/5b6c7d8e9f0a_narrow_tag.py",
        ),
        Invalid(
            """
            import sqlalchemy as sa

            revision = '6c7d8e9f0a1b'
            down_revision = '5b6c7d8e9f0a'


            def upgrade():
                volumes = sa.Table('volumes', sa.MetaData(), autoload_with=None)
                volumes.c.bootable.alter(type=sa.Integer)  # expect: UPG304
            """,
            path="cinder/db/migrations/versions/6c7d8e9f0a1b_bootable_int.py",
        ),
        Invalid(
            """
            from alembic import op

            revision = '7d8e9f0a1b2c'
            down_revision = '6c7d8e9f0a1b'


            def upgrade():
                op.execute('ALTER TABLE networks MODIFY mtu INTEGER NOT NULL')  # expect: UPG304
            """,
            path="cinder/db/migrations/versions/7d8e9f0a1b2c_mtu.py",
        ),
    ]
    VALID = [
        Valid(
            """
            from alembic import op
            import sqlalchemy as sa

            revision = '4a5b6c7d8e9f'
            down_revision = 'b8660621f1b9'


            def upgrade():
                op.alter_column('volumes', 'display_name', existing_type=sa.String(255),
                                server_default='', comment='shown in the dashboard')
            """,
            path="cinder/db/migrations/versions/4a5b6c7d8e9f_comment.py",
        ),
        Valid(
            """
            from alembic import op
            import sqlalchemy as sa

            revision = '5b6c7d8e9f0a'
            down_revision = '4a5b6c7d8e9f'


            def upgrade():
                op.add_column('volumes', sa.Column('cluster', sa.String(64), nullable=True))
                op.alter_column('volumes', 'cluster', nullable=False, server_default='default')
            """,
            path="cinder/db/migrations/versions/5b6c7d8e9f0a_cluster.py",
        ),
    ]


class DropConstraintOrIndex(_MigrationRule, Rule):
    """
    ## What it does
    Checks for constraint and index drops in `upgrade()` outside a contract
    phase: `op.drop_constraint`, `op.drop_index`, their `batch_op` forms,
    sqlalchemy-migrate `Index(...)` / `ForeignKeyConstraint(...)` /
    `UniqueConstraint(...)` / `PrimaryKeyConstraint(...)` `.drop()`, neutron
    `remove_foreign_keys` / `remove_fks_from_table`, and raw `DROP INDEX`,
    `DROP FOREIGN KEY`, `DROP CONSTRAINT`, `DROP PRIMARY KEY`.

    Severity follows the risk: an error in an expand directory or branch
    (neutron and keystone forbid drops there); elsewhere a warning for unique,
    primary-key and unknown constraints, info for indexes, foreign keys and
    check constraints (performance or integrity only), and info when the same
    kind of constraint is re-created on the table later in the same `upgrade()`
    (a swap). Constraints that go with a column or table drop reported by
    UPG301/UPG302 are not reported twice.

    ## Why is this bad?
    Dropping a constraint rarely breaks N-1 code outright, but N-1 code may rely
    on it (a unique constraint that turns a duplicate into an IntegrityError it
    handles), and dropping an index can turn N-1 queries into full scans.

    ## Example
    See below.

    ## Use instead
    See below.

    ## How to allow
    neutron `expand_drop_exceptions()` listing the index's table under
    `sa.Index` or the constraint's name under `sa.Constraint` (with a docstring),
    the contract phase, the project's exception lists, config and
    `# noqa: UPG305  <reason>`.
    `# upgradelint: allow-contract[UPG305] <reason>` on the statement (or on a
    comment line just above it) works as well.

    ## Fix safety
    No automatic fix.

    ## References
    - neutron, expand and contract: https://docs.openstack.org/neutron/latest/contributor/alembic_migrations.html
    - keystone, database migrations: https://docs.openstack.org/keystone/latest/contributor/database-migrations.html
    """

    code = "UPG305"
    name = "drop-constraint-or-index"
    message = "drops {what} '{name}' on '{table}' in upgrade(){where}; N-1 code may rely on it"
    messages = {"swap": "drops and re-creates {what} '{name}' on '{table}' in upgrade(): check the definition "
                        "N-1 code relies on is kept"}
    severity = "warning"
    INVALID = [
        Invalid(
            """
            from alembic import op

            revision = 'a1b2c3d4e5f7'
            down_revision = 'fc153938cdc1'


            def upgrade():
                op.drop_constraint('uniq_ports0mac', 'ports', type_='unique')  # expect: UPG305
            """,
            path="neutron/db/migration/alembic_migrations/versions/2026.1/expand/a1b2c3d4e5f7_drop_uniq.py",
        ),
        Invalid(
            """
            from alembic import op

            revision = 'd1e2f3a4b5c6'
            down_revision = '9ab1b092a404'


            def upgrade():
                with op.batch_alter_table('volumes') as batch_op:
                    batch_op.drop_index('volumes_service_uuid_idx')  # expect: UPG305
            """,
            path="cinder/db/migrations/versions/d1e2f3a4b5c6_drop_index.py",
        ),
        Invalid(
            """
            import sqlalchemy as sa

            revision = 'e2f3a4b5c6d7'
            down_revision = 'd1e2f3a4b5c6'


            def upgrade():
                volumes = sa.Table('volumes', sa.MetaData(), autoload_with=None)
                sa.Index('volumes_service_uuid_idx', volumes.c.service_uuid).drop()  # expect: UPG305
            """,
            path="cinder/db/migrations/versions/e2f3a4b5c6d7_drop_index.py",
        ),
        Invalid(
            """
            from alembic import op

            revision = 'f3a4b5c6d7e8'
            down_revision = 'e2f3a4b5c6d7'


            def upgrade():
                op.execute('ALTER TABLE volumes DROP FOREIGN KEY volumes_ibfk_1')  # expect: UPG305
            """,
            path="cinder/db/migrations/versions/f3a4b5c6d7e8_drop_fk.py",
        ),
    ]
    VALID = [
        Valid(
            """
            from alembic import op
            import sqlalchemy as sa

            revision = '0aefee21cd87'
            down_revision = '93f394357a27'


            def upgrade():
                op.drop_index('ix_ports_id', 'ports')


            def expand_drop_exceptions():
                \"\"\"Drop the redundant index: the primary key already indexes the column.\"\"\"
                return {sa.Index: ['ports']}
            """,
            path="neutron/db/migration/alembic_migrations/versions/2026.1/expand/0aefee21cd87_drop_index.py",
        ),
        Valid(
            """
            from alembic import op

            revision = '99de3849d860'
            down_revision = 'c88cdce8f248'


            def upgrade():
                with op.batch_alter_table('access_rule') as batch_op:
                    batch_op.drop_constraint('access_rule_external_id_key', type_='unique')
            """,
            path="keystone/common/sql/migrations/versions/2026.1/contract/99de3849d860_drop_uniq.py",
        ),
    ]


class DataMigrationInSchemaMigration(_MigrationRule, Rule):
    """
    ## What it does
    Checks for data changes in the `upgrade()` of a schema migration:
    `op.execute(table.update()/insert()/delete())`, the same through
    `connection`/`bind`/`session.execute(...)`, `sa.update(table)`,
    `session.query(...).update()/.delete()`, sqlalchemy-migrate
    `table.update().execute()`, `op.bulk_insert` into a table this `upgrade()`
    did not create, raw `UPDATE` / `INSERT` / `DELETE` text, and imports of the
    application's models (`from <project>.db... import models`).

    glance `data_migrations/` and keystone `data_migration_repo/` are data
    migrations by design and are not checked; `CREATE TRIGGER` (the glance and
    keystone expand pattern) is not data.

    ## Why is this bad?
    A backfill in a schema migration runs in one long transaction that holds
    row locks, races with N-1 services that keep writing the old way, and makes
    the schema upgrade as slow as the biggest table. Application models change
    over time, so importing them makes an old migration run against tomorrow's
    code.

    ## Example
    See below.

    ## Use instead
    See below.

    ## How to allow
    Move the backfill to an online data migration (`nova-manage db
    online_data_migrations`, cinder/ironic the same, glance `data_migrations`,
    keystone expand triggers), or add `# noqa: UPG306  <reason>` when the table
    is tiny or new and no N-1 service writes it.
    `# upgradelint: allow-contract[UPG306] <reason>` on the statement (or on a
    comment line just above it) works as well.

    ## Fix safety
    No automatic fix.

    ## References
    - nova, code review guide (data migrations): https://docs.openstack.org/nova/latest/contributor/code-review.html
    - glance, database migrations: https://docs.openstack.org/glance/latest/contributor/database_migrations.html
    """

    code = "UPG306"
    name = "data-migration-in-schema-migration"
    message = ("{verb} on '{table}' in a schema migration's upgrade(): a long transaction racing N-1 writers; "
               "move it to an online data migration")
    messages = {"model_import": "imports application code '{module}' in a migration: it runs against future "
                                "code; copy the table definition into the migration"}
    severity = "warning"
    INVALID = [
        Invalid(
            """
            from alembic import op
            import sqlalchemy as sa
            from sqlalchemy.sql import null

            revision = 'c14cef6dfedf'
            down_revision = 'dd67b91a1981'


            def upgrade():
                node = sa.sql.table('nodes', sa.sql.column('network_interface', sa.String(255)))
                op.execute(node.update().where(  # expect: UPG306
                    node.c.network_interface == null()).values({'network_interface': 'flat'}))
            """,
            path="ironic/db/sqlalchemy/alembic/versions/c14cef6dfedf_populate_iface.py",
        ),
        Invalid(
            """
            from alembic import op

            revision = 'd25def6dfee0'
            down_revision = 'c14cef6dfedf'


            def upgrade():
                op.execute("UPDATE ports SET pxe_enabled = 1 WHERE pxe_enabled IS NULL")  # expect: UPG306
            """,
            path="ironic/db/sqlalchemy/alembic/versions/d25def6dfee0_pxe_enabled.py",
        ),
        Invalid(
            """
            from alembic import op
            import sqlalchemy as sa

            revision = 'e36ef07e0ff1'
            down_revision = 'd25def6dfee0'


            def upgrade():
                specs = sa.Table('share_type_extra_specs', sa.MetaData(), autoload_with=op.get_bind())
                op.bulk_insert(specs, [{'spec_key': 'snapshot_support', 'spec_value': 'True'}])  # expect: UPG306
            """,
            path="ironic/db/sqlalchemy/alembic/versions/e36ef07e0ff1_specs.py",
        ),
    ]
    VALID = [
        Valid(
            """
            from alembic import op
            import sqlalchemy as sa

            revision = 'a1b2c3d4e5f6'
            down_revision = 'c14cef6dfedf'


            def upgrade():
                zones = op.create_table(
                    'availability_zones',
                    sa.Column('id', sa.String(36), primary_key=True),
                    sa.Column('name', sa.String(255)),
                )
                op.bulk_insert(zones, [{'id': '1', 'name': 'nova'}])
            """,
            path="ironic/db/sqlalchemy/alembic/versions/a1b2c3d4e5f6_zones.py",
        ),
        Valid(
            """
            from sqlalchemy import MetaData, Table


            def has_migrations(engine):
                return True


            def migrate(engine):
                images = Table('images', MetaData(), autoload_with=engine)
                engine.execute(images.update().values(os_hidden=False))
            """,
            path="glance/db/sqlalchemy/alembic_migrations/data_migrations/2026_1_migrate01_hidden.py",
        ),
    ]


class TableRewriteLock(_MigrationRule, Rule):
    """
    ## What it does
    Checks `upgrade()` for DDL that rebuilds or locks a whole existing table:
    raw `ALTER TABLE ... CONVERT TO CHARACTER SET`, `ENGINE=`, `ROW_FORMAT=`,
    `OPTIMIZE TABLE`, adding or dropping a primary key (warning); and, as info,
    `create_foreign_key` / `create_unique_constraint` on an existing table
    (MySQL validates every row; PostgreSQL takes SHARE ROW EXCLUSIVE; N-1
    writers may violate a new unique constraint). Retypes are UPG304's.
    Tables created in the same `upgrade()`, constraints on columns it added and
    initial revisions are not reported.

    ## Why is this bad?
    MySQL copies the table for these statements and blocks writes (or takes a
    long metadata lock) for the duration: on a big table the API of every
    service, old and new, stalls during the upgrade.

    ## Example
    See below.

    ## Use instead
    See below.

    ## How to allow
    Release-note the lock and run the change in a maintenance window or the
    contract phase; mark it with `# noqa: UPG307  <reason>`.
    `# upgradelint: allow-contract[UPG307] <reason>` on the statement (or on a
    comment line just above it) works as well.

    ## Fix safety
    No automatic fix.

    ## References
    - MySQL online DDL operations: https://dev.mysql.com/doc/refman/8.0/en/innodb-online-ddl-operations.html
    - PostgreSQL explicit locking: https://www.postgresql.org/docs/current/explicit-locking.html
    """

    code = "UPG307"
    name = "table-rewrite-lock"
    message = "{how} on '{table}' in upgrade() rebuilds the table: MySQL blocks writes while it copies"
    messages = {
        "primary_key": "{how} on '{table}' in upgrade() rebuilds the table: MySQL blocks writes while it copies",
        "foreign_key": "create_foreign_key on existing table '{table}' validates every row under lock",
        "unique": "create_unique_constraint on existing table '{table}': a table scan under lock, and N-1 "
                  "writers may insert duplicates",
    }
    severity = "warning"
    INVALID = [
        Invalid(
            """
            from alembic import op

            revision = 'd553edeb540f'
            down_revision = 'ad80a9f07c5c'


            def upgrade():
                op.execute('ALTER TABLE tags CONVERT TO CHARACTER SET utf8mb4 '  # expect: UPG307
                           'COLLATE utf8mb4_bin')
            """,
            path="neutron/db/migration/alembic_migrations/versions/2026.1/expand/d553edeb540f_tag_case.py",
        ),
        Invalid(
            """
            import sqlalchemy as sa

            revision = 'c1fd28861bb9'
            down_revision = 'b2ad35726bb0'


            def upgrade():
                bind = None
                for table in ('nodes', 'ports'):
                    bind.execute(sa.text(f"ALTER TABLE {table} ENGINE=InnoDB"))  # expect: UPG307
            """,
            path="ironic/db/sqlalchemy/alembic/versions/c1fd28861bb9_engine.py",
        ),
        Invalid(
            """
            from alembic import op

            revision = 'e8ea58723178'
            down_revision = '829a09b0ddd4'


            def upgrade():
                op.create_primary_key('DRIVERS_PRIVATE_PK', 'drivers_private_data',  # expect: UPG307
                                      ['entity_uuid', 'key'])
            """,
            path="manila/db/migrations/alembic/versions/e8ea58723178_pk.py",
        ),
    ]
    VALID = [
        Valid(
            """
            from alembic import op
            import sqlalchemy as sa

            revision = 'a1b2c3d4e5f8'
            down_revision = 'd553edeb540f'


            def upgrade():
                op.create_table('tag_links', sa.Column('id', sa.Integer), mysql_engine='InnoDB')
                op.execute('ALTER TABLE tag_links CONVERT TO CHARACTER SET utf8mb4')
                op.create_primary_key('tag_links_pk', 'tag_links', ['id'])
            """,
            path="neutron/db/migration/alembic_migrations/versions/2026.1/expand/a1b2c3d4e5f8_links.py",
        ),
        Valid(
            """
            from alembic import op

            revision = 'b1c2d3e4f5a7'
            down_revision = '5c85685d616d'


            def upgrade():
                op.execute('ALTER TABLE tags CONVERT TO CHARACTER SET utf8mb4')
            """,
            path="neutron/db/migration/alembic_migrations/versions/newton/contract/b1c2d3e4f5a7_charset.py",
        ),
    ]


class AddRequiredColumn(_MigrationRule, Rule):
    """
    ## What it does
    Checks for `add_column` of a `nullable=False` column with no
    `server_default` on an existing table (alembic, batch, sqlalchemy-migrate
    `create_column`, raw `ADD COLUMN ... NOT NULL` without `DEFAULT`).
    `default=` is applied by SQLAlchemy in Python and does not count.

    **Off by default**: clean additive migrations in neutron and ironic add such
    columns on purpose. Enable it with `[tool.upgradelint] severity =
    {UPG308 = "warning"}` (or `"error"`), or by selecting the code explicitly
    (`--select UPG308`, `extend-select = ["UPG308"]`).

    ## Why is this bad?
    N-1 services do not know the column and omit it from their INSERTs; without
    a database default, MySQL in strict mode rejects every such INSERT
    ("Field doesn't have a default value"), and on a populated table the ALTER
    itself may fail.

    ## Example
    See below.

    ## Use instead
    See below.

    ## How to allow
    Give the column a `server_default`, or add it nullable and tighten it in a
    later release (UPG304). `# noqa: UPG308  <reason>` for a table only the
    new release writes.

    ## Fix safety
    No automatic fix.

    ## References
    - squawk, adding-required-field: https://squawkhq.com/docs/adding-required-field
    """

    code = "UPG308"
    name = "add-required-column"
    message = ("adds NOT NULL column '{table}.{column}' without server_default{python_default}: N-1 INSERTs that "
               "omit it fail; add a server_default or make it nullable")
    severity = "warning"
    enabled_by_default = False
    INVALID = [
        Invalid(
            """
            from alembic import op
            import sqlalchemy as sa

            revision = '2d0e11c2a3b4'
            down_revision = 'c14cef6dfedf'


            def upgrade():
                op.add_column('nodes', sa.Column('shard', sa.String(255), nullable=False,  # expect: UPG308
                                                 default='default'))
            """,
            path="ironic/db/sqlalchemy/alembic/versions/2d0e11c2a3b4_shard.py",
            config={"severity": {"UPG308": "warning"}},
        ),
        Invalid(
            """
            from alembic import op
            import sqlalchemy as sa

            revision = '3e1f22d3b4c5'
            down_revision = '2d0e11c2a3b4'


            def upgrade():
                with op.batch_alter_table('nodes') as batch_op:
                    batch_op.add_column(sa.Column('shard', sa.String(255), nullable=False))  # expect: UPG308
            """,
            path="ironic/db/sqlalchemy/alembic/versions/3e1f22d3b4c5_shard.py",
            config={"severity": {"UPG308": "warning"}},
        ),
    ]
    VALID = [
        Valid(
            """
            from alembic import op
            import sqlalchemy as sa

            revision = '2d0e11c2a3b4'
            down_revision = 'c14cef6dfedf'


            def upgrade():
                op.add_column('nodes', sa.Column('shard', sa.String(255), nullable=False,
                                                 server_default='default'))
            """,
            path="ironic/db/sqlalchemy/alembic/versions/2d0e11c2a3b4_shard.py",
            config={"severity": {"UPG308": "warning"}},
        ),
    ]

    def check(self, ctx: Context):
        cfg = ctx.config
        if self.code not in cfg.severity and self.code not in cfg.select:
            return  # off by default
        super().check(ctx)



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



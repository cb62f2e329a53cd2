"""New migrations between the two refs, in the order they run: phase, one
line per operation, the locks they take, and the findings they carry.

A migration is new when its revision is not in the base tree's versions
directory (file names do not count: a compacted tree reuses paths and git's
rename detection pairs unrelated files). The branch (expand/contract) comes
from the same signals the migration rules use: the directory, glance-style
names, and ``branch_labels`` inherited along ``down_revision``."""

from __future__ import annotations

import posixpath
import re

from upgradelint.frontends.report.model import Lock, MigrationChange

_GLANCE = re.compile(r"(^|_)(expand|contract|migrate)\d*(_|$)")
_DATA_DIRS = ("data_migrations", "data_migration_repo")
# the documented commands of the projects with branches (spec: migrations.md)
_COMMANDS = {
    "neutron": {"expand": "neutron-db-manage upgrade --expand", "contract": "neutron-db-manage upgrade --contract"},
    "glance": {"expand": "glance-manage db expand", "data": "glance-manage db migrate",
               "contract": "glance-manage db contract"},
    "keystone": {"expand": "keystone-manage db_sync --expand", "data": "keystone-manage db_sync --migrate",
                 "contract": "keystone-manage db_sync --contract"},
}
_STEPS = {"expand": "expand: online, while the base release's services still run",
          "data": "data migration: between expand and contract",
          "contract": "contract: once every service runs the new release"}

# op -> (MySQL InnoDB, PostgreSQL), for operations on tables that existed before the migration
_LOCKS = {
    "add_column": ("INSTANT (8.0.29+; 8.0.12+ as the last column)", "ACCESS EXCLUSIVE, brief (no rewrite, PG11+)"),
    "drop_column": ("INSTANT 8.0.29+, else INPLACE rebuild, DML allowed", "ACCESS EXCLUSIVE, brief"),
    "drop_table": ("metadata lock, brief", "ACCESS EXCLUSIVE"),
    "rename_table": ("INSTANT", "ACCESS EXCLUSIVE, brief"),
    "rename_column": ("INSTANT 8.0.28+ / INPLACE, no rebuild", "ACCESS EXCLUSIVE, brief"),
    "create_index": ("INPLACE, DML allowed", "SHARE: blocks writes (unless CONCURRENTLY)"),
    "drop_index": ("INPLACE, metadata only", "ACCESS EXCLUSIVE (unless CONCURRENTLY)"),
    "create_unique_constraint": ("INPLACE index build, DML allowed", "ACCESS EXCLUSIVE"),
    "create_foreign_key": ("COPY unless foreign_key_checks=0: blocks writes",
                           "SHARE ROW EXCLUSIVE on both tables, plus a scan"),
    "create_primary_key": ("INPLACE rebuild", "ACCESS EXCLUSIVE, plus an index build"),
    "create_check_constraint": ("INPLACE", "ACCESS EXCLUSIVE, plus a scan"),
    "drop_constraint": ("INPLACE (a primary key: COPY, blocks writes)", "ACCESS EXCLUSIVE, brief"),
    "remove_foreign_keys": ("INPLACE", "ACCESS EXCLUSIVE, brief"),
    "rebuild_table": ("COPY or INPLACE rebuild of the whole table", "n/a (MySQL statement)"),
    "alter_enum_add_value": ("INSTANT when appended", "cannot run in a transaction before PG12"),
    "dml": ("row locks for the transaction", "row locks for the transaction"),
    "bulk_insert": ("row locks for the transaction", "row locks for the transaction"),
}
_ALIASES = {"drop_table_if_exists": "drop_table", "rename_table_if_exists": "rename_table",
            "alter_column_if_exists": "alter_column", "add_column_if_not_exists": "add_column",
            "create_table_if_not_exists": "create_table", "remove_fks_from_table": "remove_foreign_keys"}
_CONTRACT = {"drop_column", "drop_table", "rename_table", "rename_column", "drop_constraint", "drop_index",
             "remove_foreign_keys"}
_EXPAND = {"create_table", "add_column", "create_index", "create_unique_constraint", "create_foreign_key",
           "create_primary_key", "create_check_constraint", "alter_enum_add_value", "rebuild_table"}
# the positions of alembic's arguments (batch operations drop the table)
_SIGNATURES = {
    "drop_column": ("table", "column"), "alter_column": ("table", "column"), "add_column": ("table", "column"),
    "drop_table": ("table",), "create_table": ("table",), "rename_table": ("table", "new"),
    "drop_constraint": ("name", "table", "type"), "drop_index": ("name", "table"),
    "create_index": ("name", "table", "columns"), "create_unique_constraint": ("name", "table", "columns"),
    "create_check_constraint": ("name", "table", "condition"), "create_primary_key": ("name", "table", "columns"),
    "create_foreign_key": ("name", "table", "referent", "local", "remote"), "bulk_insert": ("table", "rows"),
    "rename_column": ("table", "column", "new"),
}


def versions_root(path: str) -> str:
    parts = path.split("/")
    if "versions" in parts:
        i = len(parts) - 1 - parts[::-1].index("versions")
        return "/".join(parts[: i + 1])
    return posixpath.dirname(path)


def _key(path: str, mig) -> tuple:
    return versions_root(path), mig.revision or posixpath.basename(path)


def _name(op) -> str:
    return _ALIASES.get(op.name, op.name)


def _arg(op, what: str):
    sig = _SIGNATURES.get(_name(op), ())
    if op.receiver == "batch":
        sig = tuple(s for s in sig if s != "table")
    if what == "table":
        return op.table
    if what == "column" and op.get("column"):
        return op.get("column")
    if what in sig and sig.index(what) < len(op.args):
        return op.args[sig.index(what)]
    return None


def _type(t) -> str:
    if isinstance(t, tuple) and len(t) == 2 and isinstance(t[0], str):
        args = ", ".join(str(a) for a in t[1] if a is not None)
        return f"{t[0]}({args})" if args else t[0]
    return "?" if t is None else str(t)


def _cols(v) -> str:
    return ", ".join(str(c) for c in v) if isinstance(v, (list, tuple)) else "?"


def describe(op) -> str | None:
    """One line for an operation; None for calls that are no schema or data operation."""
    name, table = _name(op), op.table or "?"
    col = _arg(op, "column")
    via = " (SQL)" if op.receiver == "sql" else ""
    if name == "add_column":
        bits = [_type(op.get("type_")) if op.has("type_") else None,
                "nullable" if op.get("nullable", True) is not False else "NOT NULL",
                "server_default" if op.get("server_default") else None]
        return f"add_column {table}.{col or '?'} ({', '.join(b for b in bits if b)}){via}"
    if name == "create_table":
        return f"create_table {table} ({_cols(op.get('columns'))})"
    if name in ("drop_column", "drop_table"):
        return f"{name} {table}{'.' + str(col) if name == 'drop_column' else ''}{via}"
    if name == "alter_column":
        return f"alter_column {table}.{col or '?'}: {_alter(op)}{via}"
    if name in ("rename_table", "rename_column"):
        what = table if name == "rename_table" else f"{table}.{col or '?'}"
        return f"{name} {what} -> {_arg(op, 'new') or '?'}{via}"
    if name in ("create_index", "create_unique_constraint", "create_primary_key"):
        return f"{name} {_arg(op, 'name') or '?'} on {table} ({_cols(_arg(op, 'columns'))}){via}"
    if name in ("drop_index", "drop_constraint", "create_check_constraint"):
        return f"{name} {_arg(op, 'name') or '?'} on {table}{via}"
    if name == "create_foreign_key":
        return (f"create_foreign_key {_arg(op, 'name') or '?'}: {table}({_cols(_arg(op, 'local'))}) -> "
                f"{_arg(op, 'referent') or '?'}({_cols(_arg(op, 'remote'))})")
    if name == "remove_foreign_keys":
        return f"remove_foreign_keys on {table}"
    if name == "dml":
        return f"{op.get('verb') or 'DML'} on {table}{via}"
    if name == "bulk_insert":
        return f"bulk_insert into {table}"
    if name == "rebuild_table":
        return f"rebuild {table}: {op.get('how') or '?'}{via}"
    if name == "alter_enum_add_value":
        return f"alter_enum_add_value on {table}"
    return None


def _alter(op) -> str:
    bits = []
    if op.get("new_column_name"):
        bits.append(f"rename to {op.get('new_column_name')}")
    if op.has("type_"):
        old = op.get("existing_type")
        bits.append(f"type {_type(old) + ' -> ' if old is not None else ''}{_type(op.get('type_'))}")
    nullable = op.get("nullable", "unset")
    if nullable is False:
        bits.append("NOT NULL")
    elif nullable is True:
        bits.append("nullable")
    if op.has("server_default"):
        bits.append("server_default")
    return ", ".join(bits) or "existing_* only"


def kind(op, created: set) -> str | None:
    """expand | contract | data for an operation (None: no schema or data operation)."""
    name = _name(op)
    if name == "bulk_insert":
        return "expand" if op.table in created else "data"
    if name == "dml":
        return "expand" if op.table in created else "data"
    if op.table is not None and op.table in created and name != "create_table":
        return "expand"  # anything on a table this migration creates
    if name in _CONTRACT:
        return "contract"
    if name == "alter_column":
        if op.get("new_column_name") or op.get("nullable") is False or (
                op.has("type_") and op.get("type_") != op.get("existing_type", -1)):
            return "contract"
        return "expand"
    return "expand" if name in _EXPAND else None


def _locks(op, created: set) -> list:
    name = _name(op)
    if op.table is None or op.table in created or name in ("create_table",):
        return []
    if name == "alter_column":
        return [_alter_lock(op)]
    pair = _LOCKS.get(name)
    return [Lock(op.table, name, *pair)] if pair else []


def _alter_lock(op) -> Lock:
    if op.has("type_") and op.get("type_") != op.get("existing_type", -1):
        return Lock(op.table, "alter_column (type)", "COPY: blocks writes (VARCHAR growth under 256 bytes: INPLACE)",
                    "ACCESS EXCLUSIVE, plus a rewrite unless binary-coercible")
    if op.get("nullable") is False:
        return Lock(op.table, "alter_column (NOT NULL)", "INPLACE rebuild, DML allowed",
                    "ACCESS EXCLUSIVE, plus a full scan")
    if op.get("new_column_name"):
        return Lock(op.table, "alter_column (rename)", *_LOCKS["rename_column"])
    return Lock(op.table, "alter_column", "INPLACE rebuild, DML allowed", "ACCESS EXCLUSIVE, brief")


def branch_of(path: str, mig, tree: dict) -> str | None:
    """expand | contract | data for projects with branches, None for a single branch."""
    parts = path.split("/")
    if any(d in parts for d in _DATA_DIRS):
        return "data"
    stem = posixpath.splitext(parts[-1])[0]
    for label in ("contract", "expand"):
        if label in parts or f"{label}_repo" in parts:
            return label
    m = _GLANCE.search(stem)
    if m:
        return {"migrate": "data"}.get(m.group(2), m.group(2))
    by_rev = {mm.revision: mm for p, mm in tree.items() if mm.revision and versions_root(p) == versions_root(path)}
    seen, todo = set(), [mig]
    while todo:
        m_ = todo.pop()
        for lbl in m_.branch_labels:
            if lbl in ("expand", "contract") or lbl.endswith(("EXPAND_BRANCH", "CONTRACT_BRANCH")):
                return "contract" if "ONTRACT" in lbl.upper() else "expand"
        for rev in m_.down_revisions:
            if rev in by_rev and rev not in seen:
                seen.add(rev)
                todo.append(by_rev[rev])
    return None


def step_of(path: str, branch: str | None) -> str | None:
    if branch is None:
        return None
    cmd = _COMMANDS.get(path.split("/", 1)[0], {}).get(branch)
    return f"{_STEPS[branch]} ({cmd})" if cmd else _STEPS[branch]


def phase_of(kinds: set) -> str:
    schema = kinds & {"expand", "contract"}
    if "data" in kinds:
        return "mixed" if schema else "data"
    if "contract" in kinds:
        return "contract"
    return "expand" if kinds else "empty"


def _ordered(new: dict) -> list:
    """Parents first within each versions directory, then by path."""
    revs = {m.revision: p for p, m in new.items() if m.revision}
    done: list = []
    placed: set = set()

    def place(p, trail=()):
        if p in placed or p in trail:
            return
        for rev in new[p].down_revisions:
            if rev in revs:
                place(revs[rev], trail + (p,))
        placed.add(p)
        done.append(p)

    for p in sorted(new, key=lambda p: (versions_root(p), p)):
        place(p)
    return done


def migration_changes(a, b) -> tuple[list[MigrationChange], list, list]:
    """(new migrations in order, (path, revision) of base migrations gone at the
    head, paths of base migrations whose upgrade() the head edited). Their
    findings are attached once the findings are known."""
    old = {_key(p, m): (p, m) for p, m in a.migrations.items()}
    cur = {_key(p, m): (p, m) for p, m in b.migrations.items()}
    new = {p: m for k, (p, m) in cur.items() if k not in old}
    gone = [(p, m.revision) for k, (p, m) in sorted(old.items()) if k not in cur]
    edited = sorted(p for k, (p, m) in cur.items() if k in old and old[k][1].upgrade_code != m.upgrade_code)
    out = []
    for p in _ordered(new):
        out.append(_entry(p, new[p], b.migrations))
    return out, gone, edited


def _entry(path: str, mig, tree: dict) -> MigrationChange:
    created: set = set()
    kinds: set = set()
    lines, locks = [], []
    for op in mig.ops:
        k = kind(op, created)
        if _name(op) == "create_table" and op.table:
            created.add(op.table)
        line = describe(op)
        if line is None:
            continue
        lines.append(line)
        if k:
            kinds.add(k)
        for lk in _locks(op, created):
            if lk not in locks:
                locks.append(lk)
    branch = branch_of(path, mig, tree)
    return MigrationChange(path, mig.revision, tuple(mig.down_revisions), phase_of(kinds), branch,
                           step_of(path, branch), lines, locks)

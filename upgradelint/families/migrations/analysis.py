"""What the migration rules judge by, shared across them and built once per run
(``ctx.analysis(MigrationAnalysis)``).

Whether a file may contract is decided by where it lives and what the project
declared (``MigrationAnalysis.contract_context``), never by what the file does.
Each migration's ``upgrade()`` is read as ``Step``s: its operations with what
ran before them (tables created, columns added). Where two rules could report
the same operation (a constraint dropped with its column or table, the shadow
twin of a dropped table, a primary key swap), ``MigrationFile`` decides which
operation stands on its own."""

from __future__ import annotations

import fnmatch
import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property

from upgradelint.core.rule import Context
from upgradelint.families.migrations import classify
from upgradelint.families.migrations.coltypes import TypeIndex
from upgradelint.families.migrations.facts import Migration, MigrationOp
from upgradelint.families.migrations.graph import RevisionGraph, stem
from upgradelint.families.migrations.history import GAP, SchemaHistory
from upgradelint.families.migrations.models import ModelIndex
from upgradelint.families.migrations.released import ReleasedMigrations

_GLANCE_CONTRACT = re.compile(r"(^|_)contract\d*(_|$)")
_GLANCE_EXPAND = re.compile(r"(^|_)expand\d*(_|$)")
_DATA_DIRS = ("data_migrations", "data_migration_repo")


def labels_contract(labels) -> bool:
    """Branch labels that name the contract branch."""
    return any(lbl == "contract" or lbl.endswith("CONTRACT_BRANCH") for lbl in labels)


def labels_expand(labels) -> bool:
    """Branch labels that name the expand branch."""
    return any(lbl == "expand" or lbl.endswith("EXPAND_BRANCH") for lbl in labels)


def glance_contract(name: str) -> bool:
    """A glance-style ``<release>_contract01`` script name."""
    return bool(_GLANCE_CONTRACT.search(name))


def _after(op, table, column, created: frozenset, added: frozenset) -> tuple[frozenset, frozenset]:
    """The tables created and columns added once ``op`` ran."""
    if op.name in classify.CREATE_TABLE:
        return created | {op.table}, added
    if classify.adds_column(op):
        return created, added | {(table, column)}
    return created, added


def runs_on(op: MigrationOp) -> set[str]:
    """The dialects an operation runs on (``if bind.engine.name == 'mysql':``)."""
    d = op.get("dialects")
    return set(d) if d is not None else {"mysql", "postgresql", "sqlite"}


@dataclass(frozen=True)
class Step:
    """One operation of ``upgrade()``, with what the same ``upgrade()`` did before it."""

    op: MigrationOp
    index: int  # position in Migration.ops
    table: str | None
    column: str | None
    created_before: frozenset  # tables created earlier (None for a table of unknown name)
    added_before: frozenset  # (table, column) added earlier

    @property
    def fresh(self) -> bool:
        """On a table this upgrade() created: nobody else uses it yet."""
        return self.table is not None and self.table in self.created_before

    @property
    def column_added(self) -> bool:
        """On a column this upgrade() added."""
        return (self.table, self.column) in self.added_before

    @property
    def shown_table(self) -> str:
        return self.table or "?"

    @property
    def shown_column(self) -> str:
        return self.column or "?"

    @property
    def qualified(self) -> str:
        """``table.column`` as findings name it."""
        return f"{self.shown_table}.{self.shown_column}"


@dataclass(frozen=True)
class ConstraintDrop:
    """A constraint or index drop that stands on its own (not part of a table or
    column drop, not a declared exception)."""

    name: str | None
    kind: str | None  # index / foreignkey / unique / primary / check (classify.constraint_kind)
    recreated: bool  # created again later in the same upgrade(): a swap


class MigrationFile:
    """One migration script whose ``upgrade()`` is judged, and the sets derived
    from its operations."""

    def __init__(self, analysis: "MigrationAnalysis", path: str, mig: Migration):
        self.analysis = analysis
        self.path = path
        self.mig = mig
        self.parts = path.split("/")
        self.initial = analysis.graph.is_initial(path)
        self.data_dir = any(d in self.parts for d in _DATA_DIRS)

    @cached_property
    def contract(self) -> bool:
        """May this migration contract (drop, rename, retype)?"""
        return self.analysis.contract_context(self.path)

    @cached_property
    def expand(self) -> bool:
        """Is it in an expand phase (where nothing may contract)?"""
        return not self.contract and self.analysis.expand_context(self.path)

    @cached_property
    def steps(self) -> tuple[Step, ...]:
        """The operations, in order, without those that run only on SQLite (never a
        production database). nova-style ``shadow_*`` tables are judged like any
        other: their DDL runs on the live database (``shadow_twin`` keeps the twin
        of a drop or rename reported on the main table from counting twice)."""
        created: frozenset = frozenset()
        added: frozenset = frozenset()
        out = []
        base = self.analysis.base_signatures(self.path)  # diff mode: judge only what a rewrite adds
        for i, op in enumerate(self.mig.ops):
            table, column = classify.op_column(op)
            sig = classify.op_signature(op) if base else None
            if sig is not None and base[sig] > 0:
                base[sig] -= 1
                created, added = _after(op, table, column, created, added)
                continue
            if runs_on(op) <= {"sqlite"}:
                continue
            out.append(Step(op, i, table, column, created, added))
            created, added = _after(op, table, column, created, added)
        return tuple(out)

    @cached_property
    def model_imports(self) -> tuple:
        """(module, Span) of application modules the script imports; in diff mode
        only those the base version did not import already."""
        old = self.analysis.base_migration(self.path)
        known = {m for m, _ in old.model_imports} if old is not None else set()
        return tuple((m, span) for m, span in self.mig.model_imports if m not in known)

    @cached_property
    def dropped_columns(self) -> frozenset:
        return frozenset((op.table, classify.op_column(op)[1]) for op in self.mig.ops if op.name == "drop_column")

    @cached_property
    def dropped_tables(self) -> frozenset:
        return frozenset(op.table for op in self.mig.ops if op.name in classify.DROP_TABLE)

    def later(self, step: Step) -> tuple[MigrationOp, ...]:
        return self.mig.ops[step.index + 1:]

    def earlier(self, step: Step) -> tuple[MigrationOp, ...]:
        return self.mig.ops[:step.index]

    def shadow_twin(self, step: Step) -> bool:
        """A drop or rename on ``shadow_<table>`` that repeats the same one on
        ``<table>`` (reported there)."""
        table = step.table
        if not table or not table.startswith("shadow_"):
            return False
        main, op = table[len("shadow_"):], step.op
        if op.name == "drop_column":
            return (main, step.column) in self.dropped_columns
        if op.name in classify.RENAME_TABLE or op.name == "rename_column" or (
                op.name in classify.ALTER_COLUMN and op.get("new_column_name")):
            return any(o.table == main and o.name == op.name and classify.op_column(o)[1] == step.column
                       for o in self.mig.ops)
        return main in self.dropped_tables

    def swapped_in_later(self, step: Step) -> bool:
        """A table dropped and then replaced by a copy renamed to its name (the
        SQLite copy-and-swap rebuild): the table survives."""
        return bool(step.table) and any(o.name in classify.RENAME_TABLE and len(o.args) > 1 and
                                        o.args[1] == step.table for o in self.later(step))

    def readded_later(self, step: Step) -> MigrationOp | None:
        """The ``add_column`` that puts a dropped column back later in this upgrade(), if any."""
        return next((o for o in self.later(step) if classify.adds_column(o)
                     and (o.table, classify.op_column(o)[1]) == (step.table, step.column)), None)

    def table_recreated_later(self, step: Step) -> bool:
        return bool(step.table) and any(o.name in classify.CREATE_TABLE and o.table == step.table
                                        for o in self.later(step))

    def excepted(self, kind: str, name: str | None) -> bool:
        """Does the script's neutron-style ``expand_drop_exceptions()`` list this
        drop? ``kind``: Column (``name`` is ``table.column``), Table, Index (``name``
        is the table) or Constraint."""
        info = self.mig.exceptions.get("expand_drop_exceptions")
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

    def constraint_drop(self, step: Step) -> ConstraintDrop | None:
        """The constraint or index this step drops, when the drop stands on its
        own: None for other ops, on a table created here or dropped here, with a
        column dropped here, or listed in ``expand_drop_exceptions()``."""
        op, table = step.op, step.table
        if op.name not in classify.CONSTRAINT_DROPS or step.fresh or table in self.dropped_tables:
            return None
        cname = classify.constraint_name(op)
        if any(t == table and c and (cname is None or c in cname) for t, c in self.dropped_columns):
            return None  # goes with the column drop
        if op.name == "drop_index":
            if self.excepted("Index", table):
                return None
        elif self.excepted("Constraint", cname):
            return None
        kind = classify.constraint_kind(op, cname)
        recreated = any(classify.creates_constraint(o, kind) and (o.table == table or (
            cname and o.args and o.args[0] == cname)) for o in self.later(step))
        return ConstraintDrop(cname, kind, recreated)

    def primary_key_swap(self, step: Step) -> bool:
        """A primary key created after the same upgrade() dropped the table's
        primary key: MySQL rebuilds in place and keeps DML running."""
        return any(o.name == "drop_constraint" and o.table == step.table
                   and classify.constraint_kind(o, classify.constraint_name(o)) == "primary"
                   for o in self.earlier(step))

    def on_added_columns(self, step: Step) -> bool:
        """A constraint created on columns added earlier in this upgrade(): there
        are no rows to scan and no N-1 writer."""
        cols = {c for t, c in step.added_before if t == step.table}
        src = classify.constrained_columns(step.op)
        return isinstance(src, (list, tuple)) and bool(src) and all(c in cols for c in src)


class MigrationAnalysis:
    """Per-run migration state: the judged migrations, the model indexes, the
    project's exception lists, contract/expand context and column history."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self._by_root: dict[str, dict[str, Migration]] = {}

    # -- which migrations are judged ---------------------------------------------

    @cached_property
    def migrations(self) -> tuple[MigrationFile, ...]:
        """Every migration with an ``upgrade()``, by path; in diff mode not those
        whose ``upgrade()`` (and the helpers it calls) did not change: an edit
        outside ``upgrade()`` (or to its comments) is not judged."""
        out = []
        for path, facts in sorted(self.ctx.head.items()):
            mig = facts.migration
            if mig is None or not mig.has_upgrade or self.upgrade_unchanged(path):
                continue
            out.append(MigrationFile(self, path, mig))
        return tuple(out)

    @cached_property
    def schema_migrations(self) -> tuple[MigrationFile, ...]:
        """The judged migrations whose operations change a live schema: not the
        initial migration of a tree, not a data-migrations directory."""
        return tuple(f for f in self.migrations if not f.initial and not f.data_dir)

    def base_migration(self, path: str) -> Migration | None:
        """In diff mode, the base version of an existing migration; None otherwise."""
        ctx = self.ctx
        if ctx.diff is None:
            return None
        ch = ctx.diff.changes.get(path)
        if ch is None or ch.status == "A" or not ctx.base or path not in ctx.base:
            return None
        return ctx.base[path].migration

    def upgrade_unchanged(self, path: str) -> bool:
        """In diff mode, an existing migration whose upgrade() still performs the
        same operations: a reformat, ``.format()`` turned into an f-string, a
        call moved into a helper. When neither version performs an operation
        the linter recognises, its code is compared instead."""
        old = self.base_migration(path)
        if old is None:
            return False
        new = self.ctx.head[path].migration
        if not old.ops and not new.ops:
            return old.upgrade_code == new.upgrade_code
        return len(old.ops) == len(new.ops) and all(classify.same_operation(a, b) for a, b in zip(old.ops, new.ops))

    def base_signatures(self, path: str) -> Counter | None:
        """In diff mode, the operations the base version of an existing migration
        already performed (what a rewrite of it does not add); None otherwise."""
        old = self.base_migration(path)
        return Counter(classify.op_signature(o) for o in old.ops) if old is not None else None

    # -- the versions tree -------------------------------------------------------

    @cached_property
    def graph(self) -> RevisionGraph:
        """The order the head tree's migrations run in."""
        return RevisionGraph(self.ctx.head)

    def _inherited_labels(self, path: str, test) -> bool:
        """Does the migration, or an ancestor along down_revision in its tree,
        carry branch labels that pass ``test``?"""
        g = self.graph
        return any(test(g.migration(p).branch_labels) for p in (path, *g.ancestors(path)))

    @cached_property
    def released(self) -> ReleasedMigrations:
        """Which migrations are released history (state mode)."""
        return ReleasedMigrations(self.ctx, self.graph)

    def accepted(self, path: str) -> str | None:
        """Why a failing finding on this migration is only an accepted note
        (released history), or None."""
        port = self.ctx.head[path].migration.legacy_port
        if port is not None:
            return (f"ports legacy migration {port}: its body runs only where the legacy migrations never ran "
                    "(released history)")
        return self.released.reason(path)

    # -- contract and expand -----------------------------------------------------

    @cached_property
    def project_exceptions(self) -> dict[str, tuple]:
        """Exception lists the project keeps in its own migration tests: test
        file -> ((list name, repository or None, entry), ...)."""
        return {p: tuple(e if isinstance(e, tuple) and len(e) == 3 else ("exceptions", None, e)
                         for e in f.extra["migration_exceptions"])
                for p, f in sorted(self.ctx.head.items()) if f.extra.get("migration_exceptions")}

    @cached_property
    def offline_contract_test(self) -> str | None:
        """``path::test`` of the project's test that forbids offline contract
        migrations (neutron's ``test_forbid_offline_migrations_starting_newton``,
        through ``has_offline_migrations``); None where the project has none."""
        for p, f in sorted(self.ctx.head.items()):
            name = f.extra.get("offline_contract_test")
            if name:
                return f"{p}::{name}"
        return None

    def listed(self, path: str) -> bool:
        mig = self.ctx.head[path].migration
        name = stem(path)
        parts = path.split("/")
        for entries in self.project_exceptions.values():
            for _, scope, entry in entries:
                if scope and scope not in parts:
                    continue  # keystone: this list is about another repository
                if isinstance(entry, int):
                    m = re.match(r"^(\d+)_", name)
                    if m and int(m.group(1)) == entry:
                        return True
                elif entry and (entry == mig.revision or name.startswith(entry + "_") or entry == name):
                    return True
        return False

    def contract_context(self, path: str) -> bool:
        """Is this migration allowed to contract? Decided by where it lives, its
        branch and what the project declared, never by what it does."""
        parts = path.split("/")
        if "contract" in parts or "contract_repo" in parts:
            return True
        name = stem(path)
        if glance_contract(name):
            return True
        cfg = self.ctx.config
        if any(fnmatch.fnmatch(path, g) for g in cfg.contract_paths):
            return True
        mig = self.ctx.head[path].migration
        if mig.revision and "contract" in mig.revision:
            return True
        if any(a in (path, mig.revision, name) for a in cfg.allowed_migrations):
            return True
        if self.listed(path):
            return True
        # branch labels, inherited along down_revision within the same versions tree
        return self._inherited_labels(path, labels_contract)

    def expand_context(self, path: str) -> bool:
        parts = path.split("/")
        if "expand" in parts or "expand_repo" in parts or _GLANCE_EXPAND.search(stem(path)):
            return True
        return self._inherited_labels(path, labels_expand)

    # -- models ------------------------------------------------------------------

    @cached_property
    def models(self) -> ModelIndex:
        """What the head tree's models map."""
        return ModelIndex(_models(self.ctx.head))

    @cached_property
    def base_models(self) -> ModelIndex | None:
        """What the base tree's models map (unchanged model files read at head);
        None in full-tree mode."""
        ctx = self.ctx
        if ctx.diff is None:
            return None
        merged = {}
        for p, f in ctx.head.items():
            if "models" not in f.extra:
                continue
            ch = ctx.diff.changes.get(p)
            if ch is None:
                merged[p] = f
            elif ch.status != "A" and ctx.base and p in ctx.base:
                merged[p] = ctx.base[p]
        return ModelIndex(_models(merged))

    def mapping_severity(self, kind: str, table, column=None) -> tuple[str | None, str]:
        """(severity override or None, why) for a drop of a table (``kind``
        "table") or column, from whether the models map it."""
        head, base = self.models, self.base_models

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

    # -- column history ----------------------------------------------------------

    @cached_property
    def history(self) -> SchemaHistory:
        """What the schema looked like before each operation."""
        return SchemaHistory(self.graph)

    @cached_property
    def fk_targets(self) -> frozenset:
        """Tables other tables reference by foreign key, in any migration."""
        out = set()
        for p in self.graph.paths():
            for op in self.graph.migration(p).ops:
                out.update(op.get("references") or ())
                if op.name == "create_foreign_key":
                    out.add(classify.str_arg(op, 1 if op.receiver == "batch" else 2))
        out.discard(None)
        return frozenset(out)

    def lookup_table(self, path: str, step: Step) -> bool:
        """An enum lookup table (octavia's ``protocol``): seeded with literal rows by
        the migration that created it, and referenced by foreign key or modelled
        as names only (a ``Lookup*`` mixin, or no column but name/description)."""
        table = step.table
        created = self.history.creation(path, step.index, table)
        if created is None:
            return False
        p, i = created
        ops = self.graph.migration(p).ops
        if not any(o.name == "bulk_insert" and o.table == table and o.get("literal_rows") for o in ops[i + 1:]):
            return False
        if table in self.fk_targets:
            return True
        bases = self.models.bases.get(table, set())
        cols = self.models.tables.get(table)
        return any(b.startswith("Lookup") for b in bases) or (
            bool(cols) and cols <= {"name", "description", "id"})

    def shadow_table(self, table: str | None) -> bool:
        """A nova-style ``shadow_*`` table no model maps: only the archive command
        (``nova-manage db archive_deleted_rows``) reads or writes it, so a lock on
        it stalls no service."""
        return bool(table) and table.startswith("shadow_") and self.models.known and self.models.table(table) == "no"

    def backend_only_constraint(self, step: Step, name: str | None) -> bool:
        """A constraint dropped only where the inspector finds it, which no model
        (head, nor base in diff mode) declares by that name."""
        if not step.op.get("if_exists") or not name:
            return False
        declared = self.models.constraint_names | (self.base_models.constraint_names if self.base_models else set())
        return self.models.known and name not in declared

    @cached_property
    def types(self) -> TypeIndex:
        """The project's own column types (TypeDecorators and type factories)."""
        return TypeIndex([f.extra["column_types"] for f in self.ctx.head.values() if "column_types" in f.extra])

    def prior_nullable(self, path: str, step: Step):
        """Was the column nullable before this step? From the earlier operations,
        else (nothing known) from a primary key in the models; None if unknown,
        GAP when the history read has no trace of the column."""
        v = self.history.column_nullable(path, step.index, step.table, step.column)
        if (v is None or v is GAP) and step.column in self.models.primary_keys.get(step.table or "", ()):
            return False
        return v

    def charset(self, path: str, step: Step) -> str | None:
        """The MySQL charset of the step's table: declared or converted by an earlier
        operation, else declared by the models; None if unknown."""
        return self.history.table_charset(path, step.index, step.table) or \
            self.models.charsets.get(step.table or "")

    def prior_type(self, path: str, table, column, index: int = 0):
        """The column's type before operation ``index`` of this migration: the
        nearest earlier operation (in this upgrade(), then along down_revision)
        that created, added or retyped it; None if unknown."""
        return self.history.column_type(path, index, table, column)


def _models(facts_by_path: dict) -> list:
    return [f.extra["models"] for f in facts_by_path.values() if "models" in f.extra]

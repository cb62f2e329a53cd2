"""Migration facts.

Three kinds of file feed the UPG3xx rules:

- migration scripts (alembic or sqlalchemy-migrate): the operations their
  ``upgrade()`` runs, through module-level helpers too, in every spelling
  (``op.*``, ``batch_alter_table`` blocks, sqlalchemy-migrate ``Table``/``Column``
  methods, SQL text passed to any ``.execute(...)``, SQLAlchemy DML), plus their
  branch labels, dependencies and declared exceptions;
- SQLAlchemy model modules: which tables and columns the code maps, and
  nova-style ``REMOVED_COLUMNS``/``REMOVED_TABLES`` (``FileFacts.extra['models']``);
- modules defining project column types (``TypeDecorator`` classes, type
  factories): the SQL type behind each (``FileFacts.extra['column_types']``);
- the project's own migration tests: the exception lists it keeps there
  (cinder ``DROP_ALTER_EXCEPTIONS``, keystone ``BANNED_OP_EXCEPTIONS``, nova/heat
  ``exceptions``) (``FileFacts.extra['migration_exceptions']``), and whether
  a test forbids offline contract migrations (neutron's
  ``has_offline_migrations`` check, ``FileFacts.extra['offline_contract_test']``).

This module holds the facts' shape and which files feed the family;
``extract.py`` reads them (``collector.py`` walks ``upgrade()``,
``expressions.py`` evaluates what it finds there)."""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from upgradelint.core.model import Span
from upgradelint.core.paths import is_test_path

_PATH_RE = re.compile(r"(^|/)(alembic_migrations|alembic|migrations|migrate_repo|legacy_migrations|"
                      r"expand_repo|contract_repo|data_migration_repo)/versions/")
_TEST_FILES = ("test_migrations.py", "test_sql_banned_operations.py", "test_migration.py")
EXCEPTION_NAMES = ("DROP_ALTER_EXCEPTIONS", "BANNED_OP_EXCEPTIONS", "exceptions")
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
    # the legacy sqlalchemy-migrate version an alembic port replays, when upgrade() starts with
    # ``if not legacy_utils.is_migration_needed(N): return`` (designate, senlin)
    legacy_port: int | None = None


def is_migration_path(relpath: str) -> bool:
    return bool(_PATH_RE.search(relpath))


def versions_root(path: str) -> str:
    """The ``.../versions`` directory a migration file belongs to."""
    parts = path.split("/")
    if "versions" in parts:
        i = len(parts) - 1 - parts[::-1].index("versions")
        return "/".join(parts[: i + 1])
    return posixpath.dirname(path)


def _is_exception_test(relpath: str, text: str) -> bool:
    return relpath.rsplit("/", 1)[-1] in _TEST_FILES and (
        any(n in text for n in EXCEPTION_NAMES) or "has_offline_migrations" in text)


def is_model_module(relpath: str, text: str) -> bool:
    # BASEV2: neutron-lib's declarative base names tables after the class, without __tablename__
    return ("__tablename__" in text or "BASEV2" in text or "REMOVED_TABLES" in text
            or "REMOVED_COLUMNS" in text) and \
        bool(_MODEL_PATH.search("/" + relpath))


def is_type_module(relpath: str, text: str) -> bool:
    """A module that may define project column types (``TypeDecorator``s)."""
    return ("TypeDecorator" in text or "with_variant" in text) and bool(_MODEL_PATH.search("/" + relpath))


def prefilter(relpath: str, text: str) -> bool:
    if not relpath.endswith(".py") or relpath.endswith("__init__.py"):
        return False
    if is_test_path(relpath):
        return _is_exception_test(relpath, text)
    if "def upgrade" in text and (is_migration_path(relpath) or ("down_revision" in text and "revision" in text)):
        return True
    return (is_model_module(relpath, text) or is_type_module(relpath, text)) and not is_migration_path(relpath)


def context(root: str, head: dict, lister) -> list[str]:
    """A changed migration is judged with the rest of its versions tree
    (branch labels are inherited along down_revision), the project's models
    (does the code still map what it drops?) and its migration tests (exception
    lists)."""
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

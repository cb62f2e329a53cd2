"""UPG3xx: database migration rules."""

from __future__ import annotations

import fnmatch
import posixpath
import re

from upgradelint.rules import Context, Invalid, Rule, Valid

_GLANCE_CONTRACT = re.compile(r"(^|_)contract\d*(_|$)")


def versions_root(path: str) -> str:
    """The ``.../versions`` directory a migration file belongs to."""
    parts = path.split("/")
    if "versions" in parts:
        i = len(parts) - 1 - parts[::-1].index("versions")
        return "/".join(parts[: i + 1])
    return posixpath.dirname(path)


def _labels_contract(labels) -> bool:
    return any(lbl == "contract" or lbl.endswith("CONTRACT_BRANCH") for lbl in labels)


def contract_context(ctx: Context, path: str) -> bool:
    """Is this migration allowed to contract? Decided by where it lives and its
    branch, never by what it does."""
    parts = path.split("/")
    if "contract" in parts or "contract_repo" in parts:
        return True
    stem = posixpath.splitext(parts[-1])[0]
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
    # branch labels, inherited along down_revision within the same versions tree
    by_rev = migrations_by_revision(ctx, versions_root(path))
    seen = set()
    todo = [mig]
    while todo:
        m = todo.pop()
        if _labels_contract(m.branch_labels):
            return True
        for rev in m.down_revisions:
            if rev not in seen and rev in by_rev:
                seen.add(rev)
                todo.append(by_rev[rev])
    return False


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
    for key, values in entries.items():
        if key == kind or (kind == "Column" and key == "?"):
            if values is None or name is None or name in values:
                return True
    return False


class DropColumn(Rule):
    """
    ## What it does
    Checks for `op.drop_column` (and `batch_alter_table(...).drop_column`) in the
    `upgrade()` of an alembic migration, outside a contract phase.

    ## Why is this bad?
    During a rolling upgrade, services of release N-1 keep running against the
    upgraded schema. Their ORM models still map the column, so every query they
    make on the table selects it and fails with "Unknown column". A drop belongs
    in the contract phase, once no running code reads the column.

    ## Example
    See below.

    ## Use instead
    See below.

    ## How to allow
    Move the drop to the contract phase: a `contract/` directory or branch
    (neutron, keystone), a `<release>_contract01` script (glance), or a later
    release once the model stopped using the column. neutron-style
    `expand_drop_exceptions()` listing `'table.column'` under `sa.Column` is
    honoured, and so is `# noqa: UPG301` with a reason.

    ## Fix safety
    No automatic fix.

    ## References
    - nova, database migrations: https://docs.openstack.org/nova/latest/reference/database-migrations.html
    - neutron, expand and contract: https://docs.openstack.org/neutron/latest/contributor/alembic_migrations.html
    """

    code = "UPG301"
    name = "drop-column"
    message = ("drop_column('{table}', '{column}') in upgrade() breaks N-1 services that still map the column; "
               "move it to the contract phase")
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
    ]

    def check(self, ctx: Context):
        for path, facts in ctx.head.items():
            mig = facts.migration
            if mig is None or not mig.down_revisions:
                continue  # not a migration, or the initial revision
            if not any(op.name == "drop_column" for op in mig.ops):
                continue
            if contract_context(ctx, path):
                continue
            added_tables: set = set()
            added_columns: set = set()
            for op in mig.ops:
                if op.name == "create_table" and op.table:
                    added_tables.add(op.table)
                elif op.name == "add_column" and op.table:
                    added_columns.add((op.table, _column_name(op)))
                elif op.name == "drop_column":
                    column = _column_name(op)
                    table = op.table
                    if table in added_tables or (table, column) in added_columns:
                        continue
                    name = f"{table}.{column}" if table and column else None
                    if _exception_allows(mig, "Column", name):
                        continue
                    ctx.report(self, path, op.span, f"{table or '?'}.{column or '?'}",
                               table=table or "?", column=column or "?")


def _column_name(op) -> str | None:
    args = op.args if op.receiver == "batch" else op.args[1:]
    return args[0] if args and isinstance(args[0], str) else None

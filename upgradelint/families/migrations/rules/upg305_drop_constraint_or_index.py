"""UPG305 drop-constraint-or-index: a constraint or index dropped outside a contract phase."""

from __future__ import annotations

from upgradelint.core.rule import Context, Invalid, Rule, Valid
from upgradelint.families.migrations.analysis import MigrationAnalysis
from upgradelint.families.migrations.report import report

_WHAT = {"index": "index", "foreignkey": "foreign key", "unique": "unique constraint", "primary": "primary key",
         "check": "check constraint"}


class DropConstraintOrIndex(Rule):
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
    (a swap), or when the drop runs only where the inspector finds the
    constraint (`if 'x_key' in [uc['name'] for uc in
    insp.get_unique_constraints(t)]:`) and the models declare no constraint of
    that name: PostgreSQL's automatic names of constraints some backends never
    had. The `type_` of a `batch_op.drop_constraint` counts like the
    `op.drop_constraint` one. Constraints that go with a column or table drop reported by
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
                        "N-1 code relies on is kept",
                "backend_only": "drops {what} '{name}' on '{table}' only where the inspector finds it, and the models "
                                "do not declare it: a constraint some backends have, which N-1 code cannot rely on"}
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

    def check(self, ctx: Context):
        a = ctx.analysis(MigrationAnalysis)
        for f in a.schema_migrations:
            if f.contract:
                continue
            for step in f.steps:
                drop = f.constraint_drop(step)
                if drop is None:
                    continue
                variant = "swap" if drop.recreated else None
                if f.expand:
                    sev, variant = "error", None
                elif drop.recreated or drop.kind in ("index", "foreignkey", "check"):
                    sev = "info"
                elif a.backend_only_constraint(step, drop.name):
                    sev, variant = "info", "backend_only"
                else:
                    sev = None
                what = "foreign keys" if step.op.name.startswith("remove_f") else _WHAT.get(drop.kind, "constraint")
                report(ctx, self, f.path, step.op.span, f"{step.shown_table}.{drop.name or '?'}", variant, sev,
                       what=what, name=drop.name or "?", table=step.shown_table,
                       where=" in the expand branch" if f.expand else "")

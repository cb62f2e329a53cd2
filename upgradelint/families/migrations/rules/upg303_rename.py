"""UPG303 rename: a table or column renamed outside a contract phase."""

from __future__ import annotations

from upgradelint.core.rule import Context, Invalid, Rule, Valid
from upgradelint.families.migrations.analysis import MigrationAnalysis
from upgradelint.families.migrations.classify import ALTER_COLUMN, RENAME_TABLE, str_arg
from upgradelint.families.migrations.report import report


class Rename(Rule):
    """
    ## What it does
    Checks for table and column renames in `upgrade()` outside a contract
    phase: `op.rename_table`, neutron `rename_table_if_exists`,
    `alter_column(..., new_column_name=...)`, sqlalchemy-migrate
    `table.rename(...)` / `col.alter(name=...)`, and raw `RENAME TABLE`,
    `ALTER TABLE ... RENAME TO`, `RENAME COLUMN`, MySQL `CHANGE old new`.

    Like every UPG3xx finding, a rename in an alembic port of a legacy
    sqlalchemy-migrate migration (designate and senlin start such an
    `upgrade()` with `if not legacy_utils.is_migration_needed(N): return`) is
    accepted as released history: its body runs only on a database that never
    ran the legacy migrations, which has no N-1 services.

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
    No automatic fix: `fix` never rewrites a migration. The message gives
    the three-step plan with the real names instead: expand (add), migrate
    the data online while both releases run, contract in a later release.

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
                 "1) expand: create '{new}' next to '{table}', 2) migrate the rows online while both releases run "
                 "(write both, read '{new}'), 3) contract: drop '{table}' in a later release",
        "column": "column '{table}.{column}' renamed to '{new}' in upgrade() breaks N-1 services that use the old "
                  "name; 1) expand: add {table}.{new}, 2) migrate {table}.{column} to it online while both releases "
                  "run (write both, read {new}), 3) contract: drop {table}.{column} in a later release",
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

    def check(self, ctx: Context):
        for f in ctx.analysis(MigrationAnalysis).schema_migrations:
            if f.contract:
                continue
            for step in f.steps:
                op = step.op
                if step.fresh or f.shadow_twin(step):
                    continue
                if op.name in RENAME_TABLE:
                    report(ctx, self, f.path, op.span, step.shown_table, "table", table=step.shown_table,
                           new=str_arg(op, 1, "?"))
                    continue
                if step.column_added:
                    continue
                if op.name == "rename_column":
                    new = str_arg(op, 2, "?")
                elif op.name in ALTER_COLUMN and op.get("new_column_name"):
                    new = op.get("new_column_name")
                else:
                    continue
                report(ctx, self, f.path, op.span, step.qualified, "column", table=step.shown_table,
                       column=step.shown_column, new=new)

"""UPG302 drop-table: a table dropped outside a contract phase."""

from __future__ import annotations

from upgradelint.core.rule import Context, Invalid, Rule, Valid
from upgradelint.families.migrations.analysis import MigrationAnalysis
from upgradelint.families.migrations.classify import DROP_TABLE
from upgradelint.families.migrations.report import report


class DropTable(Rule):
    """
    ## What it does
    Checks for table drops in `upgrade()` outside a contract phase:
    `op.drop_table`, neutron `drop_table_if_exists`, sqlalchemy-migrate
    `Table(...).drop()` / `table.drop()`, and raw `DROP TABLE`. Tables created
    earlier in the same `upgrade()` and the legacy `migrate_version` table are
    not reported, nor is the copy-and-swap rebuild (`CREATE TABLE tmp AS
    SELECT ...`, `DROP TABLE t`, `ALTER TABLE tmp RENAME TO t`, or the same with
    `op.create_table` / `op.drop_table` / `op.rename_table`): the table survives
    (UPG307 reports the rebuild where it runs on a production database). As for UPG301, a table the models no longer map (or list in
    nova-style `REMOVED_TABLES`) is only info in a full-tree run; with `--base`
    it is an error when the base models still map it. In a declared expand
    phase a drop is an error whatever the models say.

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
    No automatic fix: `fix` never rewrites a migration. The message gives
    the three-step plan with the real names instead: expand (add), migrate
    the data online while both releases run, contract in a later release.

    ## References
    - nova, database migrations: https://docs.openstack.org/nova/latest/reference/database-migrations.html
    - neutron, expand and contract: https://docs.openstack.org/neutron/latest/contributor/alembic_migrations.html
    """

    code = "UPG302"
    name = "drop-table"
    message = ("drop_table('{table}') in upgrade() breaks N-1 services that still query it{why}; "
               "move it to the contract phase: 1) stop using '{table}' in this release (keep the table), "
               "2) let N-1 and N run without it, 3) drop it in a later release's contract migration")
    messages = {"expand": "drop_table('{table}') in a declared expand phase: the project's own test bans drops "
                          "there, whatever the models map; move it to the contract phase",
                "model": "drop_table('{table}') in upgrade(): {why}",
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

    def check(self, ctx: Context):
        a = ctx.analysis(MigrationAnalysis)
        for f in a.schema_migrations:
            if f.contract:
                continue
            for step in f.steps:
                table = step.table
                if step.op.name not in DROP_TABLE or step.fresh or table == "migrate_version":
                    continue
                if f.shadow_twin(step) or f.excepted("Table", table) or f.swapped_in_later(step):
                    continue  # a copy renamed to its name replaces it: the table survives (UPG307 judges the swap)
                if f.table_recreated_later(step):
                    report(ctx, self, f.path, step.op.span, table, "recreate", "info", table=table)
                    continue
                if f.expand:  # whatever the models say
                    report(ctx, self, f.path, step.op.span, step.shown_table, "expand", "error",
                           table=step.shown_table)
                    continue
                sev, why = a.mapping_severity("table", table)
                report(ctx, self, f.path, step.op.span, step.shown_table, "model" if sev == "info" else None, sev,
                       table=step.shown_table, why=why)

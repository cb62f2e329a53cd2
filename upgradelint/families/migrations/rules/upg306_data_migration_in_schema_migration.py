"""UPG306 data-migration-in-schema-migration: data rewritten, or models imported, by a schema migration."""

from __future__ import annotations

from upgradelint.core.rule import Context, Invalid, Rule, Valid
from upgradelint.families.migrations.analysis import MigrationAnalysis
from upgradelint.families.migrations.report import report


class DataMigrationInSchemaMigration(Rule):
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
    keystone expand pattern) is not data. A table created by the same
    `upgrade()` (`op.create_table`, raw `CREATE TABLE [IF NOT EXISTS]`) has no
    N-1 writer. Literal rows bulk-inserted into an enum lookup table are not
    reported either: a table seeded with literal rows by the migration that
    created it, which other tables reference by foreign key (or whose model
    holds names only, or uses a `Lookup*` mixin), such as octavia's
    `protocol`. No service writes such a table and the insert is instant.
    Rows inserted into tables services write (manila's share type extra specs)
    stay reported.

    In a declared expand phase (neutron's `expand/` branch, keystone's
    `expand_repo`), the message points to the project's own place for data
    steps: neutron's devref puts data migrations in the contract branch,
    keystone and glance have data-migration repositories.

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
    messages = {"expand": "{verb} on '{table}' in an expand migration's upgrade(): it runs while N-1 services "
                          "write the table; move it to the data-migration or contract phase",
                "model_import": "imports application code '{module}' in a migration: it runs against future "
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

    def check(self, ctx: Context):
        a = ctx.analysis(MigrationAnalysis)
        for f in a.schema_migrations:
            if f.contract:
                continue
            for step in f.steps:
                op = step.op
                if op.name not in ("dml", "bulk_insert") or step.fresh:
                    continue
                if op.name == "bulk_insert" and op.get("literal_rows") and a.lookup_table(f.path, step):
                    continue  # a new value in an enum lookup table no service writes
                verb = op.get("verb") or ("INSERT" if op.name == "bulk_insert" else "?")
                report(ctx, self, f.path, op.span, f"{step.shown_table}:{verb}", "expand" if f.expand else None,
                       table=step.shown_table, verb=verb)
            for mod, span in f.model_imports:
                report(ctx, self, f.path, span, f"import:{mod}", "model_import", module=mod)

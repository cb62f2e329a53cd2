"""UPG301 drop-column: a column dropped outside a contract phase."""

from __future__ import annotations

from upgradelint.core.rule import Context, Invalid, Rule, Valid
from upgradelint.families.migrations.analysis import MigrationAnalysis
from upgradelint.families.migrations.report import report


class DropColumn(Rule):
    """
    ## What it does
    Checks for column drops in the `upgrade()` of a migration, outside a
    contract phase, in every spelling: `op.drop_column`, `batch_op.drop_column`,
    sqlalchemy-migrate `table.drop_column(...)` / `table.c.col.drop()` /
    `Column(...).drop()`, and `ALTER TABLE ... DROP COLUMN` passed to any
    `.execute(...)`.

    Columns added earlier in the same `upgrade()` (or whose table it creates)
    are not contracting. A column dropped and added again in the same
    `upgrade()` survives: when it is a generated column (`GENERATED ALWAYS AS
    (...)`, `sa.Computed`) nothing is lost and it is only info; a stored
    column loses every value, which stays an error. Whether the code still maps the column is read from the
    project's SQLAlchemy models (declarative classes with `__tablename__`,
    in-project mixins, nova-style `REMOVED_COLUMNS`): in a full-tree run, a drop
    of a column the models no longer map is only info (verify the previous
    release no longer mapped it either); with `--base`, a drop is an error when
    the base (or head) models still map the column. In a declared expand phase
    (`expand/` directories, keystone's `expand_repo/`, an expand branch label)
    a drop is an error whatever the models say: the project's own test bans it
    there. A drop on a nova `shadow_<table>` that repeats the same drop on
    `<table>` is reported once, on the main table.

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
    No automatic fix: `fix` never rewrites a migration. The message gives
    the three-step plan with the real names instead: expand (add), migrate
    the data online while both releases run, contract in a later release.

    ## References
    - nova, database migrations: https://docs.openstack.org/nova/latest/reference/database-migrations.html
    - neutron, expand and contract: https://docs.openstack.org/neutron/latest/contributor/alembic_migrations.html
    - cinder, rolling upgrades: https://docs.openstack.org/cinder/latest/contributor/rolling.upgrades.html
    """

    code = "UPG301"
    name = "drop-column"
    message = ("drop_column('{table}', '{column}') in upgrade() breaks N-1 services that still map the column{why}; "
               "move it to the contract phase: 1) stop using {table}.{column} in this release (keep the column), "
               "2) let N-1 and N run without it, 3) drop it in a later release's contract migration")
    messages = {"expand": "drop_column('{table}', '{column}') in a declared expand phase: the project's own test "
                          "bans drops there, whatever the models map; move it to the contract phase",
                "model": "drop_column('{table}', '{column}') in upgrade(): {why}",
                "readd": "drop_column('{table}', '{column}') then add_column in upgrade(): the column survives but "
                         "every value in it is lost; N-1 services read NULLs",
                "regenerate": "drop_column('{table}', '{column}') then add of the generated column in upgrade(): "
                              "it is redefined, no stored value is lost"}
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

    def check(self, ctx: Context):
        a = ctx.analysis(MigrationAnalysis)
        for f in a.schema_migrations:
            if f.contract:
                continue
            for step in f.steps:
                table, column = step.table, step.column
                if step.op.name != "drop_column" or step.fresh or step.column_added or f.shadow_twin(step):
                    continue
                if f.excepted("Column", f"{table}.{column}" if table and column else None):
                    continue
                again = f.readded_later(step)
                if again is not None:
                    generated = again.get("generated") is True
                    report(ctx, self, f.path, step.op.span, step.qualified, "regenerate" if generated else "readd",
                           "info" if generated else "error", table=step.shown_table, column=step.shown_column)
                    continue
                if f.expand:  # whatever the models say
                    report(ctx, self, f.path, step.op.span, step.qualified, "expand", "error", table=step.shown_table,
                           column=step.shown_column)
                    continue
                sev, why = a.mapping_severity("column", table, column)
                report(ctx, self, f.path, step.op.span, step.qualified, "model" if sev == "info" else None, sev,
                       table=step.shown_table, column=step.shown_column, why=why)

"""UPG308 add-required-column: a NOT NULL column without server_default on an existing table."""

from __future__ import annotations

from upgradelint.core.rule import Context, Invalid, Rule, Valid
from upgradelint.families.migrations.analysis import MigrationAnalysis
from upgradelint.families.migrations.classify import adds_column
from upgradelint.families.migrations.report import report


class AddRequiredColumn(Rule):
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
        for f in ctx.analysis(MigrationAnalysis).schema_migrations:
            if f.contract:
                continue
            for step in f.steps:
                op = step.op
                # a table this upgrade() created, by name (an unknown name matches a created unknown one)
                if not adds_column(op) or step.table in step.created_before:
                    continue
                if op.get("nullable") is False and not op.get("server_default"):
                    python_default = " (default= is Python-side only)" if op.receiver != "sql" and op.get("default") \
                        else ""
                    report(ctx, self, f.path, op.span, step.qualified, table=step.shown_table,
                           column=step.shown_column, python_default=python_default)

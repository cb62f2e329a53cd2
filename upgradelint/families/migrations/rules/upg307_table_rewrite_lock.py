"""UPG307 table-rewrite-lock: statements that rebuild or lock a whole table."""

from __future__ import annotations

from upgradelint.core.rule import Context, Invalid, Rule, Valid
from upgradelint.families.migrations.analysis import MigrationAnalysis
from upgradelint.families.migrations.classify import CONSTRAINT_DROPS, DROP_TABLE, str_arg
from upgradelint.families.migrations.report import report


class TableRewriteLock(Rule):
    """
    ## What it does
    Checks `upgrade()` for DDL that rebuilds or locks a whole existing table:
    raw `ALTER TABLE ... CONVERT TO CHARACTER SET`, `ENGINE=`, `ROW_FORMAT=`,
    `OPTIMIZE TABLE`, adding or dropping a primary key (warning); and, as info,
    `create_foreign_key` / `create_unique_constraint` on an existing table
    (MySQL validates every row; PostgreSQL takes SHARE ROW EXCLUSIVE; N-1
    writers may violate a new unique constraint). Retypes are UPG304's.
    A table rebuilt by copy and swap (copy into a new table, drop the old one,
    rename the copy) is a warning too: rows written during the copy are lost.
    Statements that run only on SQLite (`if bind.engine.name == 'sqlite':`),
    where this rebuild is the usual way to alter a table, are not reported.
    nova's `shadow_*` tables are judged too (their DDL runs on the live
    database), as info: only the archive command reads or writes them, so the
    copy stalls no service, only the upgrade itself. SQL text built in a loop (`'ALTER TABLE %s CONVERT TO
    CHARACTER SET utf8' % table` over a list of tables, directly or through a
    local) is read per table where the list is known, and once for a table
    of unknown name otherwise.
    Tables created in the same `upgrade()`, constraints on columns it added and
    initial revisions are not reported.

    ## Why is this bad?
    MySQL copies the table for these statements and blocks writes (or takes a
    long metadata lock) for the duration: on a big table the API of every
    service, old and new, stalls during the upgrade.

    ## Example
    See below.

    ## Use instead
    See below.

    ## How to allow
    Release-note the lock and run the change in a maintenance window or the
    contract phase; mark it with `# noqa: UPG307  <reason>`.
    `# upgradelint: allow-contract[UPG307] <reason>` on the statement (or on a
    comment line just above it) works as well.

    ## Fix safety
    No automatic fix.

    ## References
    - MySQL online DDL operations: https://dev.mysql.com/doc/refman/8.0/en/innodb-online-ddl-operations.html
    - PostgreSQL explicit locking: https://www.postgresql.org/docs/current/explicit-locking.html
    """

    code = "UPG307"
    name = "table-rewrite-lock"
    message = "{how} on '{table}' in upgrade() rebuilds the table: MySQL blocks writes while it copies"
    messages = {
        "primary_key": "{how} on '{table}' in upgrade() rebuilds the table: MySQL blocks writes while it copies",
        "foreign_key": "create_foreign_key on existing table '{table}' validates every row under lock",
        "unique": "create_unique_constraint on existing table '{table}': a table scan under lock, and N-1 "
                  "writers may insert duplicates",
        "shadow": "{how} on '{table}' in upgrade() copies the table: only the archive command writes a shadow "
                  "table, so no service stalls, but the upgrade lasts as long as the copy",
        "copy_swap": "'{table}' rebuilt by copy and swap in upgrade(): rows N-1 services write during the copy are "
                     "lost and their queries fail until the rename; rebuild this way on SQLite only",
    }
    severity = "warning"
    INVALID = [
        Invalid(
            """
            from alembic import op

            revision = 'd553edeb540f'
            down_revision = 'ad80a9f07c5c'


            def upgrade():
                op.execute('ALTER TABLE tags CONVERT TO CHARACTER SET utf8mb4 '  # expect: UPG307
                           'COLLATE utf8mb4_bin')
            """,
            path="neutron/db/migration/alembic_migrations/versions/2026.1/expand/d553edeb540f_tag_case.py",
        ),
        Invalid(
            """
            import sqlalchemy as sa

            revision = 'c1fd28861bb9'
            down_revision = 'b2ad35726bb0'


            def upgrade():
                bind = None
                for table in ('nodes', 'ports'):
                    bind.execute(sa.text(f"ALTER TABLE {table} ENGINE=InnoDB"))  # expect: UPG307
            """,
            path="ironic/db/sqlalchemy/alembic/versions/c1fd28861bb9_engine.py",
        ),
        Invalid(
            """
            from alembic import op

            revision = 'e8ea58723178'
            down_revision = '829a09b0ddd4'


            def upgrade():
                op.create_primary_key('DRIVERS_PRIVATE_PK', 'drivers_private_data',  # expect: UPG307
                                      ['entity_uuid', 'key'])
            """,
            path="manila/db/migrations/alembic/versions/e8ea58723178_pk.py",
        ),
    ]
    VALID = [
        Valid(
            """
            from alembic import op
            import sqlalchemy as sa

            revision = 'a1b2c3d4e5f8'
            down_revision = 'd553edeb540f'


            def upgrade():
                op.create_table('tag_links', sa.Column('id', sa.Integer), mysql_engine='InnoDB')
                op.execute('ALTER TABLE tag_links CONVERT TO CHARACTER SET utf8mb4')
                op.create_primary_key('tag_links_pk', 'tag_links', ['id'])
            """,
            path="neutron/db/migration/alembic_migrations/versions/2026.1/expand/a1b2c3d4e5f8_links.py",
        ),
        Valid(
            """
            from alembic import op

            revision = 'b1c2d3e4f5a7'
            down_revision = '5c85685d616d'


            def upgrade():
                op.execute('ALTER TABLE tags CONVERT TO CHARACTER SET utf8mb4')
            """,
            path="neutron/db/migration/alembic_migrations/versions/newton/contract/b1c2d3e4f5a7_charset.py",
        ),
    ]

    def check(self, ctx: Context):
        a = ctx.analysis(MigrationAnalysis)
        for f in a.schema_migrations:
            if f.contract:
                continue
            for step in f.steps:
                op, table = step.op, step.shown_table
                if step.fresh:
                    continue
                if op.name == "rebuild_table":
                    shadow = a.shadow_table(step.table)
                    report(ctx, self, f.path, op.span, table, "shadow" if shadow else None, "info" if shadow else None,
                           table=table, how=op.get("how") or "?")
                elif op.name == "create_primary_key":
                    if not f.primary_key_swap(step):
                        report(ctx, self, f.path, op.span, table, "primary_key", table=table, how="ADD PRIMARY KEY")
                elif op.name in ("create_foreign_key", "create_unique_constraint"):
                    if step.table is not None and not f.on_added_columns(step):
                        report(ctx, self, f.path, op.span, f"{step.table}.{str_arg(op, 0, '?')}",
                               "foreign_key" if op.name == "create_foreign_key" else "unique", "info",
                               table=step.table)
                elif op.name in DROP_TABLE and f.swapped_in_later(step):
                    report(ctx, self, f.path, op.span, table, "copy_swap", table=table)
                elif op.name in CONSTRAINT_DROPS:
                    drop = f.constraint_drop(step)
                    if drop is not None and drop.kind == "primary" and not drop.recreated:
                        report(ctx, self, f.path, op.span, table, "primary_key", table=table, how="DROP PRIMARY KEY")

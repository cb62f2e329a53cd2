"""UPG304 retype-narrow-or-not-null: a column type narrowed or changed, or a column made NOT NULL (or nullable)."""

from __future__ import annotations

from upgradelint.core.rule import Context, Invalid, Rule, Valid
from upgradelint.families.migrations.analysis import MigrationAnalysis, MigrationFile, Step, runs_on
from upgradelint.families.migrations.classify import (ALTER_COLUMN, DEFAULT_CHARSET, binary_coercible_growth,
                                                      crosses_length_bytes, fmt_type, may_cross_length_bytes,
                                                      retype_verdict, type_family, varchar_growth)
from upgradelint.families.migrations.history import GAP
from upgradelint.families.migrations.report import report


class RetypeNarrowOrNotNull(Rule):
    """
    ## What it does
    Checks `alter_column` (alembic, batch, neutron `alter_column_if_exists`),
    sqlalchemy-migrate `col.alter(...)` and raw `MODIFY` / `ALTER COLUMN ... TYPE`
    / `SET NOT NULL` in `upgrade()` outside a contract phase:

    - a change of type family (String to Integer, Boolean to Integer) or a
      narrowing (String(255) to String(64)): error;
    - a widening (String(60) to String(255), Integer to BigInteger, TEXT to
      LONGTEXT, Enum to String): warning, noting the MySQL table copy when a
      VARCHAR crosses 255 bytes in the table's charset (utf8mb4: 63
      characters; utf8: 85);
    - a VARCHAR widening that stays on the same side of 255 bytes: info. MySQL
      extends it in place and PostgreSQL only changes metadata, so neither N-1
      services nor locks are at stake. Where the table's charset is not known
      it must stay on one side in latin1, utf8 and utf8mb4 alike (a database's
      default charset may be any of them);
    - a new type without `existing_type` and no history (nothing to compare):
      warning;
    - `nullable=False`: error; `nullable=True`: info.

    What the column was is read from the migrations that ran before (in the
    same `upgrade()`, then along `down_revision`, following table and column
    renames; a loop over a constant list or a local tuple of tables,
    `for table in pk_tables:`, runs once per table, so each table keeps its
    own history),
    before `existing_type=`: a restated `nullable=False` on a primary key (on
    the column or in a table-level `PrimaryKeyConstraint`), or on a column
    created or already made NOT NULL, changes nothing and is not reported.
    A `type_` the migration read back from the database
    (`inspector.get_columns()`, directly or through a local computed from it)
    restates the column's type and is no change.
    When the table's creation was read and the column is in none of the
    migrations (tacker renames columns through its own
    `modify_foreign_keys_constraint_with_col_change` helper), what the column
    was is not known: `nullable=False` is then an info note, not an error.
    Types are compared by the DDL they render: `Unicode(100)` and
    `String(100)` are both VARCHAR(100); `Numeric(precision=30, scale=28)` is
    `Numeric(30, 28)`, and a fixed-point type narrows when its integer digits
    (precision minus scale) or its scale shrink (`Numeric(20, 8)` to
    `Numeric(30, 28)` keeps 2 integer digits of 12); a project `TypeDecorator` stands for
    its `impl` (`types.Uuid` with `impl = String(36)` over a `String(36)`
    column is no change), a type factory for what it returns
    (`MutableDict.as_mutable(X)`, `Text().with_variant(LONGTEXT(), 'mysql')`).
    The table's charset comes from `mysql_charset=` where the table was created,
    a later `CONVERT TO CHARACTER SET`, or the models' `__table_args__`.

    Each branch of `if bind.engine.name == 'postgresql':` is judged for the
    database it runs on (PostgreSQL: VARCHAR growth and VARCHAR to TEXT are
    metadata only, other type changes rewrite the table); SQLite-only branches
    are not judged. In a declared expand phase (`expand/`, `expand_repo/`, an
    expand branch label) every failing finding is an error: the project's own
    test bans alters there.

    PostgreSQL's `ALTER TABLE ... ALTER COLUMN ... TYPE ...` and
    sqlalchemy-migrate's `col.alter(type=...)` are retypes like
    `alter_column(type_=...)`. nova's `shadow_*` tables are judged like the
    others (a narrowing there breaks the N-1 archive command, which copies
    rows into them), except that a widening is info: only the lock is at
    stake, on a table no service reads or writes.

    Changes of `existing_*`, `server_default` or `comment` only, Enum values
    appended at the end and alters of columns added in the same file are not
    reported.

    ## Why is this bad?
    N-1 services bind values of the old type and length: a narrowed column
    truncates or rejects them, a new type family breaks their binds and reads.
    `NOT NULL` makes every N-1 INSERT that omits the column (or writes NULL)
    fail. Most type changes also make MySQL copy the table with writes blocked.

    ## Example
    See below.

    ## Use instead
    See below.

    ## How to allow
    Make the change in steps: add a new column of the new type, backfill it with
    an online data migration, switch the code, drop the old one later. For
    `NOT NULL`, first ship a release that always writes the column (and a
    server default). The project's exception lists (cinder
    `DROP_ALTER_EXCEPTIONS` has exactly such entries), the contract phase,
    config and `# noqa: UPG304  <reason>` allow it.
    `# upgradelint: allow-contract[UPG304] <reason>` on the statement (or on a
    comment line just above it) works as well.

    ## Fix safety
    No automatic fix.

    ## References
    - MySQL online DDL operations: https://dev.mysql.com/doc/refman/8.0/en/innodb-online-ddl-operations.html
    - cinder, rolling upgrades: https://docs.openstack.org/cinder/latest/contributor/rolling.upgrades.html
    """

    code = "UPG304"
    name = "retype-narrow-or-not-null"
    message = "alter of '{table}.{column}' in upgrade() breaks N-1 services"
    messages = {
        "retype_family": "'{table}.{column}' changes type {old} -> {new} in upgrade(): N-1 services bind the old "
                         "type and MySQL copies the table; add a new column and migrate data online",
        "retype_narrow": "'{table}.{column}' narrows {old} -> {new} in upgrade(): N-1 writes are truncated or "
                         "rejected; add a new column and migrate data online",
        "retype_enum": "'{table}.{column}' reorders Enum values {old} -> {new}: MySQL copies the table; "
                       "append new values at the end",
        "retype_widen": "'{table}.{column}' widens {old} -> {new} in upgrade(){note}; check the lock in the "
                        "release note or add '# noqa: UPG304  reason'",
        "widen_inplace": "'{table}.{column}' widens {old} -> {new} in upgrade(): {where}",
        "retype_family_pg": "'{table}.{column}' changes type {old} -> {new} in upgrade(): N-1 services bind the "
                            "old type and PostgreSQL rewrites the table under an exclusive lock; add a new column "
                            "and migrate data online",
        "retype_same_family_pg": "'{table}.{column}' changes type {old} -> {new} in upgrade(): PostgreSQL "
                                 "rewrites the table under an exclusive lock; release-note the lock or add "
                                 "'# noqa: UPG304  reason'",
        "retype_unknown": "'{table}.{column}' changes type to {new} in upgrade() and the old type is unknown: a "
                          "narrowing breaks N-1 writes and most type changes copy the table; give existing_type",
        "retype_same_family": "'{table}.{column}' changes type {old} -> {new} in upgrade(): MySQL copies the table "
                              "and blocks writes{note}; release-note the lock or add '# noqa: UPG304  reason'",
        "not_null": "'{table}.{column}' made NOT NULL in upgrade(): N-1 services that omit it or write NULL fail; "
                    "backfill online and add a server_default first",
        "not_null_unseen": "'{table}.{column}' made NOT NULL in upgrade(), but the migrations read created "
                           "'{table}' without it (a project helper or raw SQL brought it in): check it was NOT "
                           "NULL already, else backfill online and add a server_default first",
        "nullable": "'{table}.{column}' made nullable in upgrade(): N-1 readers may not expect NULL",
    }
    severity = "error"
    INVALID = [
        Invalid(
            """
            from alembic import op
            import sqlalchemy as sa

            revision = '4a5b6c7d8e9f'
            down_revision = 'b8660621f1b9'


            def upgrade():
                op.alter_column('volumes', 'use_quota', existing_type=sa.Boolean,  # expect: UPG304
                                nullable=False)
            """,
            path="cinder/db/migrations/versions/4a5b6c7d8e9f_use_quota_not_null.py",
        ),
        Invalid(
            """
            from alembic import op
            import sqlalchemy as sa

            revision = '5b6c7d8e9f0a'
            down_revision = '4a5b6c7d8e9f'


            def upgrade():
                with op.batch_alter_table('tags') as batch_op:
                    batch_op.alter_column('tag', type_=sa.String(32),  # expect: UPG304
                                          existing_type=sa.String(60))
            """,
            path="cinder/db/migrations/versions/5b6c7d8e9f0a_narrow_tag.py",
        ),
        Invalid(
            """
            import sqlalchemy as sa

            revision = '6c7d8e9f0a1b'
            down_revision = '5b6c7d8e9f0a'


            def upgrade():
                volumes = sa.Table('volumes', sa.MetaData(), autoload_with=None)
                volumes.c.bootable.alter(type=sa.Integer)  # expect: UPG304
            """,
            path="cinder/db/migrations/versions/6c7d8e9f0a1b_bootable_int.py",
        ),
        Invalid(
            """
            from alembic import op

            revision = '7d8e9f0a1b2c'
            down_revision = '6c7d8e9f0a1b'


            def upgrade():
                op.execute('ALTER TABLE networks MODIFY mtu INTEGER NOT NULL')  # expect: UPG304
            """,
            path="cinder/db/migrations/versions/7d8e9f0a1b2c_mtu.py",
        ),
    ]
    VALID = [
        Valid(
            """
            from alembic import op
            import sqlalchemy as sa

            revision = '4a5b6c7d8e9f'
            down_revision = 'b8660621f1b9'


            def upgrade():
                op.alter_column('volumes', 'display_name', existing_type=sa.String(255),
                                server_default='', comment='shown in the dashboard')
            """,
            path="cinder/db/migrations/versions/4a5b6c7d8e9f_comment.py",
        ),
        Valid(
            """
            from alembic import op
            import sqlalchemy as sa

            revision = '5b6c7d8e9f0a'
            down_revision = '4a5b6c7d8e9f'


            def upgrade():
                op.add_column('volumes', sa.Column('cluster', sa.String(64), nullable=True))
                op.alter_column('volumes', 'cluster', nullable=False, server_default='default')
            """,
            path="cinder/db/migrations/versions/5b6c7d8e9f0a_cluster.py",
        ),
    ]

    def check(self, ctx: Context):
        a = ctx.analysis(MigrationAnalysis)
        for f in a.schema_migrations:
            if f.contract:
                continue
            for step in f.steps:
                op = step.op
                if op.name not in ALTER_COLUMN or step.fresh or step.column_added:
                    continue
                self._retype(ctx, a, f, step)
                self._nullability(ctx, a, f, step)

    def _nullability(self, ctx: Context, a: MigrationAnalysis, f: MigrationFile, step: Step) -> None:
        """NOT NULL (or nullable) judged against what the column was: a restated
        ``nullable=False`` on a primary key or a column created or made NOT NULL
        earlier changes nothing."""
        op = step.op
        nullable = op.get("nullable", "unset")
        if nullable not in (True, False) or op.get("existing_nullable") is nullable:
            return
        prior = a.prior_nullable(f.path, step)
        if prior is nullable:
            return
        if nullable is False and prior is GAP:
            report(ctx, self, f.path, op.span, step.qualified, "not_null_unseen", "info", table=step.shown_table,
                   column=step.shown_column)
        elif nullable is False:
            report(ctx, self, f.path, op.span, step.qualified, "not_null", "error", table=step.shown_table,
                   column=step.shown_column)
        else:
            report(ctx, self, f.path, op.span, step.qualified, "nullable", "info", table=step.shown_table,
                   column=step.shown_column)

    def _retype(self, ctx: Context, a: MigrationAnalysis, f: MigrationFile, step: Step) -> None:
        """A type change: judged against the type before (the migration that last
        created, added or retyped the column, else ``existing_type=``), project
        types resolved to the DDL they render."""
        op = step.op
        if op.get("type_reflected"):
            return  # type_ is what the inspector read from the database: the column keeps its type
        if not (op.has("type_") and op.get("type_") != op.get("existing_type", -1)):
            if op.get("sql") == "MODIFY" and not op.has("type_"):
                report(ctx, self, f.path, op.span, step.qualified, "retype_unknown", "warning",
                       table=step.shown_table, column=step.shown_column, old="?", new="?", note="")
            return
        dialects = runs_on(op)
        mysql = "mysql" in dialects
        old_raw = a.prior_type(f.path, step.table, step.column, step.index) or op.get("existing_type")
        new_raw = op.get("type_")
        old, new = a.types.resolve(old_raw, mysql), a.types.resolve(new_raw, mysql)
        sev, variant = retype_verdict(old, new)
        if sev is None:
            return
        fmt = {"old": self._shown(a, old_raw, old), "new": self._shown(a, new_raw, new), "note": "", "where": ""}
        if variant == "retype_widen":
            sev, variant = self._widening(a, f, step, old, new, mysql, fmt)
        elif not mysql and variant in ("retype_family", "retype_same_family"):
            variant += "_pg"
        if sev == "warning" and variant.startswith(("retype_widen", "retype_same_family")) and \
                a.shadow_table(step.table):
            sev = "info"  # only the lock is at stake, on a table only the archive command writes
            fmt["note"] += "; only the archive command writes a shadow table"
        if f.expand and sev in ("error", "warning"):
            sev = "error"  # a declared expand phase: the project's own test bans alters there
        report(ctx, self, f.path, op.span, step.qualified, variant, sev, table=step.shown_table,
               column=step.shown_column, **fmt)

    @staticmethod
    def _widening(a: MigrationAnalysis, f: MigrationFile, step: Step, old, new, mysql: bool, fmt: dict):
        """(severity, variant) of a widening: in place (info) when MySQL extends
        the VARCHAR without a copy (the same length byte in the table's charset)
        and PostgreSQL only changes metadata; else a warning naming the copy."""
        if not mysql:
            if binary_coercible_growth(old, new):
                fmt["where"] = "PostgreSQL changes only metadata"
                return "info", "widen_inplace"
            fmt["note"] = "; PostgreSQL rewrites the table under an exclusive lock"
            return "warning", "retype_widen"
        if type_family(old) == "enum":
            fmt["note"] = "; MySQL copies the table to turn an ENUM into a VARCHAR" if mysql else ""
            return "warning", "retype_widen"
        charset = a.charset(f.path, step)
        if mysql and varchar_growth(old, new) and not may_cross_length_bytes(old, new, charset):
            fmt["where"] = (f"MySQL extends a VARCHAR in place when the length bytes stay the same "
                            f"({charset or 'in any charset'}), PostgreSQL changes only metadata")
            return "info", "widen_inplace"
        if mysql and crosses_length_bytes(old, new, charset):
            fmt["note"] = f"; crosses 255 bytes in {charset or DEFAULT_CHARSET}: MySQL copies the table and blocks " \
                          "writes"
        return "warning", "retype_widen"

    @staticmethod
    def _shown(a: MigrationAnalysis, raw, resolved) -> str:
        """A type as the message shows it: a project type with the DDL behind it."""
        if raw is not None and a.types.is_project_type(raw):
            return f"{fmt_type(raw)} ({fmt_type(resolved)})"
        return fmt_type(raw)

"""UPG310 released-migration-edited: the upgrade() of an existing migration edited (diff mode)."""

from __future__ import annotations

from upgradelint.core.rule import Context, Invalid, Rule, Valid
from upgradelint.families.migrations.analysis import MigrationAnalysis, stem


class ReleasedMigrationEdited(Rule):
    """
    ## What it does
    In diff mode (`--base`), checks for changes to what the `upgrade()` of a
    migration that already exists at the base does: the operations it
    performs, compared one by one (kind, table, arguments, details, SQL text).
    A refactor that keeps them (a reformat, a comment or docstring edit,
    `'...{}'.format(x)` turned into an f-string, a call reflowed,
    `op.create_table` replaced by the project's `create_table_if_not_exists`)
    is not reported, nor is a value replaced by one the linter cannot read
    (`String(40)` by `String(db_const.ETHERTYPE_FIELD_SIZE)`, a library
    constant): nothing shows the operation changed. When neither version
    performs an operation the linter recognises, the code is compared instead.

    The other UPG3xx rules judge such a rewrite only on what it adds: an
    operation the base version already performed (a data step or a rename
    that shipped years ago, rewritten for SQLAlchemy 2.0) is not reported
    again. In a full-tree run, findings on released migrations are accepted
    notes; this rule is how an edit to one is caught.

    ## Why is this bad?
    Deployments that already ran the migration never run it again: the edit
    reaches new installs only, and the schemas drift apart. Reviewers also judge
    an existing migration as released and safe; an edit hides a new contracting
    operation from that review.

    ## Example
    See below.

    ## Use instead
    See below.

    ## How to allow
    Write a new migration instead. A fix for a migration that fails for
    everyone (so no deployment ran it) can carry `# noqa: UPG310  <reason>` on
    the `def upgrade` line.

    ## Fix safety
    No automatic fix.

    ## References
    - alembic, tutorial: https://alembic.sqlalchemy.org/en/latest/tutorial.html
    """

    code = "UPG310"
    name = "released-migration-edited"
    message = ("upgrade() of existing migration {revision} changed: deployments that ran it never see the edit; "
               "add a new migration")
    severity = "warning"
    scope = "diff"
    INVALID = [
        Invalid(
            """
            from alembic import op
            import sqlalchemy as sa

            revision = '3c5a2b1f0d9e'
            down_revision = '8f2f1571d55b'


            def upgrade():  # expect: UPG310
                op.add_column('instances', sa.Column('locked_reason', sa.Text, nullable=True))
                op.add_column('instances', sa.Column('locked_at', sa.DateTime, nullable=True))
            """,
            before="""
            from alembic import op
            import sqlalchemy as sa

            revision = '3c5a2b1f0d9e'
            down_revision = '8f2f1571d55b'


            def upgrade():
                op.add_column('instances', sa.Column('locked_reason', sa.Text, nullable=True))
            """,
            path="nova/db/main/migrations/versions/3c5a2b1f0d9e_add_locked_reason.py",
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
                \"\"\"Add the reason an instance is locked.\"\"\"
                # nullable: older computes do not send it
                op.add_column('instances', sa.Column('locked_reason', sa.Text, nullable=True))
            """,
            before="""
            from alembic import op
            import sqlalchemy as sa

            revision = '3c5a2b1f0d9e'
            down_revision = '8f2f1571d55b'


            def upgrade():
                op.add_column('instances', sa.Column('locked_reason', sa.Text, nullable=True))
            """,
            path="nova/db/main/migrations/versions/3c5a2b1f0d9e_add_locked_reason.py",
        ),
    ]

    def check(self, ctx: Context):
        if ctx.diff is None or ctx.base is None:
            return
        a = ctx.analysis(MigrationAnalysis)
        for path, facts in sorted(ctx.head.items()):
            mig = facts.migration
            if mig is None:
                continue
            old = a.base_migration(path)
            if old is None or a.upgrade_unchanged(path):
                continue
            if old.revision and mig.revision and old.revision != mig.revision:
                continue  # git paired a new migration with a deleted one (--find-renames): not an edit
            name = mig.revision or stem(path)
            # judged on the whole upgrade(), not on the touched lines: report on the def line
            ctx.report(self, path, mig.upgrade_span, name, revision=name)

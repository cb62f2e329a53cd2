"""UPG309 branch-misuse: the project's expand/contract conventions broken."""

from __future__ import annotations

from upgradelint.core.rule import Context, Invalid, Rule, Valid
from upgradelint.families.migrations.analysis import (MigrationAnalysis, MigrationFile, glance_contract,
                                                      labels_contract, labels_expand, stem)
from upgradelint.families.migrations.report import report

_NEUTRON_OFFLINE_OK = ("liberty", "mitaka", "newton")


class BranchMisuse(Rule):
    """
    ## What it does
    Checks the project's expand/contract conventions:

    - `expand_drop_exceptions()` / `contract_creation_exceptions()` without a
      docstring (neutron's test requires the explanation);
    - a new neutron script under `<release>/contract/` for a release after
      newton (neutron forbids offline contract migrations since Ocata). This
      check comes from a test in neutron itself
      (`test_forbid_offline_migrations_starting_newton`, which asserts that
      `has_offline_migrations` is false): it applies only where the project
      carries such a test, not to stadium projects (networking-bgpvpn,
      neutron-vpnaas) whose contract branch is still open;
    - a glance `<release>_contractNN` script without `depends_on` to its
      expand;
    - `branch_labels` naming the other branch than the script's directory.

    Contracting operations in an expand branch are reported by UPG301-UPG305
    themselves (UPG305 as an error there).

    ## Why is this bad?
    The expand/contract split is what lets operators run the expand online and
    the contract once every service is upgraded. A contract script nobody may
    run online, or one that can run before its expand, undoes that guarantee.

    ## Example
    See below.

    ## Use instead
    See below.

    ## How to allow
    Fix the declaration, or add `# noqa: UPG309  <reason>`.

    ## Fix safety
    No automatic fix.

    ## References
    - neutron, expand and contract: https://docs.openstack.org/neutron/latest/contributor/alembic_migrations.html
    - glance, database migrations: https://docs.openstack.org/glance/latest/contributor/database_migrations.html
    """

    code = "UPG309"
    name = "branch-misuse"
    message = "migration branch misuse"
    messages = {
        "docstring": "{function}() has no docstring: explain why the exception is safe",
        "offline_contract": "new contract script for {release}: neutron forbids offline contract migrations after "
                            "newton; use an expand script and online data migrations",
        "depends_on": "glance contract script without depends_on: it may run before its expand",
        "label_mismatch": "branch_labels ({labels}) name another branch than the script's directory",
    }
    severity = "error"
    INVALID = [
        Invalid(
            """
            from alembic import op
            import sqlalchemy as sa

            revision = 'c2d3e4f5a6b7'
            down_revision = 'b1c2d3e4f5a6'


            def upgrade():
                op.drop_column('subnets', 'in_use')


            def expand_drop_exceptions():  # expect: UPG309
                return {sa.Column: ['subnets.in_use']}
            """,
            path="neutron/db/migration/alembic_migrations/versions/2026.1/expand/c2d3e4f5a6b7_drop_in_use.py",
        ),
        Invalid(
            {
                "neutron/tests/functional/db/test_migrations.py": """
                    from neutron.db import migration


                    class TestModelsMigrations:
                        def test_forbid_offline_migrations_starting_newton(self):
                            self.assertFalse(migration.has_offline_migrations(self.alembic_config, 'unused'))
                    """,
                "neutron/db/migration/alembic_migrations/versions/2026.1/contract/d3e4f5a6b7c8_drop_flag.py": """
                    from alembic import op

                    revision = 'd3e4f5a6b7c8'
                    down_revision = '5c85685d616d'


                    def upgrade():  # expect: UPG309
                        op.drop_column('ports', 'legacy_flag')
                    """,
            },
        ),
        Invalid(
            """
            from alembic import op

            revision = '2026_1_contract01'
            down_revision = '2025_2_contract01'


            def upgrade():  # expect: UPG309
                op.drop_column('images', 'legacy_owner')
            """,
            path="glance/db/sqlalchemy/alembic_migrations/versions/2026_1_contract01_drop_owner.py",
        ),
    ]
    VALID = [
        Valid(
            """
            from alembic import op

            revision = '2026_1_contract01'
            down_revision = '2025_2_contract01'
            depends_on = '2026_1_expand01'


            def upgrade():
                op.drop_column('images', 'legacy_owner')
            """,
            path="glance/db/sqlalchemy/alembic_migrations/versions/2026_1_contract01_drop_owner.py",
        ),
        Valid(
            """
            from alembic import op

            revision = '5c85685d616d'
            down_revision = '2e0d7a8a1586'


            def upgrade():
                op.drop_column('ports', 'legacy_flag')
            """,
            path="neutron/db/migration/alembic_migrations/versions/newton/contract/5c85685d616d_drop_flag.py",
        ),
        Valid(
            """
            from alembic import op

            revision = 'b2c3d4e5f6a7'
            down_revision = '9c6a2b1e4d3f'


            def upgrade():
                op.drop_column('bgpvpns', 'legacy_flag')
            """,
            path="networking_bgpvpn/neutron/db/migration/alembic_migrations/versions/2026.1/contract/"
                 "b2c3d4e5f6a7_drop_flag.py",
        ),
    ]

    def check(self, ctx: Context):
        a = ctx.analysis(MigrationAnalysis)
        for f in a.migrations:
            mig, parts, name = f.mig, f.parts, stem(f.path)
            for fname, info in mig.exceptions.items():
                if not info["docstring"]:
                    report(ctx, self, f.path, info["span"], fname, "docstring", function=fname)
            # a directory that names a branch, and labels that name another
            labels = mig.branch_labels
            if labels and (("contract" in parts and labels_expand(labels))
                           or ("expand" in parts and labels_contract(labels))):
                report(ctx, self, f.path, mig.upgrade_span, "branch_labels", "label_mismatch",
                       labels=", ".join(labels))
            release = _offline_contract_release(f) if a.offline_contract_test else None
            if release:
                report(ctx, self, f.path, mig.upgrade_span, "contract", "offline_contract", release=release)
            # glance: a contract script depends on its expand
            if glance_contract(name) and "alembic_migrations" in parts and not mig.depends_on and \
                    not name.endswith("_empty") and not name.startswith(("liberty", "mitaka")):
                report(ctx, self, f.path, mig.upgrade_span, "depends_on", "depends_on")


def _offline_contract_release(f: MigrationFile) -> str | None:
    """neutron: the release of a new offline contract script after newton."""
    parts = f.parts
    if "contract" not in parts or "alembic_migrations" not in parts or f.initial:
        return None
    i = parts.index("contract")
    release = parts[i - 1] if i else ""
    if release and release not in _NEUTRON_OFFLINE_OK and not stem(f.path).endswith("_empty"):
        return release
    return None

"""UPG3xx over fixtures: every rule x every spelling (alembic op, batch, sqlalchemy-migrate,
raw SQL) x the contexts that allow a contracting migration and those that do not; the
models-aware judgement of drops; diff mode; the raw SQL reader.

The fixtures ``tests/fixtures/migrations/UPG3nn/<spelling>.py`` are migration bodies (the
revision header is added per tree) marked like every other fixture: ``# expect: UPGnnn`` for
failing findings, ``# expect-info: UPGnnn`` for info notes (``upgradelint.testing``)."""

from __future__ import annotations

import os
import re
import tempfile

import pytest

from upgradelint import engine
from upgradelint.testing import (Outcome, git, make_repo, markers, run_files, run_scenario, scenarios, strip_markers,
                                 write_config, write_tree)

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures", "migrations")
RULES = sorted(d for d in os.listdir(FIXTURES) if re.fullmatch(r"UPG3\d\d", d))
SPELLINGS = ("alembic", "batch", "migrate", "sql")
CONTRACTING = tuple(f"UPG30{i}" for i in range(1, 9))
ENABLE_308 = {"severity": {"UPG308": "warning"}}


def fixture(code: str, spelling: str) -> str:
    with open(os.path.join(FIXTURES, code, f"{spelling}.py"), encoding="utf-8") as fh:
        return fh.read()


def header(revision: str, down: str = "0123456789ab", extra: str = "") -> str:
    return f"revision = '{revision}'\ndown_revision = '{down}'\n{extra}\n"


def run(files: dict, before: dict | None = None, config: dict | None = None, select=CONTRACTING) -> Outcome:
    """``testing.run_files`` with the contracting rules selected unless told otherwise."""
    return run_files(files, before, config, select)


CASES = [(c, s) for c in RULES for s in SPELLINGS]
PATTERNS = os.path.join(FIXTURES, "patterns")


@pytest.mark.parametrize("code,spelling", CASES, ids=[f"{c}-{s}" for c, s in CASES])
def test_not_allowed_context_reports(code, spelling):
    path = f"cinder/db/migrations/versions/1a2b3c4d5e6f_{spelling}.py"
    files = {path: header("1a2b3c4d5e6f") + fixture(code, spelling)}
    out = run(files, config=ENABLE_308)
    assert out.expected.all, "each fixture marks at least one finding"
    assert out.actual == out.expected, out.describe()


def _allowed_trees(code: str, spelling: str):
    """The same fixture where the project allowed it, one way per tree."""
    body = strip_markers(fixture(code, spelling))
    stem = f"1a2b3c4d5e6f_{spelling}"
    neutron = "neutron/db/migration/alembic_migrations/versions"
    yield "contract directory", {f"{neutron}/newton/contract/{stem}.py": header("1a2b3c4d5e6f") + body}, None
    yield "keystone contract_repo", {f"keystone/common/sql/contract_repo/versions/073_{spelling}.py":
                                     header("073") + body}, None
    root = header("5c85685d616d", "kilo", "branch_labels = ('contract',)") + "def upgrade():\n    pass\n"
    yield "inherited contract branch label", {
        f"{neutron}/newton/5c85685d616d_root.py": root,
        f"{neutron}/newton/{stem}.py": header("1a2b3c4d5e6f", "5c85685d616d") + body,
    }, None
    yield "glance contract name", {
        f"glance/db/sqlalchemy/alembic_migrations/versions/2026_1_contract01_{spelling}.py":
            header("2026_1_contract01", "2025_2_contract01", "depends_on = '2026_1_expand01'") + body}, None
    yield "cinder DROP_ALTER_EXCEPTIONS", {
        "cinder/tests/unit/db/test_migrations.py":
            "class MigrationsWalk:\n    DROP_ALTER_EXCEPTIONS = [\n"
            "        # accepted\n        '1a2b3c4d5e6f',\n    ]\n",
        f"cinder/db/migrations/versions/{stem}.py": header("1a2b3c4d5e6f") + body,
    }, None
    yield "keystone BANNED_OP_EXCEPTIONS", {
        "keystone/tests/unit/test_sql_banned_operations.py":
            "class Walk:\n    BANNED_OP_EXCEPTIONS: list = ['1a2b3c4d5e6f']\n",
        f"keystone/common/sql/migrations/versions/2026.1/expand/{stem}.py": header("1a2b3c4d5e6f") + body,
    }, None
    yield "nova exceptions (int prefix)", {
        "nova/tests/unit/db/test_migrations.py":
            "def migrate_up(version):\n    exceptions = [\n        267,\n        346,\n    ]\n",
        f"nova/db/sqlalchemy/migrate_repo/versions/346_{spelling}.py": header("346") + body,
    }, None
    yield "config allowed-migrations", {f"cinder/db/migrations/versions/{stem}.py": header("1a2b3c4d5e6f") + body}, \
        {"allowed-migrations": ["1a2b3c4d5e6f"]}
    yield "config contract-paths", {f"cinder/db/migrations/versions/{stem}.py": header("1a2b3c4d5e6f") + body}, \
        {"contract-paths": ["cinder/db/migrations/versions/1a2b*"]}
    yield "noqa on def upgrade", {f"cinder/db/migrations/versions/{stem}.py": header("1a2b3c4d5e6f") + re.sub(
        r"^def upgrade\((.*)\):", rf"def upgrade(\1):  # noqa: {code}  reviewed: the table is empty", body,
        flags=re.M)}, None


@pytest.mark.parametrize("code,spelling", CASES, ids=[f"{c}-{s}" for c, s in CASES])
def test_allowed_contexts_are_silent(code, spelling):
    for label, files, config in _allowed_trees(code, spelling):
        cfg = dict(ENABLE_308, **(config or {}))
        got = [f for f in run(files, config=cfg, select=(code,)).findings if f.code == code]
        assert not got, (label, got)


def test_noqa_on_the_line():
    body = fixture("UPG301", "alembic").replace("# expect: UPG301", "# noqa: UPG301  dropped from the model in 2025.2")
    assert not run({"cinder/db/migrations/versions/1a2b3c4d5e6f_x.py": header("1a2b3c4d5e6f") + body}).findings


def test_allow_contract_comment():
    body = fixture("UPG301", "alembic").replace(
        "    alembic_op.drop_column('volumes', 'provider_geometry')  # expect: UPG301",
        "    # upgradelint: allow-contract[UPG301] unused since 2025.1, removed from the model then\n"
        "    alembic_op.drop_column('volumes', 'provider_geometry')")
    files = {"cinder/db/migrations/versions/1a2b3c4d5e6f_x.py": header("1a2b3c4d5e6f") + body}
    out = run(files)
    assert out.actual == out.expected and len(out.expected.all) == 1


def test_upg306_silent_in_data_migration_dirs():
    body = strip_markers(fixture("UPG306", "sql"))
    for path in ("glance/db/sqlalchemy/alembic_migrations/data_migrations/2026_1_migrate01_x.py",
                 "keystone/common/sql/data_migration_repo/versions/073_migrate_x.py"):
        assert not run({path: header("2026_1_migrate01") + body}, select=("UPG306",)).findings


# -- what is never contracting ------------------------------------------------------

def test_downgrade_initial_revision_and_fresh_objects_are_silent():
    body = strip_markers(fixture("UPG301", "alembic"))
    files = {
        # the base revision of a single branch
        "cinder/db/migrations/versions/921e1a36b076_initial.py": "revision = '921e1a36b076'\ndown_revision = None\n"
                                                                 + body,
        "nova/db/main/migrations/versions/8f2f1571d55b_initial.py": header("8f2f1571d55b", "x") + body,
        "cinder/db/migrations/versions/2b3c4d5e6f70_fresh.py": header("2b3c4d5e6f70", "921e1a36b076") + """
from alembic import op
import sqlalchemy as sa


def upgrade():
    op.create_table('scratch', sa.Column('id', sa.Integer), sa.Column('name', sa.String(36)))
    op.alter_column('scratch', 'name', type_=sa.String(16), nullable=False)
    op.drop_column('scratch', 'name')
    op.rename_table('scratch', 'scratch2')
    op.add_column('volumes', sa.Column('tmp', sa.String(8), nullable=True))
    op.alter_column('volumes', 'tmp', nullable=False)
    op.drop_column('volumes', 'tmp')


def downgrade():
    op.drop_table('volumes')
""",
    }
    assert not run(files).findings


def test_helpers_called_by_upgrade_are_analysed_and_others_are_not():
    files = {"cinder/db/migrations/versions/1a2b3c4d5e6f_x.py": header("1a2b3c4d5e6f") + """
from alembic import op


def _drop(table, column):
    op.drop_column(table, column)  # expect: UPG301


def _unused():
    op.drop_table('volumes')


def upgrade():
    _drop('volumes', 'provider_geometry')
"""}
    out = run(files)
    assert out.actual == out.expected, out.describe()


def test_neutron_expand_drop_exceptions_and_expand_severity():
    base = "neutron/db/migration/alembic_migrations/versions/2026.1/expand/"
    files = {base + "1a2b3c4d5e6f_x.py": header("1a2b3c4d5e6f", "5c85685d616d") + """
from alembic import op
import sqlalchemy as sa


def upgrade():
    op.drop_column('subnets', 'in_use')
    op.drop_index('ix_subnets_in_use', 'subnets')
    op.drop_constraint('fk_ports_subnet', 'ports', type_='foreignkey')  # expect: UPG305


def expand_drop_exceptions():
    \"\"\"Drop subnets.in_use: nothing has read it since 2025.1.\"\"\"
    return {sa.Column: ['subnets.in_use'], sa.Index: ['subnets']}
"""}
    out = run(files)
    findings = out.findings
    assert out.actual == out.expected, out.describe()
    assert [f.severity for f in findings] == ["error"]  # neutron and keystone forbid drops in expand


# -- drops judged against the models -----------------------------------------------

MODELS = """
from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import declarative_base

BASE = declarative_base()

REMOVED_COLUMNS = {('instances', 'internal_id')}
REMOVED_TABLES = {'allocations'}


class NovaBase:
    created_at = Column('created_at', Integer)


class Instance(BASE, NovaBase):
    __tablename__ = 'instances'
    id = Column(Integer, primary_key=True)
    locked_by = Column(String(255))
    display = Column('display_name', String(255))
"""

DROPS = header("1a2b3c4d5e6f") + """
from alembic import op


def upgrade():
    op.drop_column('instances', 'locked_by')
    op.drop_column('instances', 'display_name')
    op.drop_column('instances', 'created_at')
    op.drop_column('instances', 'internal_id')
    op.drop_column('instances', 'gone_for_years')
    op.drop_table('allocations')
    op.drop_table('instances')
"""


def test_full_tree_drops_of_unmapped_columns_are_info():
    files = {"nova/db/main/models.py": MODELS,
             "nova/db/main/migrations/versions/1a2b3c4d5e6f_drop.py": DROPS}
    sev = {f.symbol: f.severity for f in run(files).findings}
    assert sev == {
        "instances.locked_by": "error",  # the models still map it
        "instances.display_name": "error",  # Column('display_name') under another attribute name
        "instances.created_at": "error",  # from an in-project mixin
        "instances.internal_id": "info",  # REMOVED_COLUMNS
        "instances.gone_for_years": "info",  # not mapped any more
        "allocations": "info",  # REMOVED_TABLES
        "instances": "error",
    }


def test_diff_mode_drop_is_an_error_while_the_base_models_map_the_column():
    before = {"nova/db/main/models.py": MODELS}
    # the change removes the column from the model and drops it in the same patch
    after = {"nova/db/main/models.py": MODELS.replace("    locked_by = Column(String(255))\n", ""),
             "nova/db/main/migrations/versions/1a2b3c4d5e6f_drop.py": header("1a2b3c4d5e6f") + """
from alembic import op


def upgrade():
    op.drop_column('instances', 'locked_by')
    op.drop_column('instances', 'internal_id')
"""}
    sev = {f.symbol: f.severity for f in run(after, before=before).findings}
    assert sev == {"instances.locked_by": "error", "instances.internal_id": "info"}


def test_diff_mode_reports_added_migrations_only():
    old = {"cinder/db/migrations/versions/0a1b2c3d4e5f_old.py": header("0a1b2c3d4e5f", "921e1a36b076") +
           "from alembic import op\n\n\ndef upgrade():\n    op.drop_column('volumes', 'x')\n",
           "cinder/api/v3/volumes.py": "X = 1\n"}
    after = dict(old)
    after["cinder/api/v3/volumes.py"] = "X = 2\n"
    after["cinder/db/migrations/versions/1a2b3c4d5e6f_new.py"] = header("1a2b3c4d5e6f", "0a1b2c3d4e5f") + \
        "from alembic import op\n\n\ndef upgrade():\n    op.drop_column('volumes', 'y')  # expect: UPG301\n"
    assert run(after, before=old).actual == markers({k: v for k, v in after.items() if "new" in k})


def test_upg310_edit_of_a_released_migration():
    path = "cinder/db/migrations/versions/0a1b2c3d4e5f_old.py"
    before = {path: header("0a1b2c3d4e5f", "921e1a36b076") +
              "from alembic import op\n\n\ndef upgrade():\n    op.drop_index('ix_a', 'volumes')\n"}
    after = {path: header("0a1b2c3d4e5f", "921e1a36b076") +
             "from alembic import op\n\n\ndef upgrade():\n    op.drop_index('ix_a', 'volumes')\n"
             "    op.drop_column('volumes', 'y')\n"}
    got = {(f.code, f.line) for f in run(after, before=before, select=("UPG3",)).findings}
    assert got == {("UPG310", 7), ("UPG301", 9)}  # the untouched drop_index is not reported again


def test_diff_mode_ignores_edits_outside_upgrade():
    path = "cinder/db/migrations/versions/0a1b2c3d4e5f_old.py"
    body = "from alembic import op\n\n\ndef upgrade():\n    op.drop_column('volumes', 'y'){}\n"
    before = {path: header("0a1b2c3d4e5f", "921e1a36b076") + body.format("")}
    after = {path: header("0a1b2c3d4e5f", "921e1a36b076") + body.format("  # released in 2023.1")}
    assert not run(after, before=before, select=("UPG3",)).findings


# -- UPG308 off by default, UPG309 -----------------------------------------------------

def test_upg308_is_off_by_default():
    files = {"ironic/db/sqlalchemy/alembic/versions/1a2b3c4d5e6f_x.py": header("1a2b3c4d5e6f") +
             fixture("UPG308", "alembic")}
    assert not run(files, select=("UPG",)).findings
    assert {f.code for f in run(files, select=("UPG308",)).findings} == {"UPG308"}
    assert {f.code for f in run(files, select=None, config={"extend-select": ["UPG308"]}).findings} == {"UPG308"}
    assert {f.code for f in run(files, select=None, config=ENABLE_308).findings} == {"UPG308"}


def test_upg309_branch_checks():
    neutron = "neutron/db/migration/alembic_migrations/versions"
    files = {
        f"{neutron}/2026.1/expand/1a2b3c4d5e6f_x.py": header("1a2b3c4d5e6f", "x", "branch_labels = ('contract',)") +
        "def upgrade():  # expect: UPG309\n    pass\n\n\ndef contract_creation_exceptions():  # expect: UPG309\n"
        "    return {}\n",
        f"{neutron}/newton/contract/2b3c4d5e6f70_ok.py": header("2b3c4d5e6f70", "x") + "def upgrade():\n    pass\n",
        f"{neutron}/2026.1/contract/3c4d5e6f7081_drop.py": header("3c4d5e6f7081", "x") +
        "def upgrade():  # expect: UPG309\n    pass\n",
        "neutron/tests/functional/db/test_migrations.py": NEUTRON_OFFLINE_TEST,
    }
    out = run(files, select=("UPG309",))
    assert out.actual == out.expected, out.describe()


NEUTRON_OFFLINE_TEST = """
from neutron.db import migration


class TestModelsMigrations:
    def test_forbid_offline_migrations_starting_newton(self):
        for revision in ('5cd92597d11d', '5c85685d616d'):
            migration.do_alembic_command(self.alembic_config, 'upgrade', revision)
        self.assertFalse(migration.has_offline_migrations(self.alembic_config, 'unused'))
"""


def test_upg309_offline_contract_only_where_the_project_has_the_test():
    """neutron's 'no offline contract after newton' comes from a test in neutron: a
    stadium project without that test keeps an open contract branch."""
    stadium = "networking_bgpvpn/neutron/db/migration/alembic_migrations/versions"
    script = header("3c4d5e6f7081", "x") + "def upgrade():\n    pass\n"
    without = {f"{stadium}/2026.1/contract/3c4d5e6f7081_drop.py": script,
               "networking_bgpvpn/tests/functional/db/test_migrations.py":
                   "class TestModelsMigrations:\n    def test_models_sync(self):\n        pass\n"}
    assert not run(without, select=("UPG309",)).findings
    with_test = dict(without)
    with_test["networking_bgpvpn/tests/functional/db/test_migrations.py"] = NEUTRON_OFFLINE_TEST
    assert [f.code for f in run(with_test, select=("UPG309",)).findings] == ["UPG309"]


# -- the raw SQL reader ------------------------------------------------------------------

@pytest.mark.parametrize("sql,ops", [
    ("ALTER TABLE t DROP COLUMN a, DROP COLUMN b",
     [("drop_column", "t", ("t", "a")), ("drop_column", "t", ("t", "b"))]),
    ("alter table `t` drop column `a`", [("drop_column", "t", ("t", "a"))]),
    ("DROP TABLE IF EXISTS a, b", [("drop_table", "a", ("a",)), ("drop_table", "b", ("b",))]),
    ("RENAME TABLE a TO b", [("rename_table", "a", ("a", "b"))]),
    ("ALTER TABLE a CHANGE x y VARCHAR(255)",
     [("rename_column", "a", ("a", "x", "y")), ("alter_column", "a", ("a", "x"))]),
    ("ALTER TABLE upgradelint_unknown CONVERT TO CHARACTER SET utf8mb4", [("rebuild_table", None, (None,))]),
    ("DROP INDEX ix ON a", [("drop_index", "a", ("ix", "a"))]),
    ("UPDATE a SET x = 1; DELETE FROM b", [("dml", "a", ("a",)), ("dml", "b", ("b",))]),
    ("SELECT * FROM a", []),
    ("SET foreign_key_checks = 0", []),
    ("this is not ( sql", []),
    ("", []),
])
def test_sql_reader(sql, ops):
    from upgradelint.families.migrations.sql import analyse

    assert [op[:3] for op in analyse(sql)] == ops


def test_library_mixins_and_unknown_mixins():
    models = """
from neutron_lib.db import model_base
from neutron_lib.db import standard_attr
from somelib import MysteryMixin
import sqlalchemy as sa


class AddressGroup(standard_attr.HasStandardAttributes, model_base.BASEV2, model_base.HasId):
    __tablename__ = 'address_groups'
    name = sa.Column(sa.String(255))


class Widget(model_base.BASEV2, MysteryMixin):
    size = sa.Column(sa.Integer)
"""
    # not in a declared expand phase, where a drop is an error whatever the models say
    files = {"neutron/db/models/groups.py": models,
             "neutron/db/migration/alembic_migrations/versions/2026.1/1a2b3c4d5e6f_x.py":
                 header("1a2b3c4d5e6f") + """
from alembic import op


def upgrade():
    op.drop_column('address_groups', 'standard_attr_id')
    op.drop_column('address_groups', 'legacy')
    op.drop_column('widgets', 'size')
    op.drop_column('widgets', 'colour')
"""}
    sev = {f.symbol: f.severity for f in run(files).findings}
    assert sev == {
        "address_groups.standard_attr_id": "error",  # from neutron-lib's HasStandardAttributes
        "address_groups.legacy": "info",  # every base known: not mapped
        "widgets.size": "error",  # BASEV2 names the table after the class
        "widgets.colour": "error",  # MysteryMixin may map it: unknown, so the default
    }


# -- sqlalchemy-migrate repositories: scripts ordered by their number ---------------------

def test_migrate_scripts_without_revision_variables_are_judged():
    """sqlalchemy-migrate scripts carry no revision variables: the lowest number of a
    repository is its initial script, every later one is judged."""
    repo = "keystone/common/sql/migrate_repo/versions"
    body = "import sqlalchemy as sql\n\n\ndef upgrade(migrate_engine):\n" \
           "    meta = sql.MetaData(bind=migrate_engine)\n" \
           "    user = sql.Table('user', meta, autoload=True)\n"
    files = {
        f"{repo}/067_kilo.py": body + "    user.c.legacy.drop()\n",
        f"{repo}/068_placeholder.py": "def upgrade(migrate_engine):\n    pass\n",
        f"{repo}/109_drop_extra.py": body + "    user.c.extra.drop()  # expect: UPG301\n",
    }
    out = run(files)
    assert out.actual == out.expected, out.describe()


def test_keystone_exception_lists_are_per_repository():
    """keystone keeps one exception list per repository (the class's migrate_file):
    contract's 13 does not allow expand 013."""
    test = ("from keystone.common.sql import contract_repo, expand_repo\n\n\n"
            "class Checkers:\n    migrate_file = None\n\n\n"
            "class ExpandChecks(Checkers):\n    migrate_file = expand_repo.__file__\n    exceptions = [3]\n\n\n"
            "class ContractChecks(Checkers):\n    migrate_file = contract_repo.__file__\n    exceptions = [13]\n")
    body = "import sqlalchemy as sql\n\n\ndef upgrade(migrate_engine):\n" \
           "    meta = sql.MetaData(bind=migrate_engine)\n" \
           "    creds = sql.Table('credential', meta, autoload=True)\n"
    repo = "keystone/common/sql/expand_repo/versions"
    files = {
        "keystone/tests/unit/test_sql_banned_operations.py": test,
        f"{repo}/001_expand_initial_null_migration.py": "def upgrade(migrate_engine):\n    pass\n",
        f"{repo}/003_expand_blob_nullable.py": body + "    creds.c.blob.alter(nullable=True)\n",
        f"{repo}/013_expand_drop_hash.py": body + "    creds.c.key_hash.drop()  # expect: UPG301\n",
    }
    out = run(files)
    assert out.actual == out.expected, out.describe()


# -- released history: accepted, not failing (state mode) ----------------------------------

MIG = "cinder/db/migrations/versions"


def _drop(rev: str, down: str, column: str) -> str:
    return header(rev, down) + f"from alembic import op\n\n\ndef upgrade():\n    op.drop_column('volumes', '{column}')\n"


def run_released(committed: dict, added: dict | None = None, tag: str | None = "29.0.0", config=None,
                 after_tag: dict | None = None):
    """A full-tree run in a git checkout: ``committed`` (tagged ``tag``), then
    ``after_tag`` committed on top, then ``added`` left in the work tree."""
    with tempfile.TemporaryDirectory() as tmp:
        make_repo(tmp, committed, committed)
        if tag:
            git(tmp, "tag", tag)
        if after_tag:
            make_repo_commit(tmp, after_tag)
        write_config(tmp, config)
        write_tree(tmp, added or {})
        return check_tree(tmp)


def check_tree(root: str):
    return engine.check(engine.Options(root=root, paths=[root], use_cache=False, jobs=1, select=CONTRACTING))


def make_repo_commit(root: str, files: dict) -> None:
    write_tree(root, files)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "after the release")


def test_findings_on_released_migrations_are_accepted_notes():
    committed = {f"{MIG}/0a1b2c3d4e5f_old.py": _drop("0a1b2c3d4e5f", "921e1a36b076", "x")}
    result = run_released(committed,
                          after_tag={f"{MIG}/1b2c3d4e5f60_later.py": _drop("1b2c3d4e5f60", "0a1b2c3d4e5f", "y")},
                          added={f"{MIG}/2c3d4e5f6071_new.py": _drop("2c3d4e5f6071", "1b2c3d4e5f60", "z")})
    got = {f.symbol: (f.severity, f.accepted) for f in result.findings}
    assert got == {
        "volumes.x": ("info", "released in 29.0.0 (released migrations are history)"),
        "volumes.y": ("error", None),  # committed after the release
        "volumes.z": ("error", None),  # not committed at all
    }
    assert result.notes == []


def test_no_git_history_is_said_once_when_a_migration_finding_fails():
    files = {f"{MIG}/0a1b2c3d4e5f_old.py": _drop("0a1b2c3d4e5f", "921e1a36b076", "x"),
             f"{MIG}/1b2c3d4e5f60_later.py": _drop("1b2c3d4e5f60", "0a1b2c3d4e5f", "y")}
    with tempfile.TemporaryDirectory() as tmp:
        make_repo(tmp, None, files)
        result = check_tree(tmp)
        assert [f.severity for f in result.findings] == ["error", "error"]
        assert len(result.notes) == 1 and "no git history" in result.notes[0] and "upgradelint baseline" \
            in result.notes[0]
        make_repo(tmp, None, {f"{MIG}/0a1b2c3d4e5f_old.py": header("0a1b2c3d4e5f", "921e1a36b076") +
                              "def upgrade():\n    pass\n", f"{MIG}/1b2c3d4e5f60_later.py": "X = 1\n"})
        quiet = check_tree(tmp)
        assert quiet.findings == [] and quiet.notes == []  # nothing would fail: nothing to say


def test_released_through_config_without_tags():
    committed = {f"{MIG}/0a1b2c3d4e5f_old.py": _drop("0a1b2c3d4e5f", "921e1a36b076", "x"),
                 f"{MIG}/1b2c3d4e5f60_mid.py": _drop("1b2c3d4e5f60", "0a1b2c3d4e5f", "y"),
                 f"{MIG}/2c3d4e5f6071_new.py": _drop("2c3d4e5f6071", "1b2c3d4e5f60", "z")}
    result = run_released(committed, tag=None, config={"migrations-released-through": ["1b2c3d4e5f60"]})
    got = {f.symbol: (f.severity, f.accepted) for f in result.findings}
    why = "released through 1b2c3d4e5f60 (migrations-released-through: released migrations are history)"
    assert got == {"volumes.x": ("info", why), "volumes.y": ("info", why), "volumes.z": ("error", None)}
    untagged = run_released(committed, tag=None)
    assert {f.severity for f in untagged.findings} == {"error"}
    assert len(untagged.notes) == 1 and "no release tag" in untagged.notes[0]


def test_released_through_a_migrate_number():
    repo = "nova/db/sqlalchemy/migrate_repo/versions"
    body = "import sqlalchemy as sa\n\n\ndef upgrade(migrate_engine):\n" \
           "    t = sa.Table('instances', sa.MetaData(), autoload=True)\n    t.c.{}.drop()\n"
    committed = {f"{repo}/216_havana.py": "def upgrade(migrate_engine):\n    pass\n",
                 f"{repo}/250_a.py": body.format("a"), f"{repo}/260_b.py": body.format("b"),
                 f"{repo}/270_c.py": body.format("c")}
    result = run_released(committed, tag=None, config={"migrations-released-through": ["265"]})
    assert {f.symbol: f.severity for f in result.findings} == {
        "instances.a": "info", "instances.b": "info", "instances.c": "error"}


def test_diff_mode_judges_changes_in_full_even_in_a_tagged_checkout():
    before = {f"{MIG}/0a1b2c3d4e5f_old.py": header("0a1b2c3d4e5f", "921e1a36b076") + "def upgrade():\n    pass\n"}
    after = dict(before)
    after[f"{MIG}/1b2c3d4e5f60_new.py"] = _drop("1b2c3d4e5f60", "0a1b2c3d4e5f", "y")
    out = run(after, before=before)
    assert [(f.severity, f.accepted) for f in out.findings] == [("error", None)]


# -- --show-conventions -------------------------------------------------------------------

def conventions(files: dict, config=None, tag=None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        make_repo(tmp, files if tag else None, files)
        if tag:
            git(tmp, "tag", tag)
        write_config(tmp, config)
        result = engine.check(engine.Options(root=tmp, paths=[tmp], use_cache=False, jobs=1, conventions=True))
        return {name: (value, why) for fam, name, value, why in result.conventions if fam == "migrations"}


def test_conventions_name_contexts_release_exception_lists_and_offline_check():
    neutron = "neutron/db/migration/alembic_migrations/versions"
    files = {
        f"{neutron}/newton/contract/5c85685d616d_c.py": header("5c85685d616d", "x") + "def upgrade():\n    pass\n",
        f"{neutron}/2026.1/expand/1a2b3c4d5e6f_e.py": header("1a2b3c4d5e6f", "y") + "def upgrade():\n    pass\n",
        "neutron/tests/functional/db/test_migrations.py": NEUTRON_OFFLINE_TEST,
        "neutron/tests/unit/db/test_migrations.py": "DROP_ALTER_EXCEPTIONS = ['1a2b3c4d5e6f']\n",
    }
    rows = conventions(files, tag="29.0.0")
    assert rows["contract contexts"][0].startswith("contract/ directories (1 scripts)")
    assert "the project's exception lists (1 scripts)" in rows["contract contexts"][0]
    assert rows["expand contexts"][0] == "expand/ directories (1 scripts)"
    assert rows["released-through"][0] == "tag 29.0.0"
    assert rows["exception list DROP_ALTER_EXCEPTIONS"][0] == "1a2b3c4d5e6f"
    assert rows["neutron offline-contract check"][0] == "applies"
    assert "test_forbid_offline_migrations_starting_newton" in rows["neutron offline-contract check"][1]

    untagged = conventions({k: v for k, v in files.items() if "functional" not in k},
                           config={"migrations-released-through": ["5c85685d616d", "nosuch"]})
    assert untagged["released-through"][0] == "revision 5c85685d616d, nosuch"
    assert "names no migration: nosuch" in untagged["released-through"][1]
    assert untagged["neutron offline-contract check"][0] == "does not apply"


def test_conventions_count_legacy_ports():
    rows = conventions({f"{MIG}/0a1b2c3d4e5f_port.py": header("0a1b2c3d4e5f", "921e1a36b076") +
                        "def upgrade():\n    if not legacy_utils.is_migration_needed(80):\n        return\n"})
    assert rows["legacy ports"][0] == "1 scripts"


# -- idioms real projects use, both ways (tests/fixtures/migrations/patterns/) ----------

@pytest.mark.parametrize("name", scenarios(PATTERNS))
def test_pattern_scenarios(name):
    """Each scenario holds the harmless idiom (unmarked: silent, or an info note
    marked '# expect-info:') next to its harmful twin (marked '# expect:')."""
    out = run_scenario(os.path.join(PATTERNS, name), select=("UPG3",))
    assert out.actual == out.expected, out.describe()


def _by_symbol(name: str) -> dict:
    out = run_scenario(os.path.join(PATTERNS, name), select=("UPG3",))
    return {(f.code, f.symbol, f.line): f for f in out.findings}


def test_enum_to_string_is_a_widening_warning_and_its_twins_errors():
    sev = {sym: f.severity for (_, sym, _), f in _by_symbol("enum_to_string").items()}
    assert sev == {"hosts.kind": "warning", "hosts.driver": "warning", "hosts.mode": "error",
                   "hosts.flavor": "error", "hosts.tier": "error"}


def test_dialect_branches_name_the_database_they_run_on():
    found = _by_symbol("dialect_branches")
    attempts = next(f for (code, sym, _), f in found.items() if sym == "jobs.attempts")
    assert "PostgreSQL" in attempts.message and "MySQL" not in attempts.message
    payload = sorted((f for (code, sym, _), f in found.items() if sym == "jobs.payload"), key=lambda f: f.line)
    assert [f.severity for f in payload] == ["info", "warning"]
    assert "MySQL" not in payload[0].message and "PostgreSQL changes only metadata" in payload[0].message


def test_legacy_port_findings_name_why_they_are_accepted():
    found = _by_symbol("legacy_port")
    port = next(f for (code, sym, _), f in found.items() if sym == "domains")
    assert port.severity == "info" and port.accepted.startswith("ports legacy migration 80:")


def test_upg310_new_migration_paired_with_a_deleted_one_is_not_an_edit(tmp_path):
    """git --find-renames pairs a new migration with a similar deleted one; a
    different revision is a new migration, and the same revision edited still is one."""
    from tests.helpers import console, git, init_repo, write

    body = ("from alembic import op\nimport sqlalchemy as sa\n\nrevision = '{rev}'\ndown_revision = '0123456789ab'\n\n\n"
            "def upgrade():\n    op.add_column('ports', sa.Column('{col}', sa.String(36), nullable=True))\n"
            "    op.add_column('ports', sa.Column('extra_a', sa.String(36), nullable=True))\n"
            "    op.add_column('ports', sa.Column('extra_b', sa.String(36), nullable=True))\n")
    old = "proj/db/migrations/versions/yoga/expand/aaaa11112222_old.py"
    new = "proj/db/migrations/versions/2025.1/expand/bbbb33334444_new.py"
    init_repo(tmp_path, {"pyproject.toml": "", old: body.format(rev="aaaa11112222", col="hint")})
    git(tmp_path, "rm", "-q", old)
    write(tmp_path, {new: body.format(rev="bbbb33334444", col="trusted")})
    git(tmp_path, "add", "-A")
    assert git(tmp_path, "diff", "--cached", "--find-renames", "--name-status").stdout.startswith("R")
    p = console("check", "--base", "HEAD", "--select", "UPG310", cwd=tmp_path)
    assert p.returncode == 0 and "UPG310" not in p.stdout, p.stdout
    # the harmful twin: the same revision, its upgrade() edited in place
    git(tmp_path, "reset", "-q", "--hard")
    write(tmp_path, {old: body.format(rev="aaaa11112222", col="trusted")})
    p = console("check", "--base", "HEAD", "--select", "UPG310", cwd=tmp_path)
    assert p.returncode == 1 and "UPG310" in p.stdout, p.stdout


def test_data_step_in_a_declared_expand_phase_points_to_the_projects_own_place():
    found = _by_symbol("declared_expand")
    backfill = [f for (code, sym, _), f in found.items() if code == "UPG306"]
    assert [f.path.rsplit("/", 1)[-1] for f in backfill] == ["004_expand_backfill_flag.py"]
    assert "expand migration" in backfill[0].message and "contract phase" in backfill[0].message

"""Diff mode over real release trees: a new migration is judged with the
project's real versions tree, models and migration tests (pulled in by the
migrations family's context hook), as a review bot would see it."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

import pytest

from upgradelint import engine
from upgradelint.testing import GIT_ENV

# what the migration rules read, per project: (package dirs to copy, extra files)
SOURCES = {
    "nova": (["nova/db"], []),
    "neutron": (["neutron/db"], ["neutron/tests/functional/db/test_migrations.py"]),
    "cinder": (["cinder/db"], ["cinder/tests/unit/db/test_migrations.py"]),
}


def _git(root, *args):
    subprocess.run(("git", *args), cwd=root, check=True, capture_output=True, env={**os.environ, **GIT_ENV})


@pytest.fixture
def repo(release_tree):
    made = []

    def make(project):
        tree = release_tree(project)
        tmp = tempfile.mkdtemp(prefix=f"upgradelint-{project}-")
        made.append(tmp)
        dirs, files = SOURCES[project]
        for d in dirs:
            shutil.copytree(os.path.join(tree, d), os.path.join(tmp, d))
        for f in files:
            os.makedirs(os.path.dirname(os.path.join(tmp, f)), exist_ok=True)
            shutil.copy(os.path.join(tree, f), os.path.join(tmp, f))
        with open(os.path.join(tmp, "pyproject.toml"), "w") as fh:
            fh.write("[project]\nname = 'replay'\n")
        _git(tmp, "init", "-q", "-b", "main")
        _git(tmp, "add", "-A")
        _git(tmp, "commit", "-q", "-m", "release")
        return tmp

    yield make
    for tmp in made:
        shutil.rmtree(tmp, ignore_errors=True)


def check(root, rel, code):
    with open(os.path.join(root, rel), "w") as fh:
        fh.write(code)
    result = engine.check(engine.Options(root=root, paths=[root], base="HEAD", use_cache=True, select=("UPG3",)))
    assert not result.errors
    return {(f.code, f.symbol, f.severity) for f in result.findings}


NOVA_NEW = "nova/db/main/migrations/versions/1a2b3c4d5e6f_change.py"


def test_nova_new_migration(repo):
    root = repo("nova")
    head = ("revision = '1a2b3c4d5e6f'\ndown_revision = 'd60bddf7a903'\n\n"
            "from alembic import op\nimport sqlalchemy as sa\n\n\n")
    # additive: silent
    assert not check(root, NOVA_NEW, head + "def upgrade():\n    for prefix in ('', 'shadow_'):\n"
                     "        op.add_column(prefix + 'instances', sa.Column('pinned', sa.Boolean, nullable=True))\n")
    # dropping a column the models map (shadow twin folded into the main finding)
    got = check(root, NOVA_NEW, head + "def upgrade():\n    for prefix in ('', 'shadow_'):\n"
                "        with op.batch_alter_table(prefix + 'instances') as batch_op:\n"
                "            batch_op.drop_column('locked_by')\n")
    assert got == {("UPG301", "instances.locked_by", "error")}
    # a column nova already removed from the model: info only
    got = check(root, NOVA_NEW, head + "def upgrade():\n    op.drop_column('instances', 'internal_id')\n")
    assert got == {("UPG301", "instances.internal_id", "info")}


NEUTRON = "neutron/db/migration/alembic_migrations/versions"


def test_neutron_new_expand_and_contract_scripts(repo):
    root = repo("neutron")
    with open(os.path.join(root, NEUTRON, "EXPAND_HEAD")) as fh:
        expand_head = fh.read().strip()
    os.makedirs(os.path.join(root, NEUTRON, "2026.2", "contract"), exist_ok=True)
    head = (f"revision = '1a2b3c4d5e6f'\ndown_revision = '{expand_head}'\n\n"
            "from alembic import op\nimport sqlalchemy as sa\n\n\n")
    body = "def upgrade():\n    op.drop_column('networks', 'mtu')\n"
    assert check(root, f"{NEUTRON}/2026.2/expand/1a2b3c4d5e6f_drop_mtu.py", head + body) == {
        ("UPG301", "networks.mtu", "error")}
    allowed = body + ("\n\ndef expand_drop_exceptions():\n    \"\"\"networks.mtu is unused since 2026.1.\"\"\"\n"
                      "    return {sa.Column: ['networks.mtu']}\n")
    assert not check(root, f"{NEUTRON}/2026.2/expand/1a2b3c4d5e6f_drop_mtu.py", head + allowed)
    os.remove(os.path.join(root, NEUTRON, "2026.2/expand/1a2b3c4d5e6f_drop_mtu.py"))
    got = check(root, f"{NEUTRON}/2026.2/contract/1a2b3c4d5e6f_drop_mtu.py", head + body)
    assert got == {("UPG309", "contract", "error")}  # no offline contract after newton


def test_cinder_exception_list_is_read_from_its_tests(repo):
    root = repo("cinder")
    code = ("revision = '9ab1b092a404'\ndown_revision = 'b8660621f1b9'\n\nfrom alembic import op\n\n\n"
            "def upgrade():\n    with op.batch_alter_table('volumes') as batch_op:\n"
            "        batch_op.alter_column('use_quota', nullable=False)\n")
    # the revision cinder lists in DROP_ALTER_EXCEPTIONS: allowed
    assert not check(root, "cinder/db/migrations/versions/9ab1b092a404_x.py", code)
    os.remove(os.path.join(root, "cinder/db/migrations/versions/9ab1b092a404_x.py"))
    got = check(root, "cinder/db/migrations/versions/1a2b3c4d5e6f_x.py", code.replace("9ab1b092a404", "1a2b3c4d5e6f"))
    assert got == {("UPG304", "volumes.use_quota", "error")}

"""Shared test helpers: small projects in temp dirs, git, the console script."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

from upgradelint.testing import GIT_ENV

BIN = os.path.dirname(sys.executable)

RPCAPI_BAD = '''\
import oslo_messaging as messaging


class SchedulerAPI:
    RPC_API_VERSION = '4.3'

    def __init__(self):
        target = messaging.Target(topic='scheduler', version=self.RPC_API_VERSION)
        self.client = messaging.get_rpc_client(target)

    def select_destinations(self, ctxt, spec):
        cctxt = self.client.prepare(version='4.0')
        return cctxt.call(ctxt, 'select_destinations', spec=spec)

    def update_aggregates(self, ctxt, aggregates):
        cctxt = self.client.prepare(fanout=True)
        cctxt.cast(ctxt, 'update_aggregates', aggregates=aggregates)
'''
RPCAPI_GOOD = RPCAPI_BAD.replace("prepare(fanout=True)", "prepare(fanout=True, version='4.1')")

MIGRATION_DROP = '''\
from alembic import op

revision = 'c3d4e5f6a7b8'
down_revision = 'b2c3d4e5f6a7'


def upgrade():
    op.drop_column('instances', 'cleaned')
'''
MIGRATION_ADD = '''\
from alembic import op
import sqlalchemy as sa

revision = 'c3d4e5f6a7b8'
down_revision = 'b2c3d4e5f6a7'


def upgrade():
    op.add_column('instances', sa.Column('cleaned_at', sa.DateTime, nullable=True))
'''
MIGRATION_PATH = "proj/db/migrations/versions/c3d4e5f6a7b8_change.py"
RPCAPI_PATH = "proj/scheduler/rpcapi.py"


def write(root, files: dict) -> None:
    for path, code in files.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w" if isinstance(code, str) else "wb") as fh:
            fh.write(textwrap.dedent(code) if isinstance(code, str) else code)


def git(root, *args, check=True):
    return subprocess.run(("git", *args), cwd=root, check=check, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV})


def init_repo(root, files: dict | None = None, message="base"):
    git(root, "init", "-q", "-b", "main")
    if files:
        write(root, files)
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", message)


def console(*args, cwd, env=None, input=None):
    """Run the installed console script."""
    exe = shutil.which("upgradelint", path=BIN) or shutil.which("upgradelint")
    return subprocess.run([exe, *args], cwd=cwd, capture_output=True, text=True, input=input,
                          env={**os.environ, **(env or {})}, timeout=120)

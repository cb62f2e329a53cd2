"""``upgradelint demo``: a small Nova-like project in a temporary git repo, one
commit that breaks one contract of each family, and ``check --base HEAD~1``."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "demo_project")
EXPECTED = ("UPG101", "UPG201", "UPG301")


def _git(cwd: str, *args: str) -> None:
    from upgradelint.engine.gitbase import scratch

    scratch(cwd, *args)


def build(dest: str) -> None:
    """Write the demo repo into ``dest``: commit 1 is the base, commit 2 the change."""
    shutil.copytree(os.path.join(HERE, "base"), dest, dirs_exist_ok=True)
    _git(dest, "init", "-q", "-b", "main")
    _git(dest, "add", "-A")
    _git(dest, "commit", "-q", "-m", "novalite 1.0")
    shutil.copytree(os.path.join(HERE, "change"), dest, dirs_exist_ok=True)
    _git(dest, "add", "-A")
    _git(dest, "commit", "-q", "-m", "Add trigger_crash_dump, Instance.locked_by; drop instances.cleaned")


def run(keep: str | None = None) -> int:
    from upgradelint import engine
    from upgradelint.formats import render

    if shutil.which("git") is None:
        print("upgradelint demo: error: git is not installed", file=sys.stderr)
        return 2
    tmp = None
    if keep:
        os.makedirs(keep, exist_ok=True)
        if os.listdir(keep):
            print(f"upgradelint demo: error: {keep} is not empty", file=sys.stderr)
            return 2
        where = keep
    else:
        tmp = tempfile.mkdtemp(prefix="upgradelint-demo-")
        where = tmp
    try:
        build(where)
        print(f"Built a small Nova-like project in {where}:")
        print("  commit 1: an RPC client and manager, a versioned object, two migrations")
        print("  commit 2: a new RPC method, a new object field, a migration that drops a column\n")
        print("$ upgradelint check --base HEAD~1")
        result = engine.check(engine.Options(root=where, paths=[where], base="HEAD~1", use_cache=False, jobs=1))
        sys.stdout.write(render("text", result, root=where))
        found = {f.code for f in result.findings}
        missing = [c for c in EXPECTED if c not in found]
        if missing or result.errors:
            print(f"\nupgradelint demo: expected {', '.join(missing) or 'no errors'}; the demo is broken",
                  file=sys.stderr)
            return 1
        print("\nEach line names the broken contract and the fix; `upgradelint explain CODE` tells the story.")
        if keep:
            print(f"The project is kept in {where}: try `cd {where} && upgradelint check --base HEAD~1`.")
        return 0
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)

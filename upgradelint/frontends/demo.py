"""``upgradelint demo``: a small Nova-like project in a temporary git repo, one
commit that breaks one contract of each family, ``check --base HEAD~1``, then
``fix --diff``, ``fix --unsafe-fixes`` and ``check`` again."""

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


def _check(where: str):
    from upgradelint import engine

    return engine.check(engine.Options(root=where, paths=[where], base="HEAD~1", use_cache=False, jobs=1))


def _fix(where: str) -> bool:
    """``fix --diff``, ``fix --unsafe-fixes``, then ``check``: only the
    migration is left (fix never rewrites one; its message gives the plan)."""
    from upgradelint.engine import fix
    from upgradelint.formats import render

    print("\nupgradelint fix writes the bookkeeping a reviewer would ask for. Preview the safe fixes:\n")
    print("$ upgradelint fix --base HEAD~1 --diff")
    report = fix.apply(where, _check(where).findings, dry_run=True)
    sys.stdout.write("".join(report.diffs))
    print("\nApply them, and the unsafe ones too (the backport branch changes what old services receive):\n")
    print("$ upgradelint fix --base HEAD~1 --unsafe-fixes")
    report = fix.apply(where, _check(where).findings, unsafe=True)
    print(f"Fixed {report.findings} findings in {len(report.fixed)} files.")
    print("\n$ upgradelint check --base HEAD~1")
    result = _check(where)
    sys.stdout.write(render("text", result, root=where))
    left = sorted({f.code for f in result.findings if f.failing and not f.code.startswith("UPG3")})
    if left or report.skipped:
        print(f"\nupgradelint demo: {', '.join(left) or report.skipped} left after fix; the demo is broken",
              file=sys.stderr)
        return False
    print("\nOnly the migration is left: fix never rewrites one; the message gives the expand/contract plan.")
    return True


def run(keep: str | None = None) -> int:
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
        result = _check(where)
        sys.stdout.write(render("text", result, root=where))
        found = {f.code for f in result.findings}
        missing = [c for c in EXPECTED if c not in found]
        if missing or result.errors:
            print(f"\nupgradelint demo: expected {', '.join(missing) or 'no errors'}; the demo is broken",
                  file=sys.stderr)
            return 1
        print("\nEach line names the broken contract and the fix; `upgradelint explain CODE` tells the story.")
        if not _fix(where):
            return 1
        if keep:
            print(f"The project is kept in {where}: try `cd {where} && upgradelint check --base HEAD~1`.")
        return 0
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)

#!/usr/bin/env python
"""Replay real migration-adding commits from a local git mirror through
upgradelint's migration rules, in diff mode.

For each commit that adds an alembic migration script (newest first):

1. "as merged": the commit's parent is the base, the commit is the change; the
   UPG3xx findings that fail a run are recorded (a merged, reviewed migration is
   expected to be silent, or to carry an explained true finding);
2. "mutated": when the added migration's ``upgrade()`` adds a column, that
   ``add_column`` is turned into a ``drop_column`` of the same column (the
   change a careless follow-up would make) and the run must now fail with
   UPG301.

Only what the migration rules read is materialised (the migration versions
trees, the SQLAlchemy model modules, the migration tests), from the mirror's
objects through one ``git cat-file --batch`` per tree; nothing of the replayed
project is copied into this repository.

Usage:
    python scripts/history_migrations.py MIRROR_GIT_DIR [--limit N] [--json]

Example:
    python scripts/history_migrations.py /work/.mirror/openstack+nova/repo --limit 10
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from upgradelint import engine  # noqa: E402
from upgradelint.core.paths import is_test_path  # noqa: E402
from upgradelint.families.migrations.facts import is_migration_path  # noqa: E402
from upgradelint.testing import GIT_ENV  # noqa: E402

_MODEL_PATH = re.compile(r"(/db/|model|/sql)")
_TEST_FILES = ("test_migrations.py", "test_sql_banned_operations.py")
_ALEMBIC = re.compile(r"(^|/)(alembic_migrations|alembic|migrations)/versions/")


def git(gitdir: str, *args: str, data: bytes | None = None, check: bool = True) -> bytes:
    proc = subprocess.run(("git", "--git-dir", gitdir, *args), input=data, capture_output=True)
    if check and proc.returncode != 0:
        raise RuntimeError(proc.stderr.decode(errors="replace").strip())
    return proc.stdout


def wanted(path: str) -> bool:
    if not path.endswith(".py"):
        return False
    if path.rsplit("/", 1)[-1] in _TEST_FILES:
        return True
    if is_test_path(path):
        return False
    return is_migration_path(path) or bool(_MODEL_PATH.search("/" + path))


def tree_files(gitdir: str, rev: str) -> dict[str, bytes]:
    names = [p for p in git(gitdir, "ls-tree", "-r", "--name-only", rev).decode().splitlines() if wanted(p)]
    if not names:
        return {}
    data = "".join(f"{rev}:{p}\n" for p in names).encode()
    out = git(gitdir, "cat-file", "--batch", data=data)
    files, pos = {}, 0
    for p in names:
        nl = out.index(b"\n", pos)
        head = out[pos:nl].split()
        if len(head) < 3 or head[1] != b"blob":
            pos = nl + 1
            continue
        size = int(head[2])
        files[p] = out[nl + 1: nl + 1 + size]
        pos = nl + 1 + size + 1
    return files


def migration_commits(gitdir: str, limit: int) -> list[tuple[str, str, list[str]]]:
    # a snapshot mirror may lack a few old objects: use what git could read
    log = git(gitdir, "log", "--no-merges", "--diff-filter=A", "--name-only", "--format=@@%H %s", "HEAD",
              check=False).decode(errors="replace")
    out = []
    for block in log.split("@@")[1:]:
        lines = block.strip().splitlines()
        sha, _, subject = lines[0].partition(" ")
        added = [p for p in lines[1:] if p.strip() and _ALEMBIC.search(p) and p.endswith(".py")
                 and not p.endswith("__init__.py") and not is_test_path(p)]
        if added and "initial" not in " ".join(added):
            out.append((sha, subject, added))
        if len(out) >= limit:
            break
    return out


def mutate(source: str) -> tuple[str, str] | None:
    """The source with the first add_column of upgrade() turned into a
    drop_column of the same column; (new source, 'table.column')."""
    import libcst as cst

    from upgradelint.core.cst.static import evaluate, module_constants, positional

    module = cst.parse_module(source)
    names = module_constants(module)
    done: list[str] = []

    class Swap(cst.CSTTransformer):
        def __init__(self):
            self.in_upgrade = False
            self.batch_table: dict[str, str] = {}

        def visit_FunctionDef(self, node):
            self.in_upgrade = node.name.value == "upgrade"

        def visit_With(self, node):
            for item in node.items:
                call = item.item
                if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and \
                        call.func.attr.value == "batch_alter_table" and item.asname is not None:
                    args = positional(call)
                    t = evaluate(args[0], names) if args else None
                    if isinstance(item.asname.name, cst.Name):
                        self.batch_table[item.asname.name.value] = t if isinstance(t, str) else "?"

        def leave_Call(self, original, updated):
            if done or not self.in_upgrade or not isinstance(updated.func, cst.Attribute) or \
                    updated.func.attr.value != "add_column":
                return updated
            args = positional(updated)
            recv = updated.func.value
            batch = isinstance(recv, cst.Name) and recv.value in self.batch_table
            col = args[0] if batch else (args[1] if len(args) > 1 else None)
            if not isinstance(col, cst.Call) or not positional(col):
                return updated
            cname = evaluate(positional(col)[0], names)
            table = self.batch_table.get(recv.value, "?") if batch else evaluate(args[0], names)
            if not isinstance(cname, str) or not isinstance(table, str):
                return updated
            done.append(f"{table}.{cname}")
            new_args = [cst.Arg(positional(col)[0])] if batch else [cst.Arg(args[0]), cst.Arg(positional(col)[0])]
            return updated.with_changes(func=updated.func.with_changes(attr=cst.Name("drop_column")), args=new_args)

    new = module.visit(Swap())
    return (new.code, done[0]) if done else None


def run_pair(before: dict[str, bytes], after: dict[str, bytes]) -> list:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, **GIT_ENV}
        subprocess.run(("git", "init", "-q", "-b", "main"), cwd=tmp, check=True, env=env)
        with open(os.path.join(tmp, "pyproject.toml"), "w") as fh:
            fh.write("[project]\nname = 'replay'\n")
        for tree in (before, after):
            for p in list(os.popen(f"cd {tmp} && git ls-files").read().splitlines()):
                if p != "pyproject.toml" and p not in tree:
                    os.remove(os.path.join(tmp, p))
            for p, raw in tree.items():
                full = os.path.join(tmp, p)
                os.makedirs(os.path.dirname(full), exist_ok=True)
                with open(full, "wb") as fh:
                    fh.write(raw)
            if tree is before:
                subprocess.run(("git", "add", "-A"), cwd=tmp, check=True, env=env)
                subprocess.run(("git", "commit", "-q", "-m", "base"), cwd=tmp, check=True, env=env)
        result = engine.check(engine.Options(root=tmp, paths=[tmp], base="HEAD", use_cache=False, jobs=1,
                                             select=("UPG3",)))
        return [f for f in result.findings if f.failing]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("gitdir")
    ap.add_argument("--limit", type=int, default=10)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    rows = []
    for sha, subject, added in migration_commits(args.gitdir, args.limit):
        try:
            before = tree_files(args.gitdir, sha + "^")
            after = tree_files(args.gitdir, sha)
        except RuntimeError as exc:  # objects absent from the mirror
            print(f"{sha[:10]} skipped: {exc}", file=sys.stderr)
            continue
        merged = run_pair(before, after)
        row = {"commit": sha[:10], "subject": subject[:70], "added": added,
               "as_merged": [f"{f.code} {f.path.rsplit('/', 1)[-1]}:{f.line} {f.symbol}" for f in merged]}
        mutated = None
        for p in added:
            src = after.get(p)
            m = mutate(src.decode("utf-8")) if src else None
            if m:
                mutated = (p, m)
                break
        if mutated:
            p, (code, col) = mutated
            changed = dict(after)
            changed[p] = code.encode("utf-8")
            found = run_pair(before, changed)
            row["mutation"] = f"add_column -> drop_column {col}"
            row["mutated_flagged"] = sorted({f"{f.code} {f.severity}" for f in found if f.code == "UPG301"})
        rows.append(row)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for r in rows:
            merged = "silent" if not r["as_merged"] else "; ".join(r["as_merged"])
            mut = r.get("mutation")
            flagged = ", ".join(r.get("mutated_flagged") or []) or ("NOT FLAGGED" if mut else "-")
            print(f"{r['commit']} {r['subject']}\n    as merged: {merged}\n"
                  f"    {mut or 'no add_column to mutate'}: {flagged}")
        silent = sum(1 for r in rows if not r["as_merged"])
        muts = [r for r in rows if r.get("mutation")]
        caught = sum(1 for r in muts if r.get("mutated_flagged"))
        print(f"\n{len(rows)} migration-adding commits: {silent} silent as merged; "
              f"{caught}/{len(muts)} add_column->drop_column mutations flagged UPG301")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

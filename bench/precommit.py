#!/usr/bin/env python3
"""What a pre-commit run on one file costs: ``upgradelint check --base HEAD FILE``
from the project root with an empty fact cache, after a one-line change to FILE,
next to flake8 on the same file in the same minute (and a bare interpreter for
a file no rule wants), reported as ratios.

    python bench/precommit.py                 # nova 34.0.0 from the integration cache
    python bench/precommit.py TREE FILE...    # other files

The release tree is copied into a scratch git repository (one commit), so the
change is the only thing diff mode sees. Timings are printed, never asserted."""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

NOVA_FILES = ("nova/compute/rpcapi.py", "nova/objects/instance.py", "nova/compute/manager.py", "nova/utils.py")
GIT_ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.org", "GIT_COMMITTER_NAME": "bench",
           "GIT_COMMITTER_EMAIL": "bench@example.org"}


def timed(cmd, cwd, env=None, repeat=3):
    runs = []
    for _ in range(repeat):
        cache = tempfile.mkdtemp(prefix="upgradelint-bench-")
        t = time.perf_counter()
        p = subprocess.run(cmd, cwd=cwd, env={**os.environ, "UPGRADELINT_CACHE_DIR": cache, **(env or {})},
                           capture_output=True, text=True)
        runs.append(time.perf_counter() - t)
        shutil.rmtree(cache, ignore_errors=True)
        if p.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()[-300:]}")
    return statistics.median(runs)


def scratch(tree: str) -> str:
    dest = tempfile.mkdtemp(prefix="upgradelint-bench-tree-")
    shutil.copytree(tree, dest, dirs_exist_ok=True)
    env = {**os.environ, **GIT_ENV}
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-q", "-m", "release")):
        subprocess.run(("git", *args), cwd=dest, check=True, env=env, capture_output=True)
    return dest


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tree", nargs="?")
    ap.add_argument("files", nargs="*")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    tree = args.tree
    if tree is None:
        from tests.integration import releases

        tree = releases.tree("nova")
    files = args.files or [f for f in NOVA_FILES if os.path.exists(os.path.join(tree, f))]
    py = sys.executable
    repo = scratch(tree)
    try:
        print(f"tree: {tree}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; cache empty on every run")
        bare = timed([py, "-c", "pass"], repo, repeat=args.repeat)
        print(f"{'file':32} {'upgradelint s':>13} {'flake8 s':>9} {'ratio':>7}")
        for rel in files:
            with open(os.path.join(repo, rel), "a", encoding="utf-8") as fh:
                fh.write("# a one-line change\n")
            ul = timed([py, "-m", "upgradelint", "check", "--exit-zero", "--base", "HEAD", rel], repo,
                       repeat=args.repeat)
            fl = timed([py, "-m", "flake8", "--exit-zero", rel], repo, repeat=args.repeat)
            print(f"{rel:32} {ul:13.2f} {fl:9.2f} {ul / fl:6.2f}x")
            subprocess.run(("git", "checkout", "-q", "--", rel), cwd=repo, check=True)
        print(f"{'python -c pass':32} {bare:13.2f}")
    finally:
        shutil.rmtree(repo, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

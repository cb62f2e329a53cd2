#!/usr/bin/env python3
"""What a pre-commit run on one file costs: ``upgradelint check --base HEAD FILE``
from the project root with an empty fact cache, after a one-line change to FILE,
next to flake8 on the same file in the same minute (and a bare interpreter for
a file no rule wants), reported as ratios. The flake8 figure is flake8 without
the upgradelint plugin (``bench/flake8_bare.py``): with it, flake8 would run
upgradelint too. Wall and CPU seconds (the process and its workers) are both
printed: on a shared machine the CPU figure is the steadier one.

    python bench/precommit.py                 # nova 34.0.0 from the integration cache
    python bench/precommit.py TREE FILE...    # other files

The release tree is copied into a scratch git repository (one commit), so the
change is the only thing diff mode sees. Timings are printed, never asserted."""

from __future__ import annotations

import argparse
import os
import resource
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


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd, cwd, env=None, repeat=3):
    """(median wall s, median CPU s of the process and its workers): on a
    shared machine the CPU figure moves less than the wall one."""
    runs, cpus = [], []
    for _ in range(repeat):
        cache = tempfile.mkdtemp(prefix="upgradelint-bench-")
        c = _children_cpu()
        t = time.perf_counter()
        p = subprocess.run(cmd, cwd=cwd, env={**os.environ, "UPGRADELINT_CACHE_DIR": cache, **(env or {})},
                           capture_output=True, text=True)
        runs.append(time.perf_counter() - t)
        cpus.append(_children_cpu() - c)
        shutil.rmtree(cache, ignore_errors=True)
        if p.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()[-300:]}")
    return statistics.median(runs), statistics.median(cpus)


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
    flake8 = [py, os.path.join(HERE, "flake8_bare.py")]  # flake8 without upgradelint's own plugin
    repo = scratch(tree)
    try:
        print(f"tree: {tree}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}; cache empty on every run")
        bare, bare_cpu = timed([py, "-c", "pass"], repo, repeat=args.repeat)
        print(f"{'file':32} {'upgradelint s':>13} {'flake8 s':>9} {'ratio':>7}   {'CPU s':>6} {'flake8':>6} {'ratio':>7}")
        for rel in files:
            with open(os.path.join(repo, rel), "a", encoding="utf-8") as fh:
                fh.write("# a one-line change\n")
            ul, ul_cpu = timed([py, "-m", "upgradelint", "check", "--exit-zero", "--base", "HEAD", rel], repo,
                               repeat=args.repeat)
            fl, fl_cpu = timed(flake8 + ["--exit-zero", rel], repo, repeat=args.repeat)
            print(f"{rel:32} {ul:13.2f} {fl:9.2f} {ul / fl:6.2f}x   {ul_cpu:6.2f} {fl_cpu:6.2f} {ul_cpu / fl_cpu:6.2f}x")
            subprocess.run(("git", "checkout", "-q", "--", rel), cwd=repo, check=True)
        print(f"{'python -c pass':32} {bare:13.2f} {'':9} {'':7}   {bare_cpu:6.2f}")
    finally:
        shutil.rmtree(repo, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python3
"""Wall time of upgradelint on a real release tree, next to flake8 and ruff
run in the same minute on the same tree, reported as ratios.

    python bench/bench.py                # nova 34.0.0 from the integration cache
    python bench/bench.py PATH [--repeat 3]

Timings are printed, never asserted: tests do not time things."""

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


def timed(cmd, cwd, env=None, repeat=1):
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        p = subprocess.run(cmd, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True)
        runs.append(time.perf_counter() - t)
        if p.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()[-300:]}")
    return statistics.median(runs), p


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tree", nargs="?", help="project tree (default: nova 34.0.0 from the integration cache)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per warm measurement (median)")
    args = ap.parse_args()
    tree = args.tree
    if tree is None:
        from tests.integration import releases

        tree = releases.tree("nova")
    py = sys.executable
    ul = [py, "-m", "upgradelint", "check", "--exit-zero"]
    nfiles = sum(1 for _, _, fs in os.walk(tree) for f in fs if f.endswith(".py"))
    print(f"tree: {tree} ({nfiles} .py files), {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    rows = []
    cache = tempfile.mkdtemp(prefix="upgradelint-bench-")
    try:
        env = {"UPGRADELINT_CACHE_DIR": cache}
        t, p = timed(ul, tree, env)
        rows.append(("upgradelint check (cold: empty cache)", t))
        findings = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else "no findings"
        t, _ = timed(ul, tree, env, args.repeat)
        rows.append(("upgradelint check (warm cache)", t))
        t, _ = timed(ul + ["--jobs", "1", "--no-cache"], tree, None)
        rows.append(("upgradelint check --jobs 1 --no-cache", t))
        unrelated = next((c for c in ("nova/utils.py", "cinder/utils.py", "neutron/wsgi.py") if
                          os.path.exists(os.path.join(tree, c))), None)
        if unrelated:
            t, _ = timed(ul + [unrelated], tree, env, args.repeat)
            rows.append((f"upgradelint check {unrelated} (a file no rule wants)", t))
        rpc = "nova/compute/rpcapi.py"
        if os.path.exists(os.path.join(tree, rpc)):
            fresh = tempfile.mkdtemp(prefix="upgradelint-bench-")
            t, _ = timed(ul + [rpc], tree, {"UPGRADELINT_CACHE_DIR": fresh})
            shutil.rmtree(fresh, ignore_errors=True)
            rows.append((f"upgradelint check {rpc} (cold)", t))
            t, _ = timed(ul + [rpc], tree, env, args.repeat)
            rows.append((f"upgradelint check {rpc} (warm cache)", t))
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    peers = []
    # flake8 without upgradelint's own plugin, which would run upgradelint too
    t, _ = timed([py, os.path.join(HERE, "flake8_bare.py"), "--select", "F", "--exit-zero", "."], tree)
    peers.append(("flake8 --select F", t))
    ruff = shutil.which("ruff")
    if ruff:
        t, _ = timed([ruff, "check", "--select", "F", "--exit-zero", "--no-cache", "."], tree)
        peers.append(("ruff check --select F (no cache)", t))
    else:
        print("(ruff is not installed: pip install ruff to compare)")
    flake = peers[0][1]
    width = max(len(n) for n, _ in rows + peers)
    print(f"upgradelint found: {findings}\n")
    print(f"{'command'.ljust(width)}  {'wall s':>7}  {'vs flake8':>9}")
    for name, t in rows + peers:
        print(f"{name.ljust(width)}  {t:7.2f}  {t / flake:8.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

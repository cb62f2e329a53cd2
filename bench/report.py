#!/usr/bin/env python3
"""Wall and CPU time of ``upgradelint report A..B`` next to ``check --base A``
on the same release pair (the previous and the pinned nova, committed in
order in a scratch repository by tests/integration/releases.py), warm and
cold, the two commands alternating so that they share the machine's load.

    python bench/report.py                       # nova 33.0.0..34.0.0
    python bench/report.py --project cinder --repeat 5

Timings are printed, never asserted. The figures measured for the issue are
in bench/report.md."""

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


def timed(cmd, cwd, env):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()[-300:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--project", default="nova", help="a project of tests/integration/releases.PREVIOUS")
    ap.add_argument("--repeat", type=int, default=5, help="warm runs of each command (median)")
    args = ap.parse_args()
    from tests.integration import releases

    repo = releases.pair(args.project)
    old, new = releases.PREVIOUS[args.project], releases.RELEASES[args.project]
    py = sys.executable
    report = [py, "-m", "upgradelint", "report", f"{old}..{new}"]
    check = [py, "-m", "upgradelint", "check", "--exit-zero", "--base", old]
    print(f"{args.project} {old}..{new} in {repo}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, "
          f"Python {sys.version.split()[0]}")
    rows = []
    for name, cmd in (("report", report), ("check --base", check)):
        cache = tempfile.mkdtemp(prefix="upgradelint-bench-")
        try:
            rows.append((f"{name} (cold: empty cache)", *timed(cmd, repo, {"UPGRADELINT_CACHE_DIR": cache})))
        finally:
            shutil.rmtree(cache, ignore_errors=True)
    cache = tempfile.mkdtemp(prefix="upgradelint-bench-")
    env = {"UPGRADELINT_CACHE_DIR": cache}
    try:
        timed(check, repo, env)
        timed(report, repo, env)  # both warm
        runs = {"report": [], "check --base": []}
        for _ in range(args.repeat):  # alternating, so that both see the same load
            runs["report"].append(timed(report, repo, env))
            runs["check --base"].append(timed(check, repo, env))
        for name, got in runs.items():
            rows.append((f"{name} (warm, median of {args.repeat})", statistics.median(w for w, _ in got),
                         statistics.median(c for _, c in got)))
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    width = max(len(r[0]) for r in rows)
    print(f"\n{'command'.ljust(width)}  {'wall s':>7}  {'CPU s':>7}")
    for name, wall, cpu in rows:
        print(f"{name.ljust(width)}  {wall:7.2f}  {cpu:7.2f}")
    cold = rows[0][1] / rows[1][1]
    warm = rows[2][1] / rows[3][1]
    print(f"\nreport / check --base, wall: cold {cold:.2f}x, warm {warm:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

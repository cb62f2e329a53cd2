#!/usr/bin/env python3
"""What the upgradelint flake8 plugin adds to ``flake8 --jobs N`` over a whole
tree (the tox route): flake8 without the plugin (``bench/flake8_bare.py``),
with it and an empty fact cache (cold), and with it again on the cache the
cold run left (warm), run back to back so that the three share the same
minute, and reported as the plugin's extra seconds and ratio.

    python bench/flake8_route.py                  # nova 34.0.0 from the integration cache
    python bench/flake8_route.py TREE [--jobs 2] [--repeat 1]

Wall and CPU seconds (flake8 and its workers) are both printed. Timings are
printed, never asserted."""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(cmd, cwd, env) -> tuple[float, float]:
    import subprocess
    import time

    c = _children_cpu()
    t = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - t, _children_cpu() - c
    if p.returncode not in (0, 1) or "UPG000" in p.stdout:
        raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}): {(p.stderr or p.stdout).strip()[-300:]}")
    return wall, cpu


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tree", nargs="?")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=1, help="rounds of (bare, cold, warm); medians are printed")
    args = ap.parse_args()
    tree = args.tree
    if tree is None:
        from tests.integration import releases

        tree = releases.tree("nova")
    py = sys.executable
    common = ["--jobs", str(args.jobs), "--exit-zero", "."]
    rows: dict[str, list] = {"flake8 (no plugin)": [], "flake8 + upgradelint, cold": [],
                             "flake8 + upgradelint, warm": []}
    for _ in range(args.repeat):
        cache = tempfile.mkdtemp(prefix="upgradelint-bench-")
        env = {"UPGRADELINT_CACHE_DIR": cache}
        try:
            rows["flake8 (no plugin)"].append(run([py, os.path.join(HERE, "flake8_bare.py"), *common], tree, env))
            rows["flake8 + upgradelint, cold"].append(run([py, "-m", "flake8", *common], tree, env))
            rows["flake8 + upgradelint, warm"].append(run([py, "-m", "flake8", *common], tree, env))
        finally:
            shutil.rmtree(cache, ignore_errors=True)
    print(f"tree: {tree}, flake8 --jobs {args.jobs}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
          f"{args.repeat} round(s)")
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in rows.items()}
    bare_w, bare_c = med["flake8 (no plugin)"]
    print(f"{'command':28} {'wall s':>7} {'+wall s':>8} {'ratio':>6}   {'CPU s':>7} {'+CPU s':>7}")
    for name, (w, c) in med.items():
        print(f"{name:28} {w:7.2f} {w - bare_w:+8.2f} {w / bare_w:5.2f}x   {c:7.2f} {c - bare_c:+7.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

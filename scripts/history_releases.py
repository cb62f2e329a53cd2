#!/usr/bin/env python
"""Replay diff mode as reviewers meet it, one release at a time: at each release
tag ``X.0.0``, ``upgradelint check --base <previous X.0.0> --format json`` through
the installed console script, on local mirrors fetched under
/work/.mirror/openstack+<project>/repo (or ``--mirrors DIR``).

Every change in such a range was reviewed and merged, so each failing finding
printed here must be one a maintainer would accept as true.

For each project a shared clone of the mirror (``git clone --shared``, no copy
of the objects) is checked out at each tag in turn in a temporary directory;
nothing of the replayed project is written into this repository.

    python scripts/history_releases.py [--mirrors DIR] [--pairs 3] [--project nova ...] [--verbose]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

PROJECTS = ("nova", "cinder", "neutron", "ironic", "manila", "keystone", "glance", "heat")
SPARSE = ("*.py", "/setup.cfg", "/tox.ini", "/pyproject.toml", "/.upgradelint-baseline.json")
TAG_RE = re.compile(r"^(\d+)\.0\.0$")


def git(repo, *args) -> str:
    return subprocess.run(("git", "-C", repo, *args), check=True, capture_output=True, text=True).stdout


def release_tags(repo: str) -> list[str]:
    tags = [t for t in git(repo, "tag").split() if TAG_RE.match(t) and int(TAG_RE.match(t).group(1)) < 2000]
    return sorted(tags, key=lambda t: int(TAG_RE.match(t).group(1)))


def upgradelint() -> list[str]:
    exe = shutil.which("upgradelint", path=os.path.dirname(sys.executable)) or shutil.which("upgradelint")
    return [exe] if exe else [sys.executable, "-m", "upgradelint"]


def replay(mirror: str, project: str, pairs: int, cache: str, verbose: bool) -> list[dict]:
    tags = release_tags(mirror)[-(pairs + 1):]
    out = []
    with tempfile.TemporaryDirectory(prefix=f"upgradelint-{project}-") as tmp:
        clone = os.path.join(tmp, project)
        subprocess.run(("git", "clone", "-q", "--shared", "--no-checkout", mirror, clone), check=True,
                       capture_output=True)
        # only what upgradelint reads: a snapshot may lack its largest blobs (tacker's disk images)
        git(clone, "sparse-checkout", "set", "--no-cone", *SPARSE)
        for prev, tag in zip(tags, tags[1:]):
            git(clone, "checkout", "-q", "--force", tag)
            t = time.perf_counter()
            p = subprocess.run([*upgradelint(), "check", "--base", prev, "--format", "json", "--exit-zero"],
                               cwd=clone, capture_output=True, text=True,
                               env={**os.environ, "UPGRADELINT_CACHE_DIR": cache})
            took = time.perf_counter() - t
            row = {"project": project, "base": prev, "head": tag, "seconds": round(took, 1), "failing": [],
                   "info": 0, "errors": []}
            if p.returncode != 0:
                row["errors"] = [f"exit {p.returncode}: {p.stderr.strip()[-300:]}"]
            else:
                doc = json.loads(p.stdout)
                row["failing"] = [f for f in doc["findings"] if f["severity"] in ("error", "warning")]
                row["info"] = sum(1 for f in doc["findings"] if f["severity"] == "info")
                row["errors"] = [f"{e['path']}: {e['message']}" for e in doc["errors"]]
            out.append(row)
            print(f"{project} {prev}..{tag}: {len(row['failing'])} failing, {row['info']} info, "
                  f"{len(row['errors'])} file errors ({took:.0f} s)", flush=True)
            if verbose:
                for f in row["failing"]:
                    print(f"    {f['path']}:{f['line']}: {f['code']} {f['message']}")
                for e in row["errors"]:
                    print(f"    error: {e}")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mirrors", default="/work/.mirror")
    ap.add_argument("--pairs", type=int, default=3, help="consecutive release pairs per project (newest)")
    ap.add_argument("--project", action="append", help="only these projects (repeatable)")
    ap.add_argument("--verbose", action="store_true", help="print every failing finding")
    ap.add_argument("--json", metavar="FILE", help="also write every row as JSON")
    args = ap.parse_args(argv)
    rows = []
    cache = tempfile.mkdtemp(prefix="upgradelint-cache-")
    try:
        for project in args.project or PROJECTS:
            mirror = os.path.join(args.mirrors, f"openstack+{project}", "repo")
            if not os.path.isdir(mirror):
                print(f"{project}: no mirror at {mirror} (fetch github:openstack/{project})")
                continue
            rows.extend(replay(mirror, project, args.pairs, cache, args.verbose))
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    failing = sum(len(r["failing"]) for r in rows)
    by_code: dict[str, int] = {}
    for r in rows:
        for f in r["failing"]:
            by_code[f["code"]] = by_code.get(f["code"], 0) + 1
    print(f"\n{len(rows)} release pairs, {failing} failing findings"
          + (": " + ", ".join(f"{c} {n}" for c, n in sorted(by_code.items())) if by_code else "")
          + f"; {sum(len(r['errors']) for r in rows)} file errors")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=1)
    return 1 if failing else 0


if __name__ == "__main__":
    raise SystemExit(main())

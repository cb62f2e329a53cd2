#!/usr/bin/env python
"""Replay real object bumps from a local git mirror through the UPG2xx rules.

For each commit that changed an object's ``VERSION`` together with the
recorded fingerprints (object_data), the parent tree is committed into a
scratch repository and the commit's diff applied on top; then upgradelint runs
in diff mode (``--base HEAD``) three times:

  merged     the change as it landed: expect no failing UPG2xx finding;
  no-bump    the VERSION lines put back to their old values: expect UPG201;
  no-record  the object_data/notification test put back: expect UPG202.

Usage: scripts/history_objects.py MIRROR_GIT_DIR [--count N] [--since YYYY-MM-DD] [COMMIT...]
Nothing of the replayed project is stored: trees live in temporary directories."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from upgradelint import engine  # noqa: E402
from upgradelint.testing import GIT_ENV  # noqa: E402

RECORD_TESTS = ("tests/unit/objects/test_objects.py", "tests/unit/notifications/objects/test_notification.py")
VERSION_RE = re.compile(r"^(\s+VERSION = )'([0-9.]+)'", re.M)


def git(cwd, *args, input=None, text=True):
    return subprocess.run(("git", *args), cwd=cwd, check=True, capture_output=True, input=input, text=text,
                          env={**os.environ, **GIT_ENV}).stdout


def candidates(mirror, count, since):
    out = []
    log = git(mirror, "log", "--format=%H %ad", "--date=short", "--no-merges", f"--since={since}", "-n", "400",
              "--", *[f"*/{t}" for t in RECORD_TESTS[:1]])
    for line in log.splitlines():
        sha, date = line.split()
        diff = git(mirror, "show", "--format=", "-U0", sha)
        if re.search(r"^\+\s+VERSION = '", diff, re.M) and re.search(r"^-\s+VERSION = '", diff, re.M) \
                and "object_data" in diff:
            out.append(sha)
        if len(out) >= count:
            break
    return out


def changed_versions(mirror, sha):
    """{path: [(old, new)]} for VERSION lines the commit changed."""
    out = {}
    files = git(mirror, "diff", "--name-only", f"{sha}^", sha).split()
    for path in files:
        if not path.endswith(".py") or "/tests/" in path:
            continue
        diff = git(mirror, "diff", "-U0", f"{sha}^", sha, "--", path)
        old = re.findall(r"^-\s+VERSION = '([0-9.]+)'", diff, re.M)
        new = re.findall(r"^\+\s+VERSION = '([0-9.]+)'", diff, re.M)
        if old and new and len(old) == len(new):
            out[path] = list(zip(old, new))
    return out, files


def check(tmp):
    res = engine.check(engine.Options(root=tmp, paths=[tmp], base="HEAD", use_cache=True, select=("UPG2",)))
    return [f for f in res.findings if f.failing], res.errors


def replay(mirror, sha):
    subject = git(mirror, "log", "-1", "--format=%s", sha).strip()
    versions, files = changed_versions(mirror, sha)
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(("git", "archive", f"{sha}^"), cwd=mirror, check=True, capture_output=True).stdout
        subprocess.run(("tar", "-x", "-C", tmp), input=archive, check=True)
        git(tmp, "init", "-q", "-b", "main")
        git(tmp, "add", "-A")
        git(tmp, "commit", "-q", "-m", "parent")
        patch = subprocess.run(("git", "diff", "--binary", f"{sha}^", sha), cwd=mirror, check=True,
                               capture_output=True).stdout
        subprocess.run(("git", "apply", "--whitespace=nowarn"), cwd=tmp, input=patch, check=True,
                       capture_output=True)
        merged, errors = check(tmp)

        saved = {}
        for path, pairs in versions.items():
            full = os.path.join(tmp, path)
            with open(full, encoding="utf-8") as fh:
                saved[path] = fh.read()
            text = saved[path]
            for old, new in pairs:
                text = text.replace(f"VERSION = '{new}'", f"VERSION = '{old}'", 1)
            with open(full, "w", encoding="utf-8") as fh:
                fh.write(text)
        no_bump, _ = check(tmp) if versions else ([], [])
        for path, text in saved.items():
            with open(os.path.join(tmp, path), "w", encoding="utf-8") as fh:
                fh.write(text)

        records = [p for p in files if p.endswith(RECORD_TESTS)]
        for path in records:
            old = subprocess.run(("git", "show", f"{sha}^:{path}"), cwd=mirror, capture_output=True).stdout
            with open(os.path.join(tmp, path), "wb") as fh:
                fh.write(old)
        no_record, _ = check(tmp) if records else ([], [])
    return {
        "sha": sha[:12], "subject": subject, "bumps": sum(len(v) for v in versions.values()),
        "merged": merged, "errors": errors,
        "no_bump": [f for f in no_bump if f.code == "UPG201"],
        "no_record": [f for f in no_record if f.code == "UPG202"],
        "has_bump": bool(versions), "has_record": bool(records),
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("mirror")
    p.add_argument("commits", nargs="*")
    p.add_argument("--count", type=int, default=12)
    p.add_argument("--since", default="2022-01-01")
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args(argv)
    commits = args.commits or candidates(args.mirror, args.count, args.since)
    totals = {"silent": 0, "flag_bump": 0, "flag_record": 0, "n": 0}
    for sha in commits:
        r = replay(args.mirror, sha)
        totals["n"] += 1
        silent = not r["merged"]
        totals["silent"] += silent
        totals["flag_bump"] += bool(r["no_bump"]) or not r["has_bump"]
        totals["flag_record"] += bool(r["no_record"]) or not r["has_record"]
        print(f"{r['sha']} {r['subject'][:60]:60} bumps={r['bumps']} merged={'silent' if silent else 'FLAGGED'} "
              f"no-bump={len(r['no_bump'])}xUPG201 no-record={len(r['no_record'])}xUPG202")
        if args.verbose or not silent:
            for f in r["merged"] + r["no_bump"][:2] + r["no_record"][:2]:
                print(f"    {f.path}:{f.line}: {f.code} {f.message}")
            for e in r["errors"]:
                print(f"    error {e.path}: {e.message}")
    n = totals["n"]
    print(f"\n{n} commits: silent as merged {totals['silent']}/{n}; flagged with the bump reverted "
          f"{totals['flag_bump']}/{n}; flagged with object_data reverted {totals['flag_record']}/{n}")
    return 0 if totals["silent"] == totals["flag_bump"] == totals["flag_record"] == n else 1


if __name__ == "__main__":
    raise SystemExit(main())

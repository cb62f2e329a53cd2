#!/usr/bin/env python
"""Replay real commits that bumped a versioned object or an RPC API, with
their bookkeeping put back, through ``upgradelint fix``; compare the result
with the commit as merged.

For each commit the parent tree is committed into a scratch repository and the
commit's diff applied on top; then only the bookkeeping is reverted, the code
change is kept:

  objects  VERSION lines, ``# Version X.Y:`` history comments, the recorded
           fingerprints (object_data, notification_object_data,
           expected_object_fingerprints), cinder's OBJ_VERSIONS.add lines,
           ironic's RELEASE_MAPPING object lists;
  rpc      the client's history docstring lines, RPC_API_VERSION, the server
           target, version_cap, nova's SERVICE_VERSION(_HISTORY), ironic's
           RELEASE_MAPPING rpc; with --rpc-bump also the new version literals
           of the client (what UPG108 then reports).

Then ``upgradelint fix --base HEAD --unsafe-fixes`` runs through the console
script, and the tree is compared with the merged commit: VERSION exact, hash
exact (where upgradelint resolves the fingerprint), the history entry present
for the new version (wording aside), OBJ_VERSIONS and RELEASE_MAPPING equal as
data, and ``check --base HEAD`` clean of the fixed codes afterwards.

Usage: scripts/history_fix.py [--mirrors DIR] [--project P ...] [--count N] [--since DATE] [COMMIT...]
Nothing of the replayed projects is stored: trees live in temporary directories."""

from __future__ import annotations

import argparse
import ast
import difflib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)

from upgradelint.testing import GIT_ENV  # noqa: E402

RECORD_FILES = ("tests/unit/objects/test_objects.py", "tests/unit/notifications/objects/test_notification.py")
RECORD_RE = re.compile(r"""^\s*(['"])(\w+)\1\s*:\s*(['"])(\d+\.\d+-[0-9a-f]{32})\3\s*,?\s*$""")
VERSION_RE = re.compile(r"""^\s+VERSION\s*=\s*(['"])(\d+\.\d+)\1""")
HISTORY_RE = re.compile(r"^\s*#\s*Version\s+\d+\.\d+\s*:")
OBJ_VERSIONS_RE = re.compile(r"^\s*OBJ_VERSIONS\.add\(")
RELEASE_OBJ_RE = re.compile(r"""^\s*(['"])(\w+)\1\s*:\s*\[\s*(['"])\d""")
RPC_HIST_RE = re.compile(r"^\s*(?:[*|]\s*)?\d+\.\d+\s*[-:]?\s+\S")
RPC_VERSION_RE = re.compile(r"""(RPC_API_VERSION\s*=\s*|Target\(version=|version_cap=|'rpc':\s*)(['"])(\d+\.\d+)\2""")
SERVICE_RE = re.compile(r"^(SERVICE_VERSION = \d+|\s*\{'compute_rpc': '\d+\.\d+'\},|\s*# Version \d+: Compute RPC)")
RPC_CODES = ("UPG102", "UPG103", "UPG104", "UPG105", "UPG108")
SOURCE_PATHS = {"neutron": os.path.expanduser("~/.cache/upgradelint-releases/trees/neutron-lib-5.0.0")}
OBJECT_CODES = ("UPG201", "UPG202", "UPG204")


def git(cwd, *args, text=True, check=True):
    return subprocess.run(("git", *args), cwd=cwd, check=check, capture_output=True, text=text,
                          env={**os.environ, **GIT_ENV}).stdout


def show(mirror, rev, path) -> str | None:
    p = subprocess.run(("git", "show", f"{rev}:{path}"), cwd=mirror, capture_output=True)
    return p.stdout.decode("utf-8", "replace") if p.returncode == 0 else None


def candidates(mirror, project, count, since) -> list[str]:
    """Commits that changed an object VERSION and a recorded fingerprint."""
    out = []
    log = git(mirror, "log", "--format=%H", "--no-merges", f"--since={since}", "-n", "600", "--",
              f"{project}/{RECORD_FILES[0]}")
    for sha in log.split():
        diff = git(mirror, "show", "--format=", "-U0", sha, "--", f"{project}/*.py")
        if re.search(r"^\+\s+VERSION = '", diff, re.M) and re.search(r"^-\s+VERSION = '", diff, re.M) and \
                re.search(r"^[-+]\s+'\w+': '\d+\.\d+-[0-9a-f]{32}'", diff, re.M):
            out.append(sha)
        if len(out) >= count:
            break
    return out


# -- reverting the bookkeeping, line by line ------------------------------------------


def _bookkeeping(path: str):
    """The predicate telling a bookkeeping line of ``path``."""
    if path.endswith(RECORD_FILES):
        return lambda line: bool(RECORD_RE.match(line))
    if path.endswith("release_mappings.py"):
        return lambda line: bool(RELEASE_OBJ_RE.match(line))
    return lambda line: bool(VERSION_RE.match(line) or HISTORY_RE.match(line) or OBJ_VERSIONS_RE.match(line))


def revert(parent: str, merged: str, is_bk) -> str:
    """``merged`` with the bookkeeping lines it changed put back as in ``parent``
    (history comments: with the comment lines continuing them)."""
    a, b = parent.splitlines(True), merged.splitlines(True)
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.extend(b[j1:j2])
            continue
        restored = [ln for ln in a[i1:i2] if is_bk(ln)]
        kept, cont = [], False
        for ln in b[j1:j2]:
            if is_bk(ln):
                cont = bool(HISTORY_RE.match(ln))
                if restored:
                    kept.append(restored.pop(0))
                continue
            if cont and ln.lstrip().startswith("#") and not VERSION_RE.match(ln):
                continue  # the continuation of a history entry the commit added
            cont = False
            kept.append(ln)
        out.extend(kept + restored)
    return "".join(out)


def scratch(mirror, sha, tmp) -> list[str]:
    """The parent tree committed in ``tmp``, the commit's diff applied; the changed paths."""
    archive = subprocess.run(("git", "archive", f"{sha}^"), cwd=mirror, check=True, capture_output=True).stdout
    subprocess.run(("tar", "-x", "-C", tmp), input=archive, check=True)
    git(tmp, "init", "-q", "-b", "main")
    git(tmp, "add", "-A")
    git(tmp, "commit", "-q", "-m", "parent")
    patch = subprocess.run(("git", "diff", "--binary", f"{sha}^", sha), cwd=mirror, check=True,
                           capture_output=True).stdout
    subprocess.run(("git", "apply", "--whitespace=nowarn"), cwd=tmp, input=patch, check=True, capture_output=True)
    return [p for p in git(mirror, "diff", "--name-only", f"{sha}^", sha).split() if p.endswith(".py")]


def console(tmp, *args, project):
    exe = shutil.which("upgradelint", path=os.path.dirname(sys.executable)) or "upgradelint"
    env = {**os.environ}
    if project in SOURCE_PATHS and os.path.isdir(SOURCE_PATHS[project]):
        env["UPGRADELINT_SOURCE_PATH"] = SOURCE_PATHS[project]
    return subprocess.run([exe, *args], cwd=tmp, capture_output=True, text=True, env=env, timeout=1800)


# -- comparing with the merged commit -------------------------------------------------


def versions_of(text: str) -> dict:
    """class name -> (VERSION, history versions) of the classes of a module."""
    out, cls, hist = {}, None, []
    for line in text.splitlines():
        m = re.match(r"^class (\w+)", line)
        if m:
            cls, hist = m.group(1), []
            continue
        h = re.match(r"^\s*#\s*Version\s+(\d+\.\d+)\s*:", line)
        if h and cls:
            hist.append(h.group(1))
        v = VERSION_RE.match(line)
        if v and cls and cls not in out:
            out[cls] = (v.group(2), tuple(hist))
    return out


def records_of(text: str) -> dict:
    return {m.group(2): m.group(4) for m in map(RECORD_RE.match, text.splitlines()) if m}


def obj_versions_of(text: str):
    out = []
    for line in text.splitlines():
        if OBJ_VERSIONS_RE.match(line):
            try:
                call = ast.parse(line.strip()).body[0].value
                out.append((ast.literal_eval(call.args[0]), ast.literal_eval(call.args[1])))
            except (SyntaxError, ValueError, IndexError, AttributeError):
                out.append(("?", line.strip()))
    return out


def release_master(text: str):
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "RELEASE_MAPPING":
            try:
                return ast.literal_eval(node.value).get("master")
            except ValueError:
                return None
    return None


def compare(mirror, sha, tmp, paths) -> dict:
    r = {"version": [0, 0], "hash": [0, 0], "unresolved": 0, "history": [0, 0], "obj_versions": None,
         "release": None, "misses": []}
    for path in paths:
        merged, parent = show(mirror, sha, path), show(mirror, f"{sha}^", path)
        if merged is None or parent is None:
            continue
        with open(os.path.join(tmp, path), encoding="utf-8") as fh:
            fixed = fh.read()
        if path.endswith(RECORD_FILES):
            pm, mm, fm = records_of(parent), records_of(merged), records_of(fixed)
            for name, value in mm.items():
                if pm.get(name) != value:
                    r["hash"][1] += 1
                    if fm.get(name) == value:
                        r["hash"][0] += 1
                    else:
                        r["misses"].append(f"{name}: recorded {fm.get(name)} (merged {value})")
        elif path.endswith("release_mappings.py"):
            want, got = release_master(merged), release_master(fixed)
            if want and release_master(parent) != want:
                r["release"] = (want or {}).get("objects") == (got or {}).get("objects")
        else:
            pv, mv, fv = versions_of(parent), versions_of(merged), versions_of(fixed)
            for cls, (ver, hist) in mv.items():
                if cls in pv and pv[cls][0] != ver:
                    r["version"][1] += 1
                    got = fv.get(cls, (None, ()))
                    if got[0] == ver:
                        r["version"][0] += 1
                    else:
                        r["misses"].append(f"{cls}.VERSION {got[0]} (merged {ver})")
                    if ver in hist:
                        r["history"][1] += 1
                        r["history"][0] += ver in got[1]
            if obj_versions_of(merged) != obj_versions_of(parent):
                want, got = obj_versions_of(merged), obj_versions_of(fixed)
                r["obj_versions"] = _ov_final(want) == _ov_final(got) and len(want) == len(got)
                if not r["obj_versions"]:
                    r["misses"].append(f"OBJ_VERSIONS {got[-2:]} (merged {want[-2:]})")
    return r


def _ov_final(entries):
    cur = {}
    for _, upd in entries:
        if isinstance(upd, dict):
            cur.update(upd)
    return cur


def replay(mirror, project, sha, keep=None) -> dict:
    subject = git(mirror, "log", "-1", "--format=%s", sha).strip()
    with tempfile.TemporaryDirectory() as tmp:
        if keep:
            tmp = os.path.join(keep, sha[:12])
            shutil.rmtree(tmp, ignore_errors=True)
            os.makedirs(tmp)
        paths = scratch(mirror, sha, tmp)
        for path in paths:
            parent, merged = show(mirror, f"{sha}^", path), show(mirror, sha, path)
            if parent is None or merged is None or "/tests/" in path and not path.endswith(RECORD_FILES):
                continue
            text = revert(parent, merged, _bookkeeping(path))
            if text != merged:
                with open(os.path.join(tmp, path), "w", encoding="utf-8") as fh:
                    fh.write(text)
        if keep:
            git(tmp, "add", "-A")
            git(tmp, "commit", "-q", "-m", "the change, bookkeeping reverted", "--allow-empty")
        base = "HEAD~1" if keep else "HEAD"
        fix = console(tmp, "fix", "--base", base, "--unsafe-fixes", project=project)
        r = compare(mirror, sha, tmp, paths)
        r["unresolved"] = len(re.findall(r"fingerprint not written", fix.stderr))
        after = console(tmp, "check", "--base", base, "--format", "json", "--select", "UPG2", project=project)
        try:
            found = json.loads(after.stdout)["findings"]
        except ValueError:
            found = [{"code": "?", "message": after.stderr.strip()[:200], "severity": "error"}]
        r["left"] = sorted({f["code"] for f in found if f["severity"] != "info"})
        r["left_detail"] = [f"{f['code']} {f['message']}" for f in found if f["severity"] != "info"][:4]
        r["fix_err"] = [ln for ln in fix.stderr.splitlines() if "not fixed" in ln or "Traceback" in ln][:3]
    r["sha"], r["subject"] = sha[:12], subject
    return r


# -- RPC bumps ---------------------------------------------------------------------------


def _rpc_commits():
    import importlib.util

    spec = importlib.util.spec_from_file_location("history_rpc", os.path.join(HERE, "scripts", "history_rpc.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.COMMITS, mod.no_bump


def _rpc_bookkeeping(path: str):
    if path.endswith("objects/service.py"):
        return lambda line: bool(SERVICE_RE.match(line))
    if path.endswith("release_mappings.py"):
        return lambda line: bool(re.match(r"^\s*'rpc':", line))
    return lambda line: bool(RPC_HIST_RE.match(line) and not re.match(r"^\s*\d+\.\d+\s*$", line)) or \
        bool(RPC_VERSION_RE.search(line) and ("RPC_API_VERSION" in line or "Target(version=" in line or
                                              "version_cap=" in line))


def _rpc_state(text: str) -> dict:
    """What the RPC bookkeeping says in one module: the docstring history
    versions, RPC_API_VERSION / Target / version_cap / 'rpc' values, nova's service history."""
    out = {"history": sorted({m.group(0).strip() .lstrip("*| ").split()[0] for m in
                              (RPC_HIST_RE.match(ln) for ln in text.splitlines()) if m}),
           "versions": sorted(f"{m.group(1).strip()}{m.group(3)}" for m in RPC_VERSION_RE.finditer(text))}
    sv = re.search(r"^SERVICE_VERSION = (\d+)", text, re.M)
    if sv:
        out["service"] = (sv.group(1), re.findall(r"\{'compute_rpc': '(\d+\.\d+)'\}", text)[-1:])
    return out


def replay_rpc(mirror, project, sha, bump: bool, keep=None) -> dict:
    _, no_bump = _rpc_commits()
    with tempfile.TemporaryDirectory() as tmp:
        if keep:
            tmp = os.path.join(keep, f"{sha[:12]}-rpc{'-bump' if bump else ''}")
            shutil.rmtree(tmp, ignore_errors=True)
            os.makedirs(tmp)
        paths = [p for p in scratch(mirror, sha, tmp) if "/tests/" not in p]
        for path in paths:
            parent, merged = show(mirror, f"{sha}^", path), show(mirror, sha, path)
            if parent is None or merged is None:
                continue
            text = revert(parent, merged, _rpc_bookkeeping(path))
            if bump and path.endswith("rpcapi.py"):
                text = no_bump(parent, text) or text
            if text != merged:
                with open(os.path.join(tmp, path), "w", encoding="utf-8") as fh:
                    fh.write(text)
        if keep:
            git(tmp, "add", "-A")
            git(tmp, "commit", "-q", "-m", "the change, bookkeeping reverted", "--allow-empty")
        base = "HEAD~1" if keep else "HEAD"
        fix = console(tmp, "fix", "--base", base, "--unsafe-fixes", "--select", "UPG1", project=project)
        r = {"places": [0, 0], "misses": [], "fix_err": [ln for ln in fix.stderr.splitlines() if "not fixed" in ln]}
        for path in paths:
            parent, merged = show(mirror, f"{sha}^", path), show(mirror, sha, path)
            if parent is None or merged is None or not path.endswith(("rpcapi.py", "manager.py", "service.py",
                                                                       "release_mappings.py")):
                continue
            with open(os.path.join(tmp, path), encoding="utf-8") as fh:
                got = _rpc_state(fh.read())
            want, before = _rpc_state(merged), _rpc_state(parent)
            for k in want:
                if want[k] != before.get(k):
                    r["places"][1] += 1
                    if got.get(k) == want[k]:
                        r["places"][0] += 1
                    else:
                        r["misses"].append(f"{path} {k}: {got.get(k)} (merged {want[k]})")
        after = console(tmp, "check", "--base", base, "--format", "json", "--select", "UPG1", project=project)
        try:
            found = json.loads(after.stdout)["findings"]
        except ValueError:
            found = [{"code": "?", "message": after.stderr.strip()[:200], "severity": "error"}]
        r["left"] = sorted({f["code"] for f in found if f["severity"] != "info" and f["code"] in RPC_CODES})
    return r


def main_rpc(args) -> dict:
    commits, _ = _rpc_commits()
    totals = {}
    for project, sha, what in commits:
        if args.project and project not in args.project or "fix of" in what:
            continue
        mirror = os.path.join(args.mirrors, f"openstack+{project}", "repo")
        full = git(mirror, "rev-parse", sha).strip()
        t = totals.setdefault(project, {"n": 0, "places": [0, 0], "clean": 0, "bump_places": [0, 0],
                                        "bump_clean": 0})
        t["n"] += 1
        line = f"{project:8} {sha[:10]} {what[:52]:52}"
        for bump, pk, ck in ((False, "places", "clean"), (True, "bump_places", "bump_clean")):
            r = replay_rpc(mirror, project, full, bump, args.keep)
            t[pk][0] += r["places"][0]
            t[pk][1] += r["places"][1]
            t[ck] += not r["left"]
            line += f" {'+bump' if bump else 'bookkeeping'} {r['places'][0]}/{r['places'][1]}" \
                    f" left={','.join(r['left']) or '-'}"
            for m in r["misses"] + r["fix_err"]:
                line += f"\n    {'+bump ' if bump else ''}{m}"
        print(line, flush=True)
    return totals


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("commits", nargs="*")
    p.add_argument("--mirrors", default="/work/.mirror")
    p.add_argument("--project", action="append", help="nova, cinder, ironic, neutron (default: all four)")
    p.add_argument("--count", type=int, default=8)
    p.add_argument("--since", default="2016-01-01")
    p.add_argument("-v", "--verbose", action="store_true")
    p.add_argument("--keep", metavar="DIR", help="keep each replayed tree in DIR/<commit> (git diff shows the fix)")
    p.add_argument("--rpc", action="store_true", help="replay the RPC bumps of scripts/history_rpc.py instead")
    args = p.parse_args(argv)
    if args.rpc:
        totals = main_rpc(args)
        print()
        for project, t in totals.items():
            print(f"{project:8} {t['n']} RPC bumps: bookkeeping reverted: places restored "
                  f"{t['places'][0]}/{t['places'][1]}, check clean of UPG102-105/108 after {t['clean']}/{t['n']}; "
                  f"with the new version literals reverted too: {t['bump_places'][0]}/{t['bump_places'][1]}, "
                  f"clean {t['bump_clean']}/{t['n']}")
        return 0
    projects = args.project or ["nova", "cinder", "ironic", "neutron"]
    totals = {}
    for project in projects:
        mirror = os.path.join(args.mirrors, f"openstack+{project}", "repo")
        commits = args.commits or candidates(mirror, project, args.count, args.since)
        t = totals.setdefault(project, {"n": 0, "version": [0, 0], "hash": [0, 0], "history": [0, 0],
                                        "obj_versions": [0, 0], "release": [0, 0], "clean": 0, "unresolved": 0})
        for sha in commits:
            r = replay(mirror, project, sha, args.keep)
            t["n"] += 1
            for k in ("version", "hash", "history"):
                t[k][0] += r[k][0]
                t[k][1] += r[k][1]
            for k in ("obj_versions", "release"):
                if r[k] is not None:
                    t[k][0] += bool(r[k])
                    t[k][1] += 1
            clean = not set(r["left"]) & {"UPG201", "UPG202"}
            t["clean"] += clean
            t["unresolved"] += r["unresolved"]
            print(f"{project:8} {r['sha']} {r['subject'][:48]:48} VERSION {r['version'][0]}/{r['version'][1]} "
                  f"hash {r['hash'][0]}/{r['hash'][1]} history {r['history'][0]}/{r['history'][1]}"
                  + (f" OBJ_VERSIONS {'ok' if r['obj_versions'] else 'DIFF'}" if r["obj_versions"] is not None else "")
                  + (f" RELEASE {'ok' if r['release'] else 'DIFF'}" if r["release"] is not None else "")
                  + f" left={','.join(r['left']) or '-'}", flush=True)
            if args.verbose or r["misses"] or r["fix_err"]:
                for m in r["misses"] + r["fix_err"] + (r["left_detail"] if args.verbose else []):
                    print(f"    {m}")
    print()
    for project, t in totals.items():
        def frac(k):
            return f"{t[k][0]}/{t[k][1]}"
        print(f"{project:8} {t['n']} commits: VERSION {frac('version')}, hash {frac('hash')} "
              f"({t['unresolved']} records not written: unresolved), history {frac('history')}, "
              f"OBJ_VERSIONS {frac('obj_versions')}, RELEASE_MAPPING {frac('release')}, "
              f"check clean of UPG201/UPG202 after {t['clean']}/{t['n']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Replay real commits that added an RPC method or argument, from local bare
mirrors (fetched under /work/.mirror/openstack+<project>/repo, or
``--mirrors DIR``), through upgradelint's diff mode.

For each commit: the parent's and the commit's versions of the changed
non-test modules (plus the files the RPC rules read next to them: the
``rpcapi.py``/``manager.py`` of the package, nova's objects/service.py,
ironic's release_mappings.py) are written to a temporary git repository, and
the engine runs with ``base=HEAD`` and ``--select UPG1``. Then the commit's
client module is mutated in memory and checked again:

- ``-bump``: the new version literals are replaced by the previous newest one;
- ``-guard``: in the methods the commit changed, ``can_send_version`` fallbacks
  are removed (negative branches dropped, positive ones made unconditional),
  ``assert_min_rpc_version`` decorators dropped, ``_compat_ver``/tuple
  versions reduced to the new version;
- ``-version``: in those methods, ``version=`` is removed from ``prepare()``
  and its wrappers.

Nothing from the replayed projects is written into this repository.

    python scripts/history_rpc.py [--mirrors DIR] [--verbose]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile

import libcst as cst

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, HERE)

from upgradelint import engine  # noqa: E402
from upgradelint.testing import make_repo  # noqa: E402

# (project, commit, what it did)
COMMITS = [
    ("nova", "8c2e765989", "compute 6.2: target_state kwarg for rebuild_instance"),
    ("nova", "30aab9c234", "compute 6.1: reimage_boot_volume kwarg for rebuild_instance"),
    ("nova", "dc6dac360c", "compute 6.3: delete_attachment kwarg for remove_volume_connection"),
    ("nova", "2f0fc21d2a", "compute 6.4: new allow_share/deny_share methods"),
    ("nova", "7fbd787b1b", "compute 5.13: accel_uuids kwarg for shelve/unshelve"),
    ("nova", "1356ef5b57", "compute 5.12: accel_uuids kwarg for rebuild_instance"),
    ("nova", "8d9f298f4c", "fix of 1356ef5b57: accel_uuids=None on the manager"),
    ("nova", "ee9ed0f7c6", "fix of 30aab9c234/8c2e765989: defaults on the manager"),
    ("cinder", "2a1a0bc3e", "volume 3.19: new extend_volume_completion method"),
    ("cinder", "ae22195df", "volume 3.20: image_snap kwarg for reimage"),
    ("cinder", "d69e89ea3", "volume 3.18: new reimage method"),
    ("ironic", "4a4ea08fc", "conductor 1.62: new update_portgroup_physical_network"),
    ("ironic", "c9cf2347e", "conductor 1.61: new get_virtual_media"),
    ("ironic", "288b8fd88", "conductor 1.54: agent_status kwargs for heartbeat"),
    ("ironic", "2b676a686", "conductor 1.51: agent_verify_ca kwarg for heartbeat"),
    ("manila", "eb131b92d", "share 1.30: new update_share_network_subnet_from_metadata"),
    ("manila", "101becf9b", "share 1.29: new ensure_shares"),
    ("manila", "558288e00", "share 1.28: deferred_delete kwargs"),
    # the release window (UPG109): a fallback removed too early, the fix restoring it, removals on time
    ("nova", "bc45c56f10", "compute 3.32: 3.26 fallback replaced by a raise (Juno)"),
    ("nova", "5477faab67", "fix of bc45c56f10: 3.0 fallback restored"),
    ("nova", "a761e57368", "drop compute RPC 4.x compat once Queens speaks 5.0"),
    ("nova", "c163205489", "drop the 5.2 qos check once Ussuri speaks 5.11"),
    ("cinder", "b78997c2b", "objects: history and backports cleared together"),
    # a new client method an endpoint already serves (UPG108), a raised target over bare sends (UPG111)
    ("neutron", "1364715541", "dvr: get_ports, served by the metadata endpoint at 1.0"),
    ("neutron", "397f48d310", "report state 1.4: target raised over bare prepare()"),
]

# where each project keeps its RPC clients (the sweep's commit selection; default */rpcapi.py)
SWEEP_PATHS = {
    "neutron": ("neutron/agent/rpc.py", "neutron/api/rpc/handlers/*.py", "neutron/api/rpc/agentnotifiers/*.py",
                "neutron/plugins/ml2/rpc.py"),
    "heat": ("heat/rpc/client.py", "heat/rpc/listener_client.py", "heat/rpc/worker_client.py"),
}

VERSION_RE = re.compile(r"""(['"])(\d+\.\d+)\1""")
GUARDS = ("can_send_version", "_can_send_version")
WRAPPERS = ("prepare", "_prepare_call", "_get_cctxt", "prepare_for_alt_rpcserver")


def git(repo, *args) -> str:
    return subprocess.run(("git", "-C", repo, *args), check=True, capture_output=True, text=True).stdout


def show(repo, rev, path) -> str | None:
    proc = subprocess.run(("git", "-C", repo, "show", f"{rev}:{path}"), capture_output=True)
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("utf-8", "replace")


def _is_test(path) -> bool:
    return bool(re.search(r"(^|/)tests?/", path)) or os.path.basename(path).startswith("test_")


def involved(repo, project, commit) -> tuple[list[str], list[str]]:
    changed = [p for p in git(repo, "diff-tree", "--no-commit-id", "-r", "--name-only", f"{commit}^", commit).split()
               if p.endswith(".py") and not _is_test(p) and p.startswith(project + "/")]
    paths = set(changed)
    listing = None
    for p in changed:
        if p.endswith(("rpcapi.py", "manager.py")):
            d = os.path.dirname(p)
            paths.update((f"{d}/rpcapi.py", f"{d}/manager.py"))
        elif "rpc" in os.path.basename(p):
            # neutron: the endpoints next to a client live in sibling *rpc*.py modules
            if listing is None:
                listing = git(repo, "ls-tree", "-r", "--name-only", commit).split()
            d = os.path.dirname(p)
            paths.update(q for q in listing if os.path.dirname(q) == d and "rpc" in os.path.basename(q)
                         and q.endswith(".py"))
    paths.update({"nova": ["nova/objects/service.py"],
                  "cinder": ["cinder/rpc.py", "cinder/objects/base.py"],
                  "ironic": ["ironic/common/release_mappings.py"]}.get(project, []))
    clients = sorted(p for p in changed if p.endswith("rpcapi.py"))
    return sorted(paths), clients


def run(before: dict, after: dict):
    with tempfile.TemporaryDirectory() as tmp:
        base = make_repo(tmp, before, after)
        result = engine.check(engine.Options(root=tmp, paths=[tmp], base=base, use_cache=True, jobs=1,
                                             select=("UPG1",)))
        return result.findings, result.errors


# ---------------------------------------------------------------- mutations

def _versions(text) -> set[str]:
    return {m.group(2) for m in VERSION_RE.finditer(text)}


def _vt(v):
    return tuple(int(x) for x in v.split("."))


def no_bump(before: str, after: str) -> str | None:
    new = {v for v in _versions(after) - _versions(before)}
    old = _versions(before)
    if not new or not old:
        return None
    out = after
    for v in new:
        same = [o for o in old if _vt(o)[0] == _vt(v)[0] and _vt(o) < _vt(v)]
        if not same:
            continue
        prev = max(same, key=_vt)
        out = re.sub(r"""(['"])""" + re.escape(v) + r"""\1""", lambda m: m.group(1) + prev + m.group(1), out)
    return out if out != after else None


def _changed_methods(before: str, after: str) -> set[str]:
    def methods(text):
        out = {}
        try:
            mod = cst.parse_module(text)
        except cst.ParserSyntaxError:
            return out
        for stmt in mod.body:
            if isinstance(stmt, cst.ClassDef):
                for f in stmt.body.body:
                    if isinstance(f, cst.FunctionDef):
                        out[f"{stmt.name.value}.{f.name.value}"] = mod.code_for_node(f)
        return out

    b, a = methods(before), methods(after)
    return {k.split(".", 1)[1] for k, code in a.items() if b.get(k) != code}


def _has_guard(node) -> bool:
    found = []

    class V(cst.CSTVisitor):
        def visit_Call(self, call):
            f = call.func
            name = f.attr.value if isinstance(f, cst.Attribute) else f.value if isinstance(f, cst.Name) else ""
            if name in GUARDS or name.startswith("can_send_") or name.startswith("supports_"):
                found.append(call)

    node.visit(V())
    return bool(found)


class _InMethods(cst.CSTTransformer):
    def __init__(self, methods):
        self.methods = methods
        self.depth = 0
        self.changed = False

    def visit_FunctionDef(self, node):
        if node.name.value in self.methods:
            self.depth += 1

    def leave_FunctionDef(self, original, updated):
        if original.name.value in self.methods:
            self.depth -= 1
            decos = [d for d in updated.decorators if "assert_min_rpc_version" not in cst.Module([]).code_for_node(d)]
            if len(decos) != len(updated.decorators):
                self.changed = True
                return updated.with_changes(decorators=decos)
        return updated


class _NoGuard(_InMethods):
    def leave_If(self, original, updated):
        if not self.depth or not _has_guard(original.test):
            return updated
        self.changed = True
        if isinstance(original.test, cst.UnaryOperation):  # if not can_send: fallback -> gone
            if updated.orelse is not None and isinstance(updated.orelse, cst.Else):
                return cst.FlattenSentinel(updated.orelse.body.body)
            return cst.RemoveFromParent()
        return cst.FlattenSentinel(updated.body.body)  # if can_send: opt-in -> always

    def leave_Call(self, original, updated):
        if not self.depth:
            return updated
        f = updated.func
        name = f.attr.value if isinstance(f, cst.Attribute) else ""
        if name == "_compat_ver" and updated.args:
            self.changed = True
            return updated.args[0].value
        if name in WRAPPERS:
            args = []
            for a in updated.args:
                if isinstance(a.value, cst.Tuple) and a.value.elements:
                    a = a.with_changes(value=a.value.elements[0].value)
                    self.changed = True
                args.append(a)
            return updated.with_changes(args=args)
        return updated


class _NoVersion(_InMethods):
    def leave_Call(self, original, updated):
        if not self.depth:
            return updated
        f = updated.func
        name = f.attr.value if isinstance(f, cst.Attribute) else ""
        if name not in WRAPPERS:
            return updated
        args = []
        for i, a in enumerate(updated.args):
            if a.keyword is not None and a.keyword.value == "version":
                self.changed = True
                continue
            if name == "_get_cctxt" and a.keyword is None and i >= 1:
                self.changed = True
                continue
            args.append(a)
        if args and args[-1].comma is not cst.MaybeSentinel.DEFAULT:
            args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(args=args)


def _transform(cls, before, after):
    methods = _changed_methods(before, after)
    if not methods:
        return None
    t = cls(methods)
    out = cst.parse_module(after).visit(t)
    return out.code if t.changed else None


def no_guard(before, after):
    return _transform(_NoGuard, before, after)


def no_version(before, after):
    return _transform(_NoVersion, before, after)


# ---------------------------------------------------------------- main

def summary(findings) -> str:
    fail = sorted({f.code for f in findings if f.severity in ("error", "warning")})
    info = sorted({f.code for f in findings if f.severity == "info"})
    parts = fail + [f"{c}(info)" for c in info if c not in fail]
    return ",".join(parts) or "silent"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mirrors", default="/work/.mirror")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--sweep", type=int, default=0, metavar="N",
                    help="instead: run the last N commits touching the RPC clients of each project as merged")
    ap.add_argument("--projects", default="nova,cinder,ironic,manila",
                    help="with --sweep: comma-separated projects (also: neutron, heat)")
    args = ap.parse_args(argv)
    if args.sweep:
        return sweep(args)
    rows = []
    notes: list[str] = []
    bad = 0
    for project, commit, what in COMMITS:
        repo = os.path.join(args.mirrors, f"openstack+{project}", "repo")
        if not os.path.isdir(repo):
            rows.append((project, commit, what, "no mirror", "", "", ""))
            continue
        paths, clients = involved(repo, project, commit)
        before = {p: t for p in paths if (t := show(repo, f"{commit}^", p)) is not None}
        after = {p: t for p in paths if (t := show(repo, commit, p)) is not None}
        cells = []
        findings, errors = run(before, after)
        merged = summary(findings)
        if errors:  # e.g. Python 2 modules of 2014: the other files are still judged
            merged += f" ({len(errors)} unparsable)"
            notes.extend(f"{commit}: {e.path}: {e.message}" for e in errors)
        if any(f.severity in ("error", "warning") for f in findings):
            bad += 1
        cells.append(merged)
        if args.verbose:
            for f in findings:
                print(f"  {commit} as-merged {f.code} {f.severity} {f.path}:{f.line} {f.message}")
        for label, mutate in (("-bump", no_bump), ("-guard", no_guard), ("-version", no_version)):
            mutated = dict(after)
            touched = False
            for c in clients:
                if c in before and c in after:
                    new = mutate(before[c], after[c])
                    if new is not None:
                        mutated[c] = new
                        touched = True
            if not touched:
                cells.append("n/a")
                continue
            fs, _ = run(before, mutated)
            cells.append(summary(fs))
            if args.verbose:
                for f in fs:
                    print(f"  {commit} {label} {f.code} {f.severity} {f.path}:{f.line} {f.message}")
        rows.append((project, commit, what, *cells))
    head = ("project", "commit", "change", "as merged", "-bump", "-guard", "-version")
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(len(head))]
    for r in [head] + rows:
        print(" | ".join(str(c).ljust(w) for c, w in zip(r, widths)))
    for note in notes:
        print(f"unparsable: {note}")
    print(f"\n{len(rows)} commits, {bad} with failing findings as merged")
    return 1 if bad else 0


def sweep(args) -> int:
    """Precision on clean history: every recent commit that touched an RPC client, as merged."""
    total = bad = 0
    for project in args.projects.split(","):
        repo = os.path.join(args.mirrors, f"openstack+{project}", "repo")
        if not os.path.isdir(repo):
            continue
        globs = SWEEP_PATHS.get(project, (f"{project}/*/rpcapi.py",))
        commits = git(repo, "log", "--no-merges", f"-{args.sweep}", "--format=%h", "--", *globs).split()
        counts: dict[str, int] = {}
        for commit in commits:
            paths, _ = involved(repo, project, commit)
            before = {p: t for p in paths if (t := show(repo, f"{commit}^", p)) is not None}
            after = {p: t for p in paths if (t := show(repo, commit, p)) is not None}
            findings, _ = run(before, after)
            total += 1
            failing = [f for f in findings if f.severity in ("error", "warning")]
            for f in findings:
                key = f.code + ("" if f.severity in ("error", "warning") else "(info)")
                counts[key] = counts.get(key, 0) + 1
            if failing:
                bad += 1
                subject = git(repo, "log", "-1", "--format=%s", commit).strip()
                for f in failing:
                    print(f"{project} {commit} {subject[:50]!r}: {f.code} {f.path}:{f.line} {f.message}")
        print(f"== {project}: {len(commits)} commits, findings by code: {dict(sorted(counts.items()))}")
    print(f"\n{total} commits, {bad} with failing findings as merged")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

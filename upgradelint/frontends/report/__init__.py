"""``upgradelint report A..B``: the upgrade-impact report for a release.

Both refs are read from git (``engine.trees``: one ``ls-tree`` per ref, one
``cat-file --batch`` for all blobs, the fact cache); the facts of the two trees
are compared per family (``facts``, ``objects``, ``migrations``), operator
notes derived (``notes``), and the findings are what ``check --base A`` gives
on B (``checkout``). ``render`` writes text, markdown or JSON."""

from __future__ import annotations

import os
import sys

from upgradelint.core.model import UsageError

# what compatibility code is written with: the head's files holding it are read
# even when unchanged, for the removable-compat list
COMPAT_NEEDLES = ("can_send_version", "assert_min_rpc_version", "_compat_ver")


def add_arguments(p) -> None:
    from upgradelint.frontends.args import jobs

    p.add_argument("range", nargs="?", metavar="A..B",
                   help="the two refs (two release tags, or a branch and its base); 'A' alone means A..HEAD")
    p.add_argument("--base", metavar="A", help="the older ref, with HEAD as B")
    p.add_argument("--format", choices=("text", "markdown", "json"), default="text")
    p.add_argument("--fail-on-findings", action="store_true",
                   help="exit 1 when check --base A has error or warning findings at B")
    p.add_argument("--config", metavar="FILE", help="read configuration from FILE")
    p.add_argument("--jobs", "-j", type=jobs, metavar="N", help="parallel workers (default: CPU count)")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the fact cache")


def parse_range(value: str | None, base: str | None) -> tuple[str, str]:
    if value and base:
        raise UsageError("report: give A..B or --base A, not both")
    if base:
        return base, "HEAD"
    if not value:
        raise UsageError("report: which range? give A..B (e.g. 32.0.0..33.0.0) or --base A")
    if "..." in value:
        raise UsageError(f"report {value}: use A..B (two dots); the report compares the two trees")
    a, sep, b = value.partition("..")
    if not sep:
        return value, "HEAD"
    if not a:
        raise UsageError(f"report {value}: the range needs its older ref: A..B")
    return a, b or "HEAD"


def run(args) -> int:
    from upgradelint.frontends.report.render import render

    report = build(*parse_range(args.range, args.base), config_file=args.config, jobs=args.jobs,
                   use_cache=not args.no_cache)
    sys.stdout.write(render(args.format, report))
    for note in report.run_notes:  # as check prints them
        print(f"upgradelint: {note}", file=sys.stderr)
    for e in report.errors:
        print(f"upgradelint: {e.path}: {e.message}", file=sys.stderr)
    if args.fail_on_findings and report.failing:
        return 1
    return 0


def _project(cwd: str) -> tuple[str, str, str]:
    """(project root, git top level, the root's prefix inside the repository)."""
    from upgradelint.engine import gitbase as git
    from upgradelint.engine import project

    root = project.find_root(cwd)
    proc = git._git(root, "rev-parse", "--show-toplevel", check=False)
    if proc.returncode != 0:
        raise UsageError(f"report needs a git repository, and {root} is not inside one")
    top = proc.stdout.decode().strip()
    prefix = project.relpath(root, top)
    return root, top, "" if prefix == "." else prefix + "/"


def build(base: str, head: str, config_file: str | None = None, jobs: int | None = None,
          use_cache: bool = True, cwd: str | None = None):
    from upgradelint import engine
    from upgradelint.engine import cache as cache_mod
    from upgradelint.engine import trees
    from upgradelint.frontends.report.checkout import Findings, head_root

    root, top, prefix = _project(cwd or os.getcwd())
    rng = trees.resolve_range(top, base, head)
    config_file = os.path.abspath(config_file) if config_file else None
    with head_root(top, prefix, rng.head_commit) as (head_dir, where):
        _, cfg = engine.load_config(engine.Options(root=head_dir, config_file=config_file))
        enabled = use_cache and cfg.cache
        cache_mod.configure(enabled)
        # the findings run side by side with the report's reading when the cache can carry the facts between
        # the two processes; else afterwards in this process, sharing the facts in memory (memo)
        findings = Findings(engine.Options(root=head_dir, base=rng.base_commit, config_file=config_file, jobs=jobs,
                                           use_cache=use_cache, memo=not enabled), parallel=enabled)
        store = engine.FactStore(enabled, jobs or cfg.jobs, memo=not findings.parallel)
        blobs = trees.Blobs(top)
        try:
            grep = trees.Grep(top, rng.head_commit, prefix, COMPAT_NEEDLES)
            # the head's files are read from the checkout the findings use: the work tree when it is the head
            # (clean), else the temporary checkout; the base's from git
            sides = trees.compare(top, prefix, rng, cfg, store, blobs,
                                  wait=findings.wait if findings.parallel else None, head_disk=head_dir)
            sides.head.load(grep.files())
            report = assemble(rng, sides, cfg, where)
            add_window(report, engine.check(engine.Options(
                root=head_dir, config_file=config_file, jobs=jobs, use_cache=use_cache, select=("UPG110",),
                baseline=False, full_tree=True)))
            add_findings(report, findings.result())
            return report
        finally:
            findings.close()
            store.close()  # first: its forked workers hold the git pipe open until they exit
            blobs.close()


def assemble(rng, sides, cfg, where: str):
    """Everything the facts of the two trees tell (findings come separately)."""
    from upgradelint.engine.reader import source_paths_from_env
    from upgradelint.frontends.report import notes as N
    from upgradelint.frontends.report.facts import Side, rpc_changes, tables
    from upgradelint.frontends.report.migrations import migration_changes
    from upgradelint.frontends.report.model import Report
    from upgradelint.frontends.report.objects import object_changes

    a, b = Side(sides.base, rng.base), Side(sides.head, rng.head)
    r = Report(rng.base, rng.head, rng.base_commit, rng.head_commit, rng.relation, shallow=rng.shallow,
               findings_base=rng.merge_base if rng.relation == "diverged" else rng.base_commit,
               findings_where=where, files_changed=len(sides.changed))
    r.rpc = rpc_changes(a, b, sides.changed)
    r.objects = object_changes(a, b, cfg.objects_backport_new_fields, source_paths_from_env())
    r.migrations, r.migrations_gone, r.migrations_edited = migration_changes(a, b)
    r.tables = tables(a, b)
    r.removable = N.removable(a, b, sides.changed)
    r.sides = (a, b)
    return r


def add_window(r, result) -> None:
    """The compat code UPG110 finds expired at the head, from the release window
    the project's tables give (when there is some, the window is known)."""
    r.expired = sorted((f for f in result.findings if f.code == "UPG110"), key=lambda f: (f.path, f.line))


def add_findings(r, result) -> None:
    """The findings of check --base A, and the notes that depend on them."""
    from upgradelint.frontends.report import notes as N

    r.findings, r.errors = list(result.findings), list(result.errors)
    r.run_notes = list(getattr(result, "notes", ()))
    for m in r.migrations:
        m.findings = [f for f in r.findings if f.path == m.path and f.failing]
    a, b = r.sides
    r.notes = N.operator_notes(r, a, b)
    if r.migrations_edited:
        n = len(r.migrations_edited)
        r.notes.append(f"{n} released migration{'s' if n != 1 else ''} edited in place (deployments that already "
                       f"ran them never see the edit): " + ", ".join(r.migrations_edited))
    if r.migrations_gone:
        n = len(r.migrations_gone)
        r.notes.append(f"{n} migration{'s' if n != 1 else ''} of {r.base} {'are' if n != 1 else 'is'} gone at "
                       f"{r.head} (e.g. {r.migrations_gone[0][0]}): a database still at one of those revisions "
                       f"must first be upgraded with {r.base}")
    fmt = {"base": r.base, "head": r.head}
    if r.rpc:
        r.unknown.append(N.UNKNOWN_TOPIC)
    if r.removable and not r.expired:
        r.unknown.append(N.UNKNOWN_WINDOW.format(**fmt))
    if r.migrations or r.objects:
        r.unknown.append(N.UNKNOWN_ONLINE.format(**fmt))

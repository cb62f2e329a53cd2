"""The ``upgradelint`` command line. Exit status: 0 clean, 1 findings (errors or
warnings), 2 usage, config or git error, or nothing could be checked."""

from __future__ import annotations

import argparse
import os
import sys

from upgradelint import __version__
from upgradelint.core.model import UsageError

from upgradelint.frontends.args import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, add_run, add_selection, options


def _parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    from upgradelint.formats import FORMATS

    p = argparse.ArgumentParser(prog="upgradelint", description="Catch changes that break rolling upgrades.")
    p.add_argument("--version", action="version", version=f"upgradelint {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    c = sub.add_parser("check", help="check files or the project tree")
    c.add_argument("paths", nargs="*", metavar="PATH")
    c.add_argument("--base", metavar="REV", help="diff mode: report only what changed since REV")
    c.add_argument("--format", choices=sorted(FORMATS), default="text")
    add_run(c)
    c.add_argument("--pre-commit", action="store_true",
                   help="as a pre-commit hook: diff against PRE_COMMIT_FROM_REF when pre-commit runs with "
                        "--from-ref, else against HEAD (full-tree mode before the first commit)")
    c.add_argument("--gerrit-robot-comments", action="store_true",
                   help="with --format gerrit: write (deprecated) robot_comments instead of comments")

    x = sub.add_parser("fix", help="apply the fixes findings carry (safe ones unless --unsafe-fixes)")
    x.add_argument("paths", nargs="*", metavar="PATH")
    x.add_argument("--base", metavar="REV", help="diff mode, as for check")
    add_selection(x)
    x.add_argument("--unsafe-fixes", action="store_true", help="also apply fixes marked unsafe (review them)")
    x.add_argument("--diff", action="store_true", help="print the changes as a unified diff; write nothing")

    b = sub.add_parser("baseline", help="record today's failing findings, so that check reports only new ones")
    b.add_argument("--update", action="store_true",
                   help="only drop the entries that no longer occur (fixed findings); add nothing")
    add_selection(b)

    sub.add_parser("rules", help="list the rules")
    e = sub.add_parser("explain", help="print a rule's documentation")
    e.add_argument("code")
    fp = sub.add_parser("fingerprint", help="print the oslo.versionedobjects fingerprint of every registered object")
    fp.add_argument("root", nargs="?", metavar="ROOT")
    fp.add_argument("--format", choices=("text", "json"), default="text")
    fp.add_argument("--source-path", action="append", default=[], metavar="DIR",
                    help="also read library sources (e.g. an unpacked neutron-lib) from DIR")
    fp.add_argument("--no-cache", action="store_true", help="do not read or write the fact cache")
    d = sub.add_parser("demo", help="build a small Nova-like project, break it, and check it")
    d.add_argument("--keep", metavar="DIR", help="build the demo in DIR and keep it")
    rep = sub.add_parser("report", help="the upgrade-impact report of a release: what changed between two refs")
    from upgradelint.frontends.report import add_arguments as report_arguments

    report_arguments(rep)
    r = sub.add_parser("review", help="check the change and post findings as Gerrit or GitHub line comments")
    if argv is None or "review" in argv:  # the HTTP machinery is imported only when it is used
        from upgradelint.frontends.review import add_arguments as review_arguments

        review_arguments(r)
    return p


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = _parser(argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_ERROR if exc.code not in (0, None) else EXIT_CLEAN
    try:
        if args.command == "check":
            return _check(args)
        if args.command == "fix":
            return _fix(args)
        if args.command == "baseline":
            return _baseline(args)
        if args.command == "rules":
            return _rules()
        if args.command == "explain":
            return _explain(args.code)
        if args.command == "report":
            from upgradelint.frontends.report import run as report

            return report(args)
        if args.command == "review":
            from upgradelint.frontends.review import run as review

            return review(args)
        if args.command == "fingerprint":
            from upgradelint.frontends.fingerprint import cli

            return cli(args.root, args.format, tuple(args.source_path), use_cache=not args.no_cache)
        if args.command == "demo":
            from upgradelint.frontends.demo import run

            return run(keep=args.keep)
        parser.print_help()
        return EXIT_ERROR
    except UsageError as exc:
        print(f"upgradelint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130


def _check(args) -> int:
    from upgradelint import engine
    from upgradelint.formats import render

    base = args.base
    if args.pre_commit and not base:
        base = _pre_commit_base()
    opts = options(args, base=base)
    result = engine.check(opts)
    root = result.root
    color = args.format == "text" and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    if args.format == "gerrit" and args.gerrit_robot_comments:
        from upgradelint.formats import gerrit

        sys.stdout.write(gerrit.render(result, root=root, robot_comments=True,
                                       robot_run_id=os.environ.get("UPGRADELINT_RUN_ID")))
    else:
        sys.stdout.write(render(args.format, result, root=root, color=color, verbose=args.verbose))
    for note in result.notes:
        print(f"upgradelint: {note}", file=sys.stderr)
    if args.format != "text":
        for e in result.errors:
            print(f"upgradelint: {e.path}: {e.message}", file=sys.stderr)
    if result.exit_code == EXIT_ERROR:
        return EXIT_ERROR
    return EXIT_CLEAN if args.exit_zero else result.exit_code


def _fix(args) -> int:
    from upgradelint import engine
    from upgradelint.engine import fix
    from upgradelint.formats import render

    opts = options(args, base=args.base)
    result = engine.check(opts)
    root = result.root
    report = fix.apply(root, result.findings, unsafe=args.unsafe_fixes, dry_run=args.diff)
    for rel, reason in report.skipped:
        print(f"upgradelint: {rel}: not fixed: {reason}", file=sys.stderr)
    for rel, note in report.notes:
        print(f"upgradelint: {rel}: {note}", file=sys.stderr)
    if report.conflicts:
        print(f"upgradelint: {_plural(report.conflicts, 'fix')} overlapping another left for the next run",
              file=sys.stderr)
    if args.diff:
        sys.stdout.write("".join(report.diffs))
        return EXIT_FINDINGS if report.fixed else EXIT_CLEAN
    if report.fixed:
        print(f"Fixed {_plural(report.findings, 'finding')} in {_plural(len(report.fixed), 'file')}.")
        result = engine.check(opts)
    remaining = render("text", result, root=root)
    if remaining:
        sys.stdout.write(remaining)
    return result.exit_code


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else ('es' if word.endswith('x') else 's')}"


def _baseline(args) -> int:
    """Write the baseline from a full-tree run (no --base; the old baseline
    ignored). A baseline that does not parse is never written over."""
    from upgradelint import engine
    from upgradelint.core import baseline as bl

    result = engine.check(options(args, baseline=False, full_tree=True))
    _, cfg = engine.load_config(options(args))
    path = engine.baseline_path(result.root, cfg)
    old = bl.load(path)  # a corrupt file stops here (exit 2), untouched
    for e in result.errors:
        print(f"upgradelint: {e.path}: {e.message}", file=sys.stderr)
    if result.exit_code == EXIT_ERROR:
        return EXIT_ERROR
    now = bl.entries_for(result.findings)
    rel = os.path.relpath(path)
    if args.update:
        if old is None:
            print(f"upgradelint: error: {rel}: no baseline to update; run 'upgradelint baseline'", file=sys.stderr)
            return EXIT_ERROR
        kept = {fp: bl.Entry(e.code, e.path, e.symbol, min(e.count, now[fp].count), e.message)
                for fp, e in old.entries.items() if fp in now}
        dropped = sum(e.count for e in old.entries.values()) - sum(e.count for e in kept.values())
        bl.write(path, kept)
        print(f"Removed {dropped} fixed finding{'s' if dropped != 1 else ''} from {rel}; "
              f"{_n_remain(kept)}.")
        return EXIT_CLEAN
    bl.write(path, now)
    n = sum(e.count for e in now.values())
    print(f"Wrote {n} finding{'s' if n != 1 else ''} to {rel}; 'upgradelint check' now reports only new ones.")
    return EXIT_CLEAN


def _n_remain(entries) -> str:
    n = sum(e.count for e in entries.values())
    return f"{n} remain{'s' if n == 1 else ''}"


def _pre_commit_base() -> str | None:
    """At commit time pre-commit stashes unstaged changes, so the working tree is
    the index and HEAD is the base. With --from-ref/--to-ref it exports the refs."""
    import subprocess

    ref = os.environ.get("PRE_COMMIT_FROM_REF") or os.environ.get("PRE_COMMIT_ORIGIN")
    if ref:
        return ref
    proc = subprocess.run(["git", "rev-parse", "--verify", "--quiet", "HEAD"], capture_output=True)
    return "HEAD" if proc.returncode == 0 else None


def _rules() -> int:
    from upgradelint.core.registry import registry

    rows = [(c, r.name, r.severity, "diff" if r.scope == "diff" else "any", r.family()) for c, r in registry().items()]
    widths = [max(len(str(row[i])) for row in rows + [("code", "name", "severity", "mode", "family")]) for i in range(5)]
    for row in [("code", "name", "severity", "mode", "family")] + rows:
        print("  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip())
    return EXIT_CLEAN


def _explain(code: str) -> int:
    from upgradelint.docs import render
    from upgradelint.core.registry import registry

    rule = registry().get(code.upper())
    if rule is None:
        print(f"upgradelint: error: no rule {code!r}; see 'upgradelint rules'", file=sys.stderr)
        return EXIT_ERROR
    sys.stdout.write(render(rule))
    return EXIT_CLEAN

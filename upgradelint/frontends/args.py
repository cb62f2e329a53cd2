"""What every front end shares: exit statuses and the options of a check run."""

from __future__ import annotations

import argparse

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def codes(value: str) -> tuple[str, ...]:
    """``--select``/``--ignore``: comma-separated codes or prefixes."""
    from upgradelint.engine.config import CODE_PREFIX_RE

    out = tuple(c.strip() for c in value.split(",") if c.strip())
    for c in out:
        if not CODE_PREFIX_RE.match(c):
            raise argparse.ArgumentTypeError(f"{c!r} is not an upgradelint code or prefix (UPG, UPG1, UPG101)")
    return out


def jobs(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError("--jobs takes a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError("--jobs must be at least 1")
    return n


def add_selection(p) -> None:
    p.add_argument("--select", type=codes, metavar="CODES", help="comma-separated codes or prefixes")
    p.add_argument("--ignore", type=codes, metavar="CODES", help="comma-separated codes or prefixes")
    p.add_argument("--config", metavar="FILE", help="read configuration from FILE")


def add_run(p) -> None:
    """The options of a run that reports findings (check, review)."""
    add_selection(p)
    p.add_argument("--jobs", "-j", type=jobs, metavar="N", help="parallel workers (default: CPU count)")
    p.add_argument("--no-cache", action="store_true", help="do not read or write the fact cache")
    p.add_argument("--disable-noqa", action="store_true", help="report findings even where suppressed")
    p.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    p.add_argument("--verbose", "-v", action="store_true",
                   help="say why each accepted finding is only a note (e.g. a released migration)")
    p.add_argument("--show-conventions", action="store_true",
                   help="print the project conventions detected (RPC caps, guard placement, backport style, "
                        "contract contexts, released history), which decide how loud the rules are")
    p.add_argument("--no-baseline", action="store_true",
                   help="report the findings recorded in the baseline file too")


def options(args, **kw):
    """``engine.Options`` from parsed arguments of ``add_run``/``add_selection``."""
    from upgradelint import engine

    return engine.Options(paths=getattr(args, "paths", None) or None, select=args.select, ignore=args.ignore,
                          config_file=args.config, jobs=getattr(args, "jobs", None),
                          use_cache=not getattr(args, "no_cache", False),
                          disable_noqa=getattr(args, "disable_noqa", False),
                          **{"baseline": not getattr(args, "no_baseline", False),
                             "conventions": getattr(args, "show_conventions", False), **kw})

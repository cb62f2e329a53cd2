"""Finding the project root and the files to check."""

from __future__ import annotations

import os

from upgradelint.core.model import UsageError

ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "tox.ini", ".git")


def _marked(start: str) -> str | None:
    cur = start
    while True:
        if any(os.path.exists(os.path.join(cur, m)) for m in ROOT_MARKERS):
            return cur
        parent = os.path.dirname(cur)
        if parent == cur:
            return None
        cur = parent


def find_root(start: str) -> str:
    """The nearest directory upward from ``start`` holding a root marker; else
    the current directory when ``start`` is inside it (an unpacked release has
    no marker); else ``start`` itself."""
    start = os.path.abspath(start)
    if os.path.isfile(start):
        start = os.path.dirname(start)
    found = _marked(start)
    if found:
        return found
    cwd = os.getcwd()
    if start == cwd or start.startswith(cwd.rstrip(os.sep) + os.sep):
        return _marked(cwd) or cwd
    return start


def relpath(path: str, root: str) -> str:
    rel = os.path.relpath(os.path.abspath(path), root)
    return rel.replace(os.sep, "/")


def discover(root: str, paths: list[str] | None, config) -> list[str]:
    """Relative paths of the Python files to check. Explicit files are always
    checked; directories are walked, honouring the config's excludes."""
    out: list[str] = []
    seen = set()
    targets = paths or [root]
    for target in targets:
        if os.path.isfile(target):
            rel = relpath(target, root)
            if rel not in seen:
                seen.add(rel)
                out.append(rel)
            continue
        if not os.path.isdir(target):
            raise UsageError(f"{target}: no such file or directory")
        for dirpath, dirnames, filenames in os.walk(target):
            rel_dir = relpath(dirpath, root)
            rel_dir = "" if rel_dir == "." else rel_dir
            dirnames[:] = sorted(d for d in dirnames
                                 if not config.is_excluded(f"{rel_dir}/{d}" if rel_dir else d))
            for name in sorted(filenames):
                if not name.endswith(".py"):
                    continue
                rel = f"{rel_dir}/{name}" if rel_dir else name
                if rel in seen or config.is_excluded(rel):
                    continue
                seen.add(rel)
                out.append(rel)
    return out


def git_prefix(root: str, top: str) -> str:
    """The project root's path inside the git work tree ``top``: "" at the top,
    else ``"sub/dir/"``. Git speaks paths relative to ``top``; the engine, relative
    to the project root."""
    rel = relpath(root, top)
    return "" if rel == "." else rel + "/"

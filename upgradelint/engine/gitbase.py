"""The little git that diff mode needs: resolve a base, list what changed,
and read base versions of many files through one ``git cat-file --batch``."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field

from upgradelint.core.model import UsageError

# identity and isolation for the scratch repos upgradelint itself creates (demo, tests)
SCRATCH_ENV = {"GIT_AUTHOR_NAME": "upgradelint", "GIT_AUTHOR_EMAIL": "upgradelint@example.com",
               "GIT_COMMITTER_NAME": "upgradelint", "GIT_COMMITTER_EMAIL": "upgradelint@example.com",
               "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


# only Python files are checked: the diff never reads other blobs (images a
# partial clone or a snapshot may lack, docs, release notes)
PYTHON = ("*.py",)

def scratch(cwd: str, *args: str) -> str:
    """Run git in a scratch repo of our own; raises CalledProcessError on failure."""
    env = {k: v for k, v in os.environ.items() if k not in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")}
    return subprocess.run(("git", *args), cwd=cwd, check=True, capture_output=True, text=True,
                          env={**env, **SCRATCH_ENV}).stdout


_HUNK_RE = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")


def _git(cwd: str, *args: str, input: bytes | None = None, check: bool = True) -> subprocess.CompletedProcess:
    try:
        proc = subprocess.run(
            ("git", *args), cwd=cwd, input=input, capture_output=True,
            env={**os.environ, "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C"},
        )
    except FileNotFoundError:
        raise UsageError("git is not installed, but --base needs it") from None
    if check and proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise UsageError(f"git {args[0]} failed: {msg[-1] if msg else proc.returncode}")
    return proc


@dataclass
class Change:
    status: str  # A, M, R, D
    path: str  # head path (old path for D)
    old_path: str | None = None  # base path (for R/M/D)
    lines: set[int] | None = None  # head lines added or changed; None = the whole file


@dataclass
class Diff:
    base: str  # the ref as given
    commit: str  # resolved sha
    changes: dict[str, Change] = field(default_factory=dict)  # by head path (D by old path)

    def touched(self, path: str, line: int, end_line: int | None = None) -> bool:
        ch = self.changes.get(path)
        if ch is None or ch.status == "D":
            return False
        if ch.lines is None:
            return True
        end = end_line if end_line and end_line >= line else line
        return any(n in ch.lines for n in range(line, end + 1))


def toplevel(cwd: str) -> str:
    proc = _git(cwd, "rev-parse", "--show-toplevel", check=False)
    if proc.returncode != 0:
        raise UsageError(f"--base needs a git repository, and {cwd} is not inside one (run git init, or drop --base)")
    return proc.stdout.decode().strip()


def resolve(repo: str, ref: str) -> str:
    proc = _git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}", check=False)
    if proc.returncode == 0:
        return proc.stdout.decode().strip()
    shallow = _git(repo, "rev-parse", "--is-shallow-repository", check=False).stdout.decode().strip()
    if shallow == "true":
        raise UsageError(
            f"--base {ref}: not found in this shallow clone; fetch more history "
            f"(git fetch --deepen=50, or git fetch --unshallow) or the ref itself (git fetch origin {ref})")
    raise UsageError(f"--base {ref}: no such commit or ref in this repository (check the name, or git fetch it)")


def merge_base(repo: str, commit: str) -> str:
    """Where the change forked from ``commit`` (``git diff REV...``): commits the
    target branch gained since are not the change's. ``commit`` itself when it
    is an ancestor of HEAD, or when there is no common history."""
    proc = _git(repo, "merge-base", commit, "HEAD", check=False)
    return proc.stdout.decode().strip() if proc.returncode == 0 and proc.stdout.strip() else commit


def diff(repo: str, ref: str) -> Diff:
    """Compare the base commit with the working tree (staged and unstaged).
    Statuses and paths come from ``--name-status -z`` (exact for any file name),
    changed lines from the ``-U0`` patch."""
    commit = merge_base(repo, resolve(repo, ref))
    d = Diff(base=ref, commit=commit)
    status = _git(repo, "diff", "--no-ext-diff", "--find-renames", "--name-status", "-z", commit, "--",
                  *PYTHON).stdout
    fields = status.split(b"\0")
    i = 0
    while i < len(fields) and fields[i]:
        code = fields[i].decode()[:1]
        if code in "RC":
            old, new = (f.decode("utf-8", "surrogateescape") for f in fields[i + 1:i + 3])
            i += 3
            d.changes[new] = Change(status="R" if code == "R" else "A", path=new,
                                    old_path=old if code == "R" else None, lines=set() if code == "R" else None)
        else:
            path = fields[i + 1].decode("utf-8", "surrogateescape")
            i += 2
            if code == "D":
                d.changes[path] = Change(status="D", path=path, old_path=path, lines=None)
            elif code == "A":
                d.changes[path] = Change(status="A", path=path, lines=None)
            else:  # M, T
                d.changes[path] = Change(status="M", path=path, old_path=path, lines=set())
    out = _git(repo, "diff", "--no-color", "--no-ext-diff", "--find-renames", "-U0",
               "--src-prefix=a/", "--dst-prefix=b/", commit, "--", *PYTHON).stdout
    current: Change | None = None
    for line in out.split(b"\n"):
        if line.startswith(b"diff --git "):
            current = None
        elif line.startswith(b"+++ "):
            new = _path(line[4:], b"b/")
            current = d.changes.get(new) if new is not None else None
        elif line.startswith(b"@@") and current is not None and current.lines is not None:
            m = _HUNK_RE.match(line)
            if m:
                start, count = int(m.group(1)), int(m.group(2) or 1)
                current.lines.update(range(start, start + count))
                if count == 0:  # a pure deletion: the lines around it are touched
                    current.lines.update((start, start + 1))
    # files git does not track yet count as added
    others = _git(repo, "ls-files", "-z", "--others", "--exclude-standard").stdout
    for raw in others.split(b"\0"):
        if raw:
            p = raw.decode("utf-8", "surrogateescape")
            d.changes.setdefault(p, Change(status="A", path=p))
    return d


def _path(raw: bytes, prefix: bytes) -> str | None:
    raw = raw.rstrip(b"\t")
    if raw == b"/dev/null":
        return None
    if raw.startswith(b'"'):
        raw = _unquote(raw)
    if raw.startswith(prefix):
        raw = raw[len(prefix):]
    return raw.decode("utf-8", "surrogateescape")


def _unquote(raw: bytes) -> bytes:
    body = raw[1:-1]
    return body.decode("unicode_escape").encode("latin-1")


def read_blobs(repo: str, commit: str, paths: list[str]) -> dict[str, bytes]:
    """Read ``commit:path`` for every path in one ``git cat-file --batch``."""
    if not paths:
        return {}
    req = b"".join(f"{commit}:{p}\n".encode("utf-8", "surrogateescape") for p in paths)
    out = _git(repo, "cat-file", "--batch", input=req).stdout
    blobs: dict[str, bytes] = {}
    pos = 0
    for p in paths:
        nl = out.index(b"\n", pos)
        header = out[pos:nl].split()
        pos = nl + 1
        if len(header) == 2 and header[1] == b"missing":
            continue
        size = int(header[2])
        blobs[p] = out[pos:pos + size]
        pos += size + 1
    return blobs


def has_head(top: str) -> bool:
    return _git(top, "rev-parse", "--verify", "--quiet", "HEAD", check=False).returncode == 0


def newest_tag(top: str, rev: str = "HEAD") -> str | None:
    """The newest tag that is an ancestor of ``rev`` (``git describe``), or None."""
    proc = _git(top, "describe", "--tags", "--abbrev=0", rev, check=False)
    return proc.stdout.decode("utf-8", "replace").strip() or None if proc.returncode == 0 else None


def tree_paths(top: str, rev: str) -> list[str] | None:
    """Every file path in the tree of ``rev`` (relative to ``top``), or None."""
    proc = _git(top, "ls-tree", "-r", "--name-only", "-z", f"{rev}^{{tree}}", check=False)
    if proc.returncode != 0:
        return None
    return [n for n in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if n]

"""Where the findings are computed: ``check --base A`` run on the head ref.

When the head is the checked-out commit and the work tree has no change to a
Python or config file, the engine runs in place. Otherwise the head is
materialised in a temporary repository that borrows the objects of the
user's repository (``objects/info/alternates``, the ``shallow`` file copied) and
checks out only Python files and the root config files: nothing is written
to the user's repository, and the engine sees exactly the head's tree."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile

from upgradelint.engine import gitbase as git

SPARSE = ("*.py", "/pyproject.toml", "/setup.cfg", "/tox.ini")


def _is_worktree(top: str, root: str, head_commit: str) -> bool:
    head = git._git(top, "rev-parse", "--verify", "--quiet", "HEAD", check=False).stdout.decode().strip()
    if head != head_commit:
        return False
    dirty = git._git(root, "status", "--porcelain", "-z", "--untracked-files=all", "--",
                     "*.py", "pyproject.toml", "setup.cfg", "tox.ini", check=False)
    return dirty.returncode == 0 and not dirty.stdout.strip(b"\0")


def _git_path(top: str, what: str) -> str:
    out = git._git(top, "rev-parse", "--git-path", what).stdout.decode().strip()
    return out if os.path.isabs(out) else os.path.join(top, out)


def _materialise(top: str, tmp: str, prefix: str, commit: str) -> None:
    git.scratch(tmp, "init", "-q")
    meta = os.path.join(tmp, ".git")
    with open(os.path.join(meta, "objects", "info", "alternates"), "w") as fh:
        fh.write(os.path.abspath(_git_path(top, "objects")) + "\n")
    shallow = _git_path(top, "shallow")
    if os.path.isfile(shallow):
        shutil.copy(shallow, os.path.join(meta, "shallow"))
    os.makedirs(os.path.join(meta, "info"), exist_ok=True)
    patterns = list(SPARSE) + [f"/{prefix}{name}" for name in ("pyproject.toml", "setup.cfg", "tox.ini") if prefix]
    with open(os.path.join(meta, "info", "sparse-checkout"), "w") as fh:
        fh.write("\n".join(patterns) + "\n")
    git.scratch(tmp, "config", "core.sparseCheckout", "true")
    git.scratch(tmp, "-c", "core.hooksPath=" + os.devnull, "-c", "advice.detachedHead=false",
                "checkout", "-q", "--detach", commit)


@contextlib.contextmanager
def head_root(top: str, prefix: str, head_commit: str):
    """Yield (project root holding the head's files, how it was obtained)."""
    root = os.path.join(top, prefix) if prefix else top
    if _is_worktree(top, root, head_commit):
        yield os.path.normpath(root), "the work tree"
        return
    tmp = tempfile.mkdtemp(prefix="upgradelint-report-")
    try:
        try:
            _materialise(top, tmp, prefix, head_commit)
        except Exception as exc:  # noqa: BLE001 - any git failure: one clear line
            from upgradelint.core.model import UsageError

            detail = getattr(exc, "stderr", "") or str(exc)
            raise UsageError(f"report: cannot check out {head_commit[:12]} to compute the findings: "
                             f"{detail.strip().splitlines()[-1] if detail.strip() else exc}") from None
        yield os.path.normpath(os.path.join(tmp, prefix) if prefix else tmp), \
            f"a temporary checkout of {head_commit[:12]}"
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

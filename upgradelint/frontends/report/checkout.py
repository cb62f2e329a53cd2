"""Where and how the findings are computed: ``check --base A`` run on the head ref.

When the head is the checked-out commit and the work tree has no change to a
Python or config file, the engine runs in place. Otherwise the head is
materialised in a temporary repository that borrows the objects of the
user's repository (``objects/info/alternates``, the ``shallow`` file copied) and
checks out only Python files and the root config files: nothing is written
to the user's repository, and the engine sees exactly the head's tree."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import shutil
import sys
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


class Findings:
    """``check --base A`` on the head: in a child process forked before the
    report reads anything (the two run side by side and meet in the fact
    cache), or, where there is no fork or no cache, in this process."""

    def __init__(self, opts, parallel: bool):
        self.opts = opts
        self.result_: object | None = None
        self.error: BaseException | None = None
        self.proc = self.conn = None
        if parallel:
            try:
                mp = multiprocessing.get_context("fork")
            except ValueError:  # no fork (Windows)
                return
            sys.stdout.flush()
            sys.stderr.flush()
            self.conn, child = mp.Pipe(duplex=False)
            # not a daemon: the engine may start extraction workers of its own
            self.proc = mp.Process(target=_child, args=(child, opts), name="upgradelint-report-check")
            self.proc.start()
            child.close()

    @property
    def parallel(self) -> bool:
        return self.proc is not None or self.conn is not None

    def wait(self) -> None:
        """Block until the child is done (its facts are then in the cache)."""
        if self.proc is None:
            return
        try:
            kind, value = self.conn.recv()
        except (EOFError, OSError):
            kind, value = "lost", None
        self.proc.join()
        self.conn.close()
        self.proc = None
        if kind == "ok":
            self.result_ = value
        elif kind == "error":
            self.error = value

    def result(self):
        self.wait()
        if self.error is not None:
            raise self.error
        if self.result_ is None:  # no child, or it died: compute it here
            from upgradelint import engine

            self.result_ = engine.check(self.opts)
        return self.result_

    def close(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.join()
            self.proc = None


def _child(conn, opts) -> None:
    try:
        from upgradelint import engine

        conn.send(("ok", engine.check(opts)))
    except BaseException as exc:  # noqa: BLE001 - handed to the parent, which raises it
        try:
            conn.send(("error", exc))
        except Exception:  # noqa: BLE001 - an unpicklable error: the parent recomputes
            pass
    finally:
        conn.close()

"""Running a rule's executable examples: write the tree (and, for diff
examples, commit the ``before`` tree first), run the engine, and compare the
findings with the ``# expect: UPGnnn`` markers in the code."""

from __future__ import annotations

import os
import re
import tempfile

from upgradelint.engine.gitbase import SCRATCH_ENV as GIT_ENV  # noqa: F401 - the name tests import
from upgradelint.engine.gitbase import scratch as git

EXPECT_RE = re.compile(r"#\s*expect:\s*((?:UPG\d{3}[,\s]*)+)")


def expected(files: dict) -> set[tuple[str, str, int]]:
    out = set()
    for path, code in files.items():
        for n, line in enumerate(code.splitlines(), 1):
            m = EXPECT_RE.search(line)
            if m:
                for c in re.findall(r"UPG\d{3}", m.group(1)):
                    out.add((c, path, n))
    return out


def write_tree(root: str, files: dict) -> None:
    for path, code in files.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8") as fh:
            fh.write(code)


def make_repo(root: str, before: dict | None, after: dict) -> str | None:
    """Create the example project; returns the base ref for diff examples."""
    with open(os.path.join(root, "pyproject.toml"), "w") as fh:
        fh.write("[project]\nname = 'example'\n")
    if before is None:
        write_tree(root, after)
        return None
    git(root, "init", "-q", "-b", "main")
    write_tree(root, before)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    for path in before:
        if path not in after:
            os.remove(os.path.join(root, path))
    write_tree(root, after)
    return "HEAD"


def run_example(example, select: str | None = None):
    """Returns (expected, actual) sets of (code, path, line)."""
    from upgradelint import engine

    with tempfile.TemporaryDirectory() as tmp:
        base = make_repo(tmp, example.before, example.files)
        if example.config:
            with open(os.path.join(tmp, "pyproject.toml"), "a") as fh:
                fh.write("\n[tool.upgradelint]\n")
                for k, v in example.config.items():
                    fh.write(f"{k} = {_toml(v)}\n")
        result = engine.check(engine.Options(root=tmp, paths=[tmp], base=base, use_cache=False, jobs=1,
                                             select=(select,) if select else None))
        assert not result.errors, result.errors
        actual = {(f.code, f.path, f.line) for f in result.findings}
    exp = expected(example.files)
    if select:
        exp = {e for e in exp if e[0].startswith(select)}
    return exp, actual


def _toml(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_toml(x)}" for k, x in v.items()) + "}"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(v)

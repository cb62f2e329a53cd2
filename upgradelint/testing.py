"""The one test harness: write a small project, run the engine over it, and
compare the findings with the inline markers in its code.

Markers go on the line of the finding, as a comment::

    cctxt.cast(ctxt, 'x', new=1)  # expect: UPG102          a failing finding (error or warning)
    op.drop_index('ix', 't')      # expect-info: UPG305     an info note
    ...                           # expect: UPG101, UPG104  several on one line

Two ways in:

- :func:`run_example` runs a rule's executable example (``Valid``/``Invalid``
  in the rule module, shown on its ``rules/`` page). An example shows *that* a
  rule reports a line, whatever severity a project gives it, so both marker
  kinds count and severities are not compared.
- :func:`run_scenario` runs a scenario tree ``tests/fixtures/<family>/<name>/``
  holding ``before/`` and ``after/`` (diff mode: ``before/`` is committed in a
  scratch git repository, ``after/`` is the work tree, files only in
  ``before/`` are deleted, base ``HEAD``) or a single ``tree/`` (full-tree
  mode). :func:`run_files` does the same for trees built in the test. Both
  return an :class:`Outcome`, whose ``expected`` and ``actual`` split failing
  findings from info notes.

``make_repo``/``GIT_ENV``/``git`` are the scratch-git pieces (the history
replay scripts use them too)."""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass, field
from typing import NamedTuple, Sequence

from upgradelint.engine.gitbase import SCRATCH_ENV as GIT_ENV  # noqa: F401 - the name scripts import
from upgradelint.engine.gitbase import scratch as git

MARKER_RE = re.compile(r"#\s*expect(-info)?:\s*((?:UPG\d{3}[,\s]*)+)")
CODE_RE = re.compile(r"UPG\d{3}")
FAILING = ("error", "warning")
PARTS = ("before", "after", "tree")


# -- markers ---------------------------------------------------------------------------

class Marks(NamedTuple):
    """(code, path, line) triples, failing findings apart from info notes."""

    failing: frozenset
    info: frozenset

    @property
    def all(self) -> frozenset:
        return self.failing | self.info

    def only(self, codes) -> Marks:
        """The marks whose code is one of ``codes`` (or starts with one)."""
        codes = tuple(codes)
        return Marks(frozenset(m for m in self.failing if m[0].startswith(codes)),
                     frozenset(m for m in self.info if m[0].startswith(codes)))


def markers(files: dict) -> Marks:
    """The ``# expect:`` and ``# expect-info:`` markers of a tree {path: code}."""
    failing, info = set(), set()
    for path, code in files.items():
        for n, line in enumerate(code.splitlines(), 1):
            for m in MARKER_RE.finditer(line):
                for c in CODE_RE.findall(m.group(2)):
                    (info if m.group(1) else failing).add((c, path, n))
    return Marks(frozenset(failing), frozenset(info))


def expected(files: dict) -> set[tuple[str, str, int]]:
    """Every marked (code, path, line), of either kind."""
    return set(markers(files).all)


def strip_markers(code: str) -> str:
    """The code without its markers (the same code in a tree where it must be silent)."""
    return re.sub(r"[ \t]*#\s*expect(-info)?:.*$", "", code, flags=re.M)


def split(findings) -> Marks:
    """Findings as marks: errors and warnings are failing, info notes apart."""
    return Marks(frozenset((f.code, f.path, f.line) for f in findings if f.severity in FAILING),
                 frozenset((f.code, f.path, f.line) for f in findings if f.severity == "info"))


# -- trees and the scratch repository --------------------------------------------------

def load_tree(root: str) -> dict | None:
    """{relative path: text} of every file under ``root``; None if there is no such directory."""
    if not os.path.isdir(root):
        return None
    out = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            full = os.path.join(dirpath, name)
            with open(full, encoding="utf-8", newline="") as fh:
                out[os.path.relpath(full, root).replace(os.sep, "/")] = fh.read()
    return out


def write_tree(root: str, files: dict) -> None:
    for path, code in files.items():
        full = os.path.join(root, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w", encoding="utf-8", newline="") as fh:
            fh.write(code)


def make_repo(root: str, before: dict | None, after: dict) -> str | None:
    """Create the example project; returns the base ref for diff examples.

    A ``pyproject.toml`` naming the project is written first (a tree's own
    replaces it). With ``before`` it is committed in a new git repository and
    ``after`` becomes the work tree (files only in ``before`` are deleted)."""
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


def write_config(root: str, config: dict | None) -> None:
    """Append ``[tool.upgradelint]`` with ``config`` to the project's pyproject.toml."""
    if not config:
        return
    with open(os.path.join(root, "pyproject.toml"), "a") as fh:
        fh.write("\n[tool.upgradelint]\n")
        for k, v in config.items():
            fh.write(f"{k} = {_toml(v)}\n")


# -- running the engine ----------------------------------------------------------------

@dataclass
class Outcome:
    """What the engine found in a tree, next to what the tree's markers expect."""

    files: dict
    findings: list = field(default_factory=list)

    @property
    def expected(self) -> Marks:
        return markers(self.files)

    @property
    def actual(self) -> Marks:
        return split(self.findings)

    def describe(self) -> list[str]:
        """The findings, one line each, for assertion messages."""
        return [f"{f.code} {f.severity} {f.path}:{f.line} {f.message}" for f in self.findings]


def run_files(files: dict, before: dict | None = None, config: dict | None = None,
              select: str | Sequence[str] | None = None) -> Outcome:
    """Run the engine over ``files`` (diff mode against ``before`` if given)."""
    from upgradelint import engine

    if isinstance(select, str):
        select = (select,)
    with tempfile.TemporaryDirectory() as tmp:
        base = make_repo(tmp, before, files)
        write_config(tmp, config)
        result = engine.check(engine.Options(root=tmp, paths=[tmp], base=base, use_cache=False, jobs=1,
                                             select=tuple(select) if select else None))
        assert not result.errors, result.errors
        return Outcome(files=files, findings=list(result.findings))


def run_example(example, select: str | None = None):
    """Returns (expected, actual) sets of (code, path, line), severities aside."""
    out = run_files(example.files, example.before, example.config, select)
    exp = expected(example.files)
    if select:
        exp = {e for e in exp if e[0].startswith(select)}
    return exp, {(f.code, f.path, f.line) for f in out.findings}


def scenarios(family_dir: str) -> list[str]:
    """The scenario names (subdirectories with a before/after/ or tree/) of a fixture family."""
    return sorted(d for d in os.listdir(family_dir)
                  if any(os.path.isdir(os.path.join(family_dir, d, p)) for p in PARTS))


def load_scenario(path: str) -> tuple[dict | None, dict]:
    """(before, after) of a scenario directory; ``tree/`` stands for a scenario without history."""
    before, after, tree = (load_tree(os.path.join(path, p)) for p in PARTS)
    files = after if after is not None else tree
    assert files, f"{path} has neither after/ nor tree/"
    assert (before is None) == (after is None), f"{path}: before/ and after/ go together"
    return before, files


def run_scenario(path: str, *, diff: bool = True, config: dict | None = None,
                 select: str | Sequence[str] | None = None) -> Outcome:
    """Run a scenario directory: diff mode over before/ -> after/, or full-tree
    mode over tree/ (or over after/ alone with ``diff=False``)."""
    before, files = load_scenario(path)
    return run_files(files, before if diff else None, config, select)


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

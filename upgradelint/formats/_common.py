"""Helpers shared by the CI formats: rule metadata, rule page links, paths
relative to the repository, and column conversions.

Findings store paths relative to the project root, 1-based lines and 0-based
columns counted in code points; every format converts from there."""

from __future__ import annotations

import os
from dataclasses import dataclass

# Rule pages are rules/UPGnnn.md in the upgradelint repository. An absolute
# link works everywhere a review bot shows it (GitHub code scanning needs one).
RULES_URL = "https://github.com/upgradelint/upgradelint/blob/main/rules/{code}.md"
TOOL_NAME = "upgradelint"
TOOL_URL = "https://github.com/upgradelint/upgradelint"


def rule_url(code: str) -> str:
    return RULES_URL.format(code=code)


@dataclass(frozen=True)
class RuleMeta:
    code: str
    name: str
    severity: str
    summary: str  # one sentence: the first of "What it does"
    description: str  # "What it does"
    why: str  # "Why is this bad?"


def _first_sentence(text: str) -> str:
    flat = " ".join(text.split())
    end = flat.find(". ")
    return flat if end < 0 else flat[:end + 1]


def rules_meta() -> dict[str, RuleMeta]:
    """Every registered rule, by code, in code order."""
    from upgradelint.core.registry import registry

    out = {}
    for code, cls in registry().items():
        sections = cls.doc_sections()
        what = " ".join(sections.get("What it does", "").split())
        out[code] = RuleMeta(code=code, name=cls.name, severity=cls.severity, summary=_first_sentence(what),
                             description=what, why=" ".join(sections.get("Why is this bad?", "").split()))
    return out


def rule_meta(code: str, known: dict[str, RuleMeta] | None = None) -> RuleMeta:
    known = rules_meta() if known is None else known
    return known.get(code) or RuleMeta(code=code, name=code.lower(), severity="error", summary=code,
                                       description="", why="")


def repo_prefix(root: str, result=None) -> str:
    """The project root's path inside its git work tree ("" at the top, or
    outside git), with a trailing slash. CI formats emit repository-relative
    paths, which is what GitHub, Gerrit, Zuul, GitLab and reviewdog match on.
    A diff-mode result already knows it from git; otherwise the nearest
    ``.git`` above the root decides."""
    if result is not None and getattr(result, "prefix", None) is not None:
        return result.prefix
    if not root:
        return ""
    root = os.path.abspath(root)
    cur = root
    while True:
        if os.path.exists(os.path.join(cur, ".git")):
            rel = os.path.relpath(root, cur).replace(os.sep, "/")
            return "" if rel == "." else rel + "/"
        parent = os.path.dirname(cur)
        if parent == cur:
            return ""
        cur = parent


def comment_text(f) -> str:
    """The text of a review comment: the code, the message, the rule page."""
    return f"{f.code} {f.message}\n\n{rule_url(f.code)}"


class Lines:
    """Source lines read on demand, to turn code-point columns into UTF-8 byte
    columns (reviewdog). A file that cannot be read counts as ASCII."""

    def __init__(self, root: str):
        self.root = root
        self._cache: dict[str, list[str] | None] = {}

    def line(self, path: str, lineno: int) -> str | None:
        if path not in self._cache:
            try:
                with open(os.path.join(self.root, path), encoding="utf-8", errors="surrogateescape",
                          newline="") as fh:
                    self._cache[path] = fh.read().splitlines()
            except OSError:
                self._cache[path] = None
        lines = self._cache[path]
        if lines is None or not 1 <= lineno <= len(lines):
            return None
        return lines[lineno - 1]

    def byte_column(self, path: str, lineno: int, column: int) -> int:
        """0-based code-point column -> 1-based UTF-8 byte column."""
        text = self.line(path, lineno)
        if text is None:
            return column + 1
        return len(text[:column].encode("utf-8", "surrogateescape")) + 1 + max(0, column - len(text))


def count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def fix_variants(f) -> list[tuple[str, tuple, bool]]:
    """The suggestions a finding's fix becomes, as (description, edits, safe):
    the fix itself, preceded by its safe part when it also has unsafe edits
    (so a reviewer can take the bookkeeping without the behaviour change)."""
    fix = f.fix
    if fix is None or not fix.edits:
        return []
    desc = fix.description or f"Fix {f.code}"
    if fix.safe:
        return [(desc, fix.edits, True)]
    out = []
    safe = fix.chosen(unsafe=False)
    if safe:
        out.append((desc + " (safe part)", safe, True))
    out.append((desc + " (unsafe: review the behaviour change)", fix.edits, False))
    return out

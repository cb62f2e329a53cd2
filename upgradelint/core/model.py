"""Plain data shared by every front end: findings, fixes and file errors."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

FACTS_SCHEMA = 21  # bump when any fact dataclass changes shape, or extraction reads code differently
SEVERITIES = ("error", "warning", "info")
FAILING = frozenset({"error", "warning"})


@dataclass(frozen=True)
class Replacement:
    """A one-edit fix in the finding's own file: 1-based lines, 0-based
    columns, end exclusive. A ``Finding`` turns it into a ``Fix``."""

    line: int
    column: int
    end_line: int
    end_column: int
    text: str
    description: str = ""
    safe: bool = True


@dataclass(frozen=True)
class Edit:
    """One text edit in one file (``path`` relative to the project root, like
    ``Finding.path``): 1-based lines, 0-based columns, end exclusive; an
    insertion has an empty span. ``safe=False`` marks a behaviour change (a
    backport branch, a ``can_send_version`` wrapper): applied only with
    ``--unsafe-fixes``."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    text: str
    safe: bool = True


@dataclass(frozen=True)
class Fix:
    """The edits that fix one finding, possibly in several files (the recorded
    fingerprint lives in a test, the server target in the manager), applied
    together or not at all. ``notes``: what the fix leaves undone and why
    (e.g. a fingerprint that does not resolve statically)."""

    edits: tuple[Edit, ...]
    description: str = ""
    notes: tuple[str, ...] = ()

    @property
    def safe(self) -> bool:
        """Safe as a whole: no edit changes behaviour."""
        return all(e.safe for e in self.edits)

    def chosen(self, unsafe: bool = False) -> tuple[Edit, ...]:
        """The edits ``fix`` applies: the safe ones, and the unsafe ones when asked."""
        return tuple(e for e in self.edits if e.safe or unsafe)

    def safe_part(self) -> "Fix | None":
        """The fix without its unsafe edits (None when nothing is left)."""
        edits = self.chosen(unsafe=False)
        if not edits:
            return None
        return Fix(edits, self.description + (" (safe part)" if len(edits) < len(self.edits) else ""), self.notes)

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.path for e in self.edits))

    @classmethod
    def one(cls, path: str, span, text: str, description: str = "", safe: bool = True) -> "Fix":
        """A one-edit fix replacing ``span`` (anything with line/column/end_line/end_column)."""
        return cls((Edit(path, span.line, span.column, span.end_line, span.end_column, text, safe),), description)


@dataclass(frozen=True)
class Finding:
    code: str
    path: str  # relative to the project root, with forward slashes
    line: int  # 1-based
    column: int  # 0-based
    end_line: int
    end_column: int
    message: str
    severity: str
    symbol: str  # enclosing symbol, e.g. "ComputeAPI.rebuild_instance"
    fix: Fix | None = None  # a Replacement given here becomes a one-edit Fix in this file
    accepted: str | None = None  # why it is a note and not a failure: "released in 29.0.0 (UPG3 released history)"

    def __post_init__(self):
        if isinstance(self.fix, Replacement):
            r = self.fix
            object.__setattr__(self, "fix", Fix.one(self.path, r, r.text, r.description, r.safe))

    @property
    def fingerprint(self) -> str:
        """Stable identity: code + path + symbol, never the line or the wording."""
        raw = "\0".join((self.code, self.path, self.symbol))
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]

    @property
    def failing(self) -> bool:
        return self.severity in FAILING

    def sort_key(self):
        return (self.path, self.line, self.column, self.code, self.message)


@dataclass(frozen=True)
class FileError:
    """A file that could not be checked (or a run-level problem when path is '')."""

    path: str
    message: str


@dataclass
class Result:
    findings: list[Finding] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    checked: int = 0  # files read and prefiltered (parsed or not)
    root: str = ""  # the project root the paths are relative to
    prefix: str | None = None  # diff mode: the root's path in its git work tree ("" or "sub/")
    diff: object | None = None  # diff mode: the engine's git diff (project-relative paths)
    baselined: int = 0  # failing findings hidden because the project's baseline records them
    notes: list[str] = field(default_factory=list)  # run-level notes: one line each on stderr
    conventions: list = field(default_factory=list)  # (family, name, value, why), with --show-conventions

    @property
    def exit_code(self) -> int:
        if self.errors and self.checked == 0:
            return 2
        return 1 if any(f.failing for f in self.findings) else 0


class UsageError(Exception):
    """A problem with the invocation, the config or git: exit status 2."""


@dataclass(frozen=True)
class Span:
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass
class FileFacts:
    rpc: tuple = ()
    objects: tuple = ()
    migration: Any = None
    extra: dict = field(default_factory=dict)  # family-specific extras (e.g. recorded hashes)
    suppressions: dict = field(default_factory=dict)  # line -> frozenset(codes) | None (= all)
    suppression_anchors: tuple = ()  # (line, code prefix): a comment there covers the file's findings
    error: str | None = None  # parse error: the file could not be checked

    @property
    def empty(self) -> bool:
        return not (self.rpc or self.objects or self.migration or self.extra) and self.error is None

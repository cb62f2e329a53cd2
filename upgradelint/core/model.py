"""Plain data shared by every front end: findings, fixes and file errors."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

FACTS_SCHEMA = 11  # bump when any fact dataclass changes shape
SEVERITIES = ("error", "warning", "info")
FAILING = frozenset({"error", "warning"})


@dataclass(frozen=True)
class Replacement:
    """A text replacement: 1-based lines, 0-based columns, end exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int
    text: str
    description: str = ""
    safe: bool = True


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
    fix: Replacement | None = None
    accepted: str | None = None  # why it is a note and not a failure: "released in 29.0.0 (UPG3 released history)"

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

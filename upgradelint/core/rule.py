"""What a rule is: a small class in ``upgradelint/families/<family>/rules/upgNNN_<name>.py``
that reads facts (never syntax trees, never files) and reports findings through the context."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar, Iterator, TypeVar

from upgradelint.core.model import Finding, Replacement, Span

FAMILIES = {"1": "rpc", "2": "objects", "3": "migrations"}
SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "How to allow", "Fix safety", "References")


@dataclass(frozen=True)
class Example:
    """An executable example. ``files`` is the tree after the change (or the
    tree, for state rules); ``before`` the tree at ``--base`` (diff examples).
    Expected findings are marked in the code with a trailing ``# expect: UPGnnn``."""

    files: dict
    before: dict | None = None
    config: dict | None = None


def Valid(code: str | dict, before: str | dict | None = None, path: str = "example.py", config=None) -> Example:
    """A harmless example: the rule must stay silent (no ``# expect:`` marker)."""
    return _example(code, before, path, config)


def Invalid(code: str | dict, before: str | dict | None = None, path: str = "example.py", config=None) -> Example:
    """A harmful example: every finding is marked ``# expect: UPGnnn`` on its line."""
    return _example(code, before, path, config)


def _example(code, before, path, config) -> Example:
    files = code if isinstance(code, dict) else {path: code}
    if before is not None and not isinstance(before, dict):
        before = {path: before}
    return Example(files={k: _dedent(v) for k, v in files.items()},
                   before={k: _dedent(v) for k, v in before.items()} if before is not None else None,
                   config=config)


def _dedent(code: str) -> str:
    import textwrap

    return textwrap.dedent(code).lstrip("\n")


class Rule:
    """Base class. Subclasses set the attributes below and implement ``check``."""

    code: ClassVar[str]
    name: ClassVar[str]
    message: ClassVar[str]  # format string, plain text; the code is prefixed by front ends
    messages: ClassVar[dict[str, str]] = {}  # named variants of ``message``
    severity: ClassVar[str] = "error"
    scope: ClassVar[str] = "state"  # state: judged on the tree; diff: needs --base
    fix_safety: ClassVar[str] = ""
    VALID: ClassVar[list[Example]] = []
    INVALID: ClassVar[list[Example]] = []

    def check(self, ctx: "Context") -> Iterator[Finding]:  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def family(cls) -> str:
        return FAMILIES[cls.code[3]]

    @classmethod
    def doc_sections(cls) -> dict[str, str]:
        return parse_sections(cls.__doc__ or "")


def parse_sections(doc: str) -> dict[str, str]:
    import textwrap

    doc = textwrap.dedent("\n".join(doc.splitlines()[1:])) if doc and not doc.startswith("\n") else textwrap.dedent(doc)
    out: dict[str, str] = {}
    current = None
    for line in doc.splitlines():
        m = re.match(r"^## (.+)$", line.strip())
        if m:
            current = m.group(1).strip()
            out[current] = ""
        elif current:
            out[current] += line + "\n"
    return {k: v.strip() for k, v in out.items()}


A = TypeVar("A")


@dataclass
class Context:
    """What a rule sees: facts for the head tree, and for the base tree in diff mode."""

    head: dict  # relpath -> FileFacts
    base: dict | None  # head relpath -> FileFacts of its base version (changed files only)
    diff: object | None  # git.Diff, or None in full-tree mode
    config: object
    findings: list = field(default_factory=list)
    targets: set = field(default_factory=set)  # files findings may be reported on
    root: str | None = None  # the project root (families may read unchanged library modules there)
    reader: object | None = None  # the engine's file reader (core.reader.Reader): rules never open files
    releases: object | None = None  # full-tree runs: what the project released (core.reader.Releases)
    notes: list = field(default_factory=list)  # run-level notes for the user, said once each (stderr)

    def report(self, rule: Rule, path: str, span: Span, symbol: str, fix: Replacement | None = None,
               variant: str | None = None, accepted: str | None = None, **fmt) -> None:
        """``accepted``: why a finding that would fail is only a note (e.g. the
        migration is in release 29.0.0); it then reports at info severity."""
        template = rule.messages[variant] if variant else rule.message
        severity = "info" if accepted else self.config.severity_of(rule.code, rule.severity)
        self.findings.append(Finding(
            code=rule.code, path=path, line=span.line, column=span.column,
            end_line=span.end_line, end_column=span.end_column,
            message=template.format(**fmt), severity=severity, symbol=symbol, fix=fix, accepted=accepted,
        ))

    def note(self, text: str) -> None:
        """A run-level note (one line on stderr), said once however often it is noted."""
        if text not in self.notes:
            self.notes.append(text)

    def analysis(self, cls: type[A]) -> A:
        """The family analysis ``cls(ctx)``, built once per run and shared by the
        family's rules (e.g. ``ctx.analysis(MigrationAnalysis)``)."""
        cache = self.__dict__.setdefault("_analyses", {})
        if cls not in cache:
            cache[cls] = cls(self)
        return cache[cls]

    def base_path(self, path: str) -> str | None:
        if self.diff is None:
            return None
        ch = self.diff.changes.get(path)
        if ch is None:
            return path
        return None if ch.status == "A" else (ch.old_path or path)

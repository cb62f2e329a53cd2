"""Per-file fact extraction: prefilter the text, parse once with LibCST, hand the
module to each interested family, and return small picklable facts.

Nothing here imports or executes the code being checked."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

FACTS_SCHEMA = 10  # bump when any fact dataclass changes shape


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
    error: str | None = None  # parse error: the file could not be checked

    @property
    def empty(self) -> bool:
        return not (self.rpc or self.objects or self.migration or self.extra) and self.error is None


_TEST_PART = re.compile(r"(^|/)(tests?|functional|unit)(/|$)")


def is_test_path(relpath: str) -> bool:
    name = relpath.rsplit("/", 1)[-1]
    return bool(_TEST_PART.search(relpath)) or name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"


_NOQA_RE = re.compile(r"#\s*noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
_IGNORE_RE = re.compile(r"#\s*upgradelint:\s*ignore(?:\[(?P<codes>[A-Z0-9,\s]+)\])?", re.IGNORECASE)


def suppressions(text: str) -> dict[int, frozenset[str] | None]:
    """Map line -> codes suppressed there (None: all). ``# noqa`` follows flake8
    (prefix match); ``# upgradelint: ignore[...]`` on a comment-only line also
    covers the next line."""
    out: dict[int, frozenset[str] | None] = {}
    if "noqa" not in text.lower() and "upgradelint" not in text:
        return out

    def add(line: int, codes: frozenset[str] | None) -> None:
        if line in out and (out[line] is None or codes is None):
            out[line] = None
        else:
            out[line] = (out.get(line) or frozenset()) | (codes or frozenset()) if codes is not None else None

    for n, line in enumerate(text.splitlines(), 1):
        if "#" not in line:
            continue
        comment = line[line.index("#"):]
        for rx in (_NOQA_RE, _IGNORE_RE):
            m = rx.search(comment)
            if not m:
                continue
            raw = m.group("codes")
            codes = frozenset(c.upper() for c in re.split(r"[,\s]+", raw) if c) if raw else None
            add(n, codes)
            if rx is _IGNORE_RE and line.lstrip().startswith("#"):
                add(n + 1, codes)
    return out


def suppressed(table: dict, code: str, lines: tuple[int, ...]) -> bool:
    for line in lines:
        if line in table:
            codes = table[line]
            if codes is None or any(code.startswith(c) for c in codes):
                return True
    return False


def _syntax_error(relpath: str, text: str, exc) -> str:
    """Python's own message and position where it has one (LibCST's native
    parser reports less precise positions); LibCST's otherwise."""
    import ast

    try:
        ast.parse(text, relpath)
    except SyntaxError as err:
        return f"syntax error at line {err.lineno}, column {err.offset or 1}: {err.msg}"
    except (ValueError, RecursionError, MemoryError):
        pass
    first = (str(exc).strip().splitlines() or ["invalid syntax"])[0]
    return f"LibCST cannot parse this file (line {exc.raw_line}, column {exc.raw_column}): {first}"


class Parsed:
    """One parsed file, with positions resolved lazily on first use, so a file
    that yields no facts never pays for PositionProvider."""

    def __init__(self, relpath: str, text: str, module):
        self.relpath = relpath
        self.text = text
        self.module = module
        self._positions = None
        self._lines = None

    def span(self, node) -> Span:
        if self._positions is None:
            from upgradelint.positions import positions

            self._positions = positions(self.module)
        return Span(*self._positions[node])

    def text_of(self, node) -> str:
        """The source lines a node spans (cheap once positions exist)."""
        if self._lines is None:
            from upgradelint.source import LINE_RE

            self._lines = LINE_RE.findall(self.text)
        span = self.span(node)
        return "".join(self._lines[span.line - 1:span.end_line])

    def code(self, node) -> str:
        return self.module.code_for_node(node)


def families():
    from upgradelint.extract import migrations, objects, rpc

    return (rpc, objects, migrations)


def extract(relpath: str, text: str) -> FileFacts:
    """Facts for one file. Never raises for bad input: parse errors land in
    ``FileFacts.error``."""
    wanted = [fam for fam in families() if fam.prefilter(relpath, text)]
    facts = FileFacts()
    if not wanted:
        return facts
    import libcst as cst

    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        facts.error = _syntax_error(relpath, text, exc)
        return facts
    except (RecursionError, MemoryError) as exc:  # pathological input
        facts.error = f"cannot parse: {type(exc).__name__}"
        return facts
    parsed = Parsed(relpath, text, module)
    for fam in wanted:
        fam.extract(parsed, facts)
    if not facts.empty:
        facts.suppressions = suppressions(text)
    return facts

"""Building fixes from source text: the families' codemods read a project
file through the engine's reader (never ``open()``), find the nodes they edit
with LibCST, and return ``core.model.Edit``s, which keep everything around
them (quoting, wrapping, comments) as it was. Edits are written with ``\\n``;
``engine.fix`` writes them with the file's own line endings."""

from __future__ import annotations

import re
from typing import Iterable

from upgradelint.core.lazy import cst
from upgradelint.core.model import Edit, Span
from upgradelint.core.source import LINE_RE, SourceError, decode

MAX_LINE = 79  # pep8, as every OpenStack project enforces it


class Source:
    """One project file as text lines, with its LibCST module and node
    positions on first use."""

    def __init__(self, rel: str, text: str):
        self.rel = rel
        self.text = text
        self.lines = LINE_RE.findall(text)
        self._module = None
        self._positions = None

    @property
    def module(self):
        if self._module is None:
            self._module = cst.parse_module(self.text)
        return self._module

    def span(self, node) -> Span:
        if self._positions is None:
            from upgradelint.core.cst.positions import positions

            self._positions = positions(self.module)
        return Span(*self._positions[node])

    def node_at(self, span: Span, kind=None):
        """The outermost node (of type ``kind``) whose range is ``span``."""
        if self._positions is None:
            self.span(self.module)
        if getattr(self, "_by_span", None) is None:
            self._by_span: dict = {}
            for node, pos in self._positions.items():
                self._by_span.setdefault(tuple(pos), []).append(node)
        for node in self._by_span.get((span.line, span.column, span.end_line, span.end_column), ()):
            if kind is None or isinstance(node, kind):
                return node
        return None

    def line(self, n: int) -> str:
        """Line ``n`` (1-based) without its line ending ('' past the end)."""
        return self.lines[n - 1].rstrip("\r\n") if 1 <= n <= len(self.lines) else ""

    def indent(self, n: int) -> str:
        text = self.line(n)
        return text[:len(text) - len(text.lstrip())]

    def code(self, node) -> str:
        return self.module.code_for_node(node)

    @property
    def indent_unit(self) -> str:
        return self.module.default_indent

    # -- edits ------------------------------------------------------------

    def replace(self, span: Span, text: str, safe: bool = True) -> Edit:
        return Edit(self.rel, span.line, span.column, span.end_line, span.end_column, text, safe)

    def insert_lines(self, before: int, lines: Iterable[str], safe: bool = True) -> Edit:
        """Whole lines inserted before line ``before`` (``len(lines) + 1``: at the end)."""
        text = "".join(ln + "\n" for ln in lines)
        if before > len(self.lines) and self.lines and not self.lines[-1].endswith(("\n", "\r")):
            last = len(self.lines)  # the file has no final newline: start one
            end = len(self.line(last))
            return Edit(self.rel, last, end, last, end, "\n" + text.rstrip("\n"), safe)
        before = min(before, len(self.lines) + 1)
        return Edit(self.rel, before, 0, before, 0, text, safe)

    def insert_at(self, line: int, column: int, text: str, safe: bool = True) -> Edit:
        return Edit(self.rel, line, column, line, column, text, safe)


class Sources:
    """Per-run cache of ``Source`` by project path, read through the engine's
    ``core.reader.Reader``; None for a file that is absent or does not parse."""

    def __init__(self, reader):
        self.reader = reader
        self._cache: dict[str, Source | None] = {}

    def get(self, rel: str | None) -> Source | None:
        if rel is None or self.reader is None:
            return None
        if rel not in self._cache:
            self._cache[rel] = None
            data = self.reader.head(rel)
            if data is not None:
                try:
                    src = Source(rel, decode(data))
                    src.module  # noqa: B018 - parse now: a file that does not parse gets no fix
                    self._cache[rel] = src
                except (SourceError, Exception):  # noqa: BLE001 - LibCST's errors vary; no fix then
                    self._cache[rel] = None
        return self._cache[rel]


# -- small text helpers shared by the families' codemods ----------------------


def quote_of(literal: str) -> str:
    """The quote character a string literal's source uses (``'`` by default)."""
    m = re.match(r"^[rRbBuUfF]*(['\"])", literal.strip())
    return m.group(1) if m else "'"


def quoted(value: str, quote: str = "'") -> str:
    return f"{quote}{value}{quote}"


def wrap_comment(prefix: str, text: str, hang: str, width: int = MAX_LINE) -> list[str]:
    """``prefix + text`` as comment lines of at most ``width`` columns, the
    continuation lines starting with ``hang`` (e.g. ``'    #              '``)."""
    import textwrap

    lines = textwrap.wrap(text, width=max(20, width - len(prefix)), break_long_words=False,
                          break_on_hyphens=False) or [""]
    out = [prefix + lines[0]]
    rest = " ".join(lines[1:])
    if rest:
        out.extend(hang + ln for ln in textwrap.wrap(rest, width=max(20, width - len(hang)),
                                                      break_long_words=False, break_on_hyphens=False))
    return out


def sequence_append(src: Source, node, item: str, safe: bool = True) -> list[Edit]:
    """Edits adding ``item`` (code) as the last element of a literal dict,
    list or tuple ``node``, in its layout: on the same line when the literal
    is on one line (``(x,)`` becomes ``(x, item)``), else on a line of its own
    after the last element, indented like it, with the trailing comma the
    others have. [] when ``node`` has no element to follow."""
    elements = list(getattr(node, "elements", ()))
    if not elements:
        return []
    last = elements[-1]
    ls = src.span(last)
    whole = src.span(node)
    width = _comma_width(src, ls)
    if whole.line == whole.end_line:
        if width:
            return [src.insert_at(ls.end_line, ls.end_column + width, f" {item}", safe)]
        return [src.insert_at(ls.end_line, ls.end_column, f", {item}", safe)]
    indent = src.indent(ls.line) if ls.line > whole.line else " " * ls.column
    if whole.end_line == ls.end_line:  # the closing bracket follows the last element
        return [src.insert_at(ls.end_line, ls.end_column, f",\n{indent}{item}", safe)]
    out = [] if width else [src.insert_at(ls.end_line, ls.end_column, ",", safe)]
    out.append(src.insert_lines(ls.end_line + 1, [f"{indent}{item},"], safe))
    return out


def present_tense(texts: list[str]) -> bool:
    """Does a version history say "Add x" rather than "Added x"? (its last
    entries decide; the past tense when nothing tells)"""
    for t in reversed(texts):
        word = (t.split() or [""])[0].lower().rstrip(":,")
        if word in ("add", "adds", "remove", "change", "rename", "support", "make", "use", "drop", "allow"):
            return True
        if word.endswith("ed"):
            return False
    return False


def _comma_width(src: Source, span: Span) -> int:
    """How far after ``span``'s end its trailing comma ends (``'x' ,`` is 2)."""
    rest = src.line(span.end_line)[span.end_column:]
    m = re.match(r"^\s*,", rest)
    return len(m.group(0)) if m else 0


def import_edit(src: Source, module: str, name: str, project: str | None, safe: bool = True) -> Edit | None:
    """An edit adding ``from module import name`` unless the file already
    imports it: among the third-party imports, in alphabetical order (the
    hacking H306 order), else before the first import, else at the top."""
    mod = src.module
    imports = []
    for i, stmt in enumerate(mod.body):
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.ImportFrom) and small.module is not None:
                dotted = src.code(small.module)
                if dotted == module and not isinstance(small.names, cst.ImportStar) and any(
                        isinstance(a.name, cst.Name) and a.name.value == name for a in small.names):
                    return None
                imports.append((dotted, stmt))
            elif isinstance(small, cst.Import):
                for a in small.names:
                    imports.append((src.code(a.name), stmt))
    line = f"from {module} import {name}"
    if not imports:
        first = _first_code_line(src)
        return src.insert_lines(first, [line, ""], safe)
    third = [(m, s) for m, s in imports if not (project and (m == project or m.startswith(project + ".")))]
    target = f"{module}.{name}"
    pool = third or imports
    after = [s for m, s in pool if m.split(".")[0] != "__future__" and m <= target]
    if after:
        return src.insert_lines(src.span(after[-1]).end_line + 1, [line], safe)
    return src.insert_lines(src.span(pool[0][1]).line, [line], safe)


def _first_code_line(src: Source) -> int:
    """The line after the module docstring (and leading comments)."""
    mod = src.module
    if mod.body:
        first = mod.body[0]
        if isinstance(first, cst.SimpleStatementLine) and first.body and isinstance(first.body[0], cst.Expr) and \
                isinstance(first.body[0].value, (cst.SimpleString, cst.ConcatenatedString)):
            return src.span(first).end_line + 1
        return src.span(first).line
    return len(src.lines) + 1

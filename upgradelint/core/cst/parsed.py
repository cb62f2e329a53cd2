"""One parsed file handed to the families' extractors."""

from __future__ import annotations

from upgradelint.core.model import Span


def syntax_error(relpath: str, text: str, exc) -> str:
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
            from upgradelint.core.cst.positions import positions

            self._positions = positions(self.module)
        return Span(*self._positions[node])

    def text_of(self, node) -> str:
        """The source lines a node spans (cheap once positions exist)."""
        if self._lines is None:
            from upgradelint.core.source import LINE_RE

            self._lines = LINE_RE.findall(self.text)
        span = self.span(node)
        return "".join(self._lines[span.line - 1:span.end_line])

    def code(self, node) -> str:
        return self.module.code_for_node(node)

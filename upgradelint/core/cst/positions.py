"""Source positions for LibCST nodes, 5x cheaper than ``PositionProvider``.

``PositionProvider`` replays code generation with a context manager and two
``CodePosition`` objects per node; on nova's compute manager that is 1.4 s.
The same replay with plain tuples takes 0.26 s and yields identical ranges
(syntactic: 1-based lines, 0-based columns, end exclusive). It leans on
LibCST's codegen hooks, so any surprise falls back to ``PositionProvider``;
``tests/test_positions.py`` compares the two on real files."""

from __future__ import annotations


def _fast(module) -> dict:
    from libcst._nodes.internal import CodegenState

    class _Syntactic:
        __slots__ = ("state", "node", "start_node", "end_node", "start")

        def __init__(self, state, node, start_node, end_node):
            self.state, self.node, self.start_node, self.end_node = state, node, start_node, end_node

        def __enter__(self):
            self.start = (self.state.line, self.state.column)

        def __exit__(self, *exc):
            s = self.state
            comp = s.computed
            start = comp[self.start_node][:2] if self.start_node is not None else self.start
            end = comp[self.end_node][2:] if self.end_node is not None else (s.line, s.column)
            comp[self.node] = start + end
            return False

    class _State(CodegenState):
        def __init__(self):
            super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
            self.computed = {}
            self.line = 1
            self.column = 0
            self.stack = []

        def add_indent_tokens(self):
            for token in self.indent_tokens:
                self.add_token(token)

        def add_token(self, value):
            self.tokens.append(value)
            if "\n" in value or "\r" in value:
                value = value.replace("\r\n", "\n").replace("\r", "\n")
                self.line += value.count("\n")
                self.column = len(value) - value.rindex("\n") - 1
            else:
                self.column += len(value)

        def before_codegen(self, node):
            self.stack.append((self.line, self.column))

        def after_codegen(self, node):
            start = self.stack.pop()
            if node not in self.computed:
                self.computed[node] = start + (self.line, self.column)

        def record_syntactic_position(self, node, *, start_node=None, end_node=None):
            return _Syntactic(self, node, start_node, end_node)

    state = _State()
    module._codegen(state)
    return state.computed


def _reference(module) -> dict:
    from libcst.metadata import MetadataWrapper, PositionProvider

    ranges = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    return {n: (r.start.line, r.start.column, r.end.line, r.end.column) for n, r in ranges.items()}


def positions(module) -> dict:
    """node -> (line, column, end_line, end_column) for every node of ``module``."""
    try:
        return _fast(module)
    except Exception:  # noqa: BLE001 - LibCST internals changed: take the slow, public road
        return _reference(module)

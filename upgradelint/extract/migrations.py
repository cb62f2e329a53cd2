"""Migration facts: alembic scripts, the operations their ``upgrade()`` runs
(through module-level helpers too), their branch labels and declared exceptions."""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from upgradelint.extract import Span, is_test_path
from upgradelint.extract.static import UNKNOWN, dotted, evaluate, kwarg, module_constants, positional

_PATH_RE = re.compile(r"(^|/)(alembic_migrations|alembic|migrations|migrate_repo|legacy_migrations|"
                      r"expand_repo|contract_repo|data_migration_repo)/versions/")


@dataclass(frozen=True)
class MigrationOp:
    name: str  # drop_column, add_column, create_table, ...
    receiver: str  # op | batch
    table: str | None
    args: tuple  # evaluated positional args (None where unknown); for batch ops, without the table
    keywords: tuple[str, ...]
    helper: str | None  # the module-level function it sits in, when not upgrade() itself
    span: Span


@dataclass(frozen=True)
class Migration:
    revision: str | None
    down_revisions: tuple[str, ...]
    branch_labels: tuple[str, ...]  # literal labels, or dotted names such as migration.CONTRACT_BRANCH
    depends_on: tuple[str, ...]
    has_upgrade: bool
    ops: tuple[MigrationOp, ...]
    exceptions: dict  # function name -> {"docstring": bool, "entries": {kind: tuple|None}, "span": Span}


def is_migration_path(relpath: str) -> bool:
    return bool(_PATH_RE.search(relpath))


def prefilter(relpath: str, text: str) -> bool:
    if not relpath.endswith(".py") or relpath.endswith("__init__.py") or is_test_path(relpath):
        return False
    if "def upgrade" not in text:
        return False
    return is_migration_path(relpath) or ("down_revision" in text and "revision" in text)


def _strings(value, names) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, (cst.Tuple, cst.List)):
        out = []
        for el in value.elements:
            out.extend(_strings(el.value, names))
        return tuple(out)
    v = evaluate(value, names)
    if isinstance(v, str):
        return (v,)
    if isinstance(v, (tuple, list)):
        return tuple(x for x in v if isinstance(x, str))
    if v is None:
        return ()
    d = dotted(value)
    return (d,) if d else ()


class _OpCollector(cst.CSTVisitor):
    def __init__(self, parsed, funcs, names, op_names):
        self.parsed = parsed
        self.funcs = funcs
        self.names = names
        self.op_names = op_names
        self.batch: dict[str, str | None] = {}
        self.ops: list[MigrationOp] = []
        self.stack: list[str] = []

    def run(self, fn: cst.FunctionDef, helper: str | None) -> None:
        self.stack.append(fn.name.value)
        saved = self.helper if hasattr(self, "helper") else None
        self.helper = helper
        fn.body.visit(self)
        self.helper = saved
        self.stack.pop()

    def visit_FunctionDef(self, node) -> bool:
        return False  # nested defs are not run by upgrade() itself

    def visit_With(self, node: cst.With) -> None:
        for item in node.items:
            call = item.item
            if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and \
                    call.func.attr.value == "batch_alter_table" and item.asname is not None and \
                    isinstance(item.asname.name, cst.Name):
                args = positional(call)
                table = evaluate(args[0] if args else kwarg(call, "table_name"), self.names)
                self.batch[item.asname.name.value] = table if isinstance(table, str) else None

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Name) and func.value in self.funcs and func.value not in self.stack:
            self.run(self.funcs[func.value], func.value)
            return
        if not isinstance(func, cst.Attribute):
            return
        recv = dotted(func.value)
        name = func.attr.value
        if recv in self.op_names:
            args = positional(node)
            table_node = args[0] if args else kwarg(node, "table_name")
            vals = tuple(self._val(a) for a in args)
            if not args and table_node is not None:
                vals = (self._val(table_node),)
            if name == "drop_column" and len(vals) < 2 and kwarg(node, "column_name") is not None:
                vals = (vals[0] if vals else None, self._val(kwarg(node, "column_name")))
            table = vals[0] if vals and isinstance(vals[0], str) else None
            self._add(name, "op", table, vals, node)
        elif recv in self.batch:
            args = positional(node)
            vals = tuple(self._val(a) for a in args)
            if name == "drop_column" and not vals and kwarg(node, "column_name") is not None:
                vals = (self._val(kwarg(node, "column_name")),)
            self._add(name, "batch", self.batch[recv], vals, node)

    def _val(self, node):
        if isinstance(node, cst.Call) and (dotted(node.func) or "").rsplit(".", 1)[-1] == "Column":
            args = positional(node)  # a Column(...) argument stands for its name
            node = args[0] if args else kwarg(node, "name")
        v = evaluate(node, self.names)
        return None if v is UNKNOWN else v

    def _add(self, name, receiver, table, vals, node):
        keywords = tuple(a.keyword.value for a in node.args if a.keyword is not None)
        self.ops.append(MigrationOp(name, receiver, table, vals, keywords, self.helper,
                                    self.parsed.span(node)))


def _op_names(module: cst.Module) -> set[str]:
    names = {"op", "alembic.op"}
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.ImportFrom) and dotted(small.module) == "alembic" and \
                        not isinstance(small.names, cst.ImportStar):
                    for alias in small.names:
                        if alias.name.value == "op" and alias.asname is not None:
                            names.add(alias.asname.name.value)
    return names


def extract(parsed, facts) -> None:
    module = parsed.module
    funcs = {s.name.value: s for s in module.body if isinstance(s, cst.FunctionDef)}
    if "upgrade" not in funcs:
        return
    names = module_constants(module)
    revision = evaluate(names.get("revision"), names)
    collector = _OpCollector(parsed, funcs, names, _op_names(module))
    collector.run(funcs["upgrade"], None)
    exceptions = {}
    for fname in ("expand_drop_exceptions", "contract_creation_exceptions"):
        fn = funcs.get(fname)
        if fn is None:
            continue
        entries: dict = {}
        for ret in _returns(fn):
            if isinstance(ret, cst.Dict):
                for el in ret.elements:
                    if not isinstance(el, cst.DictElement):
                        continue
                    kind = (dotted(el.key) or "?").rsplit(".", 1)[-1]
                    val = evaluate(el.value, names)
                    if isinstance(val, (list, tuple)) and all(isinstance(x, str) for x in val):
                        entries[kind] = tuple(val)
                    else:
                        entries[kind] = None  # present, but not statically known
            else:
                entries["?"] = None
        exceptions[fname] = {"docstring": fn.get_docstring() is not None, "entries": entries,
                             "span": parsed.span(fn.name)}
    facts.migration = Migration(
        revision=revision if isinstance(revision, str) else None,
        down_revisions=_strings(names.get("down_revision"), names),
        branch_labels=_strings(names.get("branch_labels"), names),
        depends_on=_strings(names.get("depends_on"), names),
        has_upgrade=True,
        ops=tuple(collector.ops),
        exceptions=exceptions,
    )


def _returns(fn: cst.FunctionDef):
    out = []

    class V(cst.CSTVisitor):
        def visit_Return(self, node: cst.Return) -> None:
            if node.value is not None:
                out.append(node.value)

    fn.body.visit(V())
    return out


def context(root: str, head: dict, lister) -> list[str]:
    """A changed migration is judged with the rest of its versions tree
    (branch labels are inherited along down_revision)."""
    from upgradelint.rules.migrations import versions_root

    roots = {versions_root(p) + "/" for p, f in head.items() if f.migration is not None}
    if not roots:
        return []
    return [p for p in lister() if any(p.startswith(r) for r in roots)]

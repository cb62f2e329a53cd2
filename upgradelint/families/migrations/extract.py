"""Facts extraction for the migrations family: a migration script's operations,
labels and declared exceptions; the tables and columns model modules map; the
exception lists the project's migration tests keep."""

from __future__ import annotations

import re

from upgradelint.core.lazy import cst

from upgradelint.core.cst.static import dotted, evaluate, module_constants
from upgradelint.core.cst.walk import fast_visit
from upgradelint.core.paths import is_test_path
from upgradelint.families.migrations.collector import op_collector
from upgradelint.families.migrations.expressions import last_name, strings
from upgradelint.families.migrations.coltypes import extract_types
from upgradelint.families.migrations.facts import EXCEPTION_NAMES, Migration, is_model_module, is_type_module
from upgradelint.families.migrations.modelfacts import extract_models as _extract_models
from upgradelint.families.migrations.modelfacts import returns as _returns


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


_MODEL_IMPORT = re.compile(r"^[a-z_]+(\.[a-z_]+)*\.(db(\.[a-z_]+)*\.models|objects)(\.|$)")


def _model_imports(parsed) -> tuple:
    out = []
    for stmt in parsed.module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.ImportFrom) and small.module is not None and small.relative == ():
                mod = dotted(small.module) or ""
                names = [] if isinstance(small.names, cst.ImportStar) else [
                    a.name.value for a in small.names if isinstance(a.name, cst.Name)]
                full = [mod] + [f"{mod}.{n}" for n in names]
                hit = next((m for m in full if _MODEL_IMPORT.match(m) and not m.startswith(("sqlalchemy", "alembic"))),
                           None)
                if hit:
                    out.append((hit, parsed.span(small)))
    return tuple(out)


def extract(parsed, facts) -> None:
    relpath = parsed.relpath
    if is_test_path(relpath):
        _extract_test_exceptions(parsed, facts)
        return
    module = parsed.module
    funcs = {s.name.value: s for s in module.body if isinstance(s, cst.FunctionDef)}
    if "upgrade" not in funcs:
        if is_model_module(relpath, parsed.text):
            _extract_models(parsed, facts)
        if is_type_module(relpath, parsed.text):
            extract_types(parsed, facts)
        return
    names = module_constants(module)
    revision = evaluate(names.get("revision"), names)
    collector = op_collector()(parsed, funcs, names, _op_names(module))
    collector.run(funcs["upgrade"], None)
    exceptions = _declared_exceptions(parsed, funcs, names)
    code = " ".join(_body_code(module, funcs[f]) for f in collector_order(collector, funcs))
    facts.migration = Migration(
        revision=revision if isinstance(revision, str) else None,
        down_revisions=strings(names.get("down_revision"), names),
        branch_labels=strings(names.get("branch_labels"), names),
        depends_on=strings(names.get("depends_on"), names),
        has_upgrade=True,
        ops=tuple(collector.ops),
        exceptions=exceptions,
        upgrade_span=parsed.span(funcs["upgrade"].name),
        upgrade_code=code,
        model_imports=_model_imports(parsed),
        legacy_port=_legacy_port(funcs["upgrade"], names),
    )
    # '# noqa: UPG3nn  reason' on the def upgrade line covers the whole upgrade()
    facts.suppression_anchors = ((facts.migration.upgrade_span.line, "UPG3"),)


def _legacy_port(fn: cst.FunctionDef, names) -> int | None:
    """N of ``if not legacy_utils.is_migration_needed(N): return`` among the first
    statements of upgrade(): an alembic port of legacy migration N, whose body
    runs only where the legacy migrations never ran."""
    body = fn.body.body if isinstance(fn.body, cst.IndentedBlock) else ()
    for stmt in list(body)[:3]:
        if not isinstance(stmt, cst.If) or stmt.orelse is not None:
            continue
        test = stmt.test
        if not (isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not)
                and isinstance(test.expression, cst.Call) and last_name(test.expression.func) == "is_migration_needed"):
            continue
        inner = stmt.body.body
        if isinstance(stmt.body, cst.IndentedBlock):
            inner = inner[0].body if len(inner) == 1 and isinstance(inner[0], cst.SimpleStatementLine) else ()
        args = test.expression.args
        n = evaluate(args[0].value, names) if args else None
        if len(inner) == 1 and isinstance(inner[0], cst.Return) and isinstance(n, int):
            return n
    return None


def _declared_exceptions(parsed, funcs, names) -> dict:
    """neutron's ``expand_drop_exceptions()`` / ``contract_creation_exceptions()``:
    function name -> {"docstring": bool, "entries": {kind: names or None}, "span"}."""
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
    return exceptions


def _body_code(module, fn: cst.FunctionDef) -> str:
    """Normalised code of a function without its docstring and comments."""
    from upgradelint.core.cst.static import normalized_code

    body = list(fn.body.body) if isinstance(fn.body, cst.IndentedBlock) else [fn.body]
    if body and fn.get_docstring() is not None:
        body = body[1:]
    return fn.name.value + ": " + " ; ".join(normalized_code(module, s) for s in body)


def collector_order(collector, funcs) -> list[str]:
    """upgrade() and the helpers it reaches, in a stable order."""
    seen = ["upgrade"]
    calls = {}
    for name, fn in funcs.items():
        found = set()

        class V(cst.CSTVisitor):
            def visit_Call(self, node):
                if isinstance(node.func, cst.Name) and node.func.value in funcs:
                    found.add(node.func.value)

        fast_visit(fn.body, V())
        calls[name] = found
    i = 0
    while i < len(seen):
        for c in sorted(calls.get(seen[i], ())):
            if c not in seen:
                seen.append(c)
        i += 1
    return seen


# -- the project's own migration tests -------------------------------------------

def _extract_test_exceptions(parsed, facts) -> None:
    """The exception lists a migration test keeps (``(list name, repository or
    None, entry)``: keystone keeps one list per repository, in the class whose
    ``migrate_file`` names it) and the name of a test that forbids offline
    (contract) migrations through ``has_offline_migrations`` (neutron)."""
    found: list = []
    offline: list = []
    classes: list = []  # the repository each enclosing class tests, or None

    class V(cst.CSTVisitor):
        def visit_ClassDef(self, node: cst.ClassDef) -> None:
            classes.append(_tested_repository(node) or (classes[-1] if classes else None))

        def leave_ClassDef(self, node: cst.ClassDef) -> None:
            classes.pop()

        def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
            if node.name.value.startswith("test") and _calls(node, "has_offline_migrations"):
                offline.append(node.name.value)

        def visit_Assign(self, node: cst.Assign) -> None:
            for t in node.targets:
                name = t.target.value if isinstance(t.target, cst.Name) else None
                if name in EXCEPTION_NAMES:
                    _literals(node.value, found, name, classes[-1] if classes else None)

        def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
            if isinstance(node.target, cst.Name) and node.target.value in EXCEPTION_NAMES and node.value is not None:
                _literals(node.value, found, node.target.value, classes[-1] if classes else None)

    fast_visit(parsed.module, V())
    if found:
        facts.extra["migration_exceptions"] = tuple(dict.fromkeys(found))
    if offline:
        facts.extra["offline_contract_test"] = offline[0]


def _tested_repository(cls: cst.ClassDef) -> str | None:
    """``migrate_file = expand_repo.__file__`` in a class body: ``expand_repo``."""
    for item in cls.body.body:
        if isinstance(item, cst.SimpleStatementLine):
            for small in item.body:
                if isinstance(small, cst.Assign) and any(
                        isinstance(t.target, cst.Name) and t.target.value == "migrate_file" for t in small.targets):
                    d = dotted(small.value) or ""
                    parts = [p for p in d.split(".") if p != "__file__"]
                    return parts[-1] if parts else None
    return None


def _calls(fn: cst.FunctionDef, name: str) -> bool:
    hit = []

    class V(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            if last_name(node.func) == name:
                hit.append(node)

    fast_visit(fn.body, V())
    return bool(hit)


def _literals(node, out: list, list_name: str, scope: str | None) -> None:
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        for el in node.elements:
            v = evaluate(el.value)
            if isinstance(v, (str, int)) and not isinstance(v, bool):
                out.append((list_name, scope, v))

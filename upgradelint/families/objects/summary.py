"""Module summaries for the versioned-object family: a small picklable
expression form ("IR") of what a module binds (imports, constants, classes,
methods), enough to resolve field classes, enum values, bases and remotable
signatures across modules without importing anything.

IR nodes are tuples:
  ('c', value)                    literal (str, int, float, bool, None)
  ('n', 'a.b.c')                  a dotted name
  ('attr', ir, name)              attribute of a non-name expression
  ('tuple'|'list'|'set', items)   items may hold ('*', ir)
  ('dict', ((k_ir|None, v_ir),))  a None key is a ``**`` merge
  ('call', func, args, kwargs)    args: ir or ('*', ir); kwargs: (name|None, ir), None = ``**``
  ('bin', op, left, right), ('neg', ir), ('sub', value, index)
  ('?', code)                     anything else
"""

from __future__ import annotations

from dataclasses import dataclass, field

from upgradelint.core.lazy import cst

from upgradelint.core.cst.static import dotted

_BINOP_NAMES = {"Add": "+", "Subtract": "-", "Multiply": "*", "Modulo": "%", "BitOr": "|"}


def ir(node) -> tuple:
    if node is None:
        return ("c", None)
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        return _ir_string(node)
    if isinstance(node, (cst.Integer, cst.Float)):
        return ("c", node.evaluated_value)
    if isinstance(node, cst.Name):
        if node.value in ("None", "True", "False"):
            return ("c", {"None": None, "True": True, "False": False}[node.value])
        return ("n", node.value)
    if isinstance(node, cst.Attribute):
        d = dotted(node)
        if d:
            return ("n", d)
        return ("attr", ir(node.value), node.attr.value)
    if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
        return _ir_items(node)
    if isinstance(node, cst.Dict):
        return _ir_dict(node)
    if isinstance(node, cst.Call):
        return _ir_call(node)
    if isinstance(node, cst.BinaryOperation):
        op = _BINOP_NAMES.get(type(node.operator).__name__)
        if op is None:
            return ("?", "binop")
        return ("bin", op, ir(node.left), ir(node.right))
    if isinstance(node, (cst.DictComp, cst.ListComp, cst.SetComp, cst.GeneratorExp)):
        return _ir_comp(node)
    if isinstance(node, cst.Comparison) and len(node.comparisons) == 1:
        return _ir_comparison(node)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
        return ("not", ir(node.expression))
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        return ("neg", ir(node.expression))
    if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        return ("sub", ir(node.value), ir(node.slice[0].slice.value))
    return ("?", type(node).__name__)


def _ir_string(node) -> tuple:
    try:
        v = node.evaluated_value
    except Exception:  # noqa: BLE001
        return ("?", "string")
    if isinstance(v, bytes):
        return ("?", "bytes")
    return ("c", v) if v is not None else ("?", "string")


def _ir_items(node) -> tuple:
    kind = {cst.Tuple: "tuple", cst.List: "list", cst.Set: "set"}[type(node)]
    items = []
    for el in node.elements:
        if isinstance(el, cst.StarredElement):
            items.append(("*", ir(el.value)))
        else:
            items.append(ir(el.value))
    return (kind, tuple(items))


def _ir_dict(node) -> tuple:
    items = []
    for el in node.elements:
        if isinstance(el, cst.StarredDictElement):
            items.append((None, ir(el.value)))
        else:
            items.append((ir(el.key), ir(el.value)))
    return ("dict", tuple(items))


def _ir_call(node) -> tuple:
    args, kwargs = [], []
    for a in node.args:
        if a.keyword is not None:
            kwargs.append((a.keyword.value, ir(a.value)))
        elif a.star == "**":
            kwargs.append((None, ir(a.value)))
        elif a.star == "*":
            args.append(("*", ir(a.value)))
        else:
            args.append(ir(a.value))
    return ("call", ir(node.func), tuple(args), tuple(kwargs))


def _ir_comp(node) -> tuple:
    gens = []
    f = node.for_in
    while f is not None:
        t = f.target
        if isinstance(t, cst.Name):
            names = (t.value,)
        elif isinstance(t, cst.Tuple) and all(isinstance(e.value, cst.Name) for e in t.elements):
            names = tuple(e.value.value for e in t.elements)
        else:
            return ("?", "comprehension target")
        if f.asynchronous is not None:
            return ("?", "async comprehension")
        gens.append((names, ir(f.iter), tuple(ir(i.test) for i in f.ifs)))
        f = f.inner_for_in
    if isinstance(node, cst.DictComp):
        return ("comp", "dict", (ir(node.key), ir(node.value)), tuple(gens))
    kind = {cst.ListComp: "list", cst.SetComp: "set", cst.GeneratorExp: "list"}[type(node)]
    return ("comp", kind, ir(node.elt), tuple(gens))


def _ir_comparison(node) -> tuple:
    op = {cst.In: "in", cst.NotIn: "not in", cst.Equal: "==", cst.NotEqual: "!=", cst.Is: "is",
          cst.IsNot: "is not"}.get(type(node.comparisons[0].operator))
    if op is None:
        return ("?", "comparison")
    return ("cmp", op, ir(node.left), ir(node.comparisons[0].comparator))


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # pos | vararg | kwonly | varkw
    default: tuple | None  # IR or None (no default)
    annotation: str | None  # source of the annotation


@dataclass(frozen=True)
class Method:
    name: str
    decorators: tuple  # IR, outermost first
    params: tuple  # Param
    returns: str | None
    body: tuple  # simplified statements for __init__: ('expr', ir) | ('set', attr, ir)
    line: int


@dataclass
class ClassSummary:
    name: str
    bases: tuple  # IR
    keywords: tuple  # (name, IR)
    decorators: tuple  # IR
    names: dict  # body name -> ('assign', IR) | ('func', Method) | ('class', name)
    line: int


@dataclass
class ModuleSummary:
    module: str  # dotted module name
    is_package: bool
    names: dict  # name -> ('import', target) | ('assign', IR) | ('class', ClassSummary) | ('func', None)
    future_annotations: bool = False
    calls: tuple = ()  # module-level ``X.add(...)`` etc.: (dotted func, args IR, kwargs IR, line)


def module_name(relpath: str) -> tuple[str, bool]:
    p = relpath[:-3] if relpath.endswith(".py") else relpath
    parts = p.split("/")
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def _resolve_relative(module: str, is_package: bool, level: int, target: str | None) -> str:
    parts = module.split(".")
    if not is_package:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
    base = ".".join(parts)
    if target:
        return f"{base}.{target}" if base else target
    return base


def _method(fn: cst.FunctionDef, module: cst.Module, line: int) -> Method:
    params = []
    p = fn.params
    for prm in list(p.posonly_params) + list(p.params):
        params.append(Param(prm.name.value, "pos", ir(prm.default) if prm.default is not None else None,
                            _ann(module, prm.annotation)))
    if isinstance(p.star_arg, cst.Param):
        params.append(Param(p.star_arg.name.value, "vararg", None, _ann(module, p.star_arg.annotation)))
    for prm in p.kwonly_params:
        params.append(Param(prm.name.value, "kwonly", ir(prm.default) if prm.default is not None else None,
                            _ann(module, prm.annotation)))
    if p.star_kwarg is not None:
        params.append(Param(p.star_kwarg.name.value, "varkw", None, _ann(module, p.star_kwarg.annotation)))
    body = []
    if fn.name.value == "__init__" and isinstance(fn.body, cst.IndentedBlock):
        for stmt in fn.body.body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                    body.append(("expr", ir(small.value)))
                elif isinstance(small, cst.Assign) and len(small.targets) == 1:
                    t = small.targets[0].target
                    if isinstance(t, cst.Attribute) and isinstance(t.value, cst.Name) and t.value.value == "self":
                        body.append(("set", t.attr.value, ir(small.value)))
    return Method(
        name=fn.name.value,
        decorators=tuple(ir(d.decorator) for d in fn.decorators),
        params=tuple(params),
        returns=_ann(module, fn.returns),
        body=tuple(body),
        line=line,
    )


def _ann(module, annotation) -> str | None:
    if annotation is None:
        return None
    return module.code_for_node(annotation.annotation)


def _assign_targets(small):
    if isinstance(small, cst.Assign):
        return [t.target for t in small.targets], small.value
    if isinstance(small, cst.AnnAssign) and small.value is not None:
        return [small.target], small.value
    return [], None


def _class(cls: cst.ClassDef, module: cst.Module, line_of) -> ClassSummary:
    names: dict = {}
    body = cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ()
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
                    # ``fields.update(OTHER)`` in the class body
                    fn = small.value.func
                    if (isinstance(fn, cst.Attribute) and fn.attr.value == "update" and isinstance(fn.value, cst.Name)
                            and names.get(fn.value.value, ("",))[0] == "assign"):
                        call = ir(small.value)
                        if len(call[2]) == 1 and not call[3] and call[2][0][0] != "*":
                            names[fn.value.value] = ("assign", ("dict", ((None, names[fn.value.value][1]),
                                                                         (None, call[2][0]))))
                        else:
                            names[fn.value.value] = ("assign", ("?", "update"))
                    continue
                targets, value = _assign_targets(small)
                for t in targets:
                    if isinstance(t, cst.Name):
                        names[t.value] = ("assign", ir(value))
                    elif isinstance(t, (cst.Tuple, cst.List)):
                        for el in t.elements:
                            if isinstance(el.value, cst.Name):
                                names[el.value.value] = ("assign", ("?", "unpack"))
        elif isinstance(stmt, cst.FunctionDef):
            names[stmt.name.value] = ("func", _method(stmt, module, line_of(stmt)))
        elif isinstance(stmt, cst.ClassDef):
            names[stmt.name.value] = ("class", stmt.name.value)
        elif isinstance(stmt, (cst.If, cst.Try, cst.For, cst.With)):
            names["<dynamic>"] = ("assign", ("?", "dynamic"))
    return ClassSummary(
        name=cls.name.value,
        bases=tuple(ir(b.value) for b in cls.bases),
        keywords=tuple((k.keyword.value, ir(k.value)) for k in cls.keywords if k.keyword is not None),
        decorators=tuple(ir(d.decorator) for d in cls.decorators),
        names=names,
        line=line_of(cls),
    )


def summarize(relpath: str, module: cst.Module, line_of=None, modname: str | None = None) -> ModuleSummary:
    """The module's bindings, in source order (a later binding wins)."""
    if modname is None:
        modname, is_pkg = module_name(relpath)
    else:
        is_pkg = relpath.endswith("__init__.py")
    line_of = line_of or (lambda node: 0)
    names: dict = {}
    calls = []
    future = False

    def walk(stmts, top=True):
        nonlocal future
        for stmt in stmts:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Import):
                        for alias in small.names:
                            full = dotted(alias.name) or ""
                            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                                names[alias.asname.name.value] = ("import", full)
                            else:
                                top_name = full.split(".")[0]
                                names.setdefault(top_name, ("import", top_name))
                                if names[top_name][0] != "import":
                                    names[top_name] = ("import", top_name)
                    elif isinstance(small, cst.ImportFrom):
                        level = len(small.relative)
                        mod = dotted(small.module) if small.module is not None else None
                        if level:
                            mod = _resolve_relative(modname, is_pkg, level, mod)
                        if mod == "__future__" and not isinstance(small.names, cst.ImportStar):
                            if any(getattr(a.name, "value", "") == "annotations" for a in small.names):
                                future = True
                            continue
                        if mod is None or isinstance(small.names, cst.ImportStar):
                            continue
                        for alias in small.names:
                            nm = dotted(alias.name) or ""
                            local = alias.asname.name.value if alias.asname is not None and isinstance(
                                alias.asname.name, cst.Name) else nm
                            names[local] = ("import", f"{mod}.{nm}")
                    else:
                        targets, value = _assign_targets(small)
                        for t in targets:
                            if isinstance(t, cst.Name):
                                names[t.value] = ("assign", ir(value))
                        if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call) and top:
                            c = ir(small.value)
                            fn = c[1]
                            if fn[0] == "n":
                                calls.append((fn[1], c[2], c[3], line_of(stmt)))
            elif isinstance(stmt, cst.ClassDef):
                names[stmt.name.value] = ("class", _class(stmt, module, line_of))
            elif isinstance(stmt, cst.FunctionDef):
                names[stmt.name.value] = ("func", None)
            elif isinstance(stmt, cst.Try):
                # ``try: import x except ImportError: x = None``: the first branch wins
                walk(stmt.body.body, top=False)
            elif isinstance(stmt, cst.If):
                walk(stmt.body.body, top=False)

    walk(module.body)
    return ModuleSummary(module=modname, is_package=is_pkg, names=names, future_annotations=future,
                         calls=tuple(calls))


@dataclass(frozen=True)
class Record:
    """One recorded fingerprint in a project's test (object_data and friends)."""

    table: str  # object_data | notification_object_data | expected_object_fingerprints
    name: str
    value: str
    line: int
    column: int
    end_line: int
    end_column: int


RECORD_TABLES = ("object_data", "notification_object_data", "expected_object_fingerprints")


@dataclass
class ObjectsExtra:
    summary: ModuleSummary | None = None
    records: tuple = ()
    history: dict = field(default_factory=dict)  # class name -> (versions in '# Version X.Y:' comments)
    guards: dict = field(default_factory=dict)  # class name -> ((M, N), keys, line) in obj_make_compatible
    # Fields added after FACTS_SCHEMA 11 default to None: facts cached by an
    # older build of the same schema leave them unset, and readers fall back.
    notes: dict | None = None  # class name -> (('X.Y', text of its '# Version X.Y:' entry), ...)
    pins: dict | None = None  # class name -> ((version, call code, line, column), ...) in obj_make_compatible
    extra_data: tuple | None = None  # ((table, payload base class), ...): test_hashes(table, extra_data_func=f)

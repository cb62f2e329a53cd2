"""Versioned object facts: registered oslo.versionedobjects classes with their
VERSION, fields and remotable method signatures."""

from __future__ import annotations

import functools

import re
from dataclasses import dataclass

from upgradelint.core.lazy import cst

from upgradelint.core import versions
from upgradelint.core.model import Span
from upgradelint.core.paths import is_test_path
from upgradelint.core.cst.walk import fast_visit, preorder
from upgradelint.core.cst.static import call_name, dotted, evaluate, normalized_code
from upgradelint.families.objects.summary import RECORD_TABLES, ObjectsExtra, Record, summarize

REMOTABLE = ("remotable", "remotable_classmethod")


@dataclass(frozen=True)
class ObjField:
    name: str
    code: str  # normalised code of the field expression
    span: Span


@dataclass(frozen=True)
class VersionedObject:
    name: str
    span: Span  # the class name
    bases: tuple[str, ...]
    registered: bool
    version: str | None
    version_span: Span | None  # the VERSION string literal
    fields: tuple[ObjField, ...] | None  # None: not a literal dict we can read
    remotables: tuple[tuple[str, str], ...]  # (name, normalised parameters)


_REGISTER_RE = re.compile(r"^[ \t]*@[\w.]*(?:Registry\.register|register_notification)\b", re.M)


def _classic(relpath: str, text: str) -> bool:
    """A module outside an objects package that registers a versioned object."""
    return (relpath.endswith(".py") and "VERSION" in text and "fields" in text and "register" in text
            and not is_test_path(relpath) and _REGISTER_RE.search(text) is not None)


_RECORD_RE = re.compile(r"^(object_data|notification_object_data|expected_object_fingerprints)\s*=\s*\{", re.M)


def is_object_module(relpath: str) -> bool:
    """Modules the fingerprint reads: object packages (fields, bases,
    mixins) and the release bookkeeping next to them."""
    if not relpath.endswith(".py") or is_test_path(relpath):
        return False
    return "/objects/" in relpath or relpath.startswith("objects/") or relpath.endswith("/release_mappings.py")


def is_record_file(relpath: str, text: str) -> bool:
    """The project test that records fingerprints (object_data and friends)."""
    return relpath.endswith(".py") and ("object_data" in text or "expected_object_fingerprints" in text) \
        and bool(_RECORD_RE.search(text))


def prefilter(relpath: str, text: str) -> bool:
    if _classic(relpath, text) or is_object_module(relpath):
        return True
    # the one test file per project that records fingerprints
    return relpath.endswith(("test_objects.py", "test_notification.py")) and is_record_file(relpath, text)


def _registration(cls: cst.ClassDef) -> bool | None:
    """True: registered; False: register_if(False); None: not decorated."""
    state = None
    for dec in cls.decorators:
        node = dec.decorator
        if isinstance(node, cst.Call):
            name = call_name(node) or ""
            if name.endswith("register_if"):
                arg = node.args[0].value if node.args else None
                return not (isinstance(arg, cst.Name) and arg.value == "False")
            continue
        name = dotted(node) or ""
        if name.endswith(".register") or name.endswith("register_notification") or name == "register":
            state = True
    return state


def extract(parsed, facts) -> None:
    relpath, text = parsed.relpath, parsed.text
    if _classic(relpath, text):
        _extract_classic(parsed, facts)
    if is_test_path(relpath):
        records = _records(parsed)
        if records:
            # the summary too: a test may register its own object (ironic's MyObj)
            facts.extra["objects"] = ObjectsExtra(summary=summarize(relpath, parsed.module), records=records,
                                                  extra_data=_extra_data(parsed.module))
        return
    extra = _extra(parsed, with_lines=True)
    if extra is not None:
        facts.extra["objects"] = extra


def _extract_classic(parsed, facts) -> None:
    module = parsed.module
    out = []
    for cls in module.body:
        if not isinstance(cls, cst.ClassDef):
            continue
        reg = _registration(cls)
        if reg is None:
            continue
        version = version_node = None
        fields = None
        remotables = []
        for stmt in cls.body.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if not isinstance(small, cst.Assign) or len(small.targets) != 1:
                        continue
                    target = small.targets[0].target
                    if not isinstance(target, cst.Name):
                        continue
                    if target.value == "VERSION":
                        v = evaluate(small.value)
                        if isinstance(v, str):
                            version, version_node = v, small.value
                    elif target.value == "fields" and isinstance(small.value, cst.Dict):
                        fields = []
                        for el in small.value.elements:
                            if not isinstance(el, cst.DictElement):
                                fields = None
                                break
                            key = evaluate(el.key)
                            if not isinstance(key, str):
                                fields = None
                                break
                            fields.append(ObjField(key, normalized_code(module, el.value), parsed.span(el.key)))
            elif isinstance(stmt, cst.FunctionDef):
                decs = [dotted(d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator) or ""
                        for d in stmt.decorators]
                if any(d.rsplit(".", 1)[-1] in REMOTABLE for d in decs):
                    remotables.append((stmt.name.value, normalized_code(module, stmt.params)))
        if version is None and fields is None and not remotables:
            continue
        out.append(VersionedObject(
            name=cls.name.value,
            span=parsed.span(cls.name),
            bases=tuple(dotted(b.value) or module.code_for_node(b.value) for b in cls.bases),
            registered=bool(reg),
            version=version,
            version_span=parsed.span(version_node) if version_node is not None else None,
            fields=tuple(fields) if fields is not None else None,
            remotables=tuple(sorted(remotables)),
        ))
    facts.objects = tuple(out)


# -- the fingerprint's module summaries, records, histories and guards ---------

_HISTORY_RE = re.compile(r"^#\s*Version\s+(\d+\.\d+)\s*:")


def _records(parsed) -> tuple:
    out = []
    for stmt in parsed.module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if not isinstance(small, cst.Assign) or len(small.targets) != 1:
                continue
            t = small.targets[0].target
            if not (isinstance(t, cst.Name) and t.value in RECORD_TABLES and isinstance(small.value, cst.Dict)):
                continue
            for el in small.value.elements:
                if not isinstance(el, cst.DictElement):
                    continue
                k, v = evaluate(el.key), evaluate(el.value)
                if isinstance(k, str) and isinstance(v, str):
                    s = parsed.span(el.value)
                    out.append(Record(t.value, k, v, s.line, s.column, s.end_line, s.end_column))
    return tuple(out)


def _extra_data(module) -> tuple:
    """((table, payload base class), ...): each ``checker.test_hashes(table,
    extra_data_func=f)`` of the file whose ``f``, a function of the file, adds
    the class's ``SCHEMA`` (nova's notification test: ``notification_object_data``
    and ``NotificationPayloadBase``). A ``get_hashes(extra_data_func=f)`` on a
    test's own class (masakari) records nothing, so it does not count."""
    funcs = {s.name.value: s for s in module.body if isinstance(s, cst.FunctionDef)}
    out = []
    for node in preorder(module):
        if not isinstance(node, cst.Call) or not (call_name(node) or "").endswith(".test_hashes"):
            continue
        table = node.args[0].value if node.args and node.args[0].keyword is None else None
        func = next((a.value for a in node.args if a.keyword is not None and a.keyword.value == "extra_data_func"),
                    None)
        if not isinstance(table, cst.Name) or not isinstance(func, cst.Name) or func.value not in funcs:
            continue
        base = _schema_base(funcs[func.value])
        if base is not None:
            out.append((table.value, base))
    return tuple(out)


def _schema_base(fn) -> str | None:
    """The class whose subclasses an extra_data_func hashes with their SCHEMA
    (``issubclass(obj_class, X.NotificationPayloadBase)``), None when the
    function does not read SCHEMA."""
    reads_schema, base = False, None
    for node in preorder(fn.body):
        if isinstance(node, cst.Attribute) and node.attr.value == "SCHEMA":
            reads_schema = True
        elif isinstance(node, cst.Call) and call_name(node) == "issubclass" and len(node.args) == 2:
            base = (dotted(node.args[1].value) or "").rsplit(".", 1)[-1] or None
    if not reads_schema:
        return None
    return base or "NotificationPayloadBase"


def _extra(parsed, with_lines: bool):
    module = parsed.module

    def line_of(node):
        node = getattr(node, "name", node)
        return parsed.span(node).line if with_lines else 0

    summary = summarize(parsed.relpath, module, line_of)
    history, notes, guards, pins = {}, {}, {}, {}
    for cls in module.body:
        if not isinstance(cls, cst.ClassDef) or not isinstance(cls.body, cst.IndentedBlock):
            continue
        entries = _history_entries(cls)
        if entries:
            history[cls.name.value] = tuple(v for v, _ in entries)
            notes[cls.name.value] = entries
        for stmt in cls.body.body:
            if isinstance(stmt, cst.FunctionDef) and stmt.name.value in BACKPORTS:
                guards[cls.name.value] = _guards(parsed, stmt, with_lines)
                found = _pins(parsed, stmt)
                if found:
                    pins[cls.name.value] = found
    return ObjectsExtra(summary=summary, history=history, guards=guards, notes=notes, pins=pins)


BACKPORTS = ("obj_make_compatible", "_obj_make_compatible")


def _history_entries(cls) -> tuple:
    """(('X.Y', text), ...) of the ``# Version X.Y: text`` comments above the
    class's VERSION; an entry goes on over the comment lines that follow it
    indented (``#     of status field``) or in lower case. () without VERSION."""
    entries: list = []
    for stmt in cls.body.body:
        follows = False
        for line in getattr(stmt, "leading_lines", ()):
            text = line.comment.value if line.comment is not None else None
            m = _HISTORY_RE.match(text) if text else None
            if m:
                entries.append([m.group(1), text[m.end():].strip()])
                follows = True
            elif text and follows and _CONTINUED_RE.match(text):
                entries[-1][1] += " " + text.lstrip("#").strip()
            else:
                follows = False
        if isinstance(stmt, cst.SimpleStatementLine) and any(
                isinstance(s, cst.Assign) and any(isinstance(t.target, cst.Name) and t.target.value == "VERSION"
                                                  for t in s.targets) for s in stmt.body):
            return tuple((v, text) for v, text in entries)
    return ()


_CONTINUED_RE = re.compile(r"^#(?:\s{2,}\S|\s*[a-z(])")


def _pins(parsed, fn) -> tuple:
    """The literal versions a backport hands to a child object: a call's
    ``target_version='1.10'``, or a literal version as the second argument of
    ``obj_make_compatible``/``_obj_make_obj_compatible`` or the first of
    ``obj_to_primitive``. ((version, call code, line, column), ...)."""
    out = []
    for node in preorder(fn.body):
        if not isinstance(node, cst.Call):
            continue
        name = (call_name(node) or "").rsplit(".", 1)[-1]
        positional = [a.value for a in node.args if a.keyword is None and a.star == ""]
        literal = [a.value for a in node.args if a.keyword is not None and a.keyword.value == "target_version"]
        if name in ("obj_make_compatible", "_obj_make_obj_compatible") and len(positional) >= 2:
            literal.append(positional[1])
        elif name == "obj_to_primitive" and positional:
            literal.append(positional[0])
        for arg in literal:
            v = evaluate(arg)
            if isinstance(v, str) and _VERSION_RE.match(v):
                s = parsed.span(node)
                out.append((v, normalized_code(parsed.module, node), s.line, s.column))
    return tuple(out)


_VERSION_RE = re.compile(r"^\d+\.\d+$")


@functools.lru_cache(maxsize=None)
def _guard_visitor():
    """_GuardVisitor, built on first use so that importing this module does not import libcst."""

    class _GuardVisitor(cst.CSTVisitor):
        def __init__(self):
            self.found = []

        def visit_If(self, node: cst.If):
            version = _version_test(node.test)
            if version is None:
                return True
            keys = set()

            def add(node):
                v = evaluate(node)
                if isinstance(v, str):
                    keys.add(v)

            class Strings(cst.CSTVisitor):
                # the keys a backport touches: 'x' in primitive, primitive['x'], primitive.pop('x')
                def visit_Comparison(self, c):
                    if any(isinstance(t.operator, (cst.In, cst.NotIn)) for t in c.comparisons):
                        add(c.left)

                def visit_SubscriptElement(self, e):
                    if isinstance(e.slice, cst.Index):
                        add(e.slice.value)

                def visit_Call(self, c):
                    if isinstance(c.func, cst.Attribute) and c.func.attr.value in ("pop", "get") and c.args:
                        add(c.args[0].value)

                def visit_Arg(self, a):
                    # a helper given the field: raise_on_too_new_values(..., 'hw_vif_model', ...)
                    if a.keyword is None:
                        add(a.value)

                def visit_Element(self, e):
                    # a list of the field names the branch handles
                    add(e.value)

            node.test.visit(Strings())
            node.body.visit(Strings())
            self.found.append((version, tuple(sorted(keys)), node))
            return True

    return _GuardVisitor


def _version_test(test):
    """(M, N) from ``target_version < (M, N)`` (also inside and/or), else None."""
    if isinstance(test, cst.BooleanOperation):
        return _version_test(test.left) or _version_test(test.right)
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
        comp = test.comparisons[0]
        if isinstance(comp.operator, (cst.LessThan, cst.LessThanEqual)):
            v = evaluate(comp.comparator)
            if isinstance(v, tuple) and len(v) >= 2 and all(isinstance(x, int) for x in v):
                return v[:2] if isinstance(comp.operator, cst.LessThan) else (v[0], v[1] + 1)
            if isinstance(v, str) and _VERSION_RE.match(v):
                return versions.parse(v)
            v = _parsed_literal(comp.comparator)
            if v is not None:
                return v if isinstance(comp.operator, cst.LessThan) else (v[0], v[1] + 1)
    return None


def _parsed_literal(node):
    """(M, N) of a version literal handed to a parser: ironic's
    ``SemanticVersion.parse('1.2')``, ``convert_version_to_tuple('1.2')``."""
    if not isinstance(node, cst.Call) or len(node.args) != 1 or node.args[0].keyword is not None:
        return None
    v = evaluate(node.args[0].value)
    if isinstance(v, str) and _VERSION_RE.match(v):
        return versions.parse(v)[:2]
    return None


def _guards(parsed, fn, with_lines) -> tuple:
    vis = _guard_visitor()()
    fast_visit(fn.body, vis)
    found = [(ver, keys, parsed.span(node).line if with_lines else 0) for ver, keys, node in vis.found]
    found.extend((ver, keys, parsed.span(node).line if with_lines else 0) for ver, keys, node in _table_guards(fn))
    return tuple(found)


def _table_guards(fn) -> list:
    """cinder's table-driven backport: ``added_fields = (((1, 4), ('cluster',)), ...)``
    walked by ``for version, remove_fields in added_fields: if target_version < version:``;
    each row is a guard for its version. A table no such loop walks is not one."""
    tables, walked = {}, set()
    body = fn.body.body if isinstance(fn.body, cst.IndentedBlock) else ()
    for stmt in body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign) and len(small.targets) == 1 and \
                        isinstance(small.targets[0].target, cst.Name) and isinstance(small.value, (cst.Tuple, cst.List)):
                    tables[small.targets[0].target.value] = small.value
        elif isinstance(stmt, cst.For) and isinstance(stmt.iter, cst.Name) and isinstance(stmt.target, cst.Tuple) \
                and stmt.target.elements and isinstance(stmt.target.elements[0].value, cst.Name):
            var = stmt.target.elements[0].value.value
            if any(isinstance(s, cst.If) and _compares_to(s.test, var) for s in stmt.body.body):
                walked.add(stmt.iter.value)
    out = []
    for name in walked & set(tables):
        for row in tables[name].elements:
            if not isinstance(row.value, cst.Tuple) or len(row.value.elements) < 2:
                continue
            ver = evaluate(row.value.elements[0].value)
            if not (isinstance(ver, tuple) and len(ver) >= 2 and all(isinstance(x, int) for x in ver[:2])):
                continue
            keys = set()
            for el in row.value.elements[1:]:
                v = evaluate(el.value)
                if isinstance(v, str):
                    keys.add(v)
                elif isinstance(v, tuple):
                    keys.update(k for k in v if isinstance(k, str))
            out.append((tuple(ver[:2]), tuple(sorted(keys)), row.value))
    return out


def _compares_to(test, var: str) -> bool:
    """``target_version < var`` (the loop's version variable), also inside and/or."""
    if isinstance(test, cst.BooleanOperation):
        return _compares_to(test.left, var) or _compares_to(test.right, var)
    return isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and \
        isinstance(test.comparisons[0].operator, cst.LessThan) and \
        isinstance(test.comparisons[0].comparator, cst.Name) and test.comparisons[0].comparator.value == var


def context(root, head, lister) -> list[str]:
    """A partial run (diff mode, explicit paths) that touches an object module
    also needs the rest of the object packages (field modules, bases, mixins)
    and the test that records the fingerprints."""
    if not any(f.extra.get("objects") is not None or f.objects for f in head.values()):
        return []
    return [p for p in lister() if is_object_module(p) or p.endswith(("test_objects.py", "test_notification.py"))]

"""Project column types: the DDL behind a project's ``TypeDecorator`` classes
and type factory functions, so that a migration changing ``JsonEncoded`` to
``JsonLongDictType()`` is judged as TEXT -> LONGTEXT, and ``types.Uuid``
over a ``String(36)`` column as no change at all.

Facts (``FileFacts.extra['column_types']``, from any non-test module that
defines a ``TypeDecorator`` or a type factory) map a name to one entry:

- ``("class", impl, impl_is_instance, bases)``: ``impl = sa.String(36)``;
  without ``impl`` the in-project base classes are asked;
- ``("func", desc)``: ``def MediumText(): return sa.Text().with_variant(...)``.

A ``desc`` is ``("name", Name, params)`` (a type, or another project
type, called with ``params``), or ``("variant", generic, mysql)`` for
``.with_variant(T, 'mysql')``. ``MutableDict.as_mutable(X)`` stands for ``X``."""

from __future__ import annotations

from upgradelint.core.lazy import cst

from upgradelint.core.cst.static import evaluate, module_constants, positional
from upgradelint.families.migrations.expressions import last_name, type_value

_MYSQL = ("mysql", "mariadb")


def describe(node, names):
    """The ``desc`` of a type expression, or None."""
    if isinstance(node, cst.Call):
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "with_variant":
            base = describe(func.value, names)
            args = positional(node)
            if base is not None and len(args) >= 2 and evaluate(args[1], names) in _MYSQL:
                mysql = describe(args[0], names)
                return ("variant", base, mysql) if mysql is not None else base
            return base
        if last_name(func) in ("as_mutable", "coerce_compared_value"):
            args = positional(node)
            return describe(args[0], names) if args else None
        t = type_value(node, names)
        return ("name", t[0], t[1]) if t else None
    t = type_value(node, names)
    return ("name", t[0], ()) if t else None


def _class_entry(stmt: cst.ClassDef, names):
    bases = tuple(b for b in (last_name(a.value) for a in stmt.bases) if b)
    for item in stmt.body.body:
        if isinstance(item, cst.SimpleStatementLine):
            for small in item.body:
                if isinstance(small, cst.Assign) and len(small.targets) == 1 and \
                        isinstance(small.targets[0].target, cst.Name) and small.targets[0].target.value == "impl":
                    desc = describe(small.value, names)
                    if desc is not None:
                        return ("class", desc, isinstance(small.value, cst.Call), bases)
    if any(b in ("TypeDecorator",) for b in bases):
        return None  # a TypeDecorator without a readable impl
    return ("class", None, False, bases)


def extract_types(parsed, facts) -> None:
    module = parsed.module
    names = module_constants(module)
    out = {}
    for stmt in module.body:
        if isinstance(stmt, cst.ClassDef):
            entry = _class_entry(stmt, names)
            if entry is not None:
                out[stmt.name.value] = entry
        elif isinstance(stmt, cst.FunctionDef) and stmt.name.value[:1].isupper():
            body = stmt.body.body if isinstance(stmt.body, cst.IndentedBlock) else []
            ret = next((s.body[0].value for s in body if isinstance(s, cst.SimpleStatementLine)
                        and s.body and isinstance(s.body[0], cst.Return) and s.body[0].value is not None), None)
            desc = describe(ret, names) if ret is not None else None
            if desc is not None:
                out[stmt.name.value] = ("func", desc)
    # classes that are not types at all (no impl anywhere up their bases) are dropped when resolved
    if out:
        facts.extra["column_types"] = out


class TypeIndex:
    """Resolves project types to the SQL types they render (MySQL, or generic)."""

    def __init__(self, entries: list[dict]):
        self.entries: dict = {}
        clashes = set()
        for e in entries:
            for name, entry in e.items():
                if name in self.entries and self.entries[name] != entry:
                    clashes.add(name)
                self.entries.setdefault(name, entry)
        for name in clashes:  # two different types of one name: do not guess
            self.entries.pop(name)

    def resolve(self, t, mysql: bool = True):
        """The SQL type ``t`` (``('JsonLongDictType', ())``) renders; ``t`` itself
        when it is not a project type, None when a project type cannot be read."""
        if not t or t[0] not in self.entries:
            return t
        return self._desc(("name", t[0], tuple(t[1])), mysql, 0)

    def is_project_type(self, t) -> bool:
        return bool(t) and t[0] in self.entries

    def _desc(self, desc, mysql: bool, depth: int, params=()):
        if desc is None or depth > 12:
            return None
        if desc[0] == "variant":
            return self._desc(desc[2] if mysql else desc[1], mysql, depth + 1, params)
        _, name, own = desc
        own = tuple(own) or tuple(params)
        entry = self.entries.get(name)
        if entry is None:
            return (name, own)
        if entry[0] == "func":
            return self._desc(entry[1], mysql, depth + 1, own)
        _, impl, instance, bases = entry
        if impl is None:
            for b in bases:
                if b in self.entries:
                    return self._desc(("name", b, own), mysql, depth + 1)
            return None
        if not instance and impl[0] == "name" and own:
            return self._desc(("name", impl[1], own), mysql, depth + 1)  # impl = String; Uuid(36)
        return self._desc(impl, mysql, depth + 1)

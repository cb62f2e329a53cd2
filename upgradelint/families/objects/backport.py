"""The ``obj_make_compatible`` branch that backports an object to the version
before fields were added, in the project's own style:

- nova: ``if target_version < (M, N):`` with one ``primitive.pop('f', None)``
  per added field, next to the other guards (newest first if they are);
- cinder: one more ``((M, N), ('f', ...))`` tuple in ``added_fields``;
- a missing method is created with the ``super()`` call and the
  ``convert_version_to_tuple`` line (and the ``versionutils`` import).

This is a behaviour change: the edits are unsafe (``--unsafe-fixes``)."""

from __future__ import annotations

from upgradelint.core.cst.static import dotted
from upgradelint.core.edits import Source, import_edit, sequence_append
from upgradelint.core.lazy import cst
from upgradelint.core.model import Edit

METHOD = "obj_make_compatible"


def _fields_tuple(fields: list[str]) -> str:
    inner = ", ".join(repr(f) for f in fields)
    return f"({inner},)" if len(fields) == 1 else f"({inner})"


def find_class(src: Source, name: str):
    for stmt in src.module.body:
        if isinstance(stmt, cst.ClassDef) and stmt.name.value == name:
            return stmt
    return None


def _method(cls, name: str):
    body = cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ()
    return next((s for s in body if isinstance(s, cst.FunctionDef) and s.name.value == name), None)


def _assign(stmt, pred):
    """(target name, value) of a one-target ``x = value`` statement when ``pred(value)``."""
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Assign):
        a = stmt.body[0]
        if len(a.targets) == 1 and isinstance(a.targets[0].target, cst.Name) and pred(a.value):
            return a.targets[0].target.value, a.value
    return None


def _added_fields(src: Source, node) -> dict:
    """cinder's ``added_fields`` table: (M, N) -> field names."""
    import ast

    out: dict = {}
    try:
        for ver, names in ast.literal_eval(src.code(node)):
            out.setdefault(tuple(ver), set()).update(names)
    except (ValueError, SyntaxError, TypeError):
        pass
    return out


def _is_convert(node) -> bool:
    return isinstance(node, cst.Call) and (dotted(node.func) or "").endswith("convert_version_to_tuple")


def _guard_version(stmt, var: str):
    """(M, N) of ``if var < (M, N)...``."""
    if not isinstance(stmt, cst.If):
        return None
    test = stmt.test
    if isinstance(test, cst.BooleanOperation):
        test = test.left
    if isinstance(test, cst.Comparison) and isinstance(test.left, cst.Name) and test.left.value == var and \
            len(test.comparisons) == 1 and isinstance(test.comparisons[0].operator, cst.LessThan):
        comp = test.comparisons[0].comparator
        if isinstance(comp, cst.Tuple) and all(isinstance(e.value, cst.Integer) for e in comp.elements):
            return tuple(int(e.value.value) for e in comp.elements)
    return None


def _branch(indent: str, unit: str, test: str, primitive: str, fields: list[str]) -> list[str]:
    return [f"{indent}if {test}:"] + [f"{indent}{unit}{primitive}.pop({f!r}, None)" for f in fields]


def edits(src: Source, cls_name: str, version: tuple[int, int], fields: list[str], cinder_style: bool,
          project: str | None) -> tuple[list[Edit], str | None]:
    """(unsafe edits, why not) for a branch removing ``fields`` below ``version``."""
    cls = find_class(src, cls_name)
    if cls is None:
        return [], f"{cls_name}: class not found at the top level"
    if _method(cls, "_convert_to_version") is not None:
        return [], f"{cls_name}: backports through _convert_to_version (ironic); write that branch by hand"
    fn = _method(cls, METHOD)
    if fn is None:
        return _new_method(src, cls, version, fields, cinder_style, project)
    return _extend(src, fn, version, fields, project)


def _extend(src: Source, fn, version, fields, project) -> tuple[list[Edit], str | None]:
    params = [p.name.value for p in fn.params.params]
    if len(params) < 3 or not isinstance(fn.body, cst.IndentedBlock):
        return [], f"{METHOD}: unexpected signature; write the branch by hand"
    primitive, target = params[1], params[2]
    body = list(fn.body.body)
    indent = src.indent(src.span(body[0]).line) if body else src.indent(src.span(fn).line) + src.indent_unit
    unit = src.indent_unit
    added = next((a for a in (_assign(s, lambda v: isinstance(v, cst.Tuple)) for s in body)
                  if a is not None and a[0] == "added_fields"), None)
    ver = f"({version[0]}, {version[1]})"
    if added is not None:
        fields = [f for f in fields if f not in _added_fields(src, added[1]).get(tuple(version), ())]
        if not fields:
            return [], None  # added_fields already backports them
        return sequence_append(src, added[1], f"({ver}, {_fields_tuple(fields)})", safe=False), None
    conv = next(((i, a[0]) for i, a in enumerate(_assign(s, _is_convert) for s in body) if a is not None), None)
    if conv is None:
        # no tuple version yet: compare a converted copy, leaving the method's own comparisons alone
        lines = _branch(indent, unit, f"versionutils.convert_version_to_tuple({target}) < {ver}", primitive, fields)
        out = [src.insert_lines(src.span(fn).end_line + 1, lines, safe=False)]
        imp = import_edit(src, "oslo_utils", "versionutils", project, safe=False)
        return ([imp] if imp else []) + out, None
    i, var = conv
    guards = [(j, _guard_version(s, var)) for j, s in enumerate(body) if j > i and _guard_version(s, var)]
    lines = _branch(indent, unit, f"{var} < {ver}", primitive, fields)
    if len(guards) >= 2 and guards[0][1] > guards[-1][1] and guards[0][1] < version:
        # newest first (nova's Instance): the new branch goes on top
        return [src.insert_lines(src.span(body[guards[0][0]]).line, lines, safe=False)], None
    after = body[guards[-1][0]] if guards else body[i]
    return [src.insert_lines(src.span(after).end_line + 1, lines, safe=False)], None


def _new_method(src: Source, cls, version, fields, cinder_style, project) -> tuple[list[Edit], str | None]:
    body = cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ()
    if not body:
        return [], f"{cls.name.value}: empty class body"
    anchor = next((s for s in body if _assign(s, lambda v: isinstance(v, cst.Dict)) and
                   _assign(s, lambda v: True)[0] == "fields"), None)
    if anchor is None:
        anchor = next((s for s in body if _assign(s, lambda v: True) and _assign(s, lambda v: True)[0] == "VERSION"),
                      body[0])
    indent = src.indent(src.span(anchor).line)
    unit = src.indent_unit
    inner, deeper = indent + unit, indent + unit * 2
    ver = f"({version[0]}, {version[1]})"
    lines = ["", f"{indent}def {METHOD}(self, primitive, target_version):"]
    if cinder_style:
        lines += [f'{inner}"""Make an object representation compatible with a target version."""',
                  f"{inner}added_fields = (({ver}, {_fields_tuple(fields)}),)",
                  f"{inner}super().{METHOD}(primitive, target_version)",
                  f"{inner}target_version = versionutils.convert_version_to_tuple(target_version)",
                  f"{inner}for version, remove_fields in added_fields:",
                  f"{deeper}if target_version < version:",
                  f"{deeper}{unit}for obj_field in remove_fields:",
                  f"{deeper}{unit}{unit}primitive.pop(obj_field, None)"]
    else:
        lines += [f"{inner}super().{METHOD}(primitive, target_version)",
                  f"{inner}target_version = versionutils.convert_version_to_tuple(target_version)"]
        lines += _branch(inner, unit, f"target_version < {ver}", "primitive", fields)
    out = [src.insert_lines(src.span(anchor).end_line + 1, lines, safe=False)]
    imp = import_edit(src, "oslo_utils", "versionutils", project, safe=False)
    return ([imp] if imp else []) + out, None

"""Versioned object facts: registered oslo.versionedobjects classes with their
VERSION, fields and remotable method signatures."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from upgradelint.extract import Span, is_test_path
from upgradelint.extract.static import call_name, dotted, evaluate, normalized_code

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


def prefilter(relpath: str, text: str) -> bool:
    return (relpath.endswith(".py") and "VERSION" in text and "fields" in text
            and "register" in text and not is_test_path(relpath))


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

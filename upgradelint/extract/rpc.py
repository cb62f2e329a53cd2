"""RPC client facts: classes that send through oslo.messaging ``prepare()`` and
``call``/``cast``, with the version each send pins and the client's target."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from upgradelint.extract import Span, is_test_path
from upgradelint.extract.static import (
    UNKNOWN, call_name, dotted, evaluate, has_star_kwargs, kwarg, last_name, positional,
)

SEND_ATTRS = ("call", "cast")


@dataclass(frozen=True)
class Prepare:
    """One ``X.prepare(...)`` (or a direct client send) that feeds a call/cast."""

    method: str  # the client method it sits in
    rpc_methods: tuple[str, ...]  # names sent through it ('' when not a literal)
    version_kind: str  # missing | literal | float | tuple | expr | splat
    version: str | None  # the literal, when there is one
    direct: bool  # a call/cast on the client itself, no prepare()
    span: Span


@dataclass(frozen=True)
class RpcClient:
    name: str
    span: Span
    target_version: str | None  # resolved Target(version=...) of the client
    target_version_expr: str | None  # its code, when not resolved
    default_version: str | None  # RPC_DEFAULT_VERSION / BASE_RPC_API_VERSION literal
    prepares: tuple[Prepare, ...]


def prefilter(relpath: str, text: str) -> bool:
    if not relpath.endswith(".py") or is_test_path(relpath):
        return False
    return (".prepare(" in text or "_client.call(" in text or "client.cast(" in text) and (
        "call(" in text or "cast(" in text)


def _class_attrs(cls: cst.ClassDef) -> dict:
    out = {}
    for stmt in cls.body.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign):
                    for t in small.targets:
                        if isinstance(t.target, cst.Name):
                            out[t.target.value] = small.value
    return out


class _Calls(cst.CSTVisitor):
    def __init__(self):
        self.calls: list[cst.Call] = []
        self.assigns: dict[str, list] = {}

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(node)

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            if isinstance(t.target, cst.Name):
                self.assigns.setdefault(t.target.value, []).append(node.value)

    def visit_ClassDef(self, node) -> bool:
        return False


def _origins(expr, assigns, seen=None) -> list:
    """The prepare()/client expressions a send receiver may come from."""
    seen = seen or set()
    if isinstance(expr, cst.Call):
        return [expr]
    if isinstance(expr, cst.Name):
        if expr.value in seen or expr.value not in assigns:
            return []
        seen.add(expr.value)
        out = []
        for v in assigns[expr.value]:
            out.extend(_origins(v, assigns, seen))
        return out
    if isinstance(expr, cst.IfExp):
        return _origins(expr.body, assigns, seen) + _origins(expr.orelse, assigns, seen)
    if isinstance(expr, cst.Attribute):
        if expr.attr.value in SEND_ATTRS:
            return _origins(expr.value, assigns, seen)
        return [expr]  # e.g. self.client
    return []


def _version_of(call: cst.Call, names: dict) -> tuple[str, str | None]:
    node = kwarg(call, "version")
    if node is None:
        return ("splat", None) if has_star_kwargs(call) else ("missing", None)
    if isinstance(node, cst.Float):
        return "float", node.value
    if isinstance(node, cst.Tuple):
        return "tuple", None
    v = evaluate(node, names)
    if isinstance(v, str):
        return "literal", v
    if isinstance(v, float):
        return "float", str(v)
    return "expr", None


def extract(parsed, facts) -> None:
    module = parsed.module
    from upgradelint.extract.static import module_constants

    consts = None
    clients = []
    for cls in _classes(module):
        funcs = [s for s in cls.body.body if isinstance(s, cst.FunctionDef)]
        if not funcs:
            continue
        if consts is None:
            consts = module_constants(module)
        attrs = _class_attrs(cls)
        names = dict(consts)
        for k, v in attrs.items():
            names[k] = v
            names[f"self.{k}"] = v
            names[f"cls.{k}"] = v
            names[f"{cls.name.value}.{k}"] = v
        prepares = []
        target = target_expr = None
        for fn in funcs:
            v = _Calls()
            fn.body.visit(v)
            for call in v.calls:
                cname = call_name(call) or ""
                tail = cname.rsplit(".", 1)[-1]
                if tail in ("Target", "get_rpc_client", "RPCClient", "get_client") and kwarg(call, "version") is not None:
                    node = kwarg(call, "version")
                    val = evaluate(node, names)
                    if isinstance(val, str):
                        target = val if target is None else min(target, val, key=_vkey)
                    elif target_expr is None:
                        target_expr = parsed.code(node)
            for call in v.calls:
                if not (isinstance(call.func, cst.Attribute) and call.func.attr.value in SEND_ATTRS):
                    continue
                args = positional(call)
                if len(args) < 2:
                    continue
                method_arg = args[1]
                rpc_name = evaluate(method_arg, names)
                if not isinstance(rpc_name, str):
                    if not isinstance(method_arg, (cst.Name, cst.Attribute, cst.Subscript)):
                        continue
                    rpc_name = ""
                for origin in _origins(call.func.value, v.assigns):
                    if isinstance(origin, cst.Call) and last_name(origin.func) == "prepare":
                        kind, ver = _version_of(origin, names)
                        prepares.append((fn.name.value, rpc_name, kind, ver, False, origin))
                    elif isinstance(origin, cst.Attribute) and "client" in origin.attr.value.lower() and \
                            dotted(origin) and dotted(origin).startswith("self."):
                        prepares.append((fn.name.value, rpc_name, "missing", None, True, call))
        if not prepares:
            continue
        merged: dict[int, list] = {}
        order = []
        for fn_name, rpc_name, kind, ver, direct, node in prepares:
            key = id(node)
            if key not in merged:
                merged[key] = [fn_name, [], kind, ver, direct, node]
                order.append(key)
            if rpc_name not in merged[key][1]:
                merged[key][1].append(rpc_name)
        default = None
        for attr in ("RPC_DEFAULT_VERSION", "BASE_RPC_API_VERSION"):
            if attr in attrs:
                val = evaluate(attrs[attr], names)
                if isinstance(val, str):
                    default = val
        clients.append(RpcClient(
            name=cls.name.value,
            span=parsed.span(cls.name),
            target_version=target,
            target_version_expr=target_expr,
            default_version=default,
            prepares=tuple(
                Prepare(method=m[0], rpc_methods=tuple(m[1]), version_kind=m[2], version=m[3],
                        direct=m[4], span=parsed.span(m[5]))
                for m in (merged[k] for k in order)),
        ))
    facts.rpc = tuple(clients)


def _vkey(v: str):
    from upgradelint.extract.static import version_tuple

    return version_tuple(v) or (999,)


def _classes(module: cst.Module):
    for stmt in module.body:
        if isinstance(stmt, cst.ClassDef):
            yield stmt
        elif isinstance(stmt, cst.If):  # classes under "if TYPE_CHECKING" etc. are rare; skip
            continue

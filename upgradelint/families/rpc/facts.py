"""RPC facts, client and server side.

Client side: classes that send through oslo.messaging (``prepare()`` or a
project wrapper such as ``_get_cctxt``/``_prepare_call``/
``prepare_for_alt_rpcserver``, then ``call``/``cast``), with, per client
method, every send: the RPC method name, the versions it may go out at, the
kwargs it carries, and the guards (``can_send_version`` and its aliases,
``_ver``/``_compat_ver``, tuple versions, ``assert_min_rpc_version``) around it.
Also the client's target, literal ``version_cap``, ``RPC_API_VERSION``,
version-history docstring and ``VERSION_ALIASES`` table.

Server side (``FileFacts.extra['rpc']``): endpoint classes (``target =
Target(version=...)`` or ``RPC_API_VERSION``) with their public method
signatures, nova's ``SERVICE_VERSION_HISTORY`` and ironic's ``RELEASE_MAPPING``."""

from __future__ import annotations

import functools

import os
import re
from dataclasses import dataclass

from upgradelint.core import versions
from upgradelint.core.lazy import cst

from upgradelint.core.model import Span
from upgradelint.core.paths import is_test_path
from upgradelint.core.cst.walk import fast_visit, preorder
from upgradelint.core.cst.static import (
    call_name, dotted, evaluate, has_star_kwargs, kwarg, last_name, module_constants, positional, simple_assigns,
)

SEND_ATTRS = ("call", "cast")
WRAPPERS = ("_get_cctxt", "_prepare_call", "prepare_for_alt_rpcserver")
CHOOSERS = ("_ver", "_compat_ver")
_HISTORY_RE = re.compile(r"^\s*(?:[*|]\s*)?(?:#\s*)?(\d+)\.(\d+)\s*[-:]?\s+(.*)$")


@dataclass(frozen=True)
class Prepare:
    """One ``X.prepare(...)`` (or wrapper, or direct client send) feeding a call/cast."""

    method: str  # the client method it sits in
    rpc_methods: tuple[str, ...]  # names sent through it ('' when not a literal)
    version_kind: str  # missing | default | literal | float | tuple | chosen | expr | splat
    version: str | None  # the literal, when there is one
    direct: bool  # a call/cast on the client itself, no prepare()
    span: Span


@dataclass(frozen=True)
class Send:
    rpc: str  # RPC method name ('' when not a literal)
    kind: str  # as Prepare.version_kind
    versions: tuple[str, ...]  # literal versions it may go out at
    chosen: bool  # the version comes from a guard (tuple, _ver, _compat_ver)
    kwargs: tuple[tuple[str, bool], ...]  # (name, added only under a guard)
    open_kwargs: bool  # **kwargs of unknown keys
    span: Span


@dataclass(frozen=True)
class ClientMethod:
    name: str
    span: Span
    sends: tuple[Send, ...]
    guards: tuple[str, ...]  # versions tested by can_send_version (or an alias) in the method
    gated: tuple[str, ...]  # versions whose failing test raises, or assert_min_rpc_version
    dropped: tuple[str, ...]  # kwargs popped/deleted
    optin: tuple[str, ...] = ()  # versions chosen only when the caller sets an argument (ironic)


@dataclass(frozen=True)
class RpcClient:
    name: str
    span: Span
    target_version: str | None  # resolved Target(version=...) of the client
    target_version_expr: str | None  # its code, when not resolved
    default_version: str | None  # RPC_DEFAULT_VERSION / BASE_RPC_API_VERSION literal
    prepares: tuple[Prepare, ...]
    namespace: str | None = None
    methods: tuple[ClientMethod, ...] = ()
    api_version: tuple | None = None  # (value, span) of a literal RPC_API_VERSION
    version_cap: tuple | None = None  # (value, span) of a literal version_cap
    history: tuple[str, ...] = ()  # versions listed in the class docstring
    aliases: tuple = ()  # VERSION_ALIASES: ((release, version, span), ...)
    floats: tuple = ()  # (value, span) of every version written as a float
    uses_caps: bool = True  # the module checks versions (can_send_version, caps)
    refs: tuple = ()  # (kind, module path suffix): service_history | release_mapping


@dataclass(frozen=True)
class ServerMethod:
    name: str
    params: tuple[tuple[str, bool], ...]  # (name, has default), positional and keyword-only, no self
    var_kw: bool
    span: Span


@dataclass(frozen=True)
class RpcServer:
    name: str
    span: Span
    version: str | None  # resolved target / RPC_API_VERSION
    version_ref: str | None  # code of an unresolved version (cinder links to the client constant)
    version_span: Span | None
    namespace: str | None
    methods: tuple[ServerMethod, ...]
    proxy: bool  # an old-major compatibility endpoint (nova _ComputeV5Proxy)
    endpoints: tuple[str, ...] = ()  # class names appended to additional_endpoints


@dataclass(frozen=True)
class RpcExtra:
    servers: tuple[RpcServer, ...] = ()
    service_history: tuple | None = None  # (last compute_rpc, entries, SERVICE_VERSION, span)
    release_master: tuple | None = None  # (RELEASE_MAPPING['master']['rpc'], span)


def prefilter(relpath: str, text: str) -> bool:
    if not relpath.endswith(".py") or is_test_path(relpath):
        return False
    if (".prepare(" in text or "_client.call(" in text or "client.cast(" in text) and (
            "call(" in text or "cast(" in text or ".call " in text or ".cast " in text):
        return True
    if "Target(" in text and "version=" in text:
        return True
    if "RPC_API_VERSION" in text:
        return True
    if "SERVICE_VERSION_HISTORY" in text and "compute_rpc" in text:
        return True
    return "RELEASE_MAPPING" in text and "'rpc'" in text


# ---------------------------------------------------------------- helpers

def _class_attrs(cls: cst.ClassDef) -> dict:
    return {name: small.value for name, small in simple_assigns(cls.body.body)}


def _attr_nodes(cls: cst.ClassDef) -> dict:
    """Class attribute name -> the Assign statement's target node (for spans)."""
    return dict(simple_assigns(cls.body.body))


def _docstring(body) -> str | None:
    stmts = body.body if hasattr(body, "body") else body
    if stmts and isinstance(stmts[0], cst.SimpleStatementLine) and stmts[0].body and \
            isinstance(stmts[0].body[0], cst.Expr) and isinstance(stmts[0].body[0].value,
                                                                  (cst.SimpleString, cst.ConcatenatedString)):
        try:
            v = stmts[0].body[0].value.evaluated_value
        except Exception:  # noqa: BLE001
            return None
        return v if isinstance(v, str) else None
    return None


def history_versions(doc: str | None) -> tuple[str, ...]:
    if not doc:
        return ()
    out = []
    for line in doc.splitlines():
        if line.strip().startswith("..."):
            continue
        m = _HISTORY_RE.match(line)
        if m:
            out.append(f"{int(m.group(1))}.{int(m.group(2))}")
    return tuple(out)


def _contains(node, pred) -> bool:
    return any(pred(n) for n in preorder(node))


def _find(node, pred) -> list:
    """Matches under ``node`` in source order, not entering nested defs,
    classes or lambdas."""
    skip = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
    return [n for n in preorder(node, lambda n: not isinstance(n, skip) or n is node) if pred(n)]


def _tail(func) -> str | None:
    """Last name of a callee, also for ``f(x).prepare``."""
    if isinstance(func, cst.Attribute):
        return func.attr.value
    if isinstance(func, cst.Name):
        return func.value
    return None


def _is_csv(node) -> bool:
    return isinstance(node, cst.Call) and _tail(node.func) == "can_send_version"


def _str_key(node) -> str | None:
    if isinstance(node, cst.SimpleString):
        try:
            v = node.evaluated_value
        except Exception:  # noqa: BLE001
            return None
        return v if isinstance(v, str) else None
    return None


# ---------------------------------------------------------------- method scan

@functools.lru_cache(maxsize=None)
def _scan_class():
    """_Scan, built on first use so that importing this module does not import libcst."""

    class _Scan(cst.CSTVisitor):
        """Flow-insensitive facts of one function body, with the guard context of each node."""

        def __init__(self, guard_pred):
            self.guard_pred = guard_pred  # node -> bool: a can_send_version (or alias) call
            self.guard_depth = 0
            self.if_stack: list[bool] = []
            self.calls: list[tuple[cst.Call, bool]] = []
            self.assigns: dict[str, list] = {}
            self.keys: dict[str, list[tuple[str, bool]]] = {}  # dict name -> (key, under a guard)
            self.open_dicts: set[str] = set()
            self.dropped: set[str] = set()
            self.guard_calls: list[cst.Call] = []
            self.raising_guards: list[cst.If] = []
            self.optin: set[str] = set()

        def visit_FunctionDef(self, node) -> bool:
            return False

        def visit_ClassDef(self, node) -> bool:
            return False

        def visit_If(self, node: cst.If) -> None:
            guard = _contains(node.test, self.guard_pred)
            if not guard:
                # ironic: "avoid sending unset parameters": the argument and its version only when set
                vs = [a.value.evaluated_value for a in _find(node.body, lambda n: isinstance(n, cst.Assign) and isinstance(
                    n.value, cst.SimpleString) and len(n.targets) == 1 and isinstance(n.targets[0].target, cst.Name))
                    if versions.is_version(_str_key(a.value))]
                if vs:
                    self.optin.update(vs)
                    guard = True
            self.if_stack.append(guard)
            if guard:
                self.guard_depth += 1
                if _contains(node.body, lambda n: isinstance(n, cst.Raise)):
                    self.raising_guards.append(node)

        def leave_If(self, node) -> None:
            if self.if_stack.pop():
                self.guard_depth -= 1

        def visit_Call(self, node: cst.Call) -> None:
            self.calls.append((node, self.guard_depth > 0))
            if self.guard_pred(node):
                self.guard_calls.append(node)
            f = node.func
            if isinstance(f, cst.Attribute) and isinstance(f.value, cst.Name):
                d = f.value.value
                if f.attr.value == "pop" and node.args:
                    k = _str_key(node.args[0].value)
                    if k:
                        self.dropped.add(k)
                elif f.attr.value in ("update", "setdefault"):
                    if f.attr.value == "setdefault" and node.args:
                        k = _str_key(node.args[0].value)
                        if k:
                            self.keys.setdefault(d, []).append((k, self.guard_depth > 0))
                    for a in node.args:
                        if a.keyword is not None:
                            self.keys.setdefault(d, []).append((a.keyword.value, self.guard_depth > 0))
                        elif isinstance(a.value, cst.Dict):
                            self._dict_keys(d, a.value)
                        elif f.attr.value == "update":
                            self.open_dicts.add(d)

        def _dict_keys(self, name, node: cst.Dict):
            for el in node.elements:
                if isinstance(el, cst.DictElement):
                    k = _str_key(el.key)
                    if k:
                        self.keys.setdefault(name, []).append((k, self.guard_depth > 0))
                    else:
                        self.open_dicts.add(name)
                else:
                    self.open_dicts.add(name)

        def visit_Assign(self, node: cst.Assign) -> None:
            for t in node.targets:
                tgt = t.target
                if isinstance(tgt, cst.Name):
                    self.assigns.setdefault(tgt.value, []).append(node.value)
                    if isinstance(node.value, cst.Dict):
                        self._dict_keys(tgt.value, node.value)
                    elif isinstance(node.value, cst.Call) and dotted(node.value.func) == "dict":
                        for a in node.value.args:
                            if a.keyword is not None:
                                self.keys.setdefault(tgt.value, []).append((a.keyword.value, self.guard_depth > 0))
                            else:
                                self.open_dicts.add(tgt.value)
                elif isinstance(tgt, (cst.Tuple, cst.List)):
                    for el in tgt.elements:
                        if isinstance(el.value, cst.Name):
                            self.assigns.setdefault(el.value.value, []).append(None)
                elif isinstance(tgt, cst.Subscript) and isinstance(tgt.value, cst.Name) and len(tgt.slice) == 1:
                    sl = tgt.slice[0].slice
                    k = _str_key(sl.value) if isinstance(sl, cst.Index) else None
                    if k:
                        self.keys.setdefault(tgt.value.value, []).append((k, self.guard_depth > 0))

        def visit_Del(self, node: cst.Del) -> None:
            targets = node.target.elements if isinstance(node.target, cst.Tuple) else [node.target]
            for t in targets:
                if isinstance(t, cst.Element):
                    t = t.value
                if isinstance(t, cst.Subscript) and len(t.slice) == 1 and isinstance(t.slice[0].slice, cst.Index):
                    k = _str_key(t.slice[0].slice.value)
                    if k:
                        self.dropped.add(k)

    return _Scan


def _origins(expr, assigns, seen=None) -> list:
    """The prepare()/wrapper/client expressions a send receiver may come from."""
    seen = seen if seen is not None else set()
    if isinstance(expr, cst.Call):
        return [expr]
    if isinstance(expr, cst.Name):
        if expr.value in seen or expr.value not in assigns:
            return []
        seen.add(expr.value)
        out = []
        for v in assigns[expr.value]:
            if v is not None:
                out.extend(_origins(v, assigns, seen))
        return out
    if isinstance(expr, cst.IfExp):
        return _origins(expr.body, assigns, seen) + _origins(expr.orelse, assigns, seen)
    if isinstance(expr, cst.Attribute):
        if expr.attr.value in SEND_ATTRS:
            return _origins(expr.value, assigns, seen)
        return [expr]  # e.g. self.client
    return []


def _send_func(func, assigns, seen=None) -> bool:
    """Is ``func`` X.call / X.cast, or a local alias of one (rpc_method = cctxt.cast if cast else cctxt.call)?"""
    if isinstance(func, cst.Attribute):
        return func.attr.value in SEND_ATTRS
    if isinstance(func, cst.Name):
        seen = seen if seen is not None else set()
        if func.value in seen or func.value not in assigns:
            return False
        seen.add(func.value)
        vals = [v for v in assigns[func.value] if v is not None]
        return bool(vals) and all(_send_func(v, assigns, seen) for v in vals)
    if isinstance(func, cst.IfExp):
        return _send_func(func.body, assigns, seen) and _send_func(func.orelse, assigns, seen)
    return False


class _Client:
    """Per-class analysis state."""

    def __init__(self, parsed, cls, names, aliases, wrappers):
        self.parsed = parsed
        self.cls = cls
        self.names = names
        self.aliases = aliases  # method name -> literal version | None (passes its argument)
        self.wrappers = wrappers  # method name -> index of its 'version' parameter (after self) | None
        self.floats: list = []

    # versions -------------------------------------------------------
    def versions_of(self, node, scan, seen=None) -> tuple[str, tuple[str, ...], bool]:
        """(kind, literal versions, chosen by a guard) of a version expression."""
        seen = seen if seen is not None else set()
        if node is None:
            return "missing", (), False
        if isinstance(node, (cst.Float, cst.Integer)):
            self.floats.append((node.value, self.parsed.span(node)))
            return "float", (), False
        if isinstance(node, cst.Tuple):
            vs = []
            for el in node.elements:
                k, v, _ = self.versions_of(el.value, scan, seen)
                vs.extend(v)
            return "tuple", tuple(vs), True
        if isinstance(node, cst.IfExp):
            k1, v1, c1 = self.versions_of(node.body, scan, seen)
            k2, v2, c2 = self.versions_of(node.orelse, scan, seen)
            return ("literal" if v1 and v2 else "expr"), v1 + v2, c1 and c2
        if isinstance(node, cst.Call):
            n = _tail(node.func)
            if n in CHOOSERS or (n and dotted(node.func) == f"self.{n}" and n in self.choosers):
                vs = []
                for a in node.args:
                    v = evaluate(a.value, self.names)
                    if versions.is_version(v):
                        vs.append(v)
                    elif isinstance(a.value, cst.Float):
                        self.floats.append((a.value.value, self.parsed.span(a.value)))
                return "chosen", tuple(vs), True
            return "expr", (), False
        if isinstance(node, cst.Name) and scan is not None and node.value in scan.assigns:
            if node.value in seen:
                return "expr", (), False
            seen.add(node.value)
            vs: list[str] = []
            chosen = True
            kinds = set()
            for val in scan.assigns[node.value]:
                if val is None:
                    return "expr", (), False
                k, v, c = self.versions_of(val, scan, seen)
                kinds.add(k)
                vs.extend(v)
                chosen = chosen and c
            if not vs or kinds - {"literal", "chosen", "tuple"}:
                return ("float" if "float" in kinds else "expr"), tuple(vs), False
            return ("chosen" if chosen else "literal"), tuple(vs), chosen
        v = evaluate(node, self.names)
        if versions.is_version(v):
            return "literal", (v,), False
        if isinstance(v, float):
            return "float", (), False
        return "expr", (), False

    choosers: tuple = ()

    def guard_versions(self, call: cst.Call, scan) -> tuple[str, ...]:
        """Versions a can_send_version (or alias) call tests."""
        n = _tail(call.func)
        if n != "can_send_version" and n in self.aliases and self.aliases[n] is not None:
            return (self.aliases[n],)
        if not call.args:
            return ()
        arg = call.args[0].value if not (n in self.aliases and len(call.args) > 1 and
                                          call.args[0].keyword is None and not _version_like(call.args[0].value,
                                                                                             self.names)) \
            else call.args[1].value
        _, vs, _ = self.versions_of(arg, scan)
        return vs

    def is_guard(self, node) -> bool:
        if not isinstance(node, cst.Call):
            return False
        if _is_csv(node):
            return True
        d = dotted(node.func)
        return bool(d) and d.startswith("self.") and d.count(".") == 1 and d[5:] in self.aliases

    # one method -----------------------------------------------------
    def method(self, fn: cst.FunctionDef):
        scan = _scan_class()(self.is_guard)
        fast_visit(fn.body, scan)
        guards: set[str] = set()
        for c in scan.guard_calls:
            guards.update(self.guard_versions(c, scan))
        gated: set[str] = set()
        for node in scan.raising_guards:
            for c in _find(node.test, self.is_guard):
                gated.update(self.guard_versions(c, scan))
        for dec in fn.decorators:
            d = dec.decorator
            if isinstance(d, cst.Call) and _tail(d.func) == "assert_min_rpc_version" and d.args:
                v = evaluate(d.args[0].value, self.names)
                if versions.is_version(v):
                    gated.add(v)
        sends = []
        prepares = []
        for call, under_guard in scan.calls:
            rpc, kw_call, via_self = self._send_target(call, scan)
            if rpc is None:
                continue
            if via_self:  # heat: self.call(ctxt, self.make_msg('m', ...), version='1.36')
                kind, vs, chosen = self.versions_of(kwarg(call, "version"), scan)
                if kind == "missing":
                    kind = "default"
                kwargs, open_kw = self._kwargs(kw_call, scan, skip=(), under_guard=under_guard)
                sends.append(Send(rpc, kind, vs, chosen, kwargs, open_kw, self.parsed.span(call)))
                continue
            origins = _origins(call.func.value if isinstance(call.func, cst.Attribute) else call.func, scan.assigns)
            kwargs, open_kw = self._kwargs(call, scan, skip=(), under_guard=under_guard)
            for origin in origins:
                info = self._origin_version(origin, scan)
                if info is None:
                    continue
                kind, vs, chosen, direct, node = info
                sends.append(Send(rpc, kind, vs, chosen, kwargs, open_kw, self.parsed.span(call)))
                prepares.append((fn.name.value, rpc, kind, vs[0] if kind == "literal" and len(vs) == 1 else None,
                                 direct, node))
        return scan, sends, prepares, tuple(sorted(guards, key=versions.key)), tuple(sorted(gated, key=versions.key)), \
            tuple(sorted(scan.dropped))

    def _send_target(self, call: cst.Call, scan):
        """(rpc name, the call holding the message kwargs, via self.call) or (None, ..) when not a send."""
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in SEND_ATTRS and \
                isinstance(func.value, cst.Name) and func.value.value == "self":
            args = positional(call)
            if len(args) < 2:
                return None, None, False
            msg = args[1]
            if isinstance(msg, cst.Name) and msg.value in scan.assigns:
                vals = [v for v in scan.assigns[msg.value] if v is not None]
                msg = vals[0] if len(vals) == 1 else None
            if isinstance(msg, cst.Call) and _tail(msg.func) == "make_msg":
                margs = positional(msg)
                name = evaluate(margs[0], self.names) if margs else None
                return (name if isinstance(name, str) else ""), msg, True
            return None, None, False
        if not _send_func(func, scan.assigns):
            return None, None, False
        args = positional(call)
        if len(args) < 2:
            return None, None, False
        rpc = evaluate(args[1], self.names)
        if not isinstance(rpc, str):
            if not isinstance(args[1], (cst.Name, cst.Attribute, cst.Subscript)):
                return None, None, False
            rpc = ""
        return rpc, call, False

    def _kwargs(self, call, scan, skip, under_guard=False):
        out: dict[str, bool] = {}
        open_kw = False
        for a in call.args:
            if a.keyword is not None:
                if a.keyword.value not in skip:
                    out.setdefault(a.keyword.value, under_guard)
            elif a.star == "**":
                if isinstance(a.value, cst.Name) and a.value.value in scan.keys:
                    for k, g in scan.keys[a.value.value]:
                        out[k] = out.get(k, True) and (g or under_guard)
                    if a.value.value in scan.open_dicts:
                        open_kw = True
                else:
                    open_kw = True
        return tuple(sorted(out.items())), open_kw

    def _origin_version(self, origin, scan):
        if isinstance(origin, cst.Call):
            n = _tail(origin.func)
            d = dotted(origin.func) or ""
            if n == "prepare":
                node = kwarg(origin, "version")
                if node is None and has_star_kwargs(origin):
                    return "splat", (), False, False, origin
                kind, vs, chosen = self.versions_of(node, scan)
                return kind, vs, chosen, False, origin
            if n and "client" in n.lower():
                return "missing", (), False, True, origin
            if d.startswith("self.") or d.startswith("super()") or n in WRAPPERS:
                node = kwarg(origin, "version")
                if node is None:
                    idx = self.wrappers.get(n)
                    args = positional(origin)
                    if idx is not None and idx < len(args):
                        node = args[idx]
                    else:
                        for a in args:
                            if _version_like(a, self.names):
                                node = a
                                break
                kind, vs, chosen = self.versions_of(node, scan)
                if kind == "missing":
                    kind = "default"
                return kind, vs, chosen, False, origin
            return None
        if isinstance(origin, cst.Attribute):
            d = dotted(origin)
            if "client" in origin.attr.value.lower() and d and d.startswith("self."):
                return "missing", (), False, True, origin
        return None


def _version_like(node, names) -> bool:
    if isinstance(node, cst.Tuple):
        return bool(node.elements) and all(_version_like(e.value, names) for e in node.elements)
    if isinstance(node, cst.Float):
        return True
    if isinstance(node, cst.Name) and node.value in ("version", "ver", "rpc_version"):
        return True
    return versions.is_version(evaluate(node, names))


def _aliases(cls, funcs, names) -> dict:
    """I6: methods returning can_send_version(...) (or another alias): name -> fixed version | None."""
    out: dict[str, str | None] = {}
    for _ in range(3):
        for fn in funcs:
            if fn.name.value in out:
                continue
            rets = _find(fn.body, lambda n: isinstance(n, cst.Return) and n.value is not None)
            for r in rets:
                calls = _find(r.value, lambda n: isinstance(n, cst.Call) and (
                    _is_csv(n) or (dotted(n.func) or "").startswith("self.") and _tail(n.func) in out))
                if not calls:
                    continue
                c = calls[0]
                fixed = None
                if c.args:
                    local = dict(names)
                    for a in _find(fn.body, lambda n: isinstance(n, cst.Assign)):
                        for t in a.targets:
                            if isinstance(t.target, cst.Name):
                                local[t.target.value] = a.value
                    v = evaluate(c.args[0].value, local)
                    if versions.is_version(v):
                        fixed = v
                    elif isinstance(c.args[0].value, cst.Call) and last_name(c.args[0].value.func) in CHOOSERS:
                        vs = [evaluate(a.value, names) for a in c.args[0].value.args]
                        vs = [v for v in vs if versions.is_version(v)]
                        fixed = max(vs, key=versions.key) if vs else None
                inner = _tail(c.func)
                if inner in out and fixed is None:
                    fixed = out[inner]
                out[fn.name.value] = fixed
                break
    return out


def _wrappers(funcs) -> dict:
    """Methods that return a prepared context: name -> index of their version parameter."""
    out = {}
    for fn in funcs:
        rets = _find(fn.body, lambda n: isinstance(n, cst.Return) and n.value is not None)
        if fn.name.value in WRAPPERS or any(
                isinstance(r.value, cst.Call) and _tail(r.value.func) in ("prepare",) + WRAPPERS for r in rets):
            params = [p.name.value for p in fn.params.params]
            if params and params[0] in ("self", "cls"):
                params = params[1:]
            out[fn.name.value] = params.index("version") if "version" in params else None
    return out


def _imports(module) -> dict[str, str]:
    """Module-level import alias -> dotted module."""
    out = {}
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.ImportFrom) and small.module is not None and not small.relative and \
                    not isinstance(small.names, cst.ImportStar):
                base = dotted(small.module)
                for alias in small.names:
                    name = dotted(alias.name)
                    asname = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) \
                        else name
                    if base and name:
                        out[asname] = f"{base}.{name}"
            elif isinstance(small, cst.Import):
                for alias in small.names:
                    name = dotted(alias.name)
                    if name:
                        asname = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) \
                            else name
                        out[asname] = name
    return out


def _refs(module, text) -> tuple:
    out = []
    imports = None
    for attr, kind in (("SERVICE_VERSION_HISTORY", "service_history"), ("RELEASE_MAPPING", "release_mapping")):
        for m in re.finditer(r"\b([A-Za-z_][\w.]*)\." + attr + r"\b", text):
            if imports is None:
                imports = _imports(module)
            mod = imports.get(m.group(1))
            if mod:
                out.append((kind, mod.replace(".", "/") + ".py"))
                break
    return tuple(out)


def _alias_table(parsed, node, names) -> tuple:
    if not isinstance(node, cst.Dict):
        return ()
    out = []
    for el in node.elements:
        if isinstance(el, cst.DictElement):
            k = evaluate(el.key, names)
            v = evaluate(el.value, names)
            if isinstance(k, str) and versions.is_version(v):
                out.append((k, v, parsed.span(el)))
    return tuple(out)


# ---------------------------------------------------------------- servers

def _server(parsed, cls, names, consts) -> RpcServer | None:
    attrs = _class_attrs(cls)
    if "target" not in attrs and "RPC_API_VERSION" not in attrs:
        return None
    if ".prepare(" in parsed.text_of(cls) and _contains(
            cls.body, lambda n: isinstance(n, cst.Call) and _tail(n.func) == "prepare" and
            "client" in (_tail(n.func.value) or "").lower()):
        return None  # a client base class (cinder.rpc.RPCAPI)
    version = ref = None
    vnode = None
    namespace = None
    tgt = attrs.get("target")
    if isinstance(tgt, cst.Call) and _tail(tgt.func) == "Target":
        vnode = kwarg(tgt, "version")
        ns = kwarg(tgt, "namespace")
        if ns is not None:
            nsv = evaluate(ns, names)
            namespace = nsv if isinstance(nsv, str) else parsed.code(ns)
    if vnode is None and "RPC_API_VERSION" in attrs:
        vnode = attrs["RPC_API_VERSION"]
    if vnode is None:
        return None
    v = evaluate(vnode, names)
    if versions.is_version(v):
        version = v
    else:
        ref = parsed.code(vnode)
    methods = []
    endpoints = []
    has_endpoints = "additional_endpoints" in parsed.text
    for stmt in cls.body.body:
        if not isinstance(stmt, cst.FunctionDef):
            continue
        for call in () if not has_endpoints else _find(stmt.body, lambda n: isinstance(n, cst.Call) and _tail(n.func) in ("append", "extend")):
            d = dotted(call.func) or ""
            if "additional_endpoints" in d and call.args:
                inner = call.args[0].value
                if isinstance(inner, cst.Call):
                    n = _tail(inner.func)
                    if n:
                        endpoints.append(n)
        name = stmt.name.value
        if name.startswith("_"):
            continue
        decos = {_tail(d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator) for d in
                 stmt.decorators}
        if decos & {"periodic_task", "staticmethod", "classmethod", "property", "setter"}:
            continue
        ps = stmt.params
        params = []
        plist = list(ps.posonly_params) + list(ps.params)
        if plist and plist[0].name.value in ("self", "cls"):
            plist = plist[1:]
        for p in plist + list(ps.kwonly_params):
            params.append((p.name.value, p.default is not None))
        methods.append(ServerMethod(name=name, params=tuple(params),
                                    var_kw=isinstance(ps.star_kwarg, cst.Param), span=parsed.span(stmt.name)))
    proxy = bool(re.search(r"V\d+Proxy|Proxy$|Compat", cls.name.value))
    return RpcServer(name=cls.name.value, span=parsed.span(cls.name), version=version, version_ref=ref,
                     version_span=parsed.span(vnode), namespace=namespace, methods=tuple(methods), proxy=proxy,
                     endpoints=tuple(endpoints))


def _service_history(parsed, consts):
    hist = consts.get("SERVICE_VERSION_HISTORY")
    if not isinstance(hist, (cst.Tuple, cst.List)) or not hist.elements:
        return None
    last = hist.elements[-1].value
    rpc = None
    if isinstance(last, cst.Dict):
        for el in last.elements:
            if isinstance(el, cst.DictElement) and _str_key(el.key) == "compute_rpc":
                v = evaluate(el.value, {})
                rpc = v if versions.is_version(v) else None
    sv = evaluate(consts.get("SERVICE_VERSION"), {}) if consts.get("SERVICE_VERSION") is not None else None
    if rpc is None:
        return None
    return (rpc, len(hist.elements), sv if isinstance(sv, int) else None, parsed.span(last))


def _release_master(parsed, consts):
    table = consts.get("RELEASE_MAPPING")
    if not isinstance(table, cst.Dict):
        return None
    for el in table.elements:
        if isinstance(el, cst.DictElement) and _str_key(el.key) == "master" and isinstance(el.value, cst.Dict):
            for inner in el.value.elements:
                if isinstance(inner, cst.DictElement) and _str_key(inner.key) == "rpc":
                    v = evaluate(inner.value, consts)
                    if versions.is_version(v):
                        return (v, parsed.span(inner.value))
    return None


# ---------------------------------------------------------------- entry point

def extract(parsed, facts) -> None:
    module = parsed.module
    consts = None
    clients = []
    servers = []
    text = parsed.text
    # a literal version_cap bumped with every change (manila) protects nobody: only checks count
    uses_caps = any(s in text for s in ("can_send_version", "assert_min_rpc_version", "_compat_ver"))
    for cls in _classes(module):
        funcs = [s for s in cls.body.body if isinstance(s, cst.FunctionDef)]
        if consts is None:
            consts = module_constants(module)
        attrs = _class_attrs(cls)
        names = dict(consts)
        for k, v in attrs.items():
            names[k] = v
            names[f"self.{k}"] = v
            names[f"cls.{k}"] = v
            names[f"{cls.name.value}.{k}"] = v
        client = None
        if funcs and "target" not in attrs:
            client = _client(parsed, cls, funcs, attrs, names, consts, uses_caps, module, text)
        if client is not None:
            clients.append(client)
            continue
        srv = _server(parsed, cls, names, consts)
        if srv is not None:
            servers.append(srv)
    facts.rpc = tuple(clients)
    extra = RpcExtra(servers=tuple(servers))
    if "SERVICE_VERSION_HISTORY" in text:
        consts = consts if consts is not None else module_constants(module)
        extra = RpcExtra(servers=extra.servers, service_history=_service_history(parsed, consts))
    if "RELEASE_MAPPING" in text:
        consts = consts if consts is not None else module_constants(module)
        extra = RpcExtra(servers=extra.servers, service_history=extra.service_history,
                         release_master=_release_master(parsed, consts))
    if extra.servers or extra.service_history or extra.release_master:
        facts.extra["rpc"] = extra


def _client(parsed, cls, funcs, attrs, names, consts, uses_caps, module, text):
    aliases = _aliases(cls, funcs, names)
    wrappers = _wrappers(funcs)
    st = _Client(parsed, cls, names, aliases, wrappers)
    st.choosers = tuple(fn.name.value for fn in funcs if fn.name.value in CHOOSERS)
    target = target_expr = None
    namespace = None
    cap = None
    methods = []
    prepares = []
    for fn in funcs:
        if fn.name.value in aliases:
            continue
        scan, sends, preps, guards, gated, dropped = st.method(fn)
        for call, _ in scan.calls:
            tail = (call_name(call) or "").rsplit(".", 1)[-1]
            if tail in ("Target", "get_rpc_client", "RPCClient", "get_client"):
                node = kwarg(call, "version")
                if node is not None:
                    val = evaluate(node, names)
                    if isinstance(val, str):
                        target = val if target is None else min(target, val, key=lambda v: versions.key(v, (999,)))
                    elif isinstance(node, cst.Float):
                        st.floats.append((node.value, parsed.span(node)))
                    elif target_expr is None:
                        target_expr = parsed.code(node)
                ns = kwarg(call, "namespace")
                if ns is not None:
                    nsv = evaluate(ns, names)
                    namespace = nsv if isinstance(nsv, str) else namespace
                capn = kwarg(call, "version_cap")
                if capn is not None:
                    cv = evaluate(capn, names)
                    if versions.is_version(cv) and isinstance(capn, (cst.SimpleString, cst.Name, cst.Attribute)):
                        cap = (cv, parsed.span(capn))
        if sends or guards or gated:
            methods.append(ClientMethod(name=fn.name.value, span=parsed.span(fn.name), sends=tuple(sends),
                                        guards=guards, gated=gated, dropped=dropped,
                                        optin=tuple(sorted(scan.optin, key=versions.key))))
        prepares.extend(preps)
    if not prepares:
        return None
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
    api = None
    nodes = _attr_nodes(cls)
    if "RPC_API_VERSION" in attrs:
        v = evaluate(attrs["RPC_API_VERSION"], names)
        if versions.is_version(v):
            api = (v, parsed.span(nodes["RPC_API_VERSION"]))
    alias_node = attrs.get("VERSION_ALIASES")
    if alias_node is None:
        alias_node = consts.get("VERSION_ALIASES")
    return RpcClient(
        name=cls.name.value,
        span=parsed.span(cls.name),
        target_version=target,
        target_version_expr=target_expr,
        default_version=default,
        prepares=tuple(
            Prepare(method=m[0], rpc_methods=tuple(m[1]), version_kind=m[2], version=m[3],
                    direct=m[4], span=parsed.span(m[5]))
            for m in (merged[k] for k in order)),
        namespace=namespace,
        methods=tuple(methods),
        api_version=api,
        version_cap=cap,
        history=history_versions(_docstring(cls.body)),
        aliases=_alias_table(parsed, alias_node, names) if alias_node is not None else (),
        floats=tuple(st.floats),
        uses_caps=uses_caps,
        refs=_refs(module, text),
    )


def _classes(module: cst.Module):
    for stmt in module.body:
        if isinstance(stmt, cst.ClassDef):
            yield stmt


def context(root: str, head: dict, lister) -> list[str]:
    """A changed RPC client is judged with its server (``manager.py`` next to
    it) and the tables it is capped by (nova's objects/service.py, ironic's
    release_mappings.py); a changed server with the client next to it."""
    wanted: set[str] = set()
    suffixes: set[str] = set()
    dirs: set[str] = set()
    for p, f in head.items():
        extra = f.extra.get("rpc") if f.extra else None
        if f.rpc or (extra and extra.servers):
            dirs.add(os.path.dirname(p))
        for c in f.rpc:
            for _, suffix in c.refs:
                suffixes.add(suffix)
    if not dirs and not suffixes:
        return []
    for p in lister():
        d, name = os.path.split(p)
        if d in dirs and name in ("rpcapi.py", "manager.py"):
            wanted.add(p)
        elif any(p == s or p.endswith("/" + s) for s in suffixes):
            wanted.add(p)
    return sorted(wanted)

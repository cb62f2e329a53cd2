"""Client side, per method: which calls are sends, the versions each may go
out at, the kwargs it carries and the guards around it."""

from __future__ import annotations

from upgradelint.core import versions
from upgradelint.core.cst.static import dotted, evaluate, has_star_kwargs, kwarg, positional
from upgradelint.core.cst.walk import fast_visit
from upgradelint.core.lazy import cst
from upgradelint.families.rpc.facts import Send
from upgradelint.families.rpc.scan import scanner
from upgradelint.families.rpc.syntax import CHOOSERS, SEND_ATTRS, WRAPPERS, find, is_csv, tail


def origins(expr, assigns, seen=None) -> list:
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
                out.extend(origins(v, assigns, seen))
        return out
    if isinstance(expr, cst.IfExp):
        return origins(expr.body, assigns, seen) + origins(expr.orelse, assigns, seen)
    if isinstance(expr, cst.Attribute):
        if expr.attr.value in SEND_ATTRS:
            return origins(expr.value, assigns, seen)
        return [expr]  # e.g. self.client
    return []


def send_func(func, assigns, seen=None) -> bool:
    """Is ``func`` X.call / X.cast, or a local alias of one (rpc_method = cctxt.cast if cast else cctxt.call)?"""
    if isinstance(func, cst.Attribute):
        return func.attr.value in SEND_ATTRS
    if isinstance(func, cst.Name):
        seen = seen if seen is not None else set()
        if func.value in seen or func.value not in assigns:
            return False
        seen.add(func.value)
        vals = [v for v in assigns[func.value] if v is not None]
        return bool(vals) and all(send_func(v, assigns, seen) for v in vals)
    if isinstance(func, cst.IfExp):
        return send_func(func.body, assigns, seen) and send_func(func.orelse, assigns, seen)
    return False


class ClientScan:
    """Per-class analysis state."""

    def __init__(self, parsed, cls, names, aliases, wrappers, choosers=()):
        self.parsed = parsed
        self.cls = cls
        self.names = names
        self.aliases = aliases  # method name -> literal version | None (passes its argument)
        self.wrappers = wrappers  # method name -> index of its 'version' parameter (after self) | None
        self.choosers = choosers  # the class's own _ver/_compat_ver methods
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
            n = tail(node.func)
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

    def guard_versions(self, call: cst.Call, scan) -> tuple[str, ...]:
        """Versions a can_send_version (or alias) call tests."""
        n = tail(call.func)
        if n != "can_send_version" and n in self.aliases and self.aliases[n] is not None:
            return (self.aliases[n],)
        if not call.args:
            return ()
        arg = call.args[0].value if not (n in self.aliases and len(call.args) > 1 and
                                          call.args[0].keyword is None and not version_like(call.args[0].value,
                                                                                             self.names)) \
            else call.args[1].value
        _, vs, _ = self.versions_of(arg, scan)
        if isinstance(arg, cst.Name) and len(set(vs)) > 1:
            # a cascade's variable (version = '6.2' ... version = '6.0'): the last fallback is sent, never tested
            low = min(vs, key=versions.key)
            vs = tuple(v for v in vs if v != low)
        return vs

    def is_guard(self, node) -> bool:
        if not isinstance(node, cst.Call):
            return False
        if is_csv(node):
            return True
        d = dotted(node.func)
        return bool(d) and d.startswith("self.") and d.count(".") == 1 and d[5:] in self.aliases

    # one method -----------------------------------------------------
    def method(self, fn: cst.FunctionDef):
        scan = scanner()(self.is_guard)
        fast_visit(fn.body, scan, trivia=False)  # its hooks are on statements and expressions only
        guards: set[str] = set()
        for c in scan.guard_calls:
            guards.update(self.guard_versions(c, scan))
        gated: set[str] = set()
        for node in scan.raising_guards:
            for c in find(node.test, self.is_guard):
                gated.update(self.guard_versions(c, scan))
        for dec in fn.decorators:
            d = dec.decorator
            if isinstance(d, cst.Call) and tail(d.func) == "assert_min_rpc_version" and d.args:
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
            sources = origins(call.func.value if isinstance(call.func, cst.Attribute) else call.func, scan.assigns)
            kwargs, open_kw = self._kwargs(call, scan, skip=(), under_guard=under_guard)
            for origin in sources:
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
            if isinstance(msg, cst.Call) and tail(msg.func) == "make_msg":
                margs = positional(msg)
                name = evaluate(margs[0], self.names) if margs else None
                return (name if isinstance(name, str) else ""), msg, True
            return None, None, False
        if not send_func(func, scan.assigns):
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
            n = tail(origin.func)
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
                            if version_like(a, self.names):
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


def version_like(node, names) -> bool:
    if isinstance(node, cst.Tuple):
        return bool(node.elements) and all(version_like(e.value, names) for e in node.elements)
    if isinstance(node, cst.Float):
        return True
    if isinstance(node, cst.Name) and node.value in ("version", "ver", "rpc_version"):
        return True
    return versions.is_version(evaluate(node, names))

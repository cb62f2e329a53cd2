"""Client side, per class: the RpcClient of a class that sends through
oslo.messaging, with its target, default version, aliases of
``can_send_version``, version history and the tables it is capped by."""

from __future__ import annotations

import re

from upgradelint.core import versions
from upgradelint.core.cst.static import call_name, dotted, evaluate, kwarg, last_name
from upgradelint.core.lazy import cst
from upgradelint.families.rpc.facts import ClientMethod, Prepare, RpcClient
from upgradelint.families.rpc.sends import ClientScan
from upgradelint.families.rpc.syntax import (
    CHOOSERS, WRAPPERS, Found, attr_nodes, base_refs, docstring, find, history_versions, imports, is_csv,
    release_marks, tail,
)

_CLIENT_FACTORIES = ("Target", "get_rpc_client", "RPCClient", "get_client")


def build_client(parsed, cls, funcs, attrs, names, consts, uses_caps, module, text) -> RpcClient | None:
    bodies = {fn: Found(fn.body) for fn in funcs}  # one walk per method for the searches below
    aliases = find_aliases(cls, funcs, names, bodies)
    st = ClientScan(parsed, cls, names, aliases, find_wrappers(funcs, bodies),
                    choosers=tuple(fn.name.value for fn in funcs if fn.name.value in CHOOSERS))
    target = _Target()
    methods = []
    prepares = []
    for fn in funcs:
        if fn.name.value in aliases:
            continue
        scan, sends, preps, guards, gated, dropped = st.method(fn)
        for call, _ in scan.calls:
            target.observe(call, names, parsed, st.floats)
        if sends or guards or gated:
            methods.append(ClientMethod(name=fn.name.value, span=parsed.span(fn.name), sends=tuple(sends),
                                        guards=guards, gated=gated, dropped=dropped,
                                        optin=tuple(sorted(scan.optin, key=versions.key))))
        prepares.extend(preps)
    if not prepares:
        return None
    alias_node = attrs.get("VERSION_ALIASES")
    if alias_node is None:
        alias_node = consts.get("VERSION_ALIASES")
    doc = docstring(cls.body)
    return RpcClient(
        name=cls.name.value,
        span=parsed.span(cls.name),
        target_version=target.version,
        target_version_expr=target.expr,
        default_version=_default_version(attrs, names),
        prepares=_merged_prepares(parsed, prepares),
        namespace=target.namespace,
        methods=tuple(methods),
        api_version=_api_version(parsed, cls, attrs, names),
        version_cap=target.cap,
        history=history_versions(doc),
        aliases=alias_table(parsed, alias_node, names) if alias_node is not None else (),
        floats=tuple(st.floats),
        uses_caps=uses_caps,
        refs=table_refs(module, text),
        bases=base_refs(cls, module, parsed.relpath),
        gate_decorator=any(isinstance(d.decorator, cst.Call) and tail(d.decorator.func) == "assert_min_rpc_version"
                           for fn in funcs for d in fn.decorators),
        namespace_expr=target.ns_expr,
        release_marks=release_marks(doc),
        target_span=target.span,
        defs=tuple((fn.name.value, parsed.span(fn.name)) for fn in funcs),
        wrappers=tuple(sorted(st.wrappers)),
    )


def _unknown_last(v):
    return versions.key(v, (999,))


class _Target:
    """The client's own ``Target``/``get_rpc_client`` arguments, over all its methods:
    the lowest target version, else its code; the namespace; a literal ``version_cap``."""

    def __init__(self):
        self.version: str | None = None
        self.expr: str | None = None
        self.namespace: str | None = None
        self.ns_expr: str | None = None
        self.span = None
        self.cap: tuple | None = None

    def observe(self, call, names, parsed, floats: list) -> None:
        if (call_name(call) or "").rsplit(".", 1)[-1] not in _CLIENT_FACTORIES:
            return
        node = kwarg(call, "version")
        if node is not None:
            val = evaluate(node, names)
            if isinstance(val, str):
                if self.version is None or _unknown_last(val) < _unknown_last(self.version):
                    self.span = parsed.span(node)
                self.version = val if self.version is None else min(self.version, val, key=_unknown_last)
            elif isinstance(node, cst.Float):
                floats.append((node.value, parsed.span(node)))
            elif self.expr is None:
                self.expr = parsed.code(node)
        ns = kwarg(call, "namespace")
        if ns is not None:
            nsv = evaluate(ns, names)
            self.namespace = nsv if isinstance(nsv, str) else self.namespace
            if not isinstance(nsv, str) and nsv is not None:
                self.ns_expr = parsed.code(ns)
        capn = kwarg(call, "version_cap")
        if capn is not None:
            cv = evaluate(capn, names)
            if versions.is_version(cv) and isinstance(capn, (cst.SimpleString, cst.Name, cst.Attribute)):
                self.cap = (cv, parsed.span(capn))


def _merged_prepares(parsed, prepares) -> tuple[Prepare, ...]:
    """One Prepare per prepare() node, with every RPC method sent through it."""
    merged: dict[int, list] = {}
    order = []
    for fn_name, rpc_name, kind, ver, direct, node in prepares:
        key = id(node)
        if key not in merged:
            merged[key] = [fn_name, [], kind, ver, direct, node]
            order.append(key)
        if rpc_name not in merged[key][1]:
            merged[key][1].append(rpc_name)
    return tuple(
        Prepare(method=m[0], rpc_methods=tuple(m[1]), version_kind=m[2], version=m[3],
                direct=m[4], span=parsed.span(m[5]))
        for m in (merged[k] for k in order))


def _default_version(attrs, names) -> str | None:
    default = None
    for attr in ("RPC_DEFAULT_VERSION", "BASE_RPC_API_VERSION"):
        if attr in attrs:
            val = evaluate(attrs[attr], names)
            if isinstance(val, str):
                default = val
    return default


def _api_version(parsed, cls, attrs, names) -> tuple | None:
    nodes = attr_nodes(cls)
    if "RPC_API_VERSION" in attrs:
        v = evaluate(attrs["RPC_API_VERSION"], names)
        if versions.is_version(v):
            return (v, parsed.span(nodes["RPC_API_VERSION"]))
    return None


def find_aliases(cls, funcs, names, bodies: dict | None = None) -> dict:
    """I6: methods returning can_send_version(...) (or another alias): name -> fixed version | None.
    ``bodies``: fn -> ``Found(fn.body)``, when the caller has them."""
    bodies = bodies if bodies is not None else {fn: Found(fn.body) for fn in funcs}
    out: dict[str, str | None] = {}
    # the calls a return may test through, found once: can_send_version(...) or self.<method>(...),
    # which counts once <method> is known to be an alias
    tests = {fn: [(r, find(r.value, _maybe_test)) for r in _returns(bodies[fn])] for fn in funcs}
    for _ in range(3):
        for fn in funcs:
            if fn.name.value in out:
                continue
            for r, found in tests[fn]:
                calls = [n for n in found if is_csv(n) or tail(n.func) in out]
                if not calls:
                    continue
                c = calls[0]
                fixed = None
                if c.args:
                    local = dict(names)
                    for a in bodies[fn].of(cst.Assign):
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
                inner = tail(c.func)
                if inner in out and fixed is None:
                    fixed = out[inner]
                out[fn.name.value] = fixed
                break
    return out


def _returns(found) -> list:
    return [r for r in found.of(cst.Return) if r.value is not None]


def _maybe_test(n) -> bool:
    return isinstance(n, cst.Call) and (is_csv(n) or (dotted(n.func) or "").startswith("self."))


def find_wrappers(funcs, bodies: dict | None = None) -> dict:
    """Methods that return a prepared context: name -> index of their version parameter."""
    bodies = bodies if bodies is not None else {fn: Found(fn.body) for fn in funcs}
    out = {}
    for fn in funcs:
        rets = _returns(bodies[fn])
        if fn.name.value in WRAPPERS or any(
                isinstance(r.value, cst.Call) and tail(r.value.func) in ("prepare",) + WRAPPERS for r in rets):
            params = [p.name.value for p in fn.params.params]
            if params and params[0] in ("self", "cls"):
                params = params[1:]
            out[fn.name.value] = params.index("version") if "version" in params else None
    return out


def table_refs(module, text) -> tuple:
    out = []
    imported = None
    for attr, kind in (("SERVICE_VERSION_HISTORY", "service_history"), ("RELEASE_MAPPING", "release_mapping")):
        for m in re.finditer(r"\b([A-Za-z_][\w.]*)\." + attr + r"\b", text):
            if imported is None:
                imported = imports(module)
            mod = imported.get(m.group(1))
            if mod:
                out.append((kind, mod.replace(".", "/") + ".py"))
                break
    return tuple(out)


def alias_table(parsed, node, names) -> tuple:
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

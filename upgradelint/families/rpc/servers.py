"""Server side: RPC endpoint classes (``target = Target(version=...)`` or
``RPC_API_VERSION``) with their public method signatures, nova's
``SERVICE_VERSION_HISTORY`` and ironic's ``RELEASE_MAPPING``.

``quick.py`` gives the same server facts from the stdlib ``ast`` for files
read only as context: a change here is a change there
(``tests/integration/test_rpc_quick.py`` compares the two)."""

from __future__ import annotations

import re

from upgradelint.core import versions
from upgradelint.core.cst.static import dotted, evaluate, kwarg
from upgradelint.core.lazy import cst
from upgradelint.families.rpc.facts import RpcServer, ServerMethod
from upgradelint.families.rpc.syntax import class_attrs, contains, find, str_key, tail

NOT_ENDPOINTS = {"periodic_task", "staticmethod", "classmethod", "property", "setter"}


def build_server(parsed, cls, names, consts) -> RpcServer | None:
    attrs = class_attrs(cls)
    if "target" not in attrs and "RPC_API_VERSION" not in attrs:
        return None
    if ".prepare(" in parsed.text_of(cls) and contains(
            cls.body, lambda n: isinstance(n, cst.Call) and tail(n.func) == "prepare" and
            "client" in (tail(n.func.value) or "").lower()):
        return None  # a client base class (cinder.rpc.RPCAPI)
    version = ref = None
    vnode = None
    namespace = None
    ns_expr = False
    tgt = attrs.get("target")
    if isinstance(tgt, cst.Call) and tail(tgt.func) == "Target":
        vnode = kwarg(tgt, "version")
        ns = kwarg(tgt, "namespace")
        if ns is not None:
            nsv = evaluate(ns, names)
            namespace = nsv if isinstance(nsv, str) else parsed.code(ns)
            ns_expr = not isinstance(nsv, str) and nsv is not None
    if vnode is None and "RPC_API_VERSION" in attrs:
        vnode = attrs["RPC_API_VERSION"]
    if vnode is None:
        return None
    v = evaluate(vnode, names)
    if versions.is_version(v):
        version = v
    else:
        ref = parsed.code(vnode)
    methods, endpoints = _server_methods(parsed, cls)
    proxy = bool(re.search(r"V\d+Proxy|Proxy$|Compat", cls.name.value))
    return RpcServer(name=cls.name.value, span=parsed.span(cls.name), version=version, version_ref=ref,
                     version_span=parsed.span(vnode), namespace=namespace, methods=tuple(methods), proxy=proxy,
                     endpoints=tuple(endpoints), namespace_expr=ns_expr)


def _server_methods(parsed, cls) -> tuple[list[ServerMethod], list[str]]:
    """The public endpoint methods of a server class, and the classes its
    methods append to ``additional_endpoints``."""
    methods = []
    endpoints = []
    has_endpoints = "additional_endpoints" in parsed.text
    for stmt in cls.body.body:
        if not isinstance(stmt, cst.FunctionDef):
            continue
        # a method whose lines do not name additional_endpoints appends nothing to it: no walk
        if has_endpoints and "additional_endpoints" in parsed.text_of(stmt):
            endpoints.extend(_appended_endpoints(stmt))
        name = stmt.name.value
        if name.startswith("_"):
            continue
        decos = {tail(d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator) for d in
                 stmt.decorators}
        if decos & NOT_ENDPOINTS:
            continue
        methods.append(_server_method(parsed, stmt))
    return methods, endpoints


def _appended_endpoints(fn) -> list[str]:
    """``self.additional_endpoints.append(_ComputeV5Proxy(self))``: the class names."""
    out = []
    for call in find(fn.body, lambda n: isinstance(n, cst.Call) and tail(n.func) in ("append", "extend")):
        d = dotted(call.func) or ""
        if "additional_endpoints" in d and call.args:
            inner = call.args[0].value
            if isinstance(inner, cst.Call):
                n = tail(inner.func)
                if n:
                    out.append(n)
    return out


def _server_method(parsed, fn) -> ServerMethod:
    ps = fn.params
    params = []
    plist = list(ps.posonly_params) + list(ps.params)
    if plist and plist[0].name.value in ("self", "cls"):
        plist = plist[1:]
    for p in plist + list(ps.kwonly_params):
        params.append((p.name.value, p.default is not None))
    return ServerMethod(name=fn.name.value, params=tuple(params),
                        var_kw=isinstance(ps.star_kwarg, cst.Param), span=parsed.span(fn.name))


def service_history(parsed, consts):
    hist = consts.get("SERVICE_VERSION_HISTORY")
    if not isinstance(hist, (cst.Tuple, cst.List)) or not hist.elements:
        return None
    last = hist.elements[-1].value
    rpc = None
    if isinstance(last, cst.Dict):
        for el in last.elements:
            if isinstance(el, cst.DictElement) and str_key(el.key) == "compute_rpc":
                v = evaluate(el.value, {})
                rpc = v if versions.is_version(v) else None
    sv = evaluate(consts.get("SERVICE_VERSION"), {}) if consts.get("SERVICE_VERSION") is not None else None
    if rpc is None:
        return None
    return (rpc, len(hist.elements), sv if isinstance(sv, int) else None, parsed.span(last))


def release_master(parsed, consts):
    table = consts.get("RELEASE_MAPPING")
    if not isinstance(table, cst.Dict):
        return None
    for el in table.elements:
        if isinstance(el, cst.DictElement) and str_key(el.key) == "master" and isinstance(el.value, cst.Dict):
            for inner in el.value.elements:
                if isinstance(inner, cst.DictElement) and str_key(inner.key) == "rpc":
                    v = evaluate(inner.value, consts)
                    if versions.is_version(v):
                        return (v, parsed.span(inner.value))
    return None

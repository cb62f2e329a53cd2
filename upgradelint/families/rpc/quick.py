"""The rpc facts of a file read only to judge others (a server ``manager.py``
next to a changed client, the base version of a changed file), from the
stdlib ``ast`` instead of LibCST: on nova's 576 KB compute manager that is
a tenth of the parse.

It gives what ``entry.extract`` gives, or nothing: a file with a class that
may be a client (one that names ``.call``/``.cast``), a version table
(``SERVICE_VERSION_HISTORY``, ``RELEASE_MAPPING``), or any
construct where the two parsers could disagree (``core.pyast.Unsure``) is
left to LibCST. ``tests/integration/test_rpc_quick.py`` compares both routes
on every file of the release trees."""

from __future__ import annotations

import ast
import re

from upgradelint.core import pyast, versions
from upgradelint.core.pyast import Unsure, dotted, evaluate, kwarg, tail
from upgradelint.families.rpc.facts import RpcExtra, RpcServer, ServerMethod
from upgradelint.families.rpc.servers import NOT_ENDPOINTS
from upgradelint.families.rpc.syntax import SEND_ATTRS

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def quick_extract(relpath: str, text: str, facts) -> bool:
    """Fill ``facts`` as ``entry.extract`` would and say True, or say False
    (``facts`` untouched) when only LibCST can tell."""
    try:
        module = pyast.parse(text)
        consts = pyast.module_constants(module)
        if "SERVICE_VERSION_HISTORY" in consts or "RELEASE_MAPPING" in consts:
            return False  # the version tables themselves: small modules, left to LibCST
        servers = _servers(module, consts, pyast.Source(text))
    except Unsure:
        return False
    facts.rpc = ()
    if servers:
        facts.extra["rpc"] = RpcExtra(servers=tuple(servers))
    return True


def _servers(module: ast.Module, consts: dict, src: pyast.Source) -> list[RpcServer]:
    out = []
    for cls in module.body:
        if not isinstance(cls, ast.ClassDef):
            continue
        _indented_body(cls, src)
        attrs = dict(pyast.simple_assigns(cls.body))
        names = dict(consts)
        for k, v in attrs.items():
            names[k] = v
            names[f"self.{k}"] = v
            names[f"cls.{k}"] = v
            names[f"{cls.name}.{k}"] = v
        if "target" not in attrs and any(isinstance(s, _DEFS) for s in cls.body) and _may_send(cls, src):
            raise Unsure("a class that may be an RPC client")
        srv = _server(src, cls, attrs, names)
        if srv is not None:
            out.append(srv)
    return out


def _indented_body(cls: ast.ClassDef, src: pyast.Source) -> None:
    """LibCST reads ``class A: x = 1`` as a one-line suite, whose statements
    it does not take as class attributes: leave those to LibCST."""
    first = cls.body[0]
    if src.lines[first.lineno - 1][:src.column(first.lineno, first.col_offset)].strip():
        raise Unsure("a class body on its header's line")


def _may_send(cls: ast.ClassDef, src: pyast.Source) -> bool:
    """Could the LibCST extractor find a send here? Every send it knows is a
    ``.call``/``.cast`` attribute (or a local alias of one), so a class that
    names neither has no prepares and is no client."""
    text = _lines(cls, src)
    if not any(a in text for a in SEND_ATTRS):
        return False  # an attribute's name is in the source: no walk
    return any(isinstance(n, ast.Attribute) and n.attr in SEND_ATTRS for n in ast.walk(cls))


def _lines(node, src: pyast.Source) -> str:
    """The source lines of a statement, its decorators included."""
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", ())])
    return "\n".join(src.lines[first - 1:node.end_lineno])


def _server(src: pyast.Source, cls: ast.ClassDef, attrs: dict, names: dict) -> RpcServer | None:
    """``servers.build_server``"""
    if "target" not in attrs and "RPC_API_VERSION" not in attrs:
        return None
    if "prepare" in _lines(cls, src) and any(
            isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "prepare" and
            "client" in (tail(n.func.value) or "").lower() for s in cls.body for n in ast.walk(s)):
        raise Unsure("a client base class")
    vnode = namespace = None
    ns_expr = False
    tgt = attrs.get("target")
    if isinstance(tgt, ast.Call) and tail(tgt.func) == "Target":
        vnode = kwarg(tgt, "version")
        ns = kwarg(tgt, "namespace")
        if ns is not None:
            nsv = evaluate(ns, names)
            namespace = nsv if isinstance(nsv, str) else src.code(ns)
            ns_expr = not isinstance(nsv, str) and nsv is not None
    if vnode is None and "RPC_API_VERSION" in attrs:
        vnode = attrs["RPC_API_VERSION"]
    if vnode is None:
        return None
    v = evaluate(vnode, names)
    version = v if versions.is_version(v) else None
    ref = None if version is not None else src.code(vnode)
    methods, endpoints = _server_methods(src, cls)
    return RpcServer(name=cls.name, span=src.name_span(cls), version=version, version_ref=ref,
                     version_span=src.span(vnode), namespace=namespace, methods=tuple(methods),
                     proxy=bool(re.search(r"V\d+Proxy|Proxy$|Compat", cls.name)), endpoints=tuple(endpoints),
                     namespace_expr=ns_expr)


def _server_methods(src: pyast.Source, cls: ast.ClassDef) -> tuple[list[ServerMethod], list[str]]:
    """``servers._server_methods``"""
    methods = []
    endpoints = []
    has_endpoints = "additional_endpoints" in src.text
    for stmt in cls.body:
        if not isinstance(stmt, _DEFS):
            continue
        if has_endpoints and any("additional_endpoints" in line
                                 for line in src.lines[stmt.lineno - 1:stmt.end_lineno]):
            endpoints.extend(_appended_endpoints(stmt))
        if stmt.name.startswith("_"):
            continue
        decos = {tail(d.func if isinstance(d, ast.Call) else d) for d in stmt.decorator_list}
        if decos & NOT_ENDPOINTS:
            continue
        methods.append(_server_method(src, stmt))
    return methods, endpoints


def _appended_endpoints(fn) -> list[str]:
    """``servers._appended_endpoints``: the classes of ``additional_endpoints.append(X(...))``."""
    out = []
    calls = [n for n in _scope(fn.body) if isinstance(n, ast.Call) and tail(n.func) in ("append", "extend")
             and "additional_endpoints" in (dotted(n.func) or "")]
    if len(calls) > 1:
        raise Unsure("several appends in one method: LibCST's walk order decides")
    for call in calls:
        args = sorted(call.args + call.keywords, key=lambda a: (a.lineno, a.col_offset))
        if args:
            inner = args[0].value if isinstance(args[0], (ast.Starred, ast.keyword)) else args[0]
            if isinstance(inner, ast.Call):
                n = tail(inner.func)
                if n:
                    out.append(n)
    return out


def _scope(body):
    """Every node under the statements, not entering nested defs, classes or lambdas."""
    stack = list(reversed(body))
    while stack:
        n = stack.pop()
        yield n
        if not isinstance(n, _SCOPES):
            stack.extend(reversed(list(ast.iter_child_nodes(n))))


def _server_method(src: pyast.Source, fn) -> ServerMethod:
    """``servers._server_method``"""
    a = fn.args
    plist = a.posonlyargs + a.args
    first_default = len(plist) - len(a.defaults)
    params = [(p.arg, i >= first_default) for i, p in enumerate(plist)]
    if params and params[0][0] in ("self", "cls"):
        params = params[1:]
    params += [(p.arg, d is not None) for p, d in zip(a.kwonlyargs, a.kw_defaults)]
    return ServerMethod(name=fn.name, params=tuple(params), var_kw=a.kwarg is not None, span=src.name_span(fn))

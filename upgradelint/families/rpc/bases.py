"""Client base classes such as cinder.rpc.RPCAPI: classes that build the
oslo.messaging client for their subclasses. What the rules need from one: does
it compute the version cap (from the running services, not a literal bumped
with every change), and does its module offer a gate decorator
(``assert_min_rpc_version``) for new methods?"""

from __future__ import annotations

from upgradelint.core import versions
from upgradelint.core.cst.static import evaluate, kwarg
from upgradelint.core.lazy import cst
from upgradelint.families.rpc.facts import ClientBase
from upgradelint.families.rpc.syntax import contains, find, is_csv, tail

_FACTORIES = ("get_client", "get_rpc_client", "RPCClient")


def build_base(cls, funcs, names, module) -> ClientBase | None:
    for fn in funcs:
        for call in find(fn.body, lambda n: isinstance(n, cst.Call) and tail(n.func) in _FACTORIES):
            cap = kwarg(call, "version_cap")
            if cap is None:
                continue
            value = evaluate(cap, names)
            if value is None or versions.is_version(value):
                continue  # no cap, or a literal one
            return ClientBase(name=cls.name.value, capped=True, gates=module_gates(module))
    return None


def module_gates(module) -> bool:
    """Does the module define a function that raises when ``can_send_version`` fails?"""
    return any(isinstance(stmt, cst.FunctionDef) and contains(stmt.body, is_csv)
               and contains(stmt.body, lambda n: isinstance(n, cst.Raise)) for stmt in module.body)

"""UPG105 rpc-server-signature-not-backward-compatible."""

from __future__ import annotations

import os

from upgradelint.core.rule import Context, Invalid, Rule, Valid
from upgradelint.families.rpc.analysis import RpcAnalysis, rpc_extra
from upgradelint.families.rpc.fixes import RpcFixes

_NOT_RPC = frozenset(("init_host", "cleanup_host", "pre_start_hook", "post_start_hook", "reset", "start", "stop",
                      "wait", "periodic_tasks", "reset_service", "graceful_shutdown"))

_CONTEXT_PARAMS = frozenset(("context", "ctxt", "rpc_context", "ctx"))


class RpcServerSignatureNotBackwardCompatible(Rule):
    """
    ## What it does
    In a change (`--base`), checks public methods of RPC server endpoints
    (classes with `target = Target(version=...)` or `RPC_API_VERSION`, whose
    names a client in the same package sends; with no client next to it,
    methods taking a request context first) that gain a parameter without a
    default, or lose or rename one. Reordering is not reported: RPC arguments
    travel by keyword. Private methods, methods taking `**kwargs`,
    and old-major proxy classes (nova's `_ComputeV5Proxy`) are not checked; a
    proxy in the same file that keeps the old signature makes the change safe.

    ## Why is this bad?
    oslo.messaging calls the endpoint method with the keyword arguments of the
    message. Clients of release N-1 do not send the new parameter, so the new
    server fails with `TypeError: missing 1 required positional argument`; a
    removed or renamed parameter fails with "unexpected keyword argument" for
    every old client still sending it.

    ## How to allow
    Give new parameters a default (usually `None`), keep old ones until the
    next major version, or add `# noqa: UPG105` on the `def` line.

    ## Fix safety
    Safe: a new parameter without a default gets `=None` (with every later
    positional parameter that has none, as Python requires). Removed or
    renamed parameters are not fixed: keep the old name until the next major
    version.

    ## References
    - oslo.messaging, RPC server and dispatcher: https://docs.openstack.org/oslo.messaging/latest/reference/server.html
    - nova, RPC versioning: https://docs.openstack.org/nova/latest/contributor/rpc.html
    """

    code = "UPG105"
    name = "rpc-server-signature-not-backward-compatible"
    message = "{cls}.{method}: new parameter '{param}' has no default; old clients do not send it"
    messages = {
        "removed": "{cls}.{method}: parameter '{param}' removed; old clients still send it",
        "renamed": "{cls}.{method}: parameter '{param}' renamed to '{new}'; old clients still send '{param}'",
    }
    severity = "error"
    scope = "diff"
    INVALID = [
        Invalid(
            """
            import oslo_messaging as messaging


            class VolumeManager:
                RPC_API_VERSION = '3.20'
                target = messaging.Target(version=RPC_API_VERSION)

                def reimage(self, context, volume, image_meta, image_snap):  # expect: UPG105
                    pass
            """,
            before="""
            import oslo_messaging as messaging


            class VolumeManager:
                RPC_API_VERSION = '3.18'
                target = messaging.Target(version=RPC_API_VERSION)

                def reimage(self, context, volume, image_meta):
                    pass
            """,
            path="cinder/volume/manager.py",
        ),
    ]
    VALID = [
        Valid(
            """
            import oslo_messaging as messaging


            class VolumeManager:
                RPC_API_VERSION = '3.20'
                target = messaging.Target(version=RPC_API_VERSION)

                def reimage(self, context, volume, image_meta, image_snap=None):
                    pass
            """,
            before="""
            import oslo_messaging as messaging


            class VolumeManager:
                RPC_API_VERSION = '3.18'
                target = messaging.Target(version=RPC_API_VERSION)

                def reimage(self, context, volume, image_meta):
                    pass
            """,
            path="cinder/volume/manager.py",
        ),
    ]

    def check(self, ctx: Context):
        if ctx.base is None:
            return
        an = ctx.analysis(RpcAnalysis)
        for path, facts in ctx.head.items():
            ex = rpc_extra(facts)
            base = ctx.base.get(path)
            bex = rpc_extra(base) if base is not None else None
            if ex is None or bex is None:
                continue
            old = {s.name: s for s in bex.servers}
            proxies = [s for s in ex.servers if s.proxy]
            sent = an.sent_by_dir.get(os.path.dirname(path))
            for srv in ex.servers:
                if srv.proxy or srv.name not in old:
                    continue
                before = {m.name: m for m in old[srv.name].methods}
                for m in srv.methods:
                    b = before.get(m.name)
                    if b is None or m.name in _NOT_RPC:
                        continue
                    if sent is not None and m.name not in sent:
                        continue
                    if sent is None and not (b.params and b.params[0][0] in _CONTEXT_PARAMS):
                        continue  # no client next to it: only methods shaped like RPC endpoints
                    if any(any(pm.name == m.name and pm.params == b.params for pm in p.methods) for p in proxies):
                        continue
                    self._compare(ctx, path, srv, b, m)

    def _compare(self, ctx, path, srv, b, m):
        symbol = f"{srv.name}.{m.name}"
        old = [n for n, _ in b.params]
        new = [n for n, _ in m.params]
        added = [(n, d) for n, d in m.params if n not in old]
        removed = [n for n in old if n not in new]
        if removed and not m.var_kw:
            fresh = [n for n, _ in added]
            if len(fresh) == len(removed):
                ctx.report(self, path, m.span, symbol, variant="renamed", cls=srv.name, method=m.name,
                           param=removed[0], new=fresh[0])
                return
            ctx.report(self, path, m.span, symbol, variant="removed", cls=srv.name, method=m.name, param=removed[0])
            return
        for n, has_default in added:
            if not has_default:
                ctx.report(self, path, m.span, symbol, cls=srv.name, method=m.name, param=n,
                           fix=ctx.analysis(RpcFixes).default_fix(path, srv.name, m.name, n))
                return

"""UPG106 rpc-major-bump-without-compat-endpoint."""

from __future__ import annotations

from upgradelint.core import versions
from upgradelint.core.rule import Context, Invalid, Rule, Valid
from upgradelint.families.rpc.analysis import rpc_extra


class RpcMajorBumpWithoutCompatEndpoint(Rule):
    """
    ## What it does
    In a change (`--base`), checks RPC servers whose target major version
    changes (`Target(version='5.13')` to `'6.0'`) while no endpoint for the old
    major remains in the same module (nova's `_ComputeV5Proxy` with
    `Target(version='5.13')`, appended to `additional_endpoints`); and clients
    whose target major changes without a new `VERSION_ALIASES` entry for the
    release that introduces it.

    The phase-two removal of the proxy a release later changes no major and is
    not reported.

    ## Why is this bad?
    During the upgrade to the release with the new major, the not yet upgraded
    services still send the old major. Without a compatibility endpoint the new
    server rejects every one of those messages with "Endpoint does not support
    RPC version 5.13"; without an alias operators cannot pin the new clients to
    the old major.

    ## How to allow
    Keep an endpoint for the old major for one release, or add
    `# noqa: UPG106` on the target.

    ## Fix safety
    No automatic fix.

    ## References
    - nova, RPC versioning (major version bumps): https://docs.openstack.org/nova/latest/contributor/rpc.html
    - oslo.messaging, RPC server: https://docs.openstack.org/oslo.messaging/latest/reference/server.html
    """

    code = "UPG106"
    name = "rpc-major-bump-without-compat-endpoint"
    message = "{cls}: target major bumped {old} -> {new} with no endpoint left for {old_major}.x; keep a proxy for one release"
    messages = {"alias": "{cls}: client target major bumped {old} -> {new} without a new VERSION_ALIASES entry"}
    severity = "error"
    scope = "diff"
    INVALID = [
        Invalid(
            """
            import oslo_messaging as messaging


            class ComputeManager:
                target = messaging.Target(version='6.0')  # expect: UPG106

                def reboot_instance(self, context, instance, reboot_type):
                    pass
            """,
            before="""
            import oslo_messaging as messaging


            class ComputeManager:
                target = messaging.Target(version='5.13')

                def reboot_instance(self, context, instance, reboot_type):
                    pass
            """,
            path="nova/compute/manager.py",
        ),
    ]
    VALID = [
        Valid(
            """
            import oslo_messaging as messaging


            class ComputeManager:
                target = messaging.Target(version='6.0')

                def __init__(self):
                    self.additional_endpoints = []
                    self.additional_endpoints.append(_ComputeV5Proxy(self))

                def reboot_instance(self, context, instance, reboot_type):
                    pass


            class _ComputeV5Proxy:
                target = messaging.Target(version='5.13')

                def __init__(self, manager):
                    self.manager = manager

                def __getattr__(self, name):
                    return getattr(self.manager, name)
            """,
            before="""
            import oslo_messaging as messaging


            class ComputeManager:
                target = messaging.Target(version='5.13')

                def reboot_instance(self, context, instance, reboot_type):
                    pass
            """,
            path="nova/compute/manager.py",
        ),
    ]

    def check(self, ctx: Context):
        if ctx.base is None:
            return
        for path, facts in ctx.head.items():
            base = ctx.base.get(path)
            if base is None or path not in ctx.diff.changes:
                continue
            ex, bex = rpc_extra(facts), rpc_extra(base)
            if ex is not None and bex is not None:
                self._servers(ctx, path, ex, bex)
            self._clients(ctx, path, facts, base)

    def _servers(self, ctx, path, ex, bex):
        """A server whose target major went up, with no endpoint left for the old major."""
        old = {s.name: s for s in bex.servers}
        for srv in ex.servers:
            o = old.get(srv.name)
            if o is None or srv.proxy or not srv.version or not o.version:
                continue
            if versions.major(srv.version) is None or versions.major(o.version) is None or \
                    versions.major(srv.version) <= versions.major(o.version):
                continue
            if any(s is not srv and versions.major(s.version) == versions.major(o.version) for s in ex.servers):
                continue
            ctx.report(self, path, srv.version_span or srv.span, srv.name, cls=srv.name, old=o.version,
                       new=srv.version, old_major=versions.major(o.version))

    def _clients(self, ctx, path, facts, base):
        """A client whose target major went up, with no new VERSION_ALIASES entry."""
        oldc = {c.name: c for c in base.rpc}
        for c in facts.rpc:
            o = oldc.get(c.name)
            if o is None or not c.aliases or not o.aliases:
                continue
            if versions.major(c.target_version) is not None and versions.major(o.target_version) is not None and \
                    versions.major(c.target_version) > versions.major(o.target_version) and \
                    len(c.aliases) <= len(o.aliases):
                ctx.report(self, path, c.span, c.name, variant="alias", cls=c.name, old=o.target_version,
                           new=c.target_version)

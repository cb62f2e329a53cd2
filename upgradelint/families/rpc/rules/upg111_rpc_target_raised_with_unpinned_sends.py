"""UPG111 rpc-target-raised-with-unpinned-sends."""

from __future__ import annotations

from upgradelint.core.rule import Context, Invalid, Rule, Valid
from upgradelint.families.rpc.analysis import RpcAnalysis


class RpcTargetRaisedWithUnpinnedSends(Rule):
    """
    ## What it does
    In a change (`--base`), checks RPC clients whose target version is raised
    (`Target(version='1.3')` to `'1.4'`, or the constant that feeds it, such as
    `RPC_API_VERSION`) while sends the change does not touch keep a bare
    `prepare()` (or call the client directly). Each such send is named: its
    version changed although its line did not. The finding sits on the raised
    target (or its constant) and names the sends.

    Sends through a wrapper that falls back to the client's default version
    (cinder's `_get_cctxt()` and `RPC_DEFAULT_VERSION`) are pinned and not
    reported. In projects with no version caps (neutron, heat, or
    `rpc-version-caps = false`) the finding is info: there the servers are
    upgraded first, so only server-to-agent sends break.

    Out of scope: clients written against the `RpcProxy` base class that came
    before oslo.messaging (`BASE_RPC_API_VERSION` as the proxy's default and
    `self.call(ctxt, self.make_msg(...))` through the proxy). No maintained
    project uses it any more and the rule is not tuned for it.

    ## Why is this bad?
    A send without a version goes out at the client's target version. Raising
    the target for one new method moves every bare send to the new version, so
    a server of the previous release, which serves only the old minor, rejects
    all of them with "Endpoint does not support RPC version 1.4"; with a version
    cap, the client raises `RPCVersionCapError` before sending.

    ## How to allow
    Pin the untouched sends to the version they were written for
    (`prepare(version='1.3')`) and pin the new method to the new version, or
    add `# noqa: UPG111` on the target.

    ## Fix safety
    No automatic fix: the right pin is the version each method was added in.

    ## References
    - oslo.messaging, RPC client (`prepare()` and the target version): https://docs.openstack.org/oslo.messaging/latest/reference/rpcclient.html
    - neutron, RPC API layer: https://docs.openstack.org/neutron/latest/contributor/internals/rpc_api.html
    """

    code = "UPG111"
    name = "rpc-target-raised-with-unpinned-sends"
    message = ("{cls}: target raised {old} -> {new} also moves unpinned {sends} to {new}; "
               "pin them to prepare(version='{old}')")
    severity = "error"
    scope = "diff"
    INVALID = [
        Invalid(
            """
            import oslo_messaging as messaging


            class CellsAPI:
                '''
                1.0 - Initial version
                1.1 - Add get_capacities()
                '''

                def __init__(self):
                    target = messaging.Target(topic='cells', version='1.1')  # expect: UPG111
                    self.client = messaging.get_rpc_client(target, version_cap=CONF.upgrade_levels.cells)

                def instance_update(self, ctxt, instance):
                    cctxt = self.client.prepare()
                    cctxt.cast(ctxt, 'instance_update', instance=instance)

                def get_capacities(self, ctxt, cell_name):
                    if not self.client.can_send_version('1.1'):
                        raise exception.ServiceTooOld(service='cells', version='1.1')
                    cctxt = self.client.prepare(version='1.1')
                    return cctxt.call(ctxt, 'get_capacities', cell_name=cell_name)
            """,
            before="""
            import oslo_messaging as messaging


            class CellsAPI:
                '''
                1.0 - Initial version
                '''

                def __init__(self):
                    target = messaging.Target(topic='cells', version='1.0')
                    self.client = messaging.get_rpc_client(target, version_cap=CONF.upgrade_levels.cells)

                def instance_update(self, ctxt, instance):
                    cctxt = self.client.prepare()
                    cctxt.cast(ctxt, 'instance_update', instance=instance)
            """,
            path="nova/cells/rpcapi.py",
        ),
    ]
    VALID = [
        Valid(
            """
            import oslo_messaging as messaging


            class CellsAPI:
                '''
                1.0 - Initial version
                1.1 - Add get_capacities()
                '''

                def __init__(self):
                    target = messaging.Target(topic='cells', version='1.1')
                    self.client = messaging.get_rpc_client(target, version_cap=CONF.upgrade_levels.cells)

                def instance_update(self, ctxt, instance):
                    cctxt = self.client.prepare(version='1.0')
                    cctxt.cast(ctxt, 'instance_update', instance=instance)

                def get_capacities(self, ctxt, cell_name):
                    if not self.client.can_send_version('1.1'):
                        raise exception.ServiceTooOld(service='cells', version='1.1')
                    cctxt = self.client.prepare(version='1.1')
                    return cctxt.call(ctxt, 'get_capacities', cell_name=cell_name)
            """,
            before="""
            import oslo_messaging as messaging


            class CellsAPI:
                '''
                1.0 - Initial version
                '''

                def __init__(self):
                    target = messaging.Target(topic='cells', version='1.0')
                    self.client = messaging.get_rpc_client(target, version_cap=CONF.upgrade_levels.cells)

                def instance_update(self, ctxt, instance):
                    cctxt = self.client.prepare()
                    cctxt.cast(ctxt, 'instance_update', instance=instance)
            """,
            path="nova/cells/rpcapi.py",
        ),
    ]

    def check(self, ctx: Context):
        an = ctx.analysis(RpcAnalysis)
        for path, client, old in an.pairs:
            moved = an.retargeted(path, client, old)
            if not moved:
                continue
            names = sorted({next((r for r in rpcs if r), p.method) for p, rpcs in moved})
            shown = ", ".join(f"'{n}'" for n in names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
            span = client.target_span or client.span
            if client.api_version and old.api_version and client.api_version[0] != old.api_version[0]:
                span = client.api_version[1]  # the constant that feeds the target
            ctx.report(self, path, span, client.name, cls=client.name, old=old.target_version,
                       new=client.target_version, sends=shown)
            if not an.caps(client):
                an.as_info(self)

"""UPG103 new-rpc-kwarg-without-fallback."""

from __future__ import annotations

from upgradelint.core import versions
from upgradelint.core.rule import Context, Invalid, Rule, Valid
from upgradelint.families.rpc.analysis import RpcAnalysis, added_kwargs, known_version, send_version, sends_by_rpc


class NewRpcKwargWithoutFallback(Rule):
    """
    ## What it does
    In a change (`--base`), checks sends whose version was raised to a new
    version and that now carry a keyword argument they did not carry before,
    when the argument is neither dropped for older servers (`msg_args.pop('x')`,
    `del kw['x']` in the `not can_send_version` branch, a rename counts) nor
    added only under a positive `can_send_version` (ironic's opt-in chain), and
    the method does not raise when the new version cannot be sent.

    Out of scope: clients written against the `RpcProxy` base class that came
    before oslo.messaging (`BASE_RPC_API_VERSION` as the proxy's default and
    `self.call(ctxt, self.make_msg(...))` through the proxy). No maintained
    project uses it any more and the rule is not tuned for it. heat's
    `make_msg`/`call` helpers over an oslo.messaging client are in scope.

    ## Why is this bad?
    A guarded version alone is not enough: when the cap is at the old release,
    the client falls back to the old version but still sends the new argument.
    The N-1 server then calls the manager method with an unexpected keyword and
    fails with `TypeError: got an unexpected keyword argument`.

    ## How to allow
    Drop the argument in the fallback branch, raise `UnsupportedRPCVersion` when
    it is set and cannot be sent, or add `# noqa: UPG103` on the send.

    ## Fix safety
    No automatic fix.

    ## References
    - nova, RPC versioning: https://docs.openstack.org/nova/latest/contributor/rpc.html
    - cinder, rolling upgrades: https://docs.openstack.org/cinder/latest/contributor/rolling.upgrades.html
    """

    code = "UPG103"
    name = "new-rpc-kwarg-without-fallback"
    message = "{cls}.{method}: new kwarg '{kwarg}' sent without can_send_version('{version}') fallback"
    severity = "error"
    scope = "diff"
    INVALID = [
        Invalid(
            """
            class ComputeAPI:
                '''
                * 6.2 - Add target_state parameter to rebuild_instance()
                * 6.3 - Add delete_attachment parameter to remove_volume_connection
                '''

                def remove_volume_connection(self, ctxt, instance, volume_id, host, delete_attachment=False):
                    client = self.router.client(ctxt)
                    version = '6.3'
                    if not client.can_send_version(version):
                        version = '6.0'
                    cctxt = client.prepare(server=host, version=version)
                    return cctxt.call(ctxt, 'remove_volume_connection', instance=instance,  # expect: UPG103
                                      volume_id=volume_id, delete_attachment=delete_attachment)
            """,
            before="""
            class ComputeAPI:
                '''
                * 6.2 - Add target_state parameter to rebuild_instance()
                '''

                def remove_volume_connection(self, ctxt, instance, volume_id, host):
                    client = self.router.client(ctxt)
                    cctxt = client.prepare(server=host, version='6.0')
                    return cctxt.call(ctxt, 'remove_volume_connection', instance=instance, volume_id=volume_id)
            """,
            path="nova/compute/rpcapi.py",
        ),
    ]
    VALID = [
        Valid(
            """
            class ComputeAPI:
                '''
                * 6.2 - Add target_state parameter to rebuild_instance()
                * 6.3 - Add delete_attachment parameter to remove_volume_connection
                '''

                def remove_volume_connection(self, ctxt, instance, volume_id, host, delete_attachment=False):
                    client = self.router.client(ctxt)
                    kwargs = {'instance': instance, 'volume_id': volume_id, 'delete_attachment': delete_attachment}
                    version = '6.3'
                    if not client.can_send_version(version):
                        kwargs.pop('delete_attachment')
                        version = '6.0'
                    cctxt = client.prepare(server=host, version=version)
                    return cctxt.call(ctxt, 'remove_volume_connection', **kwargs)
            """,
            before="""
            class ComputeAPI:
                '''
                * 6.2 - Add target_state parameter to rebuild_instance()
                '''

                def remove_volume_connection(self, ctxt, instance, volume_id, host):
                    client = self.router.client(ctxt)
                    cctxt = client.prepare(server=host, version='6.0')
                    return cctxt.call(ctxt, 'remove_volume_connection', instance=instance, volume_id=volume_id)
            """,
            path="nova/compute/rpcapi.py",
        ),
        # I9: added only under a positive guard (cinder)
        Valid(
            """
            class VolumeAPI:
                '''
                3.9 - Add manage_existing_snapshot
                3.10 - Add want_objects to get_manageable_volumes
                '''

                def get_manageable_volumes(self, ctxt, service, marker):
                    cctxt = self._get_cctxt(service.service_topic_queue, version=('3.10', '3.0'))
                    msg_args = {'marker': marker}
                    if cctxt.can_send_version('3.10'):
                        msg_args['want_objects'] = True
                    return cctxt.call(ctxt, 'get_manageable_volumes', **msg_args)
            """,
            before="""
            class VolumeAPI:
                '''
                3.9 - Add manage_existing_snapshot
                '''

                def get_manageable_volumes(self, ctxt, service, marker):
                    cctxt = self._get_cctxt(service.service_topic_queue)
                    msg_args = {'marker': marker}
                    return cctxt.call(ctxt, 'get_manageable_volumes', **msg_args)
            """,
            path="cinder/volume/rpcapi.py",
        ),
    ]

    def check(self, ctx: Context):
        an = ctx.analysis(RpcAnalysis)
        for path, client, old in an.pairs:
            caps = an.caps(client)
            known = known_version(old)
            before = sends_by_rpc(old)
            seen = set()
            for m in client.methods:
                for s in m.sends:
                    if not s.rpc or s.rpc not in before:
                        continue
                    v = send_version(client, s)
                    vb = versions.newest(send_version(old, b) for b in before[s.rpc])
                    if not v or not versions.same_major_gt(v, vb) or not versions.same_major_gt(v, known) or \
                            _gated(m, v):
                        continue
                    if an.absorbs(path, s.rpc):
                        continue
                    for k in added_kwargs(s, before[s.rpc]):
                        if k in m.dropped or (m.name, k) in seen:
                            continue
                        seen.add((m.name, k))
                        ctx.report(self, path, s.span, f"{client.name}.{m.name}.{k}", cls=client.name,
                                   method=m.name, kwarg=k, version=v)
                        if not caps:
                            an.as_info(self)


def _gated(method, version) -> bool:
    return any(g == version or versions.same_major_gt(g, version) for g in method.gated)

"""UPG102 unguarded-new-rpc-version."""

from __future__ import annotations

from upgradelint.core import versions
from upgradelint.core.rule import Context, Invalid, Rule, Valid
from upgradelint.families.rpc.analysis import RpcAnalysis, known_version, send_version, sends_by_rpc


class UnguardedNewRpcVersion(Rule):
    """
    ## What it does
    In a change (`--base`), checks client methods that start sending an RPC
    version newer than anything the client knew before, with no guard for it:
    no `can_send_version(V)` (or an alias such as ironic's `_can_send_version`
    or nova's `supports_*` methods), no `_ver()`/`_compat_ver()`/tuple version,
    no `@assert_min_rpc_version(V)`, no raise when V cannot be sent.

    An existing method whose version is raised is an error. A brand-new method
    added at a new version with no guard in the client is reported as an info
    note where callers check first (ironic's `can_send_rescue()`, API
    microversion checks). It is an error where the convention is to gate new
    methods in the client: the client already gates a method with a decorator,
    or the base class that builds its client offers one (cinder's `rpc.RPCAPI`,
    whose module defines `assert_min_rpc_version`), or
    `rpc-guard-in-client = true`. The same note is given when a method raises
    its version only when the caller sets the new argument (ironic's "avoid
    sending unset parameters"). A client is capped when its module checks
    versions (`can_send_version`, `assert_min_rpc_version`, `_compat_ver`) or
    its base class computes the cap from the running services (cinder's
    `RPCAPI.determine_rpc_version_cap`). In projects with no version caps
    (neutron, heat, or `rpc-version-caps = false`) every finding is info.

    Out of scope: clients written against the `RpcProxy` base class that came
    before oslo.messaging (`BASE_RPC_API_VERSION` as the proxy's default and
    `self.call(ctxt, self.make_msg(...))` through the proxy). No maintained
    project uses it any more and the rule is not tuned for it. heat's
    `make_msg`/`call` helpers over an oslo.messaging client are in scope.

    ## Why is this bad?
    With `[upgrade_levels]`, the service-version auto cap or a pinned release,
    the client's `version_cap` stays at the old release until every service is
    upgraded. An unguarded send above the cap raises `RPCVersionCapError` in the
    client; without a cap it reaches an N-1 compute, conductor or volume service
    that answers "Endpoint does not support RPC version X".

    ## How to allow
    Guard the send in the client (`if not client.can_send_version('6.6'): ...`),
    or, for a new method whose callers check first, set
    `rpc-guard-in-client = false` (the default) and keep the info note, or add
    `# noqa: UPG102` on the send.

    ## Fix safety
    No automatic fix: the fallback (drop the argument, raise, or send the old
    version) is a design decision.

    ## References
    - oslo.messaging, RPCClient.can_send_version: https://docs.openstack.org/oslo.messaging/latest/reference/rpcclient.html
    - nova, RPC versioning and upgrade levels: https://docs.openstack.org/nova/latest/contributor/rpc.html
    """

    code = "UPG102"
    name = "unguarded-new-rpc-version"
    message = "{cls}.{method}: '{rpc}' now sent at {version} without can_send_version('{version}')"
    messages = {
        "new": "{cls}.{method}: new method '{rpc}' sent at {version} with no can_send_version('{version}') in the "
               "client; callers must check it",
        "gate": "{cls}.{method}: new method '{rpc}' sent at {version} unguarded; gate it with "
                "@assert_min_rpc_version('{version}') or can_send_version('{version}')",
        "optin": "{cls}.{method}: '{rpc}' goes out at {version} when the new argument is set, with no "
                 "can_send_version('{version}') in the client; callers must check it",
    }
    severity = "error"
    scope = "diff"
    INVALID = [
        Invalid(
            """
            class ComputeAPI:
                '''
                * 6.0 - Remove 5.x compatibility
                * 6.1 - Add reimage_boot_volume parameter to rebuild_instance()
                * 6.2 - Add target_state parameter to rebuild_instance()
                '''

                def rebuild_instance(self, ctxt, instance, target_state):
                    client = self.router.client(ctxt)
                    cctxt = client.prepare(server=instance.host, version='6.2')
                    cctxt.cast(ctxt, 'rebuild_instance', instance=instance, target_state=target_state)  # expect: UPG102, UPG103
            """,
            before="""
            class ComputeAPI:
                '''
                * 6.0 - Remove 5.x compatibility
                * 6.1 - Add reimage_boot_volume parameter to rebuild_instance()
                '''

                def rebuild_instance(self, ctxt, instance):
                    client = self.router.client(ctxt)
                    cctxt = client.prepare(server=instance.host, version='6.0')
                    cctxt.cast(ctxt, 'rebuild_instance', instance=instance)
            """,
            path="nova/compute/rpcapi.py",
        ),
        # a brand-new method, unguarded in the client: an info note
        Invalid(
            """
            class ConductorAPI:
                '''
                |    1.61 - Added get virtual media support
                |    1.62 - Added update_portgroup_physical_network
                '''
                RPC_API_VERSION = '1.62'

                def can_send_rescue(self):
                    return self.client.can_send_version('1.43')

                def get_virtual_media(self, context, node_id, topic=None):
                    cctxt = self._prepare_call(topic=topic, version='1.61')
                    return cctxt.call(context, 'get_virtual_media', node_id=node_id)

                def update_portgroup_physical_network(self, context, portgroup, topic=None):
                    cctxt = self._prepare_call(topic=topic, version='1.62')
                    return cctxt.call(context, 'update_portgroup_physical_network', portgroup=portgroup)  # expect: UPG102
            """,
            before="""
            class ConductorAPI:
                '''
                |    1.61 - Added get virtual media support
                '''
                RPC_API_VERSION = '1.61'

                def can_send_rescue(self):
                    return self.client.can_send_version('1.43')

                def get_virtual_media(self, context, node_id, topic=None):
                    cctxt = self._prepare_call(topic=topic, version='1.61')
                    return cctxt.call(context, 'get_virtual_media', node_id=node_id)
            """,
            path="ironic/conductor/rpcapi.py",
        ),
    ]
    VALID = [
        # I2/I4: descending cascade, raise when the new argument cannot be sent
        Valid(
            """
            class ComputeAPI:
                '''
                * 6.0 - Remove 5.x compatibility
                * 6.1 - Add reimage_boot_volume parameter to rebuild_instance()
                * 6.2 - Add target_state parameter to rebuild_instance()
                '''

                def rebuild_instance(self, ctxt, instance, target_state):
                    msg_args = {'instance': instance, 'target_state': target_state}
                    version = '6.2'
                    client = self.router.client(ctxt)
                    if not client.can_send_version(version):
                        if msg_args['target_state']:
                            raise exception.UnsupportedRPCVersion(api='rebuild_instance', required='6.2')
                        del msg_args['target_state']
                        version = '6.0'
                    cctxt = client.prepare(server=instance.host, version=version)
                    cctxt.cast(ctxt, 'rebuild_instance', **msg_args)
            """,
            before="""
            class ComputeAPI:
                '''
                * 6.0 - Remove 5.x compatibility
                * 6.1 - Add reimage_boot_volume parameter to rebuild_instance()
                '''

                def rebuild_instance(self, ctxt, instance):
                    client = self.router.client(ctxt)
                    cctxt = client.prepare(server=instance.host, version='6.0')
                    cctxt.cast(ctxt, 'rebuild_instance', instance=instance)
            """,
            path="nova/compute/rpcapi.py",
        ),
        # I8: cinder's tuple version with a pop of the new argument
        Valid(
            """
            class VolumeAPI:
                '''
                3.15 - Add revert_to_snapshot method
                3.16 - Add no_snapshots to accept_transfer method
                '''
                RPC_API_VERSION = '3.16'

                def accept_transfer(self, ctxt, volume, new_user, no_snapshots=False):
                    msg_args = {'volume_id': volume['id'], 'new_user': new_user,
                                'no_snapshots': no_snapshots}
                    cctxt = self._get_cctxt(volume.service_topic_queue, ('3.16', '3.0'))
                    if not self.client.can_send_version('3.16'):
                        msg_args.pop('no_snapshots')
                    return cctxt.call(ctxt, 'accept_transfer', **msg_args)
            """,
            before="""
            class VolumeAPI:
                '''
                3.15 - Add revert_to_snapshot method
                '''
                RPC_API_VERSION = '3.15'

                def accept_transfer(self, ctxt, volume, new_user):
                    msg_args = {'volume_id': volume['id'], 'new_user': new_user}
                    cctxt = self._get_cctxt(volume.service_topic_queue)
                    return cctxt.call(ctxt, 'accept_transfer', **msg_args)
            """,
            path="cinder/volume/rpcapi.py",
        ),
        # I9: ironic's ascending opt-in chain through an alias of can_send_version (I6)
        Valid(
            """
            class ConductorAPI:
                '''
                |    1.51 - Added agent_verify_ca to heartbeat.
                |    1.54 - Added optional agent_status to heartbeat
                '''
                RPC_API_VERSION = '1.54'

                def _can_send_version(self, version):
                    return self.client.can_send_version(version)

                def heartbeat(self, context, node_id, callback_url, agent_verify_ca=None,
                              agent_status=None, topic=None):
                    new_kws = {}
                    version = '1.34'
                    if self._can_send_version('1.51'):
                        version = '1.51'
                        new_kws['agent_verify_ca'] = agent_verify_ca
                    if self._can_send_version('1.54'):
                        version = '1.54'
                        new_kws['agent_status'] = agent_status
                    cctxt = self._prepare_call(topic=topic, version=version)
                    return cctxt.call(context, 'heartbeat', node_id=node_id,
                                      callback_url=callback_url, **new_kws)
            """,
            before="""
            class ConductorAPI:
                '''
                |    1.51 - Added agent_verify_ca to heartbeat.
                '''
                RPC_API_VERSION = '1.51'

                def _can_send_version(self, version):
                    return self.client.can_send_version(version)

                def heartbeat(self, context, node_id, callback_url, agent_verify_ca=None, topic=None):
                    new_kws = {}
                    version = '1.34'
                    if self._can_send_version('1.51'):
                        version = '1.51'
                        new_kws['agent_verify_ca'] = agent_verify_ca
                    cctxt = self._prepare_call(topic=topic, version=version)
                    return cctxt.call(context, 'heartbeat', node_id=node_id,
                                      callback_url=callback_url, **new_kws)
            """,
            path="ironic/conductor/rpcapi.py",
        ),
        # I5: a new method gated as a whole (cinder's decorator)
        Valid(
            """
            class VolumeAPI:
                '''
                3.18 - Add reimage method
                3.19 - Add extend_volume_completion method
                '''
                RPC_API_VERSION = '3.19'

                @rpc.assert_min_rpc_version('3.19')
                def extend_volume_completion(self, ctxt, volume, new_size, error):
                    cctxt = self._get_cctxt(volume.service_topic_queue, version='3.19')
                    cctxt.cast(ctxt, 'extend_volume_completion', volume=volume, new_size=new_size, error=error)
            """,
            before="""
            class VolumeAPI:
                '''
                3.18 - Add reimage method
                '''
                RPC_API_VERSION = '3.18'
            """,
            path="cinder/volume/rpcapi.py",
        ),
    ]

    def check(self, ctx: Context):
        an = ctx.analysis(RpcAnalysis)
        for path, client, old in an.pairs:
            caps = an.caps(client)
            guard_in_client = an.gates_in_client(client)
            known = known_version(old)
            before = sends_by_rpc(old)
            seen = {(f"{client.name}.{p.method}", r) for p, rpcs in an.retargeted(path, client, old)
                    for r in rpcs}  # bare sends moved by a raised target: UPG111 names them
            for m in client.methods:
                for s in m.sends:
                    if not s.rpc:
                        continue
                    v = send_version(client, s)
                    if not v or not versions.same_major_gt(v, known) or _guarded(m, s, v):
                        continue
                    symbol = f"{client.name}.{m.name}"
                    if (symbol, s.rpc) in seen:
                        continue
                    seen.add((symbol, s.rpc))
                    if s.rpc not in before:
                        if not caps:
                            continue
                        ctx.report(self, path, s.span, symbol, variant="gate" if guard_in_client else "new",
                                   cls=client.name, method=m.name, rpc=s.rpc, version=v)
                        if not guard_in_client:
                            an.as_info(self)
                        continue
                    if v in m.optin:  # only when the caller sets the new argument: the caller checks
                        ctx.report(self, path, s.span, symbol, variant="optin", cls=client.name, method=m.name,
                                   rpc=s.rpc, version=v)
                        if not guard_in_client or not caps:
                            an.as_info(self)
                        continue
                    ctx.report(self, path, s.span, symbol, cls=client.name, method=m.name, rpc=s.rpc, version=v)
                    if not caps:
                        an.as_info(self)


def _guarded(method, send, version) -> bool:
    if send.chosen:
        return True
    return any(g == version or versions.same_major_gt(g, version) for g in tuple(method.guards) + tuple(method.gated))

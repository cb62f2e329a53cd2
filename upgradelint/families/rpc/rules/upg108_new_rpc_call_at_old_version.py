"""UPG108 new-rpc-call-at-old-version."""

from __future__ import annotations

from upgradelint.core import versions
from upgradelint.core.rule import Context, Invalid, Rule, Valid
from upgradelint.families.rpc.analysis import RpcAnalysis, added_kwargs, known_version, send_version, sends_by_rpc
from upgradelint.families.rpc.fixes import RpcFixes


class NewRpcCallAtOldVersion(Rule):
    """
    ## What it does
    In a change (`--base`), checks RPC methods and keyword arguments that the
    change adds to a client but sends at a version that already existed before
    the change: a reused older literal, or no version at all through a wrapper
    that falls back to the default or floor (cinder's `_get_cctxt(host)`).
    Arguments added only under a `can_send_version` guard, or dropped for old
    servers, are fine. So is a new client method for an RPC method that an
    endpoint next to the client already served at that version before the
    change (same major, a target at or above the version, a namespace that is
    the same or not resolved, and a signature that takes the sent arguments):
    neutron's `DVRServerRpcApi.get_ports` calls `MetadataRpcCallback`'s 1.0
    `get_ports`. Endpoints are looked for in the client's package (its
    `manager.py` and the `*rpc*.py` modules next to it).

    Out of scope: clients written against the `RpcProxy` base class that came
    before oslo.messaging (`BASE_RPC_API_VERSION` as the proxy's default and
    `self.call(ctxt, self.make_msg(...))` through the proxy). No maintained
    project uses it any more and the rule is not tuned for it. heat's
    `make_msg`/`call` helpers over an oslo.messaging client are in scope.

    ## Why is this bad?
    A not-yet-upgraded server claims that version, so the client sends the new
    call, and the old server answers with `NoSuchMethod` or a `TypeError` for
    the unexpected argument. The version history, the server target and the
    send must all agree on a new version.

    ## How to allow
    Bump the RPC API version (history docstring, server target, the send), or
    add `# noqa: UPG108` on the send.

    ## Fix safety
    The fix bumps the RPC API to the next minor version (or to the newer one
    the change already documents) and records it everywhere UPG104 checks:
    the history docstring line, `RPC_API_VERSION`, `version_cap`, the server
    target, nova's service-version history, ironic's release mapping. That
    bookkeeping is safe. A new method's send is pinned at the new version
    (`prepare(version=...)`), also safe: an old server could not answer it at
    any version.

    A new argument of an existing method is different where the project caps
    versions (`can_send_version` in the module): sending it only
    `if client.can_send_version('X.Y'):`, with the old version as the
    fallback, is a behaviour change, so that part is unsafe
    (`--unsafe-fixes`). It follows the method's style: one more step of a
    `version =` cascade that pops the argument from the kwargs dict, or an
    opt-in dict of the new arguments. Projects without caps (neutron) get the
    pin alone, safely.

    ## References
    - oslo.messaging, RPC versioning: https://docs.openstack.org/oslo.messaging/latest/reference/rpcclient.html
    - cinder, rolling upgrades: https://docs.openstack.org/cinder/latest/contributor/rolling.upgrades.html
    """

    code = "UPG108"
    name = "new-rpc-call-at-old-version"
    message = "{cls}.{method}: new method '{rpc}' sent at existing version {version}; bump the RPC API version"
    messages = {
        "kwarg": "{cls}.{method}: new kwarg '{kwarg}' sent at existing version {version}; bump the RPC API version",
    }
    severity = "error"
    scope = "diff"
    INVALID = [
        Invalid(
            """
            class VolumeAPI:
                '''
                3.19 - Add extend_volume_completion method
                '''
                RPC_API_VERSION = '3.19'
                RPC_DEFAULT_VERSION = '3.0'

                def extend_volume(self, ctxt, volume, new_size):
                    cctxt = self._get_cctxt(volume.service_topic_queue)
                    cctxt.cast(ctxt, 'extend_volume', volume=volume, new_size=new_size)

                def reimage(self, ctxt, volume, image_meta):
                    cctxt = self._get_cctxt(volume.service_topic_queue)
                    cctxt.cast(ctxt, 'reimage', volume=volume, image_meta=image_meta)  # expect: UPG108
            """,
            before="""
            class VolumeAPI:
                '''
                3.19 - Add extend_volume_completion method
                '''
                RPC_API_VERSION = '3.19'
                RPC_DEFAULT_VERSION = '3.0'

                def extend_volume(self, ctxt, volume, new_size):
                    cctxt = self._get_cctxt(volume.service_topic_queue)
                    cctxt.cast(ctxt, 'extend_volume', volume=volume, new_size=new_size)
            """,
            path="cinder/volume/rpcapi.py",
        ),
        Invalid(
            """
            class ShareAPI:
                '''
                1.29 - Add update_share_from_metadata() method
                1.30 - Add update_share_network_subnet_from_metadata() method
                '''

                def delete_share_instance(self, context, share_instance, force=False, deferred=False):
                    call_context = self.client.prepare(server=share_instance['host'], version='1.4')
                    call_context.cast(context, 'delete_share_instance',  # expect: UPG108
                                      share_instance_id=share_instance['id'], force=force, deferred=deferred)
            """,
            before="""
            class ShareAPI:
                '''
                1.29 - Add update_share_from_metadata() method
                1.30 - Add update_share_network_subnet_from_metadata() method
                '''

                def delete_share_instance(self, context, share_instance, force=False):
                    call_context = self.client.prepare(server=share_instance['host'], version='1.4')
                    call_context.cast(context, 'delete_share_instance',
                                      share_instance_id=share_instance['id'], force=force)
            """,
            path="manila/share/rpcapi.py",
        ),
    ]
    VALID = [
        Valid(
            """
            class VolumeAPI:
                '''
                3.19 - Add extend_volume_completion method
                3.20 - Add reimage method
                '''
                RPC_API_VERSION = '3.20'
                RPC_DEFAULT_VERSION = '3.0'

                def extend_volume(self, ctxt, volume, new_size):
                    cctxt = self._get_cctxt(volume.service_topic_queue)
                    cctxt.cast(ctxt, 'extend_volume', volume=volume, new_size=new_size)

                @rpc.assert_min_rpc_version('3.20')
                def reimage(self, ctxt, volume, image_meta):
                    cctxt = self._get_cctxt(volume.service_topic_queue, version='3.20')
                    cctxt.cast(ctxt, 'reimage', volume=volume, image_meta=image_meta)
            """,
            before="""
            class VolumeAPI:
                '''
                3.19 - Add extend_volume_completion method
                '''
                RPC_API_VERSION = '3.19'
                RPC_DEFAULT_VERSION = '3.0'

                def extend_volume(self, ctxt, volume, new_size):
                    cctxt = self._get_cctxt(volume.service_topic_queue)
                    cctxt.cast(ctxt, 'extend_volume', volume=volume, new_size=new_size)
            """,
            path="cinder/volume/rpcapi.py",
        ),
    ]

    def check(self, ctx: Context):
        an = ctx.analysis(RpcAnalysis)
        for path, client, old in an.pairs:
            known = known_version(old)
            if not known:
                continue
            before = sends_by_rpc(old)
            seen = set()
            for m in client.methods:
                for s in m.sends:
                    if not s.rpc:
                        continue
                    v = send_version(client, s)
                    if not v or versions.major(v) is None or versions.major(known) is None:
                        continue
                    if versions.major(v) > versions.major(known) or versions.same_major_gt(v, known):
                        continue
                    symbol = f"{client.name}.{m.name}"
                    # cinder: a gate for a new version (assert_min_rpc_version, can_send_version) with the send
                    # left at the wrapper's default: every server that passes the gate has the method
                    fresh = any(versions.same_major_gt(g, known) for g in tuple(m.guards) + tuple(m.gated))
                    gated_default = fresh and s.kind == "default"
                    if s.rpc not in before:
                        if gated_default or an.served_before(path, client, s, v) is not None:
                            continue
                        if (symbol, s.rpc) not in seen:
                            seen.add((symbol, s.rpc))
                            ctx.report(self, path, s.span, symbol, cls=client.name, method=m.name, rpc=s.rpc,
                                       version=v, fix=ctx.analysis(RpcFixes).bump_fix(path, client, m.name, s.rpc))
                        continue
                    # a drop in a fallback does not help: the version that carries the kwarg already existed
                    # nor does a guard that tests a version that already existed
                    new_kwargs = added_kwargs(s, before[s.rpc], trust_guards=fresh)
                    if new_kwargs and an.absorbs(path, s.rpc):
                        continue
                    for k in new_kwargs:
                        if (m.name, k) in seen or (gated_default and k in m.dropped):
                            continue
                        seen.add((m.name, k))
                        ctx.report(self, path, s.span, f"{client.name}.{m.name}.{k}", variant="kwarg",
                                   cls=client.name, method=m.name, kwarg=k, version=v,
                                   fix=ctx.analysis(RpcFixes).bump_fix(path, client, m.name, s.rpc))

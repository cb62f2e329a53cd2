"""UPG1xx: RPC API rules."""

from __future__ import annotations

import difflib

import dataclasses
import os

from upgradelint.core import versions
from upgradelint.core.rule import Context, Invalid, Rule, Valid

# ---------------------------------------------------------------- shared helpers


def _above_floor(client) -> bool:
    """Is the client's target version above the oldest version it pins elsewhere?
    Unknown or X.0 targets are never above the floor (precision first)."""
    target = versions.parse(client.target_version or "")
    if not target or len(target) < 2 or target[1] == 0:
        return False
    lower = [versions.parse(p.version) for p in client.prepares if p.version_kind == "literal"]
    if client.default_version:
        lower.append(versions.parse(client.default_version))
    return any(v is not None and v < target for v in lower)


def _caps(ctx: Context, client) -> bool:
    """Does the project cap RPC versions? Config first, else the client module tells."""
    cfg = getattr(ctx.config, "rpc_version_caps", None)
    return client.uses_caps if cfg is None else bool(cfg)


def _as_info(ctx: Context, rule: Rule) -> None:
    """Demote the finding just reported to info, unless the user set the code's severity."""
    if rule.code in getattr(ctx.config, "severity", {}):
        return
    ctx.findings[-1] = dataclasses.replace(ctx.findings[-1], severity="info")


def _send_version(client, send) -> str | None:
    if send.versions:
        top = versions.newest(send.versions)
        cur = _current(client)
        if cur and versions.major(top) is not None and versions.major(top) < versions.major(cur):
            # only old-major pins: nova's _ver(ctxt, '5.x') sends the current X.0 when it can
            return f"{versions.major(cur)}.0"
        return top
    if send.kind == "default":
        return client.default_version or client.target_version
    if send.kind == "missing":
        return client.target_version
    return None


def _current(client) -> str | None:
    """The newest version the client sends or tests (its current major)."""
    vs = []
    for m in client.methods:
        vs.extend(m.guards)
        vs.extend(m.gated)
        for s in m.sends:
            vs.extend(s.versions)
    if client.api_version:
        vs.append(client.api_version[0])
    vs = [v for v in vs if versions.parse(v)]
    if not vs:
        return None
    major = max(versions.major(v) for v in vs)
    return versions.newest(v for v in vs if versions.major(v) == major)


def _site(client, version):
    """(method name, span) where ``version`` is first used, else the class name."""
    for m in client.methods:
        for s in m.sends:
            if version in s.versions:
                return m.name, s.span
        if version in m.guards or version in m.gated:
            return m.name, m.span
    if client.api_version and client.api_version[0] == version:
        return "RPC_API_VERSION", client.api_version[1]
    return None, client.span


def _known(client) -> str | None:
    """Every version the client knew of: sends, guards, history, target, RPC_API_VERSION."""
    vs = [_current(client), client.target_version]
    vs.extend(client.history)
    if client.api_version:
        vs.append(client.api_version[0])
    major = max((versions.major(v) for v in vs if versions.major(v) is not None), default=None)
    return versions.newest(v for v in vs if v and versions.major(v) == major)


def _guarded(method, send, version) -> bool:
    if send.chosen:
        return True
    return any(g == version or versions.same_major_gt(g, version) for g in tuple(method.guards) + tuple(method.gated))


def _gated(method, version) -> bool:
    return any(g == version or versions.same_major_gt(g, version) for g in method.gated)


def _pairs(ctx: Context):
    """(path, head client, base client) for every client of a changed file that existed before."""
    if ctx.base is None:
        return
    for path, facts in ctx.head.items():
        if path not in ctx.diff.changes:
            continue
        base = ctx.base.get(path)
        if base is None:
            continue
        old = {c.name: c for c in base.rpc}
        for client in facts.rpc:
            if client.name in old:
                yield path, client, old[client.name]


def _base_sends(client) -> dict:
    out: dict[str, list] = {}
    for m in client.methods:
        for s in m.sends:
            if s.rpc:
                out.setdefault(s.rpc, []).append(s)
    return out


def _new_kwargs(send, before, trust_guards=True) -> list[str]:
    if any(b.open_kwargs for b in before):
        return []
    old = {k for b in before for k, _ in b.kwargs}
    return [k for k, guarded in send.kwargs if k not in old and not (guarded and trust_guards)]


def _extra(facts):
    return facts.extra.get("rpc") if facts.extra else None


def _absorbs(ctx: Context, path: str, rpc: str) -> bool:
    """Does the old server next to the client take ``**kwargs`` in ``rpc`` (new kwargs are harmless)?"""
    d = os.path.dirname(path)
    for p, facts in ctx.head.items():
        if os.path.dirname(p) != d:
            continue
        old = (ctx.base or {}).get(p, facts)
        ex = _extra(old)
        if ex is None:
            continue
        for srv in ex.servers:
            for m in srv.methods:
                if m.name == rpc and m.var_kw:
                    return True
    return False


def _serves(server, sent) -> bool:
    """Does the endpoint implement most of what the client sends?"""
    if not sent:
        return False
    names = {m.name for m in server.methods}
    return len(sent & names) * 2 >= len(sent)


# ---------------------------------------------------------------- UPG101


class UnversionedSend(Rule):
    """
    ## What it does
    Checks for RPC client methods that send (`call`/`cast`) through a `prepare()`
    that pins no `version=`, when the client's target version is above the oldest
    version the client sends; and for versions written as floats anywhere a
    version goes (`prepare`, `_get_cctxt`, `_prepare_call`,
    `prepare_for_alt_rpcserver`, `can_send_version`, `Target`).

    Project wrappers that forward `version=` to `prepare()` count as `prepare()`;
    a wrapper called without a version falls back to the client's default
    (cinder's `RPC_DEFAULT_VERSION`), which is an intended floor pin.

    ## Why is this bad?
    A send without a version goes out at the client's target version. During a
    rolling upgrade the servers of release N-1 only implement an older minor, so
    the oslo.messaging dispatcher on an old conductor or compute rejects the
    message with "Endpoint does not support RPC version X". A float such as
    `1.10` is read as `1.1`, which is a different version.

    ## How to allow
    Pin the version the method was added in. If the send really is meant for every
    version the target covers, add `# noqa: UPG101` to the `prepare()` line.

    ## Fix safety
    No automatic fix: only a person knows which version introduced the method.

    ## References
    - oslo.messaging, RPC client: https://docs.openstack.org/oslo.messaging/latest/reference/rpcclient.html
    - nova, RPC versioning: https://docs.openstack.org/nova/latest/contributor/rpc.html
    """

    code = "UPG101"
    name = "unversioned-rpc-send"
    message = "{cls}.{method}: '{rpc}' is sent without a version and goes out as {target}; pin prepare(version='X.Y')"
    messages = {"float": "{cls}.{method}: version {value} is a float; write it as a string, version='{value}'"}
    severity = "error"
    INVALID = [
        Invalid(
            """
            import oslo_messaging as messaging


            class SchedulerAPI:
                RPC_API_VERSION = '4.3'

                def __init__(self):
                    target = messaging.Target(topic='scheduler', version=self.RPC_API_VERSION)
                    self.client = messaging.get_rpc_client(target)

                def select_destinations(self, ctxt, spec):
                    cctxt = self.client.prepare(version='4.0')
                    return cctxt.call(ctxt, 'select_destinations', spec=spec)

                def update_aggregates(self, ctxt, aggregates):
                    cctxt = self.client.prepare(fanout=True)  # expect: UPG101
                    cctxt.cast(ctxt, 'update_aggregates', aggregates=aggregates)
            """,
            path="nova/scheduler/rpcapi.py",
        ),
        Invalid(
            """
            class VolumeAPI:
                def __init__(self, client):
                    self.client = client

                def extend_volume(self, ctxt, volume, new_size):
                    cctxt = self.client.prepare(version=3.10)  # expect: UPG101
                    cctxt.cast(ctxt, 'extend_volume', volume=volume, new_size=new_size)
            """,
            path="cinder/volume/rpcapi.py",
        ),
        # a float through a project wrapper
        Invalid(
            """
            class ConductorAPI:
                def _prepare_call(self, topic, version=None):
                    return self.client.prepare(topic=topic, version=version)

                def inspect_hardware(self, context, node_id, topic=None):
                    cctxt = self._prepare_call(topic=topic, version=1.24)  # expect: UPG101
                    return cctxt.call(context, 'inspect_hardware', node_id=node_id)
            """,
            path="ironic/conductor/rpcapi.py",
        ),
    ]
    VALID = [
        Valid(
            """
            import oslo_messaging as messaging


            class SchedulerAPI:
                RPC_API_VERSION = '4.3'

                def __init__(self):
                    target = messaging.Target(topic='scheduler', version=self.RPC_API_VERSION)
                    self.client = messaging.get_rpc_client(target)

                def select_destinations(self, ctxt, spec):
                    cctxt = self.client.prepare(version='4.0')
                    return cctxt.call(ctxt, 'select_destinations', spec=spec)

                def update_aggregates(self, ctxt, aggregates):
                    cctxt = self.client.prepare(fanout=True, version='4.1')
                    cctxt.cast(ctxt, 'update_aggregates', aggregates=aggregates)
            """,
            path="nova/scheduler/rpcapi.py",
        ),
        # the target is the floor: every send goes out at 1.4 on purpose (neutron)
        Valid(
            """
            import oslo_messaging


            class PluginReportStateAPI:
                def __init__(self, topic):
                    target = oslo_messaging.Target(topic=topic, version='1.4')
                    self.client = oslo_messaging.get_rpc_client(target)

                def has_alive_neutron_server(self, context, **kwargs):
                    cctxt = self.client.prepare()
                    return cctxt.call(context, 'has_alive_neutron_server', **kwargs)
            """,
            path="neutron/agent/rpc.py",
        ),
        # a wrapper passes the version through (cinder's _get_cctxt)
        Valid(
            """
            class VolumeAPI:
                RPC_API_VERSION = '3.20'
                RPC_DEFAULT_VERSION = '3.0'

                def _get_cctxt(self, version=None):
                    return self.client.prepare(version=version or self.RPC_DEFAULT_VERSION)

                def delete_volume(self, ctxt, volume):
                    cctxt = self._get_cctxt()
                    cctxt.cast(ctxt, 'delete_volume', volume=volume)
            """,
            path="cinder/volume/rpcapi.py",
        ),
    ]

    def check(self, ctx: Context):
        for path, facts in ctx.head.items():
            for client in facts.rpc:
                above = None
                seen = set()
                for value, span in client.floats:
                    if span in seen:
                        continue
                    seen.add(span)
                    method = next((m.name for m in client.methods if m.span.line <= span.line), "")
                    for m in client.methods:
                        if m.span.line <= span.line:
                            method = m.name
                    ctx.report(self, path, span, f"{client.name}.{method}", variant="float", cls=client.name,
                               method=method or "<class>", value=value)
                for p in client.prepares:
                    rpc = next((r for r in p.rpc_methods if r), "the message")
                    symbol = f"{client.name}.{p.method}"
                    if p.version_kind == "float":
                        if p.span not in seen and not client.floats:
                            ctx.report(self, path, p.span, symbol, variant="float", cls=client.name, method=p.method,
                                       value=p.version)
                    elif p.version_kind == "missing":
                        if above is None:
                            above = _above_floor(client)
                        if above:
                            ctx.report(self, path, p.span, symbol, cls=client.name, method=p.method, rpc=rpc,
                                       target=f"the target's {client.target_version}")


# ---------------------------------------------------------------- UPG102


class UnguardedNewVersion(Rule):
    """
    ## What it does
    In a change (`--base`), checks client methods that start sending an RPC
    version newer than anything the client knew before, with no guard for it:
    no `can_send_version(V)` (or an alias such as ironic's `_can_send_version`
    or nova's `supports_*` methods), no `_ver()`/`_compat_ver()`/tuple version,
    no `@assert_min_rpc_version(V)`, no raise when V cannot be sent.

    An existing method whose version is raised is an error. A brand-new method
    added at a new version with no guard in the client is reported as an info
    note: cinder, ironic and manila guard at the caller (`can_send_rescue()`,
    API microversion checks), nova usually guards in the client. Set
    `rpc-guard-in-client = true` to make that an error too. The same note is
    given when a method raises its version only when the caller sets the new
    argument (ironic's "avoid sending unset parameters"). In projects with no
    version caps (neutron, heat: no `can_send_version` in the module, or
    `rpc-version-caps = false`) every finding is info.

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
        guard_in_client = bool(getattr(ctx.config, "rpc_guard_in_client", False))
        for path, client, old in _pairs(ctx):
            caps = _caps(ctx, client)
            known = _known(old)
            before = _base_sends(old)
            seen = set()
            for m in client.methods:
                for s in m.sends:
                    if not s.rpc:
                        continue
                    v = _send_version(client, s)
                    if not v or not versions.same_major_gt(v, known) or _guarded(m, s, v):
                        continue
                    symbol = f"{client.name}.{m.name}"
                    if (symbol, s.rpc) in seen:
                        continue
                    seen.add((symbol, s.rpc))
                    if s.rpc not in before:
                        if not caps:
                            continue
                        ctx.report(self, path, s.span, symbol, variant="new", cls=client.name, method=m.name,
                                   rpc=s.rpc, version=v)
                        if not guard_in_client:
                            _as_info(ctx, self)
                        continue
                    if v in m.optin:  # only when the caller sets the new argument: the caller checks
                        ctx.report(self, path, s.span, symbol, variant="optin", cls=client.name, method=m.name,
                                   rpc=s.rpc, version=v)
                        if not guard_in_client or not caps:
                            _as_info(ctx, self)
                        continue
                    ctx.report(self, path, s.span, symbol, cls=client.name, method=m.name, rpc=s.rpc, version=v)
                    if not caps:
                        _as_info(ctx, self)


# ---------------------------------------------------------------- UPG103


class NewKwargWithoutFallback(Rule):
    """
    ## What it does
    In a change (`--base`), checks sends whose version was raised to a new
    version and that now carry a keyword argument they did not carry before,
    when the argument is neither dropped for older servers (`msg_args.pop('x')`,
    `del kw['x']` in the `not can_send_version` branch, a rename counts) nor
    added only under a positive `can_send_version` (ironic's opt-in chain), and
    the method does not raise when the new version cannot be sent.

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
        for path, client, old in _pairs(ctx):
            caps = _caps(ctx, client)
            known = _known(old)
            before = _base_sends(old)
            seen = set()
            for m in client.methods:
                for s in m.sends:
                    if not s.rpc or s.rpc not in before:
                        continue
                    v = _send_version(client, s)
                    vb = versions.newest(_send_version(old, b) for b in before[s.rpc])
                    if not v or not versions.same_major_gt(v, vb) or not versions.same_major_gt(v, known) or _gated(m, v):
                        continue
                    if _absorbs(ctx, path, s.rpc):
                        continue
                    for k in _new_kwargs(s, before[s.rpc]):
                        if k in m.dropped or (m.name, k) in seen:
                            continue
                        seen.add((m.name, k))
                        ctx.report(self, path, s.span, f"{client.name}.{m.name}.{k}", cls=client.name,
                                   method=m.name, kwarg=k, version=v)
                        if not caps:
                            _as_info(ctx, self)


# ---------------------------------------------------------------- UPG104


class VersionBumpBookkeeping(Rule):
    """
    ## What it does
    Checks that the newest version an RPC client sends (or tests, or declares
    as `RPC_API_VERSION`) is recorded everywhere the project keeps it:

    - the version-history docstring of the client class;
    - the client's own `RPC_API_VERSION` (cinder, ironic, manila scheduler);
    - the server endpoint next to it (`manager.py` in the same package):
      `target = Target(version=...)` or `RPC_API_VERSION` (a manager linked to
      the client constant, as in cinder, is always in sync);
    - a literal `version_cap=` (manila);
    - nova's `SERVICE_VERSION_HISTORY[-1]['compute_rpc']`, with
      `SERVICE_VERSION` pointing at the last history entry;
    - ironic's `RELEASE_MAPPING['master']['rpc']`.

    ## Why is this bad?
    The server's target is what the oslo.messaging dispatcher compares against:
    a client sending 6.6 to a manager still declaring 6.5 fails with
    "Endpoint does not support RPC version 6.6" even with every service
    upgraded. A literal `version_cap` below the new version makes the client
    raise `RPCVersionCapError`. nova's `[upgrade_levels] compute = auto` and
    ironic's `pin_release_version` read the service-version history and the
    release mapping, so a stale entry caps the new release at the old version
    forever or, worse, lets it send a version old services do not have.

    ## How to allow
    Record the version in every place listed. If a place is intentionally
    behind, add `# noqa: UPG104` on the send.

    ## Fix safety
    No automatic fix: each place needs a human-written entry.

    ## References
    - nova, RPC versioning: https://docs.openstack.org/nova/latest/contributor/rpc.html
    - ironic, rolling upgrades: https://docs.openstack.org/ironic/latest/contributor/rolling-upgrades.html
    """

    code = "UPG104"
    name = "rpc-version-bump-bookkeeping"
    message = "{cls}: sends {version} but {where} is {recorded}; record {version} there"
    messages = {
        "history": "{cls}: sends {version} but the version history docstring ends at {recorded}; document {version}",
        "service": "SERVICE_VERSION is {service} but SERVICE_VERSION_HISTORY has {entries} entries; "
                   "point SERVICE_VERSION at the new entry",
    }
    severity = "error"
    INVALID = [
        Invalid(
            """
            import oslo_messaging as messaging


            class ShareAPI:
                '''
                1.29 - Add update_share_from_metadata() method
                1.30 - Add update_share_network_subnet_from_metadata() method
                1.31 - Add ensure_shares() method
                '''

                BASE_RPC_API_VERSION = '1.0'

                def __init__(self, topic=None):
                    target = messaging.Target(topic='manila-share', version=self.BASE_RPC_API_VERSION)
                    self.client = rpc.get_client(target, version_cap='1.30')

                def ensure_shares(self, context, host, shares):
                    call_context = self.client.prepare(server=host, version='1.31')
                    return call_context.cast(context, 'ensure_shares', shares=shares)  # expect: UPG104
            """,
            path="manila/share/rpcapi.py",
        ),
        Invalid(
            """
            class ConductorAPI:
                '''
                |    1.61 - Added get virtual media support
                '''
                RPC_API_VERSION = '1.61'

                def get_virtual_media(self, context, node_id, topic=None):
                    cctxt = self._prepare_call(topic=topic, version='1.62')
                    return cctxt.call(context, 'get_virtual_media', node_id=node_id)  # expect: UPG104
            """,
            path="ironic/conductor/rpcapi.py",
        ),
    ]
    VALID = [
        Valid(
            """
            import oslo_messaging as messaging


            class ShareAPI:
                '''
                1.30 - Add update_share_network_subnet_from_metadata() method
                1.31 - Add ensure_shares() method
                '''

                BASE_RPC_API_VERSION = '1.0'

                def __init__(self, topic=None):
                    target = messaging.Target(topic='manila-share', version=self.BASE_RPC_API_VERSION)
                    self.client = rpc.get_client(target, version_cap='1.31')

                def ensure_shares(self, context, host, shares):
                    call_context = self.client.prepare(server=host, version='1.31')
                    return call_context.cast(context, 'ensure_shares', shares=shares)
            """,
            path="manila/share/rpcapi.py",
        ),
    ]

    def check(self, ctx: Context):
        servers_by_dir: dict[str, list] = {}
        tables: dict[str, object] = {}
        for path, facts in ctx.head.items():
            ex = _extra(facts)
            if ex is None:
                continue
            for s in ex.servers:
                servers_by_dir.setdefault(os.path.dirname(path), []).append((path, s))
            if ex.service_history or ex.release_master:
                tables[path] = ex
        reported_history = set()
        for path, facts in ctx.head.items():
            for client in facts.rpc:
                cur = _current(client)
                if not cur:
                    continue
                method, span = _site(client, cur)
                symbol = f"{client.name}.{method}" if method else client.name

                def report(where, recorded, variant=None):
                    ctx.report(self, path, span, symbol, variant=variant, cls=client.name, version=cur, where=where,
                               recorded=recorded)

                hist = versions.newest(client.history)
                if hist and versions.same_major_gt(cur, hist):
                    report("", hist, "history")
                if client.api_version and versions.same_major_gt(cur, client.api_version[0]):
                    report("RPC_API_VERSION", client.api_version[0])
                if client.version_cap and versions.same_major_gt(cur, client.version_cap[0]):
                    report("version_cap", client.version_cap[0])
                sent = {s.rpc for m in client.methods for s in m.sends if s.rpc}
                cands = [(p, s) for p, s in servers_by_dir.get(os.path.dirname(path), ())
                         if not s.proxy and s.namespace == client.namespace and
                         (s.version_ref is not None or versions.major(s.version) == versions.major(cur)) and
                         _serves(s, sent)]
                if len(cands) == 1 and cands[0][1].version and versions.same_major_gt(cur, cands[0][1].version):
                    p, s = cands[0]
                    report(f"{s.name}'s target ({p})", s.version)
                for kind, suffix in client.refs:
                    for tpath, ex in tables.items():
                        if not (tpath == suffix or tpath.endswith("/" + suffix)):
                            continue
                        if kind == "service_history" and ex.service_history:
                            rpc, entries, service, hspan = ex.service_history
                            if versions.same_major_gt(cur, rpc):
                                report(f"SERVICE_VERSION_HISTORY[-1]['compute_rpc'] ({tpath})", rpc)
                            if service is not None and service != entries - 1 and tpath not in reported_history:
                                reported_history.add(tpath)
                                ctx.report(self, tpath, hspan, "SERVICE_VERSION", variant="service",
                                           service=service, entries=entries)
                        elif kind == "release_mapping" and ex.release_master:
                            if versions.same_major_gt(cur, ex.release_master[0]):
                                report(f"RELEASE_MAPPING['master']['rpc'] ({tpath})", ex.release_master[0])


# ---------------------------------------------------------------- UPG105


_NOT_RPC = frozenset(("init_host", "cleanup_host", "pre_start_hook", "post_start_hook", "reset", "start", "stop",
                      "wait", "periodic_tasks", "reset_service", "graceful_shutdown"))


_CONTEXT_PARAMS = frozenset(("context", "ctxt", "rpc_context", "ctx"))


class ServerSignatureNotBackwardCompatible(Rule):
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
    No automatic fix.

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
        sent_by_dir: dict[str, set] = {}
        for path, facts in ctx.head.items():
            for c in facts.rpc:
                for m in c.methods:
                    sent_by_dir.setdefault(os.path.dirname(path), set()).update(s.rpc for s in m.sends if s.rpc)
        for path, facts in ctx.head.items():
            ex = _extra(facts)
            base = ctx.base.get(path)
            bex = _extra(base) if base is not None else None
            if ex is None or bex is None:
                continue
            old = {s.name: s for s in bex.servers}
            proxies = [s for s in ex.servers if s.proxy]
            sent = sent_by_dir.get(os.path.dirname(path))
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
                ctx.report(self, path, m.span, symbol, cls=srv.name, method=m.name, param=n)
                return


# ---------------------------------------------------------------- UPG106


class MajorBumpWithoutCompatEndpoint(Rule):
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
            ex, bex = _extra(facts), _extra(base)
            if ex is not None and bex is not None:
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
            oldc = {c.name: c for c in base.rpc}
            for c in facts.rpc:
                o = oldc.get(c.name)
                if o is None or not c.aliases or not o.aliases:
                    continue
                if versions.major(c.target_version) is not None and versions.major(o.target_version) is not None and \
                        versions.major(c.target_version) > versions.major(o.target_version) and len(c.aliases) <= len(o.aliases):
                    ctx.report(self, path, c.span, c.name, variant="alias", cls=c.name, old=o.target_version,
                               new=c.target_version)


# ---------------------------------------------------------------- UPG107


OPENSTACK_RELEASES = (
    "austin", "bexar", "cactus", "diablo", "essex", "folsom", "grizzly", "havana", "icehouse", "juno", "kilo",
    "liberty", "mitaka", "newton", "ocata", "pike", "queens", "rocky", "stein", "train", "ussuri", "victoria",
    "wallaby", "xena", "yoga", "zed", "antelope", "bobcat", "caracal", "dalmatian", "epoxy", "flamingo",
    "gazpacho", "hibiscus",
)
_RELEASE_INDEX = {name: i for i, name in enumerate(OPENSTACK_RELEASES)}


class AliasTableHygiene(Rule):
    """
    ## What it does
    Checks `VERSION_ALIASES` tables (release name to the newest RPC version
    that release can handle): a value above the newest version in the client's
    history docstring, a value lower than the one of the release before it
    (entries are in release order), a release named twice, a misspelt
    OpenStack release name, and releases out of their order.

    Repeated values are fine (`'newton': '4.13', 'ocata': '4.13'`).

    ## Why is this bad?
    Operators pin `[upgrade_levels] compute = <release>` during an upgrade. An
    alias above what the release really supports lets new services send
    versions the old ones reject; a decreasing value or a duplicate key pins
    the wrong version silently.

    ## How to allow
    Fix the table, or add `# noqa: UPG107` on the entry.

    ## Fix safety
    No automatic fix.

    ## References
    - nova, upgrade levels: https://docs.openstack.org/nova/latest/configuration/config.html#upgrade_levels
    """

    code = "UPG107"
    name = "rpc-alias-table-hygiene"
    message = "{cls}.VERSION_ALIASES['{release}'] = '{version}' is above the history maximum {max}"
    messages = {
        "order": "{cls}.VERSION_ALIASES['{release}'] = '{version}' is lower than '{prev}' of the release before",
        "dup": "{cls}.VERSION_ALIASES names '{release}' twice",
        "spelling": "{cls}.VERSION_ALIASES: '{release}' is not an OpenStack release; did you mean '{known}'?",
        "sequence": "{cls}.VERSION_ALIASES: '{release}' comes after '{prev}' but is an older release; "
                    "keep the table in release order",
    }
    severity = "error"
    INVALID = [
        Invalid(
            """
            class SchedulerAPI:
                '''
                4.4 - Modify select_destinations() signature
                4.5 - Add return_alternates
                '''

                VERSION_ALIASES = {
                    'queens': '4.4',
                    'rocky': '4.3',  # expect: UPG107
                    'stein': '4.6',  # expect: UPG107
                    'trian': '4.5',  # expect: UPG107
                    'pike': '4.5',  # expect: UPG107
                }

                def select_destinations(self, ctxt, spec):
                    cctxt = self.client.prepare(version='4.5')
                    return cctxt.call(ctxt, 'select_destinations', spec=spec)
            """,
            path="nova/scheduler/rpcapi.py",
        ),
    ]
    VALID = [
        Valid(
            """
            class SchedulerAPI:
                '''
                4.4 - Modify select_destinations() signature
                4.5 - Add return_alternates
                '''

                VERSION_ALIASES = {
                    'queens': '4.4',
                    'rocky': '4.4',
                    'stein': '4.5',
                }

                def select_destinations(self, ctxt, spec):
                    cctxt = self.client.prepare(version='4.5')
                    return cctxt.call(ctxt, 'select_destinations', spec=spec)
            """,
            path="nova/scheduler/rpcapi.py",
        ),
    ]

    def check(self, ctx: Context):
        for path, facts in ctx.head.items():
            for client in facts.rpc:
                if not client.aliases:
                    continue
                top = versions.newest(client.history)
                seen = set()
                prev = None
                prev_known = None
                for release, version, span in client.aliases:
                    symbol = f"{client.name}.VERSION_ALIASES.{release}"
                    if release in _RELEASE_INDEX:
                        if prev_known is not None and _RELEASE_INDEX[release] < _RELEASE_INDEX[prev_known]:
                            ctx.report(self, path, span, symbol, variant="sequence", cls=client.name,
                                       release=release, prev=prev_known)
                            seen.add(release)
                            continue
                        prev_known = release
                    else:
                        close = difflib.get_close_matches(release, OPENSTACK_RELEASES, n=1, cutoff=0.75)
                        if close:  # an unknown name far from every release may be a future one: say nothing
                            ctx.report(self, path, span, symbol, variant="spelling", cls=client.name,
                                       release=release, known=close[0])
                            seen.add(release)
                            continue
                    if release in seen:
                        ctx.report(self, path, span, symbol, variant="dup", cls=client.name, release=release)
                    elif top and versions.same_major_gt(version, top):
                        ctx.report(self, path, span, symbol, cls=client.name, release=release, version=version,
                                   max=top)
                    elif prev is not None and versions.key(version) < versions.key(prev):
                        ctx.report(self, path, span, symbol, variant="order", cls=client.name, release=release,
                                   version=version, prev=prev)
                    seen.add(release)
                    prev = version if prev is None or versions.key(version) >= versions.key(prev) else prev


# ---------------------------------------------------------------- UPG108


class NewCallAtOldVersion(Rule):
    """
    ## What it does
    In a change (`--base`), checks RPC methods and keyword arguments that the
    change adds to a client but sends at a version that already existed before
    the change: a reused older literal, or no version at all through a wrapper
    that falls back to the default or floor (cinder's `_get_cctxt(host)`).
    Arguments added only under a `can_send_version` guard, or dropped for old
    servers, are fine.

    ## Why is this bad?
    A not-yet-upgraded server claims that version, so the client sends the new
    call, and the old server answers with `NoSuchMethod` or a `TypeError` for
    the unexpected argument. The version history, the server target and the
    send must all agree on a new version.

    ## How to allow
    Bump the RPC API version (history docstring, server target, the send), or
    add `# noqa: UPG108` on the send.

    ## Fix safety
    No automatic fix.

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
        for path, client, old in _pairs(ctx):
            known = _known(old)
            if not known:
                continue
            before = _base_sends(old)
            seen = set()
            for m in client.methods:
                for s in m.sends:
                    if not s.rpc:
                        continue
                    v = _send_version(client, s)
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
                        if gated_default:
                            continue
                        if (symbol, s.rpc) not in seen:
                            seen.add((symbol, s.rpc))
                            ctx.report(self, path, s.span, symbol, cls=client.name, method=m.name, rpc=s.rpc,
                                       version=v)
                        continue
                    # a drop in a fallback does not help: the version that carries the kwarg already existed
                    # nor does a guard that tests a version that already existed
                    new_kwargs = _new_kwargs(s, before[s.rpc], trust_guards=fresh)
                    if new_kwargs and _absorbs(ctx, path, s.rpc):
                        continue
                    for k in new_kwargs:
                        if (m.name, k) in seen or (gated_default and k in m.dropped):
                            continue
                        seen.add((m.name, k))
                        ctx.report(self, path, s.span, f"{client.name}.{m.name}.{k}", variant="kwarg",
                                   cls=client.name, method=m.name, kwarg=k, version=v)

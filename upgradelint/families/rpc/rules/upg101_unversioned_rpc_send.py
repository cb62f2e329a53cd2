"""UPG101 unversioned-rpc-send."""

from __future__ import annotations

from upgradelint.core import versions
from upgradelint.core.rule import Context, Invalid, Rule, Valid
from upgradelint.families.rpc.fixes import RpcFixes


class UnversionedRpcSend(Rule):
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

    Out of scope: clients written against the `RpcProxy` base class that came
    before oslo.messaging (`BASE_RPC_API_VERSION` as the proxy's default and
    `self.call(ctxt, self.make_msg(...))` through the proxy). No maintained
    project uses it any more and the rule is not tuned for it. heat's
    `make_msg`/`call` helpers over an oslo.messaging client are in scope.

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
    Safe. A float version becomes the same version as a string. A send with
    no version is pinned at the version it goes out at today (the target's),
    which changes nothing on the wire; a send the change adds is pinned at the
    new version instead, with the bookkeeping of UPG108's fix.

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
                               method=method or "<class>", value=value,
                               fix=ctx.analysis(RpcFixes).float_fix(path, span, value))
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
                                       target=f"the target's {client.target_version}",
                                       fix=ctx.analysis(RpcFixes).pin_fix(path, client, p))


def _above_floor(client) -> bool:
    """Is the client's target version above the oldest version it pins elsewhere?
    Unknown or X.0 targets are never above the floor (precision first)."""
    target = versions.parse(client.target_version)
    if not target or len(target) < 2 or target[1] == 0:
        return False
    lower = [versions.parse(p.version) for p in client.prepares if p.version_kind == "literal"]
    if client.default_version:
        lower.append(versions.parse(client.default_version))
    return any(v is not None and v < target for v in lower)

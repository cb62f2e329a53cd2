"""UPG104 rpc-version-bump-bookkeeping."""

from __future__ import annotations

import os

from upgradelint.core import versions
from upgradelint.core.rule import Context, Invalid, Rule, Valid
from upgradelint.families.rpc.analysis import RpcAnalysis, current_version
from upgradelint.families.rpc.fixes import RpcFixes


class RpcVersionBumpBookkeeping(Rule):
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
    Safe: bookkeeping only. The fix records the version in every place
    listed that is behind: a history line in the format of the docstring's
    last entry (its words name the new methods and arguments; review them),
    the client's `RPC_API_VERSION` and `version_cap`, the server's target (a
    name such as `RPC_API_VERSION` is followed to its literal), nova's
    `SERVICE_VERSION_HISTORY` entry with `SERVICE_VERSION` + 1, ironic's
    `RELEASE_MAPPING['master']['rpc']`.

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
        an = ctx.analysis(RpcAnalysis)
        reported_history = set()
        for path, facts in ctx.head.items():
            for client in facts.rpc:
                cur = current_version(client)
                if not cur:
                    continue
                method, span = _site(client, cur)
                symbol = f"{client.name}.{method}" if method else client.name

                def report(where, recorded, variant=None):
                    ctx.report(self, path, span, symbol, variant=variant, cls=client.name, version=cur, where=where,
                               recorded=recorded, fix=ctx.analysis(RpcFixes).record_fix(path, client, cur))

                for where, recorded, variant in _stale_in_client(client, cur):
                    report(where, recorded, variant)
                server = _server_behind(an, path, client, cur)
                if server is not None:
                    p, s = server
                    report(f"{s.name}'s target ({p})", s.version)
                for kind, suffix in client.refs:
                    for tpath, ex in an.tables.items():
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


def _stale_in_client(client, cur):
    """(where, recorded, message variant) of the client's own records behind ``cur``."""
    hist = versions.newest(client.history)
    if hist and versions.same_major_gt(cur, hist):
        yield "", hist, "history"
    if client.api_version and versions.same_major_gt(cur, client.api_version[0]):
        yield "RPC_API_VERSION", client.api_version[0], None
    if client.version_cap and versions.same_major_gt(cur, client.version_cap[0]):
        yield "version_cap", client.version_cap[0], None


def _server_behind(an, path, client, cur):
    """(path, server) of the one endpoint next to the client that serves it, when its target is behind ``cur``."""
    sent = {s.rpc for m in client.methods for s in m.sends if s.rpc}
    cands = [(p, s) for p, s in an.servers_by_dir.get(os.path.dirname(path), ())
             if not s.proxy and s.namespace == client.namespace and
             (s.version_ref is not None or versions.major(s.version) == versions.major(cur)) and
             _serves(s, sent)]
    if len(cands) == 1 and cands[0][1].version and versions.same_major_gt(cur, cands[0][1].version):
        return cands[0]
    return None


def _serves(server, sent) -> bool:
    """Does the endpoint implement most of what the client sends?"""
    if not sent:
        return False
    names = {m.name for m in server.methods}
    return len(sent & names) * 2 >= len(sent)

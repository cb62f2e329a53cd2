"""UPG110 expired-compat-code."""

from __future__ import annotations

from upgradelint.core import versions
from upgradelint.core.model import Span
from upgradelint.core.rule import Context, Invalid, Rule, Valid
from upgradelint.families.rpc.analysis import rpc_extra
from upgradelint.families.rpc.window import ReleaseWindow, compat_items

_SERVICE_PY = """
SERVICE_VERSION_HISTORY = (
    {'compute_rpc': '6.4'},
    {'compute_rpc': '6.5'},
)
# NOTE: bump this to the previous SLURP release at the start of each cycle
OLDEST_SUPPORTED_SERVICE_VERSION = 'Epoxy'
SERVICE_VERSION_ALIASES = {
    'Epoxy': 0,
    'Flamingo': 0,
    'Gazpacho': 1,
}
"""


class ExpiredCompatCode(Rule):
    """
    ## What it does
    Lists compatibility code that serves only versions older than the oldest
    release still supported in a rolling upgrade, so that it can go: a
    `can_send_version('X.Y')` fallback or gate (`assert_min_rpc_version`, a
    raise) in a client method, nova's `_ver()` bridge to the previous major, an
    endpoint for an old RPC major (`_ComputeV5Proxy`), an `obj_make_compatible`
    branch for `target_version < (M, N)`. These are info notes: nothing is
    broken, and the same list feeds the upgrade report.

    The oldest supported release and the versions it speaks are read as for
    UPG109: `rpc-oldest-release`, else nova's `OLDEST_SUPPORTED_SERVICE_VERSION`,
    else the newest release in the project's tables (the release before it, or
    the SLURP release two back when the next release is a SLURP one), and the
    version from `VERSION_ALIASES`, `SERVICE_VERSION_HISTORY`,
    `RELEASE_MAPPING`, the history docstring or cinder's `OBJ_VERSIONS`. Where
    the tables leave a doubt, the oldest version that release may speak is used:
    a note means every supported release is past the version.

    ## Why is this bad?
    Compat code nobody can reach any more still has to be read, tested and kept
    working, and it hides the code paths that matter. Left long enough it gets
    copied into new methods. Its removal is safe only once the oldest release
    it serves is out of the upgrade window, which is what this note checks.

    ## How to allow
    Remove the code (with its `additional_endpoints` entry, its tests and the
    history entries it serves), or set the severity of UPG110 to `off`.

    ## Fix safety
    No automatic fix: the removal also touches tests and callers.

    ## References
    - OpenStack, SLURP releases and skip-level upgrades: https://governance.openstack.org/tc/resolutions/20220210-release-cadence-adjustment.html
    - nova, RPC versioning (removing compatibility): https://docs.openstack.org/nova/latest/contributor/rpc.html
    - ironic, rolling upgrades (RELEASE_MAPPING): https://docs.openstack.org/ironic/latest/contributor/rolling-upgrades.html
    """

    code = "UPG110"
    name = "expired-compat-code"
    message = ("{cls}.{method}: compat for RPC {versions} serves only releases older than {release} "
               "(speaks {oldest}); it can go")
    messages = {
        "endpoint": "{cls}: compat endpoint for RPC {major}.x serves only releases older than {release} "
                    "(speaks {oldest}); remove it",
        "object": "{cls}.obj_make_compatible: backport for < {version} serves only versions older than {release} "
                  "({cls} {oldest}); it can go",
    }
    severity = "info"
    scope = "state"
    INVALID = [
        # nova at 2026.1: Epoxy computes speak 6.4, so the 6.2 fallback and the 5.x proxy are dead
        Invalid(
            {
                "nova/compute/rpcapi.py": """
                from nova.objects import service as service_obj


                class ComputeAPI(object):
                    '''
                    * 6.2 - Add target_state parameter to rebuild_instance()
                    * 6.5 - Add 2nd RPC server with new topic 'compute-alt'
                    '''

                    def _determine_version_cap(self, target):
                        history = service_obj.SERVICE_VERSION_HISTORY

                    def rebuild_instance(self, ctxt, instance, target_state=None):  # expect: UPG110
                        msg_args = {'instance': instance, 'target_state': target_state}
                        version = '6.2'
                        client = self.router.client(ctxt)
                        if not client.can_send_version(version):
                            del msg_args['target_state']
                            version = '6.0'
                        cctxt = client.prepare(server=instance.host, version=version)
                        cctxt.cast(ctxt, 'rebuild_instance', **msg_args)

                    def prepare_for_alt_rpcserver(self, client, server, version, **kwargs):
                        topic = RPC_TOPIC_ALT
                        if not client.can_send_version('6.5'):
                            topic = RPC_TOPIC
                        return client.prepare(server=server, version=version, topic=topic, **kwargs)
                """,
                "nova/compute/manager.py": """
                import oslo_messaging as messaging


                class ComputeManager(manager.Manager):
                    target = messaging.Target(version='6.5')

                    def __init__(self):
                        self.additional_endpoints.append(_ComputeV5Proxy(self))


                class _ComputeV5Proxy(object):  # expect: UPG110
                    target = messaging.Target(version='5.13')

                    def __init__(self, manager):
                        self.manager = manager
                """,
                "nova/objects/service.py": _SERVICE_PY,
            },
        ),
        # cinder: the history's oldest set already has Backup 1.7
        Invalid(
            {
                "cinder/objects/base.py": """
                class CinderObjectVersionsHistory(dict):
                    def __init__(self):
                        super(CinderObjectVersionsHistory, self).__init__()
                        self.versions = ['1.38']
                        self['1.38'] = {'Backup': '1.7', 'Volume': '1.8'}


                OBJ_VERSIONS = CinderObjectVersionsHistory()
                OBJ_VERSIONS.add('1.39', {'Volume': '1.9'})
                """,
                "cinder/objects/backup.py": """
                @base.CinderObjectRegistry.register
                class Backup(base.CinderPersistentObject, base.CinderObject):
                    # Version 1.7: Add parent
                    VERSION = '1.7'

                    fields = {
                        'parent_id': fields.StringField(nullable=True),
                        'parent': fields.ObjectField('Backup', nullable=True),
                    }

                    def obj_make_compatible(self, primitive, target_version):
                        super(Backup, self).obj_make_compatible(primitive, target_version)
                        target_version = versionutils.convert_version_to_tuple(target_version)
                        if target_version < (1, 7):  # expect: UPG110
                            primitive.pop('parent', None)
                """,
            },
        ),
    ]
    VALID = [
        # the 6.5 fallback still serves Epoxy computes
        Valid(
            {
                "nova/compute/rpcapi.py": """
                from nova.objects import service as service_obj


                class ComputeAPI(object):
                    '''
                    * 6.5 - Add 2nd RPC server with new topic 'compute-alt'
                    '''

                    def _determine_version_cap(self, target):
                        history = service_obj.SERVICE_VERSION_HISTORY

                    def prepare_for_alt_rpcserver(self, client, server, version, **kwargs):
                        topic = RPC_TOPIC_ALT
                        if not client.can_send_version('6.5'):
                            topic = RPC_TOPIC
                        return client.prepare(server=server, version=version, topic=topic, **kwargs)

                    def reboot_instance(self, ctxt, instance, reboot_type):
                        client = self.router.client(ctxt)
                        cctxt = self.prepare_for_alt_rpcserver(client, instance.host, '6.0')
                        cctxt.cast(ctxt, 'reboot_instance', instance=instance, reboot_type=reboot_type)
                """,
                "nova/objects/service.py": _SERVICE_PY,
            },
        ),
    ]

    def check(self, ctx: Context):
        window = ctx.analysis(ReleaseWindow)
        for path, facts in ctx.head.items():
            for client in facts.rpc:
                self._client(ctx, window, path, client)
            ex = rpc_extra(facts)
            for srv in ex.servers if ex is not None else ():
                major = versions.major(srv.version)
                w = window.server(path, srv) if srv.proxy and major is not None else None
                if w is not None and w.moved_past(f"{major + 1}.0"):
                    ctx.report(self, path, srv.span, srv.name, variant="endpoint", cls=srv.name, major=major,
                               release=w.release_lo, oldest=w.lo)
            self._objects(ctx, window, path, facts)

    def _client(self, ctx, window, path, client):
        w = window.client(client)
        if w is None:
            return
        for m in client.methods:
            # pins (_ver(ctxt, '5.12')): the one note on the chooser itself (_ver) is enough
            dead = [v for v, kind in compat_items(client, m).items() if kind != "pin" and w.moved_past(v)]
            if dead:
                shown = ", ".join(f"< {v}" for v in sorted(dead, key=versions.key, reverse=True))
                ctx.report(self, path, m.span, f"{client.name}.{m.name}", cls=client.name, method=m.name,
                           versions=shown, release=w.release_lo, oldest=w.lo)

    def _objects(self, ctx, window, path, facts):
        ex = facts.extra.get("objects") if facts.extra else None
        for cls, found in (getattr(ex, "guards", None) or {}).items():
            w = window.object(cls)
            if w is None:
                continue
            for (major, minor), _, line in found:
                v = f"{major}.{minor}"
                if line and w.moved_past(v):
                    ctx.report(self, path, Span(line, 0, line, 0), f"{cls}.obj_make_compatible.{v}",
                               variant="object", cls=cls, version=v, release=w.release_lo, oldest=w.lo)
